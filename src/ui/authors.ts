import type { ChatMessage } from '../core/state';
import type { Strings } from './i18n';

/** Who wrote a message, as the list labels it ('' for a system message). */
export const whoOf = (m: ChatMessage, t: Strings) =>
  m.from == 'visitor' ? t.you : m.from == 'system' ? '' : m.name || t.agent;

/** The tag after the author's name: a bot's or an auto message's ('' for anyone else). */
export const tagOf = (m: ChatMessage, t: Strings) =>
  m.from == 'bot' ? t.bot : m.from == 'trigger' ? t.auto : '';

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
