/**
 * What the server persists, behind one asynchronous interface with two implementations:
 * SQLite (store-sqlite.ts, the zero-setup default) and Postgres (store-postgres.ts, when
 * DATABASE_URL is set, DESIGN.md §8). The interface is async because Postgres is; the SQLite
 * implementation answers from better-sqlite3's synchronous calls.
 */
import {
  parseMessage,
  parseStoredVariables,
  type Attachment,
  type Device,
  type Message,
  type PageInfo,
  type Variable,
} from '../../src/protocol';
import type { Rating } from '../shared/visitor-list';
import { profileField } from './bidi-controls';
import type { Logger } from './log';

/** A visitor as the database keeps it. */
export interface StoredVisitor {
  id: string;
  tokenHash: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  /** Custom variables; a labelled one as `{label, value}`. */
  variables: Record<string, Variable>;
  group: string | null;
  customer: boolean;
  verified: boolean;
  blockedAt: number | null;
  firstSeenAt: number;
  lastSeenAt: number;
  lastActivityAt: number;
  visits: number;
  visitStartedAt: number;
  pageViews: number;
  pageUrl: string;
  pageTitle: string;
  referrer: string;
  device: Device | null;
  browser: string | null;
  os: string | null;
  language: string | null;
  /** ISO code of the country the last connection's address is in (country.ts); null unknown. */
  country: string | null;
  /** The browser's IANA time zone from the last hello. */
  timeZone: string | null;
  /** The last connection's address, kept only with STORE_IP=1. */
  ip: string | null;
  /** Visit number in which an auto message was last shown (0: never). */
  amVisit: number;
  /**
   * The auto message last shown (the widget's `am` frame), until the visitor's next message: a
   * conversation the visitor starts in the same visit begins with it, so the agent sees what
   * was answered. Stored, so any node (and a restarted one) starts that conversation the same.
   */
  pendingAm: PendingAutoMessage | null;
  /** The rating of the visitor's last rated conversation. */
  rating: Rating | null;
}

export type { Rating } from '../shared/visitor-list';

/** See {@link StoredVisitor.pendingAm}. */
export interface PendingAutoMessage {
  text: string;
  at: number;
}

/** An uploaded file's metadata (its bytes are in the {@link Blobs}). */
export interface StoredFile {
  /** At least 128 random bits, base64url. */
  id: string;
  /** The visitor whose conversation it belongs to. */
  visitorId: string;
  /** Who uploaded it: the visitor, or an agent into the visitor's conversation. */
  author: 'visitor' | 'agent';
  name: string;
  /** Media type found in the bytes (file-types.ts). */
  type: string;
  size: number;
  at: number;
}

/** Where the bytes of uploaded files live: a directory (files-disk.ts) or Postgres. */
export interface Blobs {
  /** Stores what `source` yields as file `id`; when `source` throws, nothing of it stays. */
  write(id: string, source: AsyncIterable<Buffer>): Promise<void>;
  /** The bytes of `id`, chunk by chunk; undefined when there are none. */
  read(id: string): Promise<AsyncIterable<Buffer> | undefined>;
  delete(ids: string[]): Promise<void>;
  /**
   * Deletes bytes written before `before` that no file row names (uploads cut off, rows deleted
   * with their visitor); `known` says which of some ids have a row. Resolves how many went.
   */
  sweep(before: number, known: (ids: string[]) => Promise<Set<string>>): Promise<number>;
}

/** A file as messages carry it. */
export const attachmentOf = (f: StoredFile): Attachment => ({
  id: f.id,
  name: f.name,
  size: f.size,
  type: f.type,
  url: '/v1/files/' + f.id,
});

/** A visitor at its first hello: nothing known yet but its id, token and times. */
export function newStoredVisitor(
  id: string,
  tokenHash: string,
  firstSeenAt: number,
  now: number,
): StoredVisitor {
  return {
    id,
    tokenHash,
    name: null,
    email: null,
    phone: null,
    variables: {},
    group: null,
    customer: false,
    verified: false,
    blockedAt: null,
    firstSeenAt,
    lastSeenAt: now,
    lastActivityAt: 0,
    visits: 0,
    visitStartedAt: now,
    pageViews: 0,
    pageUrl: '',
    pageTitle: '',
    referrer: '',
    device: null,
    browser: null,
    os: null,
    language: null,
    country: null,
    timeZone: null,
    ip: null,
    amVisit: 0,
    pendingAm: null,
    rating: null,
  };
}

/** A conversation; `bot` is the chatbot's state in it (bot-flow.ts). */
export interface StoredConversation {
  id: number;
  openedBy: 'visitor' | 'agent';
  openedAt: number;
  lastVisitorAt: number;
  lastAgentAt: number;
  bot: string;
  /** When it was closed (read back from the store; absent on one just created). */
  closedAt?: number | null;
}

/** A page view as the agent API answers it. */
export interface PageView {
  url: string;
  title: string;
  referrer: string;
  at: number;
}

/**
 * An automation as the database keeps it (automation.ts gives its shape): `body` is its JSON
 * without `id`, `kind` and `enabled`, validated again when read back.
 */
export interface StoredAutomation {
  id: string;
  kind: string;
  enabled: boolean;
  body: string;
  createdAt: number;
  updatedAt: number;
}

/** A visitor as a node holds it: its row, its open conversation, its last message. */
export interface VisitorState {
  visitor: StoredVisitor;
  conversation: StoredConversation | undefined;
  lastMessage: Message | null;
}

/** The persistence layer; every call may reject when the database is unreachable. */
export interface Store {
  /** Which engine: `/healthz` says it. */
  kind: 'sqlite' | 'postgres';
  /** Schema version after migrating (the one this code knows). */
  version: number;
  /**
   * The schema version the database is at now: above `version` once a newer release migrated it
   * under this node (server.ts checks it now and then, and stops).
   */
  schemaVersion(): Promise<number>;
  loadVisitor(id: string): Promise<StoredVisitor | undefined>;
  /**
   * The visitor with its open conversation and last message (what a node holds in memory), in
   * one round trip where the engine allows; undefined for an unknown id.
   */
  loadState(id: string): Promise<VisitorState | undefined>;
  insertVisitor(v: StoredVisitor): Promise<void>;
  saveVisitor(v: StoredVisitor): Promise<void>;
  /** Saves many visitors in one transaction (the batched activity writes). */
  saveVisitors(list: StoredVisitor[]): Promise<void>;
  addVisit(vid: string, number: number, at: number, referrer: string): Promise<void>;
  addPageView(vid: string, visit: number, page: PageInfo, at: number): Promise<void>;
  /** The visitor's last `limit` page views, oldest first. */
  pages(vid: string, limit?: number): Promise<PageView[]>;
  openConversation(vid: string): Promise<StoredConversation | undefined>;
  lastConversation(vid: string): Promise<StoredConversation | undefined>;
  createConversation(vid: string, by: 'visitor' | 'agent', at: number): Promise<StoredConversation>;
  saveConversation(c: StoredConversation): Promise<void>;
  closeConversation(id: number, at: number): Promise<void>;
  /**
   * Stores a message (its `id` is ignored) and returns it with the server id. The files it
   * carries are marked as sent in the same write, so the sweep of unsent uploads keeps them.
   */
  addMessage(conversationId: number, vid: string, m: Omit<Message, 'id'>): Promise<Message>;
  messageByCid(vid: string, cid: string): Promise<Message | undefined>;
  /** The conversation's last `limit` messages, oldest first. */
  messages(conversationId: number, limit?: number): Promise<Message[]>;
  /** Up to `limit` messages stored just before message `beforeId`, oldest first (history pages). */
  messagesBefore(conversationId: number, beforeId: number, limit: number): Promise<Message[]>;
  lastMessage(vid: string): Promise<Message | null>;
  /** Records a rating of conversation `id` (replacing an earlier one). */
  rateConversation(id: number, rating: Rating): Promise<void>;
  /** Keeps an uploaded file's metadata (after its bytes were written). */
  addFile(f: StoredFile): Promise<void>;
  /** The files of these ids that exist. */
  files(ids: string[]): Promise<StoredFile[]>;
  /** Ids of up to `limit` files uploaded before `before`, oldest first (the retention sweep). */
  filesBefore(before: number, limit: number): Promise<string[]>;
  /** Ids of up to `limit` files uploaded before `before` that no message carries, oldest first. */
  unsentFilesBefore(before: number, limit: number): Promise<string[]>;
  deleteFiles(ids: string[]): Promise<void>;
  /** The bytes of files, when this engine keeps them (Postgres); else a directory does. */
  blobs?: Blobs;
  block(vid: string, at: number): Promise<void>;
  unblock(vid: string, at: number): Promise<void>;
  addAutoMessageShow(
    vid: string,
    visit: number,
    rule: string,
    text: string,
    at: number,
  ): Promise<void>;
  /**
   * The visitor wrote after the last auto message or bot greeting of this visit: that show is
   * replied to (once); `conversationId` when this message opened the conversation.
   */
  showReplied(vid: string, visit: number, at: number, conversationId: number | null): Promise<void>;
  /** A chatbot flow handed the conversation over: its last show for the visitor counts it. */
  showHandedOver(vid: string, rule: string, conversationId: number): Promise<void>;
  /** Shown, replied to and conversations, by automation (rule) id. */
  automationStats(): Promise<
    Map<string, { shown: number; replied: number; conversations: number }>
  >;
  /** Every automation, oldest first. */
  listAutomations(): Promise<StoredAutomation[]>;
  /** A number that grows with every automation write (nodes poll it to reload). */
  automationsRevision(): Promise<number>;
  /** Inserts or replaces an automation (a replaced one keeps its `createdAt`). */
  saveAutomation(a: StoredAutomation): Promise<void>;
  /** Deletes an automation; false when there was none with this id. */
  deleteAutomation(id: string): Promise<boolean>;
  /**
   * Inserts `list` if this database was never seeded (one node wins when several start
   * together); an empty list marks it seeded too. Resolves whether this call seeded it.
   */
  seedAutomations(list: StoredAutomation[]): Promise<boolean>;
  /** Resolves when the database answers (`/healthz`). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A stored row, as either driver returns it. */
export type Row = Record<string, unknown>;

/** The columns `saveVisitor` writes, in one order both implementations use. */
export const VISITOR_FIELDS = [
  ['name', 'name'],
  ['email', 'email'],
  ['phone', 'phone'],
  ['variables', 'variables'],
  ['grp', 'group'],
  ['customer', 'customer'],
  ['verified', 'verified'],
  ['blocked_at', 'blockedAt'],
  ['last_seen_at', 'lastSeenAt'],
  ['last_activity_at', 'lastActivityAt'],
  ['visits', 'visits'],
  ['visit_started_at', 'visitStartedAt'],
  ['page_views', 'pageViews'],
  ['page_url', 'pageUrl'],
  ['page_title', 'pageTitle'],
  ['referrer', 'referrer'],
  ['device', 'device'],
  ['browser', 'browser'],
  ['os', 'os'],
  ['language', 'language'],
  ['country', 'country'],
  ['time_zone', 'timeZone'],
  ['ip', 'ip'],
  ['am_visit', 'amVisit'],
  ['pending_am', 'pendingAm'],
  ['rating', 'rating'],
] as const satisfies readonly (readonly [string, keyof StoredVisitor])[];

/** Stored variables, validated as they are read back: a bad column reads as none. */
function readVariables(json: unknown, id: string, log: Logger): Record<string, Variable> {
  let vars;
  try {
    vars = parseStoredVariables(JSON.parse(json as string));
  } catch {
    vars = 'not JSON';
  }
  if (typeof vars != 'string') return vars;
  log.warn(`visitor ${id}: stored variables dropped (${vars})`);
  return {};
}

/**
 * A stored name, email or phone as agents see it ({@link profileField}): one stored by a release
 * that kept invisible characters must not show as a look-alike of another visitor until the
 * visitor sends it again. Anything else (not a string, nothing visible left) is none.
 */
const profileOf = (v: unknown) => (typeof v == 'string' && profileField(v)) || null;

/** A visitor row (either engine) as a StoredVisitor; `log` hears stored data that fails validation. */
export function toVisitor(r: Row, log: Logger): StoredVisitor {
  return {
    id: r.id as string,
    tokenHash: r.token_hash as string,
    name: profileOf(r.name),
    email: profileOf(r.email),
    phone: profileOf(r.phone),
    variables: readVariables(r.variables, r.id as string, log),
    group: r.grp as string | null,
    customer: !!r.customer,
    verified: !!r.verified,
    blockedAt: r.blocked_at as number | null,
    firstSeenAt: r.first_seen_at as number,
    lastSeenAt: r.last_seen_at as number,
    lastActivityAt: r.last_activity_at as number,
    visits: r.visits as number,
    visitStartedAt: r.visit_started_at as number,
    pageViews: r.page_views as number,
    pageUrl: r.page_url as string,
    pageTitle: r.page_title as string,
    referrer: r.referrer as string,
    device: r.device as Device | null,
    browser: r.browser as string | null,
    os: r.os as string | null,
    language: r.language as string | null,
    country: (r.country as string | null) ?? null,
    timeZone: (r.time_zone as string | null) ?? null,
    ip: (r.ip as string | null) ?? null,
    amVisit: r.am_visit as number,
    pendingAm: readPendingAm(r.pending_am),
    rating: readRating(r.rating),
  };
}

/** A stored pending auto message read back (validated: a bad column reads as none). */
function readPendingAm(json: unknown): PendingAutoMessage | null {
  if (typeof json != 'string') return null;
  try {
    const { text, at } = JSON.parse(json);
    return typeof text == 'string' && typeof at == 'number' && Number.isFinite(at)
      ? { text, at }
      : null;
  } catch {
    return null;
  }
}

/** A stored rating read back (validated: a bad column reads as none). */
function readRating(json: unknown): Rating | null {
  if (typeof json != 'string') return null;
  try {
    const r = JSON.parse(json);
    if ((r.value != 'good' && r.value != 'bad') || typeof r.at != 'number') return null;
    const out: Rating = { value: r.value, at: r.at };
    if (typeof r.comment == 'string') out.comment = r.comment;
    return out;
  } catch {
    return null;
  }
}

/** A file row as a StoredFile. */
export const toFile = (r: Row): StoredFile => ({
  id: r.id as string,
  visitorId: r.visitor_id as string,
  author: r.author as StoredFile['author'],
  name: r.name as string,
  type: r.type as string,
  size: Number(r.size),
  at: Number(r.at),
});

/** A message row as a Message. */
export function toMessage(r: Row): Message {
  const m: Message = {
    id: String(r.id),
    from: r.author as Message['from'],
    text: r.text as string,
    at: r.at as number,
  };
  if (r.cid != null) m.cid = r.cid as string;
  if (r.name != null) m.name = r.name as string;
  if (r.replies != null) m.replies = JSON.parse(r.replies as string);
  if (r.attachments != null) {
    // Validated as the widget will: a bad stored list is dropped, not sent on.
    const checked = parseMessage({ ...m, attachments: JSON.parse(r.attachments as string) });
    if (typeof checked != 'string' && checked.attachments) m.attachments = checked.attachments;
  }
  return m;
}

/** A conversation row as a StoredConversation. */
export const toConversation = (r: Row | undefined): StoredConversation | undefined =>
  r && {
    id: r.id as number,
    openedBy: r.opened_by as 'visitor' | 'agent',
    openedAt: r.opened_at as number,
    lastVisitorAt: r.last_visitor_at as number,
    lastAgentAt: r.last_agent_at as number,
    bot: r.bot as string,
    ...(r.closed_at != null && { closedAt: Number(r.closed_at) }),
  };

/** Rows of `rule, shown, replied, conversations` as the stats map. */
export function toStats(rows: Row[]) {
  return new Map(
    rows.map((r) => [
      r.rule as string,
      {
        shown: Number(r.shown),
        replied: Number(r.replied),
        conversations: Number(r.conversations),
      },
    ]),
  );
}

/** The figures of every rule (auto message or flow) with a show. */
export const STATS_SQL = `SELECT rule, count(*) AS shown, count(replied_at) AS replied,
  count(conversation_id) AS conversations FROM auto_message_shows GROUP BY rule`;

/** An automation row as a StoredAutomation. */
export const toAutomation = (r: Row): StoredAutomation => ({
  id: r.id as string,
  kind: r.kind as string,
  enabled: !!r.enabled,
  body: r.body as string,
  createdAt: r.created_at as number,
  updatedAt: r.updated_at as number,
});

/** The visitor's columns as values in VISITOR_FIELDS order (booleans as 0/1, variables as JSON). */
export function visitorValues(v: StoredVisitor): unknown[] {
  return VISITOR_FIELDS.map(([, k]) =>
    k == 'variables'
      ? JSON.stringify(v.variables)
      : k == 'rating' || k == 'pendingAm'
        ? v[k] && JSON.stringify(v[k])
        : k == 'customer' || k == 'verified'
          ? v[k]
            ? 1
            : 0
          : v[k],
  );
}
