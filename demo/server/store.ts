/**
 * Everything the server persists, in SQLite (better-sqlite3, WAL), behind prepared statements.
 * The live presence index is in memory (presence.ts); this is what survives a restart.
 */
import Database from 'better-sqlite3';
import {
  parseStoredVariables,
  type Author,
  type Device,
  type Message,
  type PageInfo,
  type Variable,
} from '../../src/protocol';
import { consoleLogger, type Logger } from './log';
import { migrate } from './migrations';

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
  /** Visit number in which an auto message was last shown (0: never). */
  amVisit: number;
}

/** A conversation; `bot` is the chatbot's state in it (bot.ts). */
export interface StoredConversation {
  id: number;
  openedBy: 'visitor' | 'agent';
  openedAt: number;
  lastVisitorAt: number;
  lastAgentAt: number;
  bot: string;
}

/** A page view as the agent API answers it. */
export interface PageView {
  url: string;
  title: string;
  referrer: string;
  at: number;
}

type Row = Record<string, unknown>;

const VISITOR_COLUMNS = `name = @name, email = @email, phone = @phone, variables = @variables,
  grp = @group, customer = @customer, verified = @verified, blocked_at = @blockedAt,
  last_seen_at = @lastSeenAt, last_activity_at = @lastActivityAt, visits = @visits,
  visit_started_at = @visitStartedAt, page_views = @pageViews, page_url = @pageUrl,
  page_title = @pageTitle, referrer = @referrer, device = @device, browser = @browser, os = @os,
  language = @language, am_visit = @amVisit`;

const toParams = (v: StoredVisitor) => ({
  ...v,
  variables: JSON.stringify(v.variables),
  customer: v.customer ? 1 : 0,
  verified: v.verified ? 1 : 0,
});

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

function toVisitor(r: Row, log: Logger): StoredVisitor {
  return {
    id: r.id as string,
    tokenHash: r.token_hash as string,
    name: r.name as string | null,
    email: r.email as string | null,
    phone: r.phone as string | null,
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
    amVisit: r.am_visit as number,
  };
}

function toMessage(r: Row): Message {
  const m: Message = {
    id: String(r.id),
    from: r.author as Author,
    text: r.text as string,
    at: r.at as number,
  };
  if (r.cid != null) m.cid = r.cid as string;
  if (r.name != null) m.name = r.name as string;
  if (r.replies != null) m.replies = JSON.parse(r.replies as string);
  return m;
}

const toConversation = (r: Row | undefined): StoredConversation | undefined =>
  r && {
    id: r.id as number,
    openedBy: r.opened_by as 'visitor' | 'agent',
    openedAt: r.opened_at as number,
    lastVisitorAt: r.last_visitor_at as number,
    lastAgentAt: r.last_agent_at as number,
    bot: r.bot as string,
  };

/** The persistence layer. */
export type Store = ReturnType<typeof openStore>;

/** Opens (or creates) the database at `file` (`:memory:` allowed) and migrates it. */
export function openStore(file: string, log: Logger = consoleLogger) {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // WAL + NORMAL: a commit survives a process crash; only a power cut may lose the last ones.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 2000');
  const version = migrate(db);

  const q = {
    visitor: db.prepare('SELECT * FROM visitors WHERE id = ?'),
    insertVisitor: db.prepare(
      `INSERT INTO visitors (id, token_hash, first_seen_at, last_seen_at, visit_started_at)
       VALUES (@id, @tokenHash, @firstSeenAt, @lastSeenAt, @visitStartedAt)`,
    ),
    saveVisitor: db.prepare(`UPDATE visitors SET ${VISITOR_COLUMNS} WHERE id = @id`),
    addVisit: db.prepare(
      'INSERT OR IGNORE INTO visits (visitor_id, number, started_at, referrer) VALUES (?, ?, ?, ?)',
    ),
    addPage: db.prepare(
      'INSERT INTO page_views (visitor_id, visit, url, title, referrer, at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    pages: db.prepare(
      'SELECT url, title, referrer, at FROM page_views WHERE visitor_id = ? ORDER BY id DESC LIMIT ?',
    ),
    openConversation: db.prepare(
      'SELECT * FROM conversations WHERE visitor_id = ? AND closed_at IS NULL',
    ),
    lastConversation: db.prepare(
      'SELECT * FROM conversations WHERE visitor_id = ? ORDER BY id DESC LIMIT 1',
    ),
    createConversation: db.prepare(
      'INSERT INTO conversations (visitor_id, opened_by, opened_at) VALUES (?, ?, ?)',
    ),
    saveConversation: db.prepare(
      `UPDATE conversations SET last_visitor_at = @lastVisitorAt, last_agent_at = @lastAgentAt,
       bot = @bot WHERE id = @id`,
    ),
    closeConversation: db.prepare('UPDATE conversations SET closed_at = ? WHERE id = ?'),
    addMessage: db.prepare(
      `INSERT INTO messages (conversation_id, visitor_id, cid, author, name, text, replies, at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    byCid: db.prepare('SELECT * FROM messages WHERE visitor_id = ? AND cid = ?'),
    messages: db.prepare(
      `SELECT * FROM (SELECT * FROM messages WHERE conversation_id = ? ORDER BY id DESC LIMIT ?)
       ORDER BY id`,
    ),
    messagesBefore: db.prepare(
      'SELECT * FROM messages WHERE conversation_id = ? AND id < ? ORDER BY id DESC LIMIT ?',
    ),
    lastMessage: db.prepare('SELECT * FROM messages WHERE visitor_id = ? ORDER BY id DESC LIMIT 1'),
    block: db.prepare('INSERT INTO blocks (visitor_id, blocked_at) VALUES (?, ?)'),
    unblock: db.prepare(
      'UPDATE blocks SET unblocked_at = ? WHERE visitor_id = ? AND unblocked_at IS NULL',
    ),
    addShow: db.prepare(
      'INSERT INTO auto_message_shows (visitor_id, visit, rule, text, at) VALUES (?, ?, ?, ?, ?)',
    ),
  };
  const saveMany = db.transaction((list: StoredVisitor[]) => {
    for (const v of list) q.saveVisitor.run(toParams(v));
  });

  return {
    /** Schema version after migrating. */
    version,
    loadVisitor(id: string): StoredVisitor | undefined {
      const r = q.visitor.get(id) as Row | undefined;
      return r && toVisitor(r, log);
    },
    insertVisitor(v: StoredVisitor) {
      db.transaction(() => {
        q.insertVisitor.run(v);
        q.saveVisitor.run(toParams(v));
      })();
    },
    saveVisitor(v: StoredVisitor) {
      q.saveVisitor.run(toParams(v));
    },
    /** Saves many visitors in one transaction (the batched activity writes). */
    saveVisitors(list: StoredVisitor[]) {
      if (list.length) saveMany(list);
    },
    addVisit(vid: string, number: number, at: number, referrer: string) {
      q.addVisit.run(vid, number, at, referrer);
    },
    addPageView(vid: string, visit: number, page: PageInfo, at: number) {
      q.addPage.run(vid, visit, page.url, page.title, page.referrer, at);
    },
    /** The visitor's last `limit` page views, oldest first. */
    pages(vid: string, limit = 100): PageView[] {
      return (q.pages.all(vid, limit) as PageView[]).reverse();
    },
    openConversation(vid: string) {
      return toConversation(q.openConversation.get(vid) as Row | undefined);
    },
    lastConversation(vid: string) {
      return toConversation(q.lastConversation.get(vid) as Row | undefined);
    },
    createConversation(vid: string, by: 'visitor' | 'agent', at: number): StoredConversation {
      const id = Number(q.createConversation.run(vid, by, at).lastInsertRowid);
      return { id, openedBy: by, openedAt: at, lastVisitorAt: 0, lastAgentAt: 0, bot: 'new' };
    },
    saveConversation(c: StoredConversation) {
      q.saveConversation.run(c);
    },
    closeConversation(id: number, at: number) {
      q.closeConversation.run(at, id);
    },
    /** Stores a message (its `id` is ignored) and returns it with the server id. */
    addMessage(conversationId: number, vid: string, m: Omit<Message, 'id'>): Message {
      const replies = m.replies ? JSON.stringify(m.replies) : null;
      const info = q.addMessage.run(
        conversationId,
        vid,
        m.cid ?? null,
        m.from,
        m.name ?? null,
        m.text,
        replies,
        m.at,
      );
      return { ...m, id: String(info.lastInsertRowid) };
    },
    messageByCid(vid: string, cid: string): Message | undefined {
      const r = q.byCid.get(vid, cid) as Row | undefined;
      return r && toMessage(r);
    },
    /** The conversation's last `limit` messages, oldest first. */
    messages(conversationId: number, limit = 200): Message[] {
      return (q.messages.all(conversationId, limit) as Row[]).map(toMessage);
    },
    /** Up to `limit` messages of the conversation stored before message `beforeId`, oldest first. */
    messagesBefore(conversationId: number, beforeId: number, limit: number): Message[] {
      return (q.messagesBefore.all(conversationId, beforeId, limit) as Row[])
        .reverse()
        .map(toMessage);
    },
    lastMessage(vid: string): Message | null {
      const r = q.lastMessage.get(vid) as Row | undefined;
      return r ? toMessage(r) : null;
    },
    block(vid: string, at: number) {
      q.block.run(vid, at);
    },
    unblock(vid: string, at: number) {
      q.unblock.run(at, vid);
    },
    addAutoMessageShow(vid: string, visit: number, rule: string, text: string, at: number) {
      q.addShow.run(vid, visit, rule, text, at);
    },
    close() {
      if (db.open) db.close();
    },
  };
}
