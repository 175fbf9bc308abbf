/**
 * The database schema as numbered migrations. `PRAGMA user_version` holds how many have run;
 * on start the missing ones run in one transaction each. Never edit a shipped migration: add one.
 */
import type { Database } from 'better-sqlite3';

export const MIGRATIONS: string[] = [
  // 1: the first schema.
  `CREATE TABLE visitors (
     id TEXT PRIMARY KEY,
     token_hash TEXT NOT NULL,
     name TEXT, email TEXT, phone TEXT,
     variables TEXT NOT NULL DEFAULT '{}',
     grp TEXT,
     customer INTEGER NOT NULL DEFAULT 0,
     verified INTEGER NOT NULL DEFAULT 0,
     blocked_at INTEGER,
     first_seen_at INTEGER NOT NULL,
     last_seen_at INTEGER NOT NULL,
     last_activity_at INTEGER NOT NULL DEFAULT 0,
     visits INTEGER NOT NULL DEFAULT 1,
     visit_started_at INTEGER NOT NULL,
     page_views INTEGER NOT NULL DEFAULT 0,
     page_url TEXT NOT NULL DEFAULT '', page_title TEXT NOT NULL DEFAULT '',
     referrer TEXT NOT NULL DEFAULT '',
     device TEXT, browser TEXT, os TEXT, language TEXT,
     am_visit INTEGER NOT NULL DEFAULT 0
   );
   CREATE TABLE visits (
     id INTEGER PRIMARY KEY,
     visitor_id TEXT NOT NULL REFERENCES visitors(id),
     number INTEGER NOT NULL,
     started_at INTEGER NOT NULL,
     referrer TEXT NOT NULL DEFAULT '',
     UNIQUE (visitor_id, number)
   );
   CREATE TABLE page_views (
     id INTEGER PRIMARY KEY,
     visitor_id TEXT NOT NULL REFERENCES visitors(id),
     visit INTEGER NOT NULL,
     url TEXT NOT NULL, title TEXT NOT NULL, referrer TEXT NOT NULL,
     at INTEGER NOT NULL
   );
   CREATE INDEX page_views_visitor ON page_views (visitor_id, id);
   CREATE TABLE conversations (
     id INTEGER PRIMARY KEY,
     visitor_id TEXT NOT NULL REFERENCES visitors(id),
     opened_by TEXT NOT NULL,
     opened_at INTEGER NOT NULL,
     closed_at INTEGER,
     last_visitor_at INTEGER NOT NULL DEFAULT 0,
     last_agent_at INTEGER NOT NULL DEFAULT 0,
     bot TEXT NOT NULL DEFAULT 'new'
   );
   CREATE UNIQUE INDEX conversations_open ON conversations (visitor_id) WHERE closed_at IS NULL;
   CREATE INDEX conversations_visitor ON conversations (visitor_id, id);
   CREATE TABLE messages (
     id INTEGER PRIMARY KEY,
     conversation_id INTEGER NOT NULL REFERENCES conversations(id),
     visitor_id TEXT NOT NULL REFERENCES visitors(id),
     cid TEXT,
     author TEXT NOT NULL,
     name TEXT,
     text TEXT NOT NULL,
     replies TEXT,
     at INTEGER NOT NULL
   );
   CREATE UNIQUE INDEX messages_cid ON messages (visitor_id, cid) WHERE cid IS NOT NULL;
   CREATE INDEX messages_conversation ON messages (conversation_id, id);
   CREATE TABLE blocks (
     id INTEGER PRIMARY KEY,
     visitor_id TEXT NOT NULL REFERENCES visitors(id),
     blocked_at INTEGER NOT NULL,
     unblocked_at INTEGER
   );
   CREATE INDEX blocks_visitor ON blocks (visitor_id, id);
   CREATE TABLE auto_message_shows (
     id INTEGER PRIMARY KEY,
     visitor_id TEXT NOT NULL REFERENCES visitors(id),
     visit INTEGER NOT NULL,
     rule TEXT NOT NULL,
     text TEXT NOT NULL,
     at INTEGER NOT NULL
   );
   CREATE INDEX auto_message_shows_visitor ON auto_message_shows (visitor_id, id);`,
  // 2: automations (auto messages and chatbot flows) owned by the site, and what they led to.
  `CREATE TABLE automations (
     id TEXT PRIMARY KEY,
     kind TEXT NOT NULL,
     enabled INTEGER NOT NULL DEFAULT 1,
     body TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   );
   CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   ALTER TABLE auto_message_shows ADD COLUMN replied_at INTEGER;
   ALTER TABLE auto_message_shows ADD COLUMN conversation_id INTEGER;
   CREATE INDEX auto_message_shows_rule ON auto_message_shows (rule);`,
  // 3: where the visitor is: its country's code and its browser's time zone; its address only
  // when STORE_IP=1.
  `ALTER TABLE visitors ADD COLUMN country TEXT;
   ALTER TABLE visitors ADD COLUMN time_zone TEXT;
   ALTER TABLE visitors ADD COLUMN ip TEXT;`,
  // 4: files (metadata; the bytes are in UPLOAD_DIR), attachments of messages, ratings.
  `CREATE TABLE files (
     id TEXT PRIMARY KEY,
     visitor_id TEXT NOT NULL REFERENCES visitors(id) ON DELETE CASCADE,
     author TEXT NOT NULL,
     name TEXT NOT NULL,
     type TEXT NOT NULL,
     size INTEGER NOT NULL,
     at INTEGER NOT NULL
   );
   CREATE INDEX files_at ON files (at);
   ALTER TABLE messages ADD COLUMN attachments TEXT;
   ALTER TABLE conversations ADD COLUMN rating TEXT;
   ALTER TABLE conversations ADD COLUMN rating_comment TEXT;
   ALTER TABLE conversations ADD COLUMN rated_at INTEGER;
   ALTER TABLE visitors ADD COLUMN rating TEXT;`,
  // 5: the auto message a conversation the visitor starts next begins with (JSON), stored so
  // any node of a cluster, or the server after a restart, knows it.
  `ALTER TABLE visitors ADD COLUMN pending_am TEXT;`,
  // 6: whether a message carries the file (1 once one does). An upload no message carries is
  // deleted after an hour (files.ts); the files of the messages stored before are marked here.
  `ALTER TABLE files ADD COLUMN attached INTEGER NOT NULL DEFAULT 0;
   UPDATE files SET attached = 1 WHERE id IN (
     SELECT json_extract(a.value, '$.id') FROM messages, json_each(messages.attachments) AS a
     WHERE messages.attachments IS NOT NULL);
   CREATE INDEX files_unattached ON files (at) WHERE attached = 0;`,
];

/**
 * The database was migrated by a newer release: this one refuses it rather than run on a schema
 * it does not know (it would write rows the newer code reads differently; docs/DEPLOY.md,
 * "Upgrades and rollbacks"). Both stores throw it; the server names the setting before it.
 */
export class SchemaTooNew extends Error {
  constructor(version: number, known: number) {
    super(
      `the database is at schema version ${version}, newer than this server (${known}): a newer release migrated it; run that release or a newer one, or restore the backup taken before the upgrade`,
    );
    this.name = 'SchemaTooNew';
  }
}

/** The database's schema version: how many migrations have run on it (by any release). */
export const schemaVersion = (db: Database): number =>
  db.pragma('user_version', { simple: true }) as number;

/**
 * Runs the migrations the database has not seen yet; returns the resulting version. `migrated`
 * hears of the migrations run, if any.
 */
export function migrate(db: Database, migrated?: (from: number, to: number) => void): number {
  const version = schemaVersion(db);
  if (version > MIGRATIONS.length) throw new SchemaTooNew(version, MIGRATIONS.length);
  for (let i = version; i < MIGRATIONS.length; i++)
    db.transaction(() => {
      db.exec(MIGRATIONS[i]!);
      db.pragma(`user_version = ${i + 1}`);
    })();
  if (version < MIGRATIONS.length) migrated?.(version, MIGRATIONS.length);
  return MIGRATIONS.length;
}
