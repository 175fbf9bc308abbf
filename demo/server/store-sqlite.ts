/**
 * The SQLite store (better-sqlite3, WAL), behind prepared statements: the default, one file,
 * nothing to install. Its calls are synchronous; the Store interface is async for Postgres.
 */
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { consoleLogger, type Logger } from './log';
import type { Message, PageInfo } from '../../src/protocol';
import { migrate, schemaVersion as readVersion } from './migrations';
import {
  STATS_SQL,
  VISITOR_FIELDS,
  toAutomation,
  toStats,
  toConversation,
  toFile,
  toMessage,
  toVisitor,
  visitorValues,
  type PageView,
  type Row,
  type Store,
  type StoredAutomation,
  type StoredConversation,
  type StoredVisitor,
} from './store';

const SAVE_VISITOR = `UPDATE visitors SET ${VISITOR_FIELDS.map(([c]) => c + ' = ?').join(', ')}
  WHERE id = ?`;

/** Another node holds the SQLite file (see holdNodeLock); the message says what to do. */
export class SqliteInUse extends Error {}

/** How long a node starting on a SQLite file waits for the node before it there to stop. */
export const NODE_LOCK_WAIT_MS = 10_000;

/**
 * One node per SQLite file. A second server on the same file (a second `npm start`, a process
 * manager's cluster mode) would keep its own visitors, presence and feed: each agent page would
 * see some visitors only, and a visitor's messages would reach only the agents of their node.
 * So the node holds, while it runs, an exclusive SQLite lock on a file beside the database
 * (`<file>-node`), which the operating system drops when the process ends, however it ends
 * (kill -9 included); the database itself stays readable (a backup, the sqlite3 shell).
 * Waits up to `waitMs` for a node still stopping (a restart), saying so, then throws a clear
 * error.
 */
export function holdNodeLock(
  file: string,
  waitMs = NODE_LOCK_WAIT_MS,
  log: Logger = consoleLogger,
): { release(): void } {
  const path = resolve(file);
  const other = `another visitor-chat server is using ${path}`;
  let lock = tryNodeLock(path);
  if (!lock) {
    log.warn(`${other}: waiting up to ${Math.round(waitMs / 1000)} s for it to stop`);
    lock = tryNodeLock(path, waitMs);
  }
  if (!lock)
    throw new SqliteInUse(
      `${other}: one SQLite file serves one node. Stop that server, or give this one its own DB ` +
        'file; for more than one node, use Postgres and Redis (DATABASE_URL and REDIS_URL, ' +
        'docs/DEPLOY.md)',
    );
  return lock;
}

/** The node lock of the SQLite file `file` (see holdNodeLock), or null while a node holds it. */
export function tryNodeLock(file: string, waitMs = 0): { release(): void } | null {
  // The file's real path: another name for it (a symbolic link) takes the same lock.
  let real = resolve(file);
  try {
    real = realpathSync(real);
  } catch {
    // Not there yet: the server creates it.
  }
  const lock = new Database(real + '-node');
  try {
    lock.pragma('locking_mode = EXCLUSIVE');
    lock.pragma(`busy_timeout = ${Math.max(0, Math.round(waitMs))}`);
    lock.exec('BEGIN EXCLUSIVE');
  } catch (e) {
    lock.close();
    if ((e as { code?: string }).code == 'SQLITE_BUSY') return null;
    throw e;
  }
  return { release: () => lock.open && lock.close() };
}

/** Opens (or creates) the database at `file` (`:memory:` allowed) and migrates it. */
export function openSqliteStore(file: string, log: Logger = consoleLogger): Store {
  const db = new Database(file);
  let node: { release(): void } | undefined;
  let version: number;
  try {
    // Before anything is written (WAL, migrations): a second node changes nothing.
    if (file && file != ':memory:') node = holdNodeLock(file, NODE_LOCK_WAIT_MS, log);
    db.pragma('journal_mode = WAL');
    // WAL + NORMAL: a commit survives a process crash; only a power cut may lose the last ones.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 2000');
    version = migrate(db, (from, to) =>
      log.info(`sqlite: schema migrated from version ${from} to ${to}`),
    );
  } catch (e) {
    db.close();
    node?.release();
    throw e;
  }

  const q = {
    visitor: db.prepare('SELECT * FROM visitors WHERE id = ?'),
    insertVisitor: db.prepare(
      `INSERT INTO visitors (id, token_hash, first_seen_at, last_seen_at, visit_started_at)
       VALUES (@id, @tokenHash, @firstSeenAt, @lastSeenAt, @visitStartedAt)`,
    ),
    saveVisitor: db.prepare(SAVE_VISITOR),
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
      `INSERT INTO messages (conversation_id, visitor_id, cid, author, name, text, replies,
       attachments, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    rate: db.prepare(
      'UPDATE conversations SET rating = ?, rating_comment = ?, rated_at = ? WHERE id = ?',
    ),
    addFile: db.prepare(
      `INSERT INTO files (id, visitor_id, author, name, type, size, at)
       VALUES (@id, @visitorId, @author, @name, @type, @size, @at)`,
    ),
    filesBefore: db.prepare('SELECT id FROM files WHERE at < ? ORDER BY at LIMIT ?'),
    unsentFilesBefore: db.prepare(
      'SELECT id FROM files WHERE attached = 0 AND at < ? ORDER BY at LIMIT ?',
    ),
    // The ids of a message's attachments (their JSON, as the message stores it).
    attach: db.prepare(
      `UPDATE files SET attached = 1
       WHERE id IN (SELECT json_extract(value, '$.id') FROM json_each(?))`,
    ),
    byCid: db.prepare('SELECT * FROM messages WHERE visitor_id = ? AND cid = ?'),
    messagesBefore: db.prepare(
      'SELECT * FROM messages WHERE conversation_id = ? AND id < ? ORDER BY id DESC LIMIT ?',
    ),
    messages: db.prepare(
      `SELECT * FROM (SELECT * FROM messages WHERE conversation_id = ? ORDER BY id DESC LIMIT ?)
       ORDER BY id`,
    ),
    // The last message of the newest conversation with messages (messages only go into the open
    // conversation, so it is the visitor's newest), through the conversation indexes: ordering
    // the visitor's messages by id read every newer message of everyone (store-postgres.ts).
    lastMessage: db.prepare(
      `SELECT * FROM messages WHERE conversation_id = (
         SELECT c.id FROM conversations c WHERE c.visitor_id = ?
           AND EXISTS (SELECT 1 FROM messages x WHERE x.conversation_id = c.id)
         ORDER BY c.id DESC LIMIT 1)
       ORDER BY id DESC LIMIT 1`,
    ),
    block: db.prepare('INSERT INTO blocks (visitor_id, blocked_at) VALUES (?, ?)'),
    unblock: db.prepare(
      'UPDATE blocks SET unblocked_at = ? WHERE visitor_id = ? AND unblocked_at IS NULL',
    ),
    addShow: db.prepare(
      'INSERT INTO auto_message_shows (visitor_id, visit, rule, text, at) VALUES (?, ?, ?, ?, ?)',
    ),
    showReplied: db.prepare(
      `UPDATE auto_message_shows SET replied_at = ?, conversation_id = coalesce(conversation_id, ?)
       WHERE id = (SELECT max(id) FROM auto_message_shows WHERE visitor_id = ? AND visit = ?)
       AND replied_at IS NULL`,
    ),
    showHandedOver: db.prepare(
      `UPDATE auto_message_shows SET conversation_id = ?
       WHERE id = (SELECT max(id) FROM auto_message_shows WHERE visitor_id = ? AND rule = ?)
       AND conversation_id IS NULL`,
    ),
    stats: db.prepare(STATS_SQL),
    automations: db.prepare('SELECT * FROM automations ORDER BY created_at, id'),
    revision: db.prepare("SELECT value FROM meta WHERE key = 'automations_revision'"),
    bump: db.prepare(
      `INSERT INTO meta (key, value) VALUES ('automations_revision', '1')
       ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)`,
    ),
    saveAutomation: db.prepare(
      `INSERT INTO automations (id, kind, enabled, body, created_at, updated_at)
       VALUES (@id, @kind, @enabled, @body, @createdAt, @updatedAt)
       ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, enabled = excluded.enabled,
       body = excluded.body, updated_at = excluded.updated_at`,
    ),
    deleteAutomation: db.prepare('DELETE FROM automations WHERE id = ?'),
    markSeeded: db.prepare(
      "INSERT OR IGNORE INTO meta (key, value) VALUES ('automations_seeded', '1')",
    ),
  };
  const saveAutomation = db.transaction((a: StoredAutomation) => {
    q.saveAutomation.run({ ...a, enabled: a.enabled ? 1 : 0 });
    q.bump.run();
  });
  const deleteAutomation = db.transaction((id: string) => {
    const gone = q.deleteAutomation.run(id).changes > 0;
    if (gone) q.bump.run();
    return gone;
  });
  const seed = db.transaction((list: StoredAutomation[]) => {
    if (!q.markSeeded.run().changes) return false;
    for (const a of list) saveAutomation(a);
    return true;
  });
  const save = (v: StoredVisitor) => q.saveVisitor.run(...visitorValues(v), v.id);
  const saveMany = db.transaction((list: StoredVisitor[]) => {
    for (const v of list) save(v);
  });
  const insert = db.transaction((v: StoredVisitor) => {
    q.insertVisitor.run(v);
    save(v);
  });

  return {
    kind: 'sqlite',
    version,
    async loadVisitor(id) {
      const r = q.visitor.get(id) as Row | undefined;
      return r && toVisitor(r, log);
    },
    async loadState(id) {
      const r = q.visitor.get(id) as Row | undefined;
      if (!r) return undefined;
      const last = q.lastMessage.get(id) as Row | undefined;
      return {
        visitor: toVisitor(r, log),
        conversation: toConversation(q.openConversation.get(id) as Row | undefined),
        lastMessage: last ? toMessage(last) : null,
      };
    },
    async insertVisitor(v) {
      insert(v);
    },
    async saveVisitor(v) {
      save(v);
    },
    async saveVisitors(list) {
      if (list.length) saveMany(list);
    },
    async addVisit(vid, number, at, referrer) {
      q.addVisit.run(vid, number, at, referrer);
    },
    async addPageView(vid: string, visit: number, page: PageInfo, at: number) {
      q.addPage.run(vid, visit, page.url, page.title, page.referrer, at);
    },
    async pages(vid, limit = 100) {
      return (q.pages.all(vid, limit) as PageView[]).reverse();
    },
    async openConversation(vid) {
      return toConversation(q.openConversation.get(vid) as Row | undefined);
    },
    async lastConversation(vid) {
      return toConversation(q.lastConversation.get(vid) as Row | undefined);
    },
    async createConversation(vid, by, at): Promise<StoredConversation> {
      const id = Number(q.createConversation.run(vid, by, at).lastInsertRowid);
      return { id, openedBy: by, openedAt: at, lastVisitorAt: 0, lastAgentAt: 0, bot: 'new' };
    },
    async saveConversation(c) {
      q.saveConversation.run(c);
    },
    async closeConversation(id, at) {
      q.closeConversation.run(at, id);
    },
    async addMessage(conversationId, vid, m): Promise<Message> {
      const replies = m.replies ? JSON.stringify(m.replies) : null;
      const files = m.attachments ? JSON.stringify(m.attachments) : null;
      const info = db.transaction(() => {
        if (files) q.attach.run(files);
        return q.addMessage.run(
          conversationId,
          vid,
          m.cid ?? null,
          m.from,
          m.name ?? null,
          m.text,
          replies,
          files,
          m.at,
        );
      })();
      return { ...m, id: String(info.lastInsertRowid) };
    },
    async messageByCid(vid, cid) {
      const r = q.byCid.get(vid, cid) as Row | undefined;
      return r && toMessage(r);
    },
    async messagesBefore(conversationId, beforeId, limit) {
      return (q.messagesBefore.all(conversationId, beforeId, limit) as Row[])
        .reverse()
        .map(toMessage);
    },
    async messages(conversationId, limit = 200) {
      return (q.messages.all(conversationId, limit) as Row[]).map(toMessage);
    },
    async lastMessage(vid) {
      const r = q.lastMessage.get(vid) as Row | undefined;
      return r ? toMessage(r) : null;
    },
    async rateConversation(id, r) {
      q.rate.run(r.value, r.comment ?? null, r.at, id);
    },
    async addFile(f) {
      q.addFile.run(f);
    },
    async files(ids) {
      if (!ids.length) return [];
      const marks = ids.map(() => '?').join(', ');
      return (db.prepare(`SELECT * FROM files WHERE id IN (${marks})`).all(...ids) as Row[]).map(
        toFile,
      );
    },
    async filesBefore(before, limit) {
      return (q.filesBefore.all(before, limit) as Row[]).map((r) => r.id as string);
    },
    async unsentFilesBefore(before, limit) {
      return (q.unsentFilesBefore.all(before, limit) as Row[]).map((r) => r.id as string);
    },
    async deleteFiles(ids) {
      if (!ids.length) return;
      db.prepare(`DELETE FROM files WHERE id IN (${ids.map(() => '?').join(', ')})`).run(...ids);
    },
    async block(vid, at) {
      q.block.run(vid, at);
    },
    async unblock(vid, at) {
      q.unblock.run(at, vid);
    },
    async addAutoMessageShow(vid, visit, rule, text, at) {
      q.addShow.run(vid, visit, rule, text, at);
    },
    async showReplied(vid, visit, at, conversationId) {
      q.showReplied.run(at, conversationId, vid, visit);
    },
    async showHandedOver(vid, rule, conversationId) {
      q.showHandedOver.run(conversationId, vid, rule);
    },
    async automationStats() {
      return toStats(q.stats.all() as Row[]);
    },
    async listAutomations() {
      return (q.automations.all() as Row[]).map(toAutomation);
    },
    async automationsRevision() {
      return Number((q.revision.get() as Row | undefined)?.value ?? 0);
    },
    async saveAutomation(a) {
      saveAutomation(a);
    },
    async deleteAutomation(id) {
      return deleteAutomation(id);
    },
    async seedAutomations(list) {
      return seed(list);
    },
    async ping() {
      db.prepare('SELECT 1').get();
    },
    async schemaVersion() {
      return readVersion(db);
    },
    async close() {
      try {
        if (db.open) db.close();
      } finally {
        node?.release();
      }
    },
  };
}
