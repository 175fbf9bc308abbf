import { Component } from 'preact';
import type { ChatMessage } from '../core/state';
import type { Strings } from './i18n';
import { MessageFiles } from './MessageFiles';
import { linkify } from './linkify';

/** Props of {@link Row}. */
export interface RowProps {
  /** Place in the conversation as loaded (1 for the oldest): rows out of view are not in the DOM. */
  pos: number;
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
 * (`npm run bench` measures a 1,000-message chat). Exported for tests, which count its renders.
 */
export class Row extends Component<RowProps> {
  shouldComponentUpdate(n: RowProps) {
    const p = this.props;
    return (
      n.pos !== p.pos ||
      n.m !== p.m ||
      n.who !== p.who ||
      n.tag !== p.tag ||
      n.showName !== p.showName ||
      n.replies !== p.replies ||
      n.t !== p.t ||
      n.time !== p.time
    );
  }

  render({ pos, m, who, tag, showName, replies, time, t, onRetry, onReply }: RowProps) {
    const mine = m.from == 'visitor';
    const failed = m.status == 'failed';
    return (
      // The list's length is unknown to assistive tech (older pages, rows left out): -1.
      <li class={'m ' + m.from[0] + (failed ? ' fl' : '')} aria-posinset={pos} aria-setsize={-1}>
        {showName ? (
          <span class="nm">
            {who}
            {tag && <span class="tg">{tag}</span>}
          </span>
        ) : (
          who && <span class="sr">{who}: </span>
        )}
        {(m.text || !m.attachments) && (
          <div class="bb" dir="auto">
            {mine ? m.text : linkify(m.text)}
          </div>
        )}
        {m.attachments && <MessageFiles list={m.attachments} t={t} />}
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
