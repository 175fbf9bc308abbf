import type { ComponentChild, Ref } from 'preact';
import type { ChatMessage } from '../core/state';
import { fill, type Strings } from './i18n';
import { linkify } from './linkify';
import { dateFormat, dayKey, dayLabel } from './time';

/** Props of {@link MessageList}. */
export interface MessageListProps {
  messages: ChatMessage[];
  /** Name of the agent typing, or null. */
  typing: string | null;
  t: Strings;
  lang: string;
  now: number;
  listRef: Ref<HTMLOListElement>;
  onRetry(cid: string): void;
  onReply(message: ChatMessage, value: string): void;
}

/**
 * The id of the message whose quick replies are offered: the latest message that has some,
 * unless the visitor has written since.
 */
export function repliesFor(messages: ChatMessage[]): string | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m.from == 'visitor') return;
    if (m.replies?.length) return m.id;
  }
}

/**
 * The conversation: day separators, who wrote each message, times, each visitor message's
 * delivery state (with Retry when it failed), quick replies and the agent typing indicator.
 * Bot, auto (trigger) and system messages each look different from an agent's.
 */
export function MessageList({
  messages,
  typing,
  t,
  lang,
  now,
  listRef,
  onRetry,
  onReply,
}: MessageListProps) {
  const time = dateFormat(lang, { hour: 'numeric', minute: '2-digit' });
  const withReplies = repliesFor(messages);
  const items: ComponentChild[] = [];
  let day = '';
  let author = '';
  for (const m of messages) {
    const d = dayKey(m.at);
    if (d != day) {
      day = d;
      author = '';
      items.push(
        <li class="dy" key={'d' + d}>
          {dayLabel(m.at, now, t, lang)}
        </li>,
      );
    }
    const mine = m.from == 'visitor';
    const who = mine ? t.you : m.from == 'system' ? '' : m.name || t.agent;
    const tag = m.from == 'bot' ? t.bot : m.from == 'trigger' ? t.auto : '';
    // The name shows when the author changes; screen readers always hear who wrote it.
    const showName = !mine && who && who + m.from != author;
    author = who + m.from;
    const failed = m.status == 'failed';
    items.push(
      <li class={'m ' + m.from[0] + (failed ? ' fl' : '')} key={m.cid || m.id}>
        {showName ? (
          <span class="nm">
            {who}
            {tag && <span class="tg">{tag}</span>}
          </span>
        ) : (
          who && <span class="sr">{who}: </span>
        )}
        <div class="bb" dir="auto">
          {mine ? m.text : linkify(m.text)}
        </div>
        <span class="mt">
          <time dateTime={new Date(m.at).toISOString()}>{time.format(m.at)}</time>
          {m.status && (
            <span>
              {'· '}
              {t[m.status]}
            </span>
          )}
          {failed && m.cid && (
            <button type="button" class="rt" onClick={() => onRetry(m.cid!)}>
              {t.retry}
            </button>
          )}
        </span>
        {m.id == withReplies && (
          <div class="qr">
            {m.replies!.map((r) => (
              <button type="button" key={r.value} onClick={() => onReply(m, r.value)}>
                {r.label}
              </button>
            ))}
          </div>
        )}
      </li>,
    );
  }
  if (typing !== null)
    items.push(
      <li class="m a ty" key="typing">
        <div class="bb">
          <span class="sr">{fill(t.typing, { name: typing })}</span>
          <i />
          <i />
          <i />
        </div>
      </li>,
    );
  return (
    <ol class="ls" ref={listRef} aria-label={t.messages} tabIndex={0}>
      {items}
    </ol>
  );
}
