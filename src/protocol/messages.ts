import type { Attachment, Message, QuickReply, Author } from '../protocol';
import { MAX_ATTACHMENTS, MAX_TEXT } from './limits';
import { isNum, isRecord, isStr } from './guards';

const AUTHORS: readonly string[] = ['visitor', 'agent', 'bot', 'trigger', 'system'];

/** Validates quick replies (a value defaults to the label): a clean list, undefined when absent, false when bad. */
export function parseReplies(value: unknown): QuickReply[] | undefined | false {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length > 10) return false;
  const out: QuickReply[] = [];
  for (const r of value) {
    if (!isRecord(r) || !isStr(r.label, 200) || !r.label) return false;
    const v = r.value === undefined ? r.label : r.value;
    if (!isStr(v)) return false;
    out.push({ label: r.label, value: v });
  }
  return out;
}

/** Attachment ids and paths: what `POST /v1/files` issues, nothing a URL scheme could hide in. */
export const FILE_ID = /^[\w-]{1,100}$/;

/** Validates the attachments of a message: a clean list, undefined when absent, false when bad. */
export function parseAttachments(value: unknown): Attachment[] | undefined | false {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length > MAX_ATTACHMENTS) return false;
  const out: Attachment[] = [];
  for (const a of value) {
    // Only the chat server's own file path: never a javascript: or data: URL from a frame.
    if (
      !isRecord(a) ||
      !isStr(a.id, 100) ||
      !FILE_ID.test(a.id) ||
      a.url !== '/v1/files/' + a.id ||
      !isStr(a.name, 255) ||
      !isNum(a.size) ||
      !isStr(a.type, 100)
    )
      return false;
    out.push({ id: a.id, name: a.name, size: a.size, type: a.type, url: a.url });
  }
  return out;
}

/** Validates a message; returns a clean copy (only known fields) or a reason string. */
export function parseMessage(value: unknown): Message | string {
  if (!isRecord(value)) return 'message is not an object';
  const { id, cid, from, text, at, name } = value;
  if (!isStr(id, 100) || !id) return 'message id must be a non-empty string';
  if (cid !== undefined && !isStr(cid, 100)) return 'message cid must be a string';
  if (!AUTHORS.includes(from as string)) return 'message from must be one of ' + AUTHORS.join(', ');
  if (!isStr(text)) return 'message text must be a string of at most ' + MAX_TEXT;
  if (!isNum(at)) return 'message at must be a number';
  if (name !== undefined && !isStr(name, 200)) return 'message name must be a string';
  const replies = parseReplies(value.replies);
  if (replies === false) return 'message replies must be a list of {label, value}';
  const files = parseAttachments(value.attachments);
  if (files === false) return 'message attachments must be files of this server';
  const m: Message = { id, from: from as Author, text, at };
  if (cid !== undefined) m.cid = cid;
  if (name !== undefined) m.name = name;
  if (replies) m.replies = replies;
  if (files) m.attachments = files;
  return m;
}

/** Validates a list of messages (at most 1,000); a reason naming `what` when one is bad. */
export function parseMessages(value: unknown, what: string): Message[] | string {
  if (!Array.isArray(value) || value.length > 1000)
    return what + ' must be a list of at most 1000 messages';
  const list: Message[] = [];
  for (const raw of value) {
    const m = parseMessage(raw);
    if (typeof m == 'string') return what + ': ' + m;
    list.push(m);
  }
  return list;
}
