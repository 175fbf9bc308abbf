// Frames the widget receives (from the server), validated.
import type { ServerFrame, WelcomeFrame } from '../protocol';
import { PROTOCOL_VERSION } from './limits';
import { isNum, isStr, toRecord } from './guards';
import { parseMessage, parseMessages } from './messages';

/**
 * Validates a frame from the server. Returns a clean frame, or a string saying why it was
 * refused. Accepts a JSON string or an already parsed value.
 */
export function parseServerFrame(input: unknown): ServerFrame | string {
  const f = toRecord(input);
  return typeof f == 'string' ? f : parseServerRecord(f);
}

/**
 * Validates a server frame already made a prototype-free record by {@link toRecord} (the kernel
 * does that once for every frame; the chat layer validates the rest here).
 */
export function parseServerRecord(f: Record<string, unknown>): ServerFrame | string {
  switch (f.t) {
    case 'welcome': {
      if (!isStr(f.vid, 100) || !f.vid) return 'welcome.vid must be a string';
      if (f.token !== undefined && !isStr(f.token, 500)) return 'welcome.token must be a string';
      const out: WelcomeFrame = {
        t: 'welcome',
        v: isNum(f.v) ? f.v : PROTOCOL_VERSION,
        vid: f.vid,
        blocked: f.blocked === true,
        online: f.online !== false,
      };
      if (f.token !== undefined) out.token = f.token;
      if (f.messages !== undefined) {
        const list = parseMessages(f.messages, 'welcome.messages');
        if (typeof list == 'string') return list;
        out.messages = list;
      }
      if (f.more === true) out.more = true;
      if (f.rules !== undefined) {
        if (!Array.isArray(f.rules)) return 'welcome.rules must be a list';
        out.rules = f.rules;
      }
      return out;
    }
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
    case 'rules':
      return Array.isArray(f.rules) ? { t: f.t, rules: f.rules } : 'rules is not a list';
    case 'blocked':
    case 'unblocked':
    case 'closed':
      return { t: f.t };
    case 'typing':
      return typeof f.on == 'boolean' ? { t: 'typing', on: f.on } : 'typing.on must be a boolean';
    case 'status':
      return typeof f.online == 'boolean'
        ? { t: 'status', online: f.online }
        : 'status.online must be a boolean';
    case 'err':
      if (!isStr(f.code, 100)) return 'err.code must be a string';
      return f.message === undefined || isStr(f.message, 1000)
        ? { t: 'err', code: f.code, message: f.message as string | undefined }
        : 'err.message must be a string';
    default:
      return 'unknown frame type ' + JSON.stringify(String(f.t).slice(0, 20));
  }
}
