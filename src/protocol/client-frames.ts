import type {
  ClientFrame,
  ChatStateFrame,
  Device,
  HelloFrame,
  IdentifyFrame,
  PageInfo,
  Profile,
  SendFrame,
  Variable,
  VariableValue,
} from '../protocol';
import { HISTORY_PAGE, LIMITS, MAX_ATTACHMENTS, MAX_COMMENT, MAX_TEXT } from './limits';
import { isNum, isRecord, isStr, toRecord } from './guards';
import { FILE_ID } from './messages';

/** Whether `Intl` knows a time zone name (IANA, such as `Europe/Paris`). */
function validZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return /^[\w+-]+(\/[\w+-]+)*$/.test(zone);
  } catch {
    return false;
  }
}
const DEVICES: readonly string[] = ['desktop', 'mobile', 'tablet'];
const isBool = (v: unknown): v is boolean => typeof v == 'boolean';
const opt = (v: unknown, ok: (v: unknown) => boolean) => v === undefined || ok(v);
const isId = (v: unknown): v is string => isStr(v, 100) && /^[\w-]+$/.test(v);

/** Limits of the free-text fields of client frames, in UTF-16 code units. */
const PROFILE_MAX = LIMITS;

function parsePage(f: Record<string, unknown>, what: string): PageInfo | string {
  if (!isStr(f.url, 2048) || !isStr(f.title, 1000) || !isStr(f.referrer, 2048))
    return what + ' needs url, title and referrer strings (url and referrer at most 2048)';
  return { url: f.url, title: f.title, referrer: f.referrer };
}

function parseProfile(f: Record<string, unknown>, out: Profile, what: string): string | void {
  for (const k of ['name', 'email', 'phone'] as const) {
    const v = f[k];
    if (v === undefined) continue;
    if (!isStr(v, PROFILE_MAX[k]))
      return what + '.' + k + ' must be a string of at most ' + PROFILE_MAX[k];
    out[k] = v;
  }
}

/**
 * A key of the sender's as a refusal names it: control characters escaped (`\n` as `\u000a`),
 * so a key cannot start a forged line in the server's log, where refusals are written.
 */
const shown = (k: string) =>
  k.slice(0, 100).replace(
    // oxlint-disable-next-line no-control-regex
    /[\0-\x1f\x7f-\x9f\u2028\u2029]/g,
    (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'),
  );

/** Longest variable label, in UTF-16 code units. */
const LABEL_MAX = LIMITS.label;

/**
 * Custom variables: at most 50, keys of at most 100 (never `__proto__`), values at most 1000;
 * with `labelled`, a value may also be `{label, value}` (a label of at most 200).
 */
function parseVars(v: unknown, what: string): Record<string, VariableValue> | string;
function parseVars(v: unknown, what: string, labelled: true): Record<string, Variable> | string;
function parseVars(
  v: unknown,
  what: string,
  labelled?: boolean,
): Record<string, Variable> | string {
  if (!isRecord(v)) return what + ' must be an object';
  const keys = Object.keys(v);
  if (keys.length > LIMITS.variables) return what + ' has more than ' + LIMITS.variables + ' keys';
  const out: Record<string, Variable> = {};
  for (const k of keys) {
    let x = v[k];
    if (!k || k.length > LIMITS.variableKey || k == '__proto__') return what + ' has a bad key';
    const label = labelled && isRecord(x) ? x.label : undefined;
    if (label !== undefined) {
      if (!isStr(label, LABEL_MAX) || !label)
        return what + '.' + shown(k) + '.label must be a non-empty string of at most ' + LABEL_MAX;
      x = (x as Record<string, unknown>).value;
    }
    if (!(isStr(x, 1000) || isNum(x) || isBool(x)))
      return what + '.' + shown(k) + ' must be a string (at most 1000), a number or a boolean';
    out[k] = label === undefined ? x : { label, value: x };
  }
  return out;
}

/**
 * Validates custom variables as a server stores them (values, or `{label, value}`): for data
 * read back from storage. Returns a clean copy or a reason string.
 */
export const parseStoredVariables = (v: unknown): Record<string, Variable> | string =>
  parseVars(v, 'variables', true);

/**
 * Labels of `vars`: non-empty strings of at most 200. A label for a key `vars` does not set is
 * dropped (it labels nothing).
 */
function parseLabels(
  v: unknown,
  vars: Record<string, VariableValue>,
  what: string,
): Record<string, string> | string {
  if (!isRecord(v)) return what + ' must be an object';
  const out: Record<string, string> = {};
  for (const k of Object.keys(v)) {
    const label = v[k];
    if (!isStr(label, LABEL_MAX) || !label)
      return what + '.' + shown(k) + ' must be a non-empty string of at most ' + LABEL_MAX;
    if (Object.prototype.hasOwnProperty.call(vars, k)) out[k] = label;
  }
  return out;
}

/**
 * Validates a frame from a client (what a server runs on every frame it receives). Returns a
 * clean frame with only known fields, or a string saying why it was refused; never throws.
 * Accepts a JSON string or an already parsed value. Ids (`vid`, `cid`) are at most 100 characters
 * of `[A-Za-z0-9_-]`; texts at most {@link MAX_TEXT}; a message text is not empty.
 *
 * @example parseClientFrame('{"t":"typing","on":true}') // { t: 'typing', on: true }
 */
export function parseClientFrame(input: unknown): ClientFrame | string {
  const f = toRecord(input);
  if (typeof f == 'string') return f;
  switch (f.t) {
    case 'hello': {
      if (!isNum(f.v)) return 'hello.v must be a number';
      if (!isStr(f.key, 100) || !f.key) return 'hello.key must be a non-empty string';
      if (!isId(f.vid)) return 'hello.vid must be an id';
      if (!opt(f.token, (t) => isStr(t, 500))) return 'hello.token must be a string';
      if (!isNum(f.visits) || f.visits < 1) return 'hello.visits must be a number ≥ 1';
      if (!isNum(f.firstSeenAt) || !isNum(f.activeAt))
        return 'hello needs firstSeenAt and activeAt';
      if (!isRecord(f.page)) return 'hello.page must be an object';
      const page = parsePage(f.page, 'hello.page');
      if (isStr(page)) return page;
      if (!DEVICES.includes(f.device as string)) return 'hello.device must be one of ' + DEVICES;
      if (!isStr(f.lang, 35)) return 'hello.lang must be a string';
      if (!opt(f.group, (g) => isStr(g, 100))) return 'hello.group must be a string';
      const out: HelloFrame = {
        t: 'hello',
        v: f.v,
        key: f.key,
        vid: f.vid,
        visits: Math.floor(f.visits),
        firstSeenAt: f.firstSeenAt,
        page,
        device: f.device as Device,
        lang: f.lang,
        activeAt: f.activeAt,
      };
      if (f.token !== undefined) out.token = f.token as string;
      if (f.group !== undefined) out.group = f.group as string;
      // Only a hint: a zone this runtime does not know (browsers' lists differ) is dropped
      // rather than refusing the visitor's connection.
      if (isStr(f.timeZone, 64) && validZone(f.timeZone)) out.timeZone = f.timeZone;
      if (f.profile !== undefined) {
        if (!isRecord(f.profile)) return 'hello.profile must be an object';
        const err = parseProfile(f.profile, (out.profile = {}), 'hello.profile');
        if (err) return err;
      }
      if (f.variables !== undefined) {
        const vars = parseVars(f.variables, 'hello.variables');
        if (isStr(vars)) return vars;
        out.variables = vars;
        if (f.variableLabels !== undefined) {
          const labels = parseLabels(f.variableLabels, vars, 'hello.variableLabels');
          if (isStr(labels)) return labels;
          out.variableLabels = labels;
        }
      }
      return out;
    }
    case 'hb':
      if (!isNum(f.activeAt) || !opt(f.hidden, isBool))
        return 'hb needs activeAt (a number) and an optional boolean hidden';
      return f.hidden === undefined
        ? { t: 'hb', activeAt: f.activeAt }
        : { t: 'hb', activeAt: f.activeAt, hidden: f.hidden as boolean };
    case 'page': {
      const page = parsePage(f, 'page');
      return isStr(page) ? page : { t: 'page', ...page };
    }
    case 'msg': {
      if (!isId(f.cid)) return 'msg.cid must be an id';
      const files = f.attachments;
      if (
        files !== undefined &&
        (!Array.isArray(files) ||
          !files.length ||
          files.length > MAX_ATTACHMENTS ||
          !files.every((a) => isRecord(a) && isStr(a.id, 100) && FILE_ID.test(a.id)))
      )
        return (
          'msg.attachments must be a list of 1 to ' + MAX_ATTACHMENTS + ' {id} of uploaded files'
        );
      if (!isStr(f.text) || (!f.text && !files))
        return (
          'msg.text must be a string of at most ' + MAX_TEXT + ', not empty without attachments'
        );
      if (!isNum(f.at)) return 'msg.at must be a number';
      const out: SendFrame = { t: 'msg', cid: f.cid, text: f.text, at: f.at };
      if (files) out.attachments = (files as { id: string }[]).map((a) => ({ id: a.id }));
      return out;
    }
    case 'rate':
      if (f.value !== 'good' && f.value !== 'bad') return "rate.value must be 'good' or 'bad'";
      if (!opt(f.comment, (c) => isStr(c, MAX_COMMENT)))
        return 'rate.comment must be a string of at most ' + MAX_COMMENT;
      return f.comment === undefined
        ? { t: 'rate', value: f.value }
        : { t: 'rate', value: f.value, comment: f.comment as string };
    case 'end':
      return { t: 'end' };
    case 'id': {
      const out: IdentifyFrame = { t: 'id' };
      const err = parseProfile(f, out, 'id');
      if (err) return err;
      if (!opt(f.userHash, (h) => isStr(h, 200))) return 'id.userHash must be a string';
      if (!opt(f.form, isBool)) return 'id.form must be a boolean';
      if (f.userHash !== undefined) out.userHash = f.userHash as string;
      if (f.form !== undefined) out.form = f.form as boolean;
      return out;
    }
    case 'vars': {
      const vars = parseVars(f.vars, 'vars.vars');
      if (isStr(vars)) return vars;
      if (f.labels === undefined) return { t: 'vars', vars };
      const labels = parseLabels(f.labels, vars, 'vars.labels');
      return isStr(labels) ? labels : { t: 'vars', vars, labels };
    }
    case 'group':
      return isStr(f.group, 100) ? { t: 'group', group: f.group } : 'group.group must be a string';
    case 'am':
      if (!isStr(f.rule, 100) || !f.rule) return 'am.rule must be a non-empty string';
      return isStr(f.text) ? { t: 'am', rule: f.rule, text: f.text } : 'am.text must be a string';
    case 'chat': {
      if (!isBool(f.open)) return 'chat.open must be a boolean';
      const c: ChatStateFrame = { t: 'chat', open: f.open };
      // Hints, as in the hello: a zone this runtime does not know is dropped, a bad lang too.
      if (isStr(f.timeZone, 64) && validZone(f.timeZone)) c.timeZone = f.timeZone;
      if (isStr(f.lang, 35) && f.lang) c.lang = f.lang;
      return c;
    }
    case 'read':
      return isNum(f.at) ? { t: 'read', at: f.at } : 'read.at must be a number';
    case 'hist': {
      if (!isId(f.before)) return 'hist.before must be an id';
      const limit = f.limit === undefined ? HISTORY_PAGE : f.limit;
      if (!Number.isInteger(limit) || (limit as number) < 1 || (limit as number) > HISTORY_PAGE)
        return 'hist.limit must be a whole number from 1 to ' + HISTORY_PAGE;
      return { t: 'hist', before: f.before, limit: limit as number };
    }
    case 'typing':
      return isBool(f.on) ? { t: 'typing', on: f.on } : 'typing.on must be a boolean';
    default:
      // typeof first: String() throws on {"t": {"toString": 1, "valueOf": 1}}.
      return (
        'unknown frame type ' + (isStr(f.t, 1e9) ? JSON.stringify(f.t.slice(0, 20)) : typeof f.t)
      );
  }
}
