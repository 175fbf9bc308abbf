import { Component, type ComponentChild, type Ref } from 'preact';
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

/** Time formats by language, made once: rows compare them by identity. */
const formats: Record<string, Intl.DateTimeFormat> = Object.create(null);

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
  const time = (formats[lang] ||= dateFormat(lang, { hour: 'numeric', minute: '2-digit' }));
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
    items.push(
      <Row
        key={m.cid || m.id}
        m={m}
        who={who}
        tag={tag}
        showName={!!showName}
        replies={m.id == withReplies}
        time={time}
        t={t}
        onRetry={onRetry}
        onReply={onReply}
      />,
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

interface RowProps {
  m: ChatMessage;
  who: string;
  tag: string;
  showName: boolean;
  replies: boolean;
  time: Intl.DateTimeFormat;
  t: Strings;
  onRetry(cid: string): void;
  onReply(message: ChatMessage, value: string): void;
}

/**
 * One message. It re-renders only when what it shows changed: the core keeps unchanged messages
 * as the same objects, so a new message in a long chat renders one row, not the whole list
 * (`npm run bench` measures a 1,000-message chat).
 */
class Row extends Component<RowProps> {
  shouldComponentUpdate(n: RowProps) {
    const p = this.props;
    return (
      n.m !== p.m ||
      n.who !== p.who ||
      n.tag !== p.tag ||
      n.showName !== p.showName ||
      n.replies !== p.replies ||
      n.t !== p.t ||
      n.time !== p.time
    );
  }

  render({ m, who, tag, showName, replies, time, t, onRetry, onReply }: RowProps) {
    const mine = m.from == 'visitor';
    const failed = m.status == 'failed';
    return (
      <li class={'m ' + m.from[0] + (failed ? ' fl' : '')}>
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
        {replies && (
          <div class="qr">
            {m.replies!.map((r) => (
              <button type="button" key={r.value} onClick={() => onReply(m, r.value)}>
                {r.label}
              </button>
            ))}
          </div>
        )}
      </li>
    );
  }
}
