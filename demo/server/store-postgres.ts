/**
 * The Postgres store (`pg` 8, a pool), used when DATABASE_URL is set (DESIGN.md §8): the same
 * tables as SQLite, migrated at start under an advisory lock. A call made while Postgres is
 * unreachable rejects (after at most CONNECT_MS); callers then refuse instead of acknowledging.
 */
import pg from 'pg';
import type { Message } from '../../src/protocol';
import type { Logger } from './log';
import { createPostgresBlobs } from './files-postgres';
import { migratePostgres, pgSchemaVersion } from './migrations-postgres';
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
  type StoredVisitor,
} from './store';

/** How long a query waits for a connection before it fails (Postgres down). */
const CONNECT_MS = 3000;

/** Socket errors of a connection that could not be made or was lost. */
const SOCKET_ERRORS = /^E(CONNREFUSED|CONNRESET|TIMEDOUT|PIPE|NOTFOUND|HOSTUNREACH|AI_AGAIN)$/;

/**
 * Whether `e` says Postgres is not answering (rather than refusing one query): no connection,
 * a connection lost, or the server shutting down or starting (SQLSTATE classes 08 and 57P).
 */
export function unreachable(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code == 'string' && (/^(08|57P)/.test(code) || SOCKET_ERRORS.test(code))) return true;
  return /^(Connection terminated|timeout exceeded when trying to connect)/.test(
    e instanceof Error ? e.message : '',
  );
}

/** int8 (BIGINT, ids and ms times) as numbers: both stay far below 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid == 20
      ? Number
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

const n = VISITOR_FIELDS.length;
const SAVE_VISITOR = `UPDATE visitors SET ${VISITOR_FIELDS.map(([c], i) => `${c} = $${i + 1}`).join(', ')}
  WHERE id = $${n + 1}`;
const INSERT_VISITOR = `INSERT INTO visitors (${VISITOR_FIELDS.map(([c]) => c).join(', ')},
  id, token_hash, first_seen_at)
  VALUES (${VISITOR_FIELDS.map((_, i) => '$' + (i + 1)).join(', ')}, $${n + 1}, $${n + 2}, $${n + 3})`;

/**
 * A visitor's last message: the last of its newest conversation with messages (messages only go
 * into the open conversation, so it is the visitor's newest), through the conversation indexes.
 * `WHERE visitor_id = $1 ORDER BY id DESC` read every message newer than it (no index leads with
 * the visitor for messages without a cid): 47 ms at 50,000 messages for a quiet visitor.
 */
const LAST_MESSAGE = `SELECT m.* FROM conversations c
  CROSS JOIN LATERAL (SELECT * FROM messages WHERE conversation_id = c.id ORDER BY id DESC LIMIT 1) m
  WHERE c.visitor_id = $1 ORDER BY c.id DESC LIMIT 1`;

/** Moves the automations revision on (in the transaction of the write). */
export const BUMP_AUTOMATIONS = `INSERT INTO meta (key, value) VALUES ('automations_revision', '1')
  ON CONFLICT (key) DO UPDATE SET value = (meta.value::bigint + 1)::text`;

/**
 * Query parameters as Postgres takes them: a text value cannot hold NUL (U+0000: "invalid byte
 * sequence for encoding UTF8"), which a visitor's message, name or page title may carry. It is
 * stored as U+FFFD, where an error would refuse the message (and its resends) for good. SQLite
 * keeps it as is.
 */
export const pgParams = (params: unknown[]) =>
  params.map((p) => (typeof p == 'string' && p.includes('\0') ? p.replaceAll('\0', '\ufffd') : p));

/** Opens a pool on `url`, migrates the database, and returns the store. */
export async function openPostgresStore(url: string, log: Logger): Promise<Store> {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: CONNECT_MS,
    idleTimeoutMillis: 30_000,
    types,
  });
  // An idle client losing its connection (Postgres restarted) must not crash the process.
  pool.on('error', (e) => log.warn('postgres: idle connection lost: ' + e.message));
  let version: number;
  try {
    const c = await pool.connect();
    try {
      version = await migratePostgres(c, (from, to) =>
        log.info(`postgres: schema migrated from version ${from} to ${to}`),
      );
    } finally {
      c.release();
    }
  } catch (e) {
    await pool.end().catch(() => {});
    throw e;
  }

  /**
   * Said once when Postgres stops answering and once when it answers again: each failed call
   * otherwise says only its own error, where its caller logs one, and nothing said it was back.
   */
  let down = false;
  const watch = <T>(p: Promise<T>): Promise<T> =>
    p.then(
      (v) => {
        if (down) log.info('postgres: answering again');
        down = false;
        return v;
      },
      (e: unknown) => {
        if (!down && unreachable(e)) {
          down = true;
          log.warn(
            'postgres: not answering (' + (e instanceof Error ? e.message : String(e)) + ')',
          );
        }
        throw e;
      },
    );
  const rows = async (sql: string, params: unknown[] = []) =>
    (await watch(pool.query(sql, pgParams(params)))).rows as Row[];
  const one = async (sql: string, params: unknown[]) => (await rows(sql, params))[0];
  const run = async (sql: string, params: unknown[]) => void (await rows(sql, params));
  /** Runs `fn` in a transaction on one pooled client. */
  async function transaction<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await watch(pool.connect());
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      c.release();
    }
  }
  async function saveAutomation(c: pg.PoolClient, a: StoredAutomation) {
    await c.query(
      `INSERT INTO automations (id, kind, enabled, body, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, enabled = excluded.enabled,
       body = excluded.body, updated_at = excluded.updated_at`,
      pgParams([a.id, a.kind, a.enabled ? 1 : 0, a.body, a.createdAt, a.updatedAt]),
    );
    await c.query(BUMP_AUTOMATIONS);
  }

  return {
    kind: 'postgres',
    version,
    async loadVisitor(id) {
      const r = await one('SELECT * FROM visitors WHERE id = $1', [id]);
      return r && toVisitor(r, log);
    },
    async loadState(id) {
      // One round trip instead of three (an agent's action re-reads the visitor first, so this
      // is on the way of every agent message to the visitor). row_to_json keeps the column names
      // and gives the same JS types as the driver (bigint columns as numbers, as parsed here).
      const r = await one(
        `SELECT row_to_json(v) AS v,
           (SELECT row_to_json(c) FROM conversations c
             WHERE c.visitor_id = v.id AND c.closed_at IS NULL) AS c,
           (${LAST_MESSAGE.replace('$1', 'v.id').replace('SELECT m.*', 'SELECT row_to_json(m)')}) AS m
         FROM visitors v WHERE v.id = $1`,
        [id],
      );
      return (
        r && {
          visitor: toVisitor(r.v as Row, log),
          conversation: toConversation((r.c ?? undefined) as Row | undefined),
          lastMessage: r.m ? toMessage(r.m as Row) : null,
        }
      );
    },
    insertVisitor: (v) =>
      run(INSERT_VISITOR, [...visitorValues(v), v.id, v.tokenHash, v.firstSeenAt]),
    saveVisitor: (v) => run(SAVE_VISITOR, [...visitorValues(v), v.id]),
    async saveVisitors(list: StoredVisitor[]) {
      if (!list.length) return;
      const c = await watch(pool.connect());
      try {
        await c.query('BEGIN');
        for (const v of list) await c.query(SAVE_VISITOR, pgParams([...visitorValues(v), v.id]));
        await c.query('COMMIT');
      } catch (e) {
        await c.query('ROLLBACK').catch(() => {});
        throw e;
      } finally {
        c.release();
      }
    },
    addVisit: (vid, number, at, referrer) =>
      run(
        `INSERT INTO visits (visitor_id, number, started_at, referrer) VALUES ($1, $2, $3, $4)
         ON CONFLICT (visitor_id, number) DO NOTHING`,
        [vid, number, at, referrer],
      ),
    addPageView: (vid, visit, page, at) =>
      run(
        `INSERT INTO page_views (visitor_id, visit, url, title, referrer, at)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [vid, visit, page.url, page.title, page.referrer, at],
      ),
    async pages(vid, limit = 100) {
      const r = await rows(
        `SELECT url, title, referrer, at FROM page_views WHERE visitor_id = $1
         ORDER BY id DESC LIMIT $2`,
        [vid, limit],
      );
      return (r as unknown as PageView[]).reverse();
    },
    async openConversation(vid) {
      return toConversation(
        await one('SELECT * FROM conversations WHERE visitor_id = $1 AND closed_at IS NULL', [vid]),
      );
    },
    async lastConversation(vid) {
      return toConversation(
        await one('SELECT * FROM conversations WHERE visitor_id = $1 ORDER BY id DESC LIMIT 1', [
          vid,
        ]),
      );
    },
    async createConversation(vid, by, at) {
      const r = await one(
        'INSERT INTO conversations (visitor_id, opened_by, opened_at) VALUES ($1, $2, $3) RETURNING id',
        [vid, by, at],
      );
      return {
        id: r!.id as number,
        openedBy: by,
        openedAt: at,
        lastVisitorAt: 0,
        lastAgentAt: 0,
        bot: 'new',
      };
    },
    saveConversation: (c) =>
      run(
        'UPDATE conversations SET last_visitor_at = $1, last_agent_at = $2, bot = $3 WHERE id = $4',
        [c.lastVisitorAt, c.lastAgentAt, c.bot, c.id],
      ),
    closeConversation: (id, at) =>
      run('UPDATE conversations SET closed_at = $1 WHERE id = $2', [at, id]),
    async addMessage(conversationId, vid, m): Promise<Message> {
      const replies = m.replies ? JSON.stringify(m.replies) : null;
      const files = m.attachments ? JSON.stringify(m.attachments) : null;
      // Two nodes storing the same visitor message (a resend racing its first try) keep one.
      // Its files are marked as sent in the same statement (a resend marks them again).
      const r = await one(
        `WITH sent AS (UPDATE files SET attached = 1
           WHERE id IN (SELECT a->>'id' FROM jsonb_array_elements($8::text::jsonb) AS a))
         INSERT INTO messages (conversation_id, visitor_id, cid, author, name, text, replies,
         attachments, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (visitor_id, cid) WHERE cid IS NOT NULL DO NOTHING RETURNING id`,
        [conversationId, vid, m.cid ?? null, m.from, m.name ?? null, m.text, replies, files, m.at],
      );
      if (r) return { ...m, id: String(r.id) };
      const dup = await one('SELECT * FROM messages WHERE visitor_id = $1 AND cid = $2', [
        vid,
        m.cid,
      ]);
      return toMessage(dup!);
    },
    async messageByCid(vid, cid) {
      const r = await one('SELECT * FROM messages WHERE visitor_id = $1 AND cid = $2', [vid, cid]);
      return r && toMessage(r);
    },
    async messagesBefore(conversationId, beforeId, limit) {
      const r = await rows(
        'SELECT * FROM messages WHERE conversation_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3',
        [conversationId, beforeId, limit],
      );
      return r.reverse().map(toMessage);
    },
    async messages(conversationId, limit = 200) {
      const r = await rows(
        `SELECT * FROM (SELECT * FROM messages WHERE conversation_id = $1 ORDER BY id DESC LIMIT $2)
         AS last ORDER BY id`,
        [conversationId, limit],
      );
      return r.map(toMessage);
    },
    async lastMessage(vid) {
      const r = await one(LAST_MESSAGE, [vid]);
      return r ? toMessage(r) : null;
    },
    rateConversation: (id, r) =>
      run(
        'UPDATE conversations SET rating = $1, rating_comment = $2, rated_at = $3 WHERE id = $4',
        [r.value, r.comment ?? null, r.at, id],
      ),
    addFile: (f) =>
      run(
        `INSERT INTO files (id, visitor_id, author, name, type, size, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [f.id, f.visitorId, f.author, f.name, f.type, f.size, f.at],
      ),
    async files(ids) {
      if (!ids.length) return [];
      return (await rows('SELECT * FROM files WHERE id = ANY($1)', [ids])).map(toFile);
    },
    async filesBefore(before, limit) {
      const r = await rows('SELECT id FROM files WHERE at < $1 ORDER BY at LIMIT $2', [
        before,
        limit,
      ]);
      return r.map((x) => x.id as string);
    },
    async unsentFilesBefore(before, limit) {
      const r = await rows(
        'SELECT id FROM files WHERE attached = 0 AND at < $1 ORDER BY at LIMIT $2',
        [before, limit],
      );
      return r.map((x) => x.id as string);
    },
    async deleteFiles(ids) {
      if (ids.length) await run('DELETE FROM files WHERE id = ANY($1)', [ids]);
    },
    blobs: createPostgresBlobs(pool),
    block: (vid, at) =>
      run('INSERT INTO blocks (visitor_id, blocked_at) VALUES ($1, $2)', [vid, at]),
    unblock: (vid, at) =>
      run('UPDATE blocks SET unblocked_at = $1 WHERE visitor_id = $2 AND unblocked_at IS NULL', [
        at,
        vid,
      ]),
    addAutoMessageShow: (vid, visit, rule, text, at) =>
      run(
        'INSERT INTO auto_message_shows (visitor_id, visit, rule, text, at) VALUES ($1, $2, $3, $4, $5)',
        [vid, visit, rule, text, at],
      ),
    showReplied: (vid, visit, at, conversationId) =>
      run(
        `UPDATE auto_message_shows SET replied_at = $1, conversation_id = coalesce(conversation_id, $2)
         WHERE id = (SELECT max(id) FROM auto_message_shows WHERE visitor_id = $3 AND visit = $4)
         AND replied_at IS NULL`,
        [at, conversationId, vid, visit],
      ),
    showHandedOver: (vid, rule, conversationId) =>
      run(
        `UPDATE auto_message_shows SET conversation_id = $1
         WHERE id = (SELECT max(id) FROM auto_message_shows WHERE visitor_id = $2 AND rule = $3)
         AND conversation_id IS NULL`,
        [conversationId, vid, rule],
      ),
    automationStats: async () => toStats(await rows(STATS_SQL)),
    async listAutomations() {
      return (await rows('SELECT * FROM automations ORDER BY created_at, id')).map(toAutomation);
    },
    async automationsRevision() {
      const r = await one("SELECT value FROM meta WHERE key = 'automations_revision'", []);
      return Number(r?.value ?? 0);
    },
    saveAutomation: (a) => transaction((c) => saveAutomation(c, a)),
    deleteAutomation: (id) =>
      transaction(async (c) => {
        const r = await c.query('DELETE FROM automations WHERE id = $1', [id]);
        if (r.rowCount) await c.query(BUMP_AUTOMATIONS);
        return !!r.rowCount;
      }),
    seedAutomations: (list) =>
      transaction(async (c) => {
        const r = await c.query(
          "INSERT INTO meta (key, value) VALUES ('automations_seeded', '1') ON CONFLICT DO NOTHING",
        );
        if (!r.rowCount) return false;
        for (const a of list) await saveAutomation(c, a);
        return true;
      }),
    ping: () => run('SELECT 1', []),
    schemaVersion: () => watch(pgSchemaVersion(pool)),
    close: () => pool.end(),
  };
}
