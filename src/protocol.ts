/**
 * The wire protocol between the widget and a server, version 2 (version 1 plus the `hist`
 * frames and `welcome.more`: a long conversation arrives a page at a time). Files, rating and
 * the `closed` frame (DESIGN.md §9) are optional additions to version 2: peers that predate them
 * send none and drop the frames they do not know.
 *
 * Every frame is a JSON object with a short tag `t`. Each field is documented once, here.
 * The server must validate client frames; the widget validates server frames with
 * {@link parseServerFrame} before it uses them, so a bad frame is dropped with a reason and
 * changes nothing.
 */

/** Version of this protocol, sent in `hello` and answered in `welcome`. */
export const PROTOCOL_VERSION = 2;

/** Messages a `welcome` carries at most: the newest of the conversation (older ones by `hist`). */
export const WELCOME_MESSAGES = 50;

/** Most messages one `hist` answer carries (and the default a `hist` request asks for). */
export const HISTORY_PAGE = 50;

/** Longest message text, in UTF-16 code units, either way. */
export const MAX_TEXT = 4000;

/** Most files one message carries. */
export const MAX_ATTACHMENTS = 10;

/** Longest rating comment, in UTF-16 code units. */
export const MAX_COMMENT = 1000;

/** Who wrote a message. `trigger` is an auto message, `bot` a chatbot's line. */
export type Author = 'visitor' | 'agent' | 'bot' | 'trigger' | 'system';

/** A quick-reply button carried by a bot or auto message. */
export interface QuickReply {
  /** What the button shows. */
  label: string;
  /** What is sent as the visitor's message when picked (defaults to the label). */
  value: string;
}

/**
 * A file attached to a message (ours, DESIGN.md §9). Uploaded with `POST /v1/files` first; the
 * server fills in every field from what it stored.
 */
export interface Attachment {
  /** Server id: at least 128 random bits, base64url. */
  id: string;
  /** File name as the uploader gave it (display only). */
  name: string;
  /** Size in bytes. */
  size: number;
  /** Media type the server found in the bytes (`image/png`, `application/pdf`, `text/plain`). */
  type: string;
  /** Path on the chat server, `/v1/files/<id>` (read with the visitor token or agent bearer). */
  url: string;
}

/** A chat message as it travels on the wire and lives in the widget's state. */
export interface Message {
  /** Server id; for a visitor message not yet acknowledged, the client id. */
  id: string;
  /** Client id of a visitor message (unique per visitor), used for acks and de-duplication. */
  cid?: string;
  from: Author;
  text: string;
  /** Creation time, ms since the epoch. */
  at: number;
  /** Display name of the agent or bot, when known. */
  name?: string;
  /** Quick replies offered with this message (bot and auto messages). */
  replies?: QuickReply[];
  /** Files sent with this message (the text may then be empty). */
  attachments?: Attachment[];
}

/** Page information sent with `hello` and `page`. */
export interface PageInfo {
  url: string;
  title: string;
  referrer: string;
}

/** Identity fields a visitor can have. */
export interface Profile {
  name?: string;
  email?: string;
  phone?: string;
}

export type Device = 'desktop' | 'mobile' | 'tablet';

/** Values a custom variable can hold. */
export type VariableValue = string | number | boolean;

/** A custom variable with the label agents see ("Spending: 1234.5"), as Smartsupp takes it. */
export interface LabelledVariable {
  label: string;
  value: VariableValue;
}

/** A custom variable as a server stores it: its value, or its value and label. */
export type Variable = VariableValue | LabelledVariable;

// ---- client → server ----

/** First frame on every (re)connection. */
export interface HelloFrame {
  t: 'hello';
  /** Protocol version. */
  v: number;
  /** Account key from the snippet. */
  key: string;
  /** Visitor id (nanoid, 21 chars). */
  vid: string;
  /** Token the server issued for this vid in an earlier welcome; absent on the first hello. */
  token?: string;
  /** Visit number (1 on the first visit) and when the visitor was first seen. */
  visits: number;
  firstSeenAt: number;
  page: PageInfo;
  device: Device;
  lang: string;
  /** Last real interaction, ms since the epoch (0 when none yet). */
  activeAt: number;
  profile?: Profile;
  variables?: Record<string, VariableValue>;
  /** Labels of some of `variables`, by key (since 0.2; a server that predates them ignores them). */
  variableLabels?: Record<string, string>;
  group?: string;
  /** The browser's IANA time zone (`Europe/Paris`), a hint of where the visitor is. */
  timeZone?: string;
}

/** Activity heartbeat: at most one per interval while the visitor interacts. */
export interface HeartbeatFrame {
  t: 'hb';
  /** Last real interaction, ms since the epoch. */
  activeAt: number;
  /** True on the last heartbeat sent as the page is hidden. */
  hidden?: boolean;
}

/** A page view (first load, SPA navigation or the `page` command). */
export interface PageFrame extends PageInfo {
  t: 'page';
}

/** A visitor message; the server answers with `ack` and must de-duplicate by `cid`. */
export interface SendFrame {
  t: 'msg';
  cid: string;
  /** May be empty when `attachments` is not. */
  text: string;
  at: number;
  /**
   * Files uploaded by this visitor (`POST /v1/files`), by id: at most {@link MAX_ATTACHMENTS}. The
   * server fills in the rest of each {@link Attachment}.
   */
  attachments?: { id: string }[];
}

/**
 * The visitor rates its last closed (or current) conversation (ours). A new rating replaces the
 * conversation's earlier one.
 */
export interface RateFrame {
  t: 'rate';
  value: 'good' | 'bad';
  /** At most {@link MAX_COMMENT}. */
  comment?: string;
}

/** The visitor ends the open conversation from the widget (as an agent's close; ours). */
export interface EndFrame {
  t: 'end';
}

/** Identity change. `form: true` when it came from the contact form. */
export interface IdentifyFrame extends Profile {
  t: 'id';
  /** Site's HMAC-SHA256 of the visitor's email (or id), checked by the server. */
  userHash?: string;
  form?: boolean;
}

/**
 * Changed custom variables only. A changed key without a label in `labels` has none any more.
 * Labels travel beside the values, so a server that predates them still reads the values.
 */
export interface VariablesFrame {
  t: 'vars';
  vars: Record<string, VariableValue>;
  /** Labels of some of `vars`, by key. */
  labels?: Record<string, string>;
}

export interface GroupFrame {
  t: 'group';
  group: string;
}

/** An auto message was shown to the visitor. */
export interface AutoMessageShownFrame {
  t: 'am';
  /** Rule id. */
  rule: string;
  text: string;
}

/** The visitor opened or closed the chat window. */
export interface ChatStateFrame {
  t: 'chat';
  open: boolean;
}

/** The visitor read everything up to this time. */
export interface ReadFrame {
  t: 'read';
  at: number;
}

export interface TypingFrame {
  t: 'typing';
  on: boolean;
}

/**
 * Asks for older messages of the open conversation (protocol 2): the server answers `hist` with
 * up to `limit` messages stored before the message `before`.
 */
export interface HistoryRequestFrame {
  t: 'hist';
  /** Server id of the oldest message the widget has. */
  before: string;
  /** How many, 1 to {@link HISTORY_PAGE} (default {@link HISTORY_PAGE}). */
  limit?: number;
}

export type ClientFrame =
  | HelloFrame
  | HistoryRequestFrame
  | HeartbeatFrame
  | PageFrame
  | SendFrame
  | IdentifyFrame
  | VariablesFrame
  | GroupFrame
  | AutoMessageShownFrame
  | ChatStateFrame
  | ReadFrame
  | TypingFrame
  | RateFrame
  | EndFrame;

// ---- server → client ----

/** Answer to `hello`. */
export interface WelcomeFrame {
  t: 'welcome';
  v: number;
  /** The visitor id the server accepted (normally the one sent). */
  vid: string;
  /** Token to send in later hellos for this vid. */
  token?: string;
  blocked?: boolean;
  /** Whether an agent is online. */
  online?: boolean;
  /**
   * The open conversation's newest messages (at most {@link WELCOME_MESSAGES}), oldest first
   * (replaces what the widget shows from there on).
   */
  messages?: Message[];
  /** Older messages than these exist: ask for them with `hist` (protocol 2). */
  more?: boolean;
  /** Auto-message rules for this site; see core/rules.ts for their shape. */
  rules?: unknown[];
}

/** A visitor message was stored: `cid` is now known as `id`. */
export interface AckFrame {
  t: 'ack';
  cid: string;
  id: string;
  at: number;
}

/** A message for the visitor (agent, bot, system) or an echo of its own from another tab. */
export interface MessageFrame {
  t: 'msg';
  m: Message;
}

export interface BlockedFrame {
  t: 'blocked';
}

export interface UnblockedFrame {
  t: 'unblocked';
}

export interface AgentTypingFrame {
  t: 'typing';
  on: boolean;
}

/** Agents came online or went offline. */
export interface StatusFrame {
  t: 'status';
  online: boolean;
}

/** Answer to a `hist` request (protocol 2). */
export interface HistoryFrame {
  t: 'hist';
  /** The `before` of the request this answers. */
  before: string;
  /** The messages stored just before it, oldest first (empty when there are none). */
  messages: Message[];
  /** Still older messages exist. */
  more: boolean;
}

/**
 * The site's auto-message rules changed (an agent edited its automations): they replace the
 * `welcome.rules` in force. Older widgets ignore it as an unknown frame.
 */
export interface RulesFrame {
  t: 'rules';
  rules: unknown[];
}

/** The open conversation was closed (by an agent, or ended by the visitor): ask for a rating. */
export interface ClosedFrame {
  t: 'closed';
}

/** The server refused a frame. */
export interface ErrorFrame {
  t: 'err';
  code: string;
  message?: string;
}

export type ServerFrame =
  | WelcomeFrame
  | AckFrame
  | MessageFrame
  | BlockedFrame
  | UnblockedFrame
  | AgentTypingFrame
  | StatusFrame
  | HistoryFrame
  | RulesFrame
  | ClosedFrame
  | ErrorFrame;

// ---- validation ----

const AUTHORS: readonly string[] = ['visitor', 'agent', 'bot', 'trigger', 'system'];

/** True for a plain (non-array, non-null) object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value == 'object' && value !== null && !Array.isArray(value);
}

const isStr = (v: unknown, max = MAX_TEXT): v is string => typeof v == 'string' && v.length <= max;

/** Whether `Intl` knows a time zone name (IANA, such as `Europe/Paris`). */
function validZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return /^[\w+-]+(\/[\w+-]+)*$/.test(zone);
  } catch {
    return false;
  }
}
const isNum = (v: unknown): v is number => typeof v == 'number' && isFinite(v);

function parseReplies(value: unknown): QuickReply[] | undefined | false {
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
const FILE_ID = /^[\w-]{1,100}$/;

function parseAttachments(value: unknown): Attachment[] | undefined | false {
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
function parseMessages(value: unknown, what: string): Message[] | string {
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

/** Rebuilds every object without a prototype: a polluted `Object.prototype` (a host page's, or
 * a server's) adds no fields to a frame, and `__proto__` keys stay plain data. */
const bare = (_: string, v: unknown) =>
  isRecord(v) ? Object.assign(Object.create(null) as object, v) : v;

/**
 * A frame as a prototype-free object (its nested objects too): parses a JSON string, copies a
 * value through JSON; a reason string when it is not one.
 */
export function toRecord(input: unknown): Record<string, unknown> | string {
  let f;
  try {
    f = JSON.parse(typeof input == 'string' ? input : JSON.stringify(input), bare);
  } catch (e) {
    // The reviver recurses: thousands of nested levels overflow the stack (no valid frame
    // nests more than a few).
    return e instanceof RangeError ? 'frame is nested too deeply' : 'frame is not JSON';
  }
  return isRecord(f) ? f : 'frame is not an object';
}

/**
 * Validates a frame from the server. Returns a clean frame, or a string saying why it was
 * refused. Accepts a JSON string or an already parsed value.
 */
export function parseServerFrame(input: unknown): ServerFrame | string {
  const f = toRecord(input);
  if (typeof f == 'string') return f;
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

const DEVICES: readonly string[] = ['desktop', 'mobile', 'tablet'];
const isBool = (v: unknown): v is boolean => typeof v == 'boolean';
const opt = (v: unknown, ok: (v: unknown) => boolean) => v === undefined || ok(v);
const isId = (v: unknown): v is string => isStr(v, 100) && /^[\w-]+$/.test(v);

/** Limits of the free-text fields of client frames, in UTF-16 code units. */
const PROFILE_MAX = { name: 200, email: 254, phone: 50 } as const;

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

/** Longest variable label, in UTF-16 code units. */
const LABEL_MAX = 200;

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
  if (keys.length > 50) return what + ' has more than 50 keys';
  const out: Record<string, Variable> = {};
  for (const k of keys) {
    let x = v[k];
    if (!k || k.length > 100 || k == '__proto__') return what + ' has a bad key';
    const label = labelled && isRecord(x) ? x.label : undefined;
    if (label !== undefined) {
      if (!isStr(label, LABEL_MAX) || !label)
        return what + '.' + k + '.label must be a non-empty string of at most ' + LABEL_MAX;
      x = (x as Record<string, unknown>).value;
    }
    if (!(isStr(x, 1000) || isNum(x) || isBool(x)))
      return what + '.' + k + ' must be a string (at most 1000), a number or a boolean';
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
      return what + '.' + k.slice(0, 100) + ' must be a non-empty string of at most ' + LABEL_MAX;
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
    case 'chat':
      return isBool(f.open) ? { t: 'chat', open: f.open } : 'chat.open must be a boolean';
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
