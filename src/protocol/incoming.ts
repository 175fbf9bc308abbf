// Frames the widget receives (from the server), validated. Split in two so the chat layer
// (chat.js) carries only what every page needs: this file validates the frames that carry no
// messages; the messages of `welcome`, `ack`, `msg` and `hist` are validated by
// incoming-messages.ts, which loads with the conversation (conversation.js).
import type { ServerFrame, WelcomeFrame } from '../protocol';
import { PROTOCOL_VERSION } from './limits';
import { isNum, isStr, toRecord } from './guards';
import { parseConversationFrame } from './incoming-messages';

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
  const e = parseEventFrame(f);
  return typeof e == 'string' ? e : parseConversationFrame(f, e);
}

/**
 * Validates what a frame holds besides messages: a whole frame for all but `ack`, `msg` and
 * `hist` (undefined for those), a `welcome` without its `messages` (see parseConversationFrame).
 */
export function parseEventFrame(f: Record<string, unknown>): ServerFrame | string | undefined {
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
      if (f.more === true) out.more = true;
      if (f.rules !== undefined) {
        if (!Array.isArray(f.rules)) return 'welcome.rules must be a list';
        out.rules = f.rules;
      }
      // Dropped unless a positive integer (the chat layer warns).
      const max = f.maxFile as number;
      if (Number.isInteger(max) && max > 0) out.maxFile = max;
      return out;
    }
    case 'ack':
    case 'msg':
    case 'hist':
      return;
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
