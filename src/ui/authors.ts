import type { ChatMessage } from '../core/state';
import type { Strings } from './i18n';

/** Who wrote a message, as the list labels it ('' for a system message). */
export const whoOf = (m: ChatMessage, t: Strings) =>
  m.from == 'visitor' ? t.you : m.from == 'system' ? '' : m.name || t.agent;

/** The tag after the author's name: a bot's or an auto message's ('' for anyone else). */
export const tagOf = (m: ChatMessage, t: Strings) =>
  m.from == 'bot' ? t.bot : m.from == 'trigger' ? t.auto : '';

/** What {@link repliesFor} found and the list it looked at, so the next call reads only what came after. */
export interface RepliesScan {
  list: readonly ChatMessage[];
  /** Index of the message with the replies offered, or -1. */
  at: number;
}

/**
 * The message whose quick replies are offered (its index in `scan.at`, -1 for none): the latest
 * message that has some, unless the visitor has written since. Given the previous scan of the
 * same conversation with messages appended since (the same objects up to the old end), only the
 * new messages are read: a live message in a long chat without replies does not walk the whole
 * history again.
 */
export function repliesFor(messages: readonly ChatMessage[], was?: RepliesScan): RepliesScan {
  const old = was?.list || [];
  let m = old.length;
  let at = was ? was.at : -1;
  // Appended to only: the old end is the same object, and so is the message found (its replies
  // could have changed) — else everything is read, from the end.
  if (!m || m > messages.length || messages[m - 1] !== old[m - 1] || messages[at] !== old[at]) {
    m = 0;
    at = -1;
  }
  for (let i = messages.length - 1; i >= m; i--) {
    const msg = messages[i]!;
    if (msg.from == 'visitor' || msg.replies?.length) {
      at = msg.from == 'visitor' ? -1 : i;
      break;
    }
  }
  return { list: messages, at };
}
