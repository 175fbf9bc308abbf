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

// The validators live beside this file, one concern each; this module is the one to import.
export * from './protocol/limits';
export * from './protocol/guards';
export { parseAttachments, parseMessage, parseReplies } from './protocol/messages';
export { parseEventFrame, parseServerFrame, parseServerRecord } from './protocol/incoming';
export { parseConversationFrame } from './protocol/incoming-messages';
export { parseClientFrame, parseStoredVariables } from './protocol/client-frames';

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
  /** Visitor id (four decimal 32-bit numbers joined by `-` from this widget, core/id.ts; up to 100 `[\w-]` characters). */
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
  /**
   * The browser's IANA time zone, sent with the first opening that learns it (since 0.2: the
   * hello carries it from then on; reading it on every page view would start ICU).
   */
  timeZone?: string;
  /** The widget's language as the window opens (a `language` command may have changed it since the hello). */
  lang?: string;
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
  /**
   * The largest file `POST /v1/files` takes, in bytes (a positive integer): the widget refuses a
   * larger one at once instead of uploading it to be told `413`. Absent: no limit is known.
   */
  maxFile?: number;
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
