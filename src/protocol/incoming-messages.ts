// The messages of server frames, validated: the half of incoming.ts that loads with the
// conversation (conversation.js), not with every page.
import type { ServerFrame } from '../protocol';
import { isNum, isStr } from './guards';
import { parseMessage, parseMessages } from './messages';

/**
 * Completes the validation of a frame {@link parseEventFrame} passed (`e`: what it returned):
 * `ack`, `msg` and `hist` whole, a `welcome`'s `messages`; any other frame is `e` itself.
 * Returns a clean frame, or a string saying why it was refused.
 */
export function parseConversationFrame(
  f: Record<string, unknown>,
  e: ServerFrame | undefined,
): ServerFrame | string {
  switch (f.t) {
    case 'ack':
      if (!isStr(f.cid, 100) || !isStr(f.id, 100) || !f.id || !isNum(f.at))
        return 'ack needs cid, id and at';
      return { t: 'ack', cid: f.cid, id: f.id, at: f.at };
    case 'msg': {
      const m = parseMessage(f.m);
      return typeof m == 'string' ? 'msg: ' + m : { t: 'msg', m };
    }
    case 'hist': {
      if (!isStr(f.before, 100) || !f.before) return 'hist.before must be a non-empty string';
      if (typeof f.more != 'boolean') return 'hist.more must be a boolean';
      const list = parseMessages(f.messages, 'hist.messages');
      return typeof list == 'string'
        ? list
        : { t: 'hist', before: f.before, messages: list, more: f.more };
    }
  }
  if (e?.t == 'welcome' && f.messages !== undefined) {
    const list = parseMessages(f.messages, 'welcome.messages');
    return typeof list == 'string' ? list : { ...e, messages: list };
  }
  return e!;
}
