/**
 * `node dist/server.js copy-sqlite [FILE]` (with DATABASE_URL): copies an existing SQLite
 * database (default: DB, else ./visitor-chat.db) into an empty Postgres database, ids kept, in
 * one transaction, then moves the id sequences past the copied rows. Run it once, with the
 * server stopped, when moving a one-node install to Postgres (docs/DEPLOY.md).
 */
import { accessSync, constants, statSync, type Stats } from 'node:fs';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { MIGRATIONS } from './migrations';
import { migratePostgres } from './migrations-postgres';
import { pgParams } from './store-postgres';

/** The tables in an order that satisfies the foreign keys, and whether each has an identity id. */
const TABLES: [string, boolean][] = [
  ['visitors', false],
  ['visits', true],
  ['page_views', true],
  ['conversations', true],
  ['messages', true],
  ['blocks', true],
  ['auto_message_shows', true],
  ['automations', false],
  ['meta', false],
];

/** Rows per INSERT (Postgres allows 65,535 parameters per statement). */
const BATCH = 500;

/** How many rows of each table were copied. */
export type CopyReport = Record<string, number>;

/**
 * Opens `file` read-only and returns it with its schema version; an error names the resolved
 * path and what is wrong with it (SQLite alone says "unable to open database file").
 */
function openSqlite(file: string): { lite: Database.Database; path: string; version: number } {
  const path = resolve(file);
  const where = path == file ? path : `${path} (${JSON.stringify(file)} from ${process.cwd()})`;
  let kind: Stats;
  try {
    kind = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(
      code == 'ENOENT' || code == 'ENOTDIR'
        ? `no SQLite file at ${where}: it does not exist`
        : `cannot read the SQLite file ${where} (${code})`,
    );
  }
  if (kind.isDirectory()) throw new Error(`${where} is a directory, not a SQLite file`);
  try {
    accessSync(path, constants.R_OK);
  } catch (e) {
    throw new Error(
      `cannot read the SQLite file ${where} (${(e as NodeJS.ErrnoException).code}): run as a user who may read it`,
    );
  }
  let lite: Database.Database | undefined;
  try {
    lite = new Database(path, { readonly: true, fileMustExist: true });
    const version = lite.pragma('user_version', { simple: true }) as number;
    return { lite, path, version };
  } catch (e) {
    lite?.close();
    throw new Error(`cannot read ${where} as a SQLite database (${(e as Error).message})`);
  }
}

/** Copies `file` into the Postgres database at `url`; rejects (copying nothing) on any problem. */
export async function copySqliteToPostgres(file: string, url: string): Promise<CopyReport> {
  const { lite, path, version } = openSqlite(file);
  const client = new pg.Client({ connectionString: url });
  try {
    if (version != MIGRATIONS.length)
      throw new Error(
        `${path} is at schema version ${version}; start this server once on it (it migrates to ${MIGRATIONS.length}), stop it, then copy`,
      );
    await client.connect();
    await migratePostgres(client);
    const existing = await client.query('SELECT count(*)::int AS n FROM visitors');
    if (existing.rows[0].n > 0)
      throw new Error('the Postgres database already has visitors: copy into an empty database');
    const report: CopyReport = {};
    await client.query('BEGIN');
    try {
      for (const [table, identity] of TABLES) {
        let copied = 0;
        const select = lite.prepare(`SELECT * FROM ${table} ORDER BY rowid`);
        let batch: Record<string, unknown>[] = [];
        const flush = async () => {
          if (!batch.length) return;
          const cols = Object.keys(batch[0]!);
          const params: unknown[] = [];
          const rows = batch.map(
            (r) => '(' + cols.map((c) => (params.push(r[c]), '$' + params.length)).join(', ') + ')',
          );
          await client.query(
            `INSERT INTO ${table} (${cols.join(', ')}) VALUES ${rows.join(', ')}`,
            pgParams(params),
          );
          copied += batch.length;
          batch = [];
        };
        for (const row of select.iterate() as Iterable<Record<string, unknown>>) {
          batch.push(row);
          if (batch.length == BATCH) await flush();
        }
        await flush();
        if (identity)
          // The next id Postgres hands out comes after the copied ones.
          await client.query(
            `SELECT setval(pg_get_serial_sequence('${table}', 'id'), (SELECT COALESCE(max(id), 0) + 1 FROM ${table}), false)`,
          );
        report[table] = copied;
      }
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw e;
    }
    return report;
  } finally {
    lite.close();
    await client.end().catch(() => {});
  }
}
