/**
 * `node dist/server.js copy-sqlite [FILE]` (with DATABASE_URL): copies an existing SQLite
 * database (default: DB, else ./visitor-chat.db) and the uploaded files of its node (UPLOAD_DIR)
 * into a Postgres database without visitors, ids kept, in one transaction, then moves the id
 * sequences past the copied rows. Run it once, with the server stopped, when moving a one-node
 * install to Postgres (docs/DEPLOY.md).
 */
import { accessSync, constants, statSync, type Stats } from 'node:fs';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { databaseUrlProblem, postgresConnectError } from './database-url';
import { DEMO_AUTOMATIONS } from './demo-automations';
import { createDiskBlobs } from './files-disk';
import { createPostgresBlobs } from './files-postgres';
import { MIGRATIONS } from './migrations';
import { migratePostgres } from './migrations-postgres';
import { BUMP_AUTOMATIONS, pgParams } from './store-postgres';
import { tryNodeLock } from './store-sqlite';

/**
 * The tables in an order that satisfies the foreign keys: whether each has an identity id, and
 * what a row does when the target has one with the same key (a node that started on the empty
 * database added its examples and the `meta` flags; the file's win). The automations revision
 * is not copied: the target's moves on instead, so a node that read it reloads.
 */
const TABLES: { table: string; identity?: true; upsert?: string; where?: string }[] = [
  { table: 'visitors' },
  { table: 'files' },
  { table: 'visits', identity: true },
  { table: 'page_views', identity: true },
  { table: 'conversations', identity: true },
  { table: 'messages', identity: true },
  { table: 'blocks', identity: true },
  { table: 'auto_message_shows', identity: true },
  {
    table: 'automations',
    upsert: `ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, enabled = excluded.enabled,
      body = excluded.body, created_at = excluded.created_at, updated_at = excluded.updated_at`,
  },
  {
    table: 'meta',
    upsert: 'ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    where: "key != 'automations_revision'",
  },
];

/** Rows per INSERT (Postgres allows 65,535 parameters per statement). */
const BATCH = 500;

/** The ids of the examples a node adds to a new database (DEMO, demo-automations.ts). */
const EXAMPLE_IDS = DEMO_AUTOMATIONS.map((a) => (a as { id: string }).id);

/** What was copied. */
export interface CopyReport {
  /** Rows copied, per table. */
  rows: Record<string, number>;
  /**
   * The target's automations before the copy: the examples a node added at its first start and
   * nobody changed (removed: the file's automations stand, its deleted examples staying
   * deleted), those the file replaced (same id), and those kept (made or changed there).
   */
  automations: { examplesRemoved: number; replaced: string[]; kept: string[] };
  /**
   * The uploaded files' bytes, from `dir` (UPLOAD_DIR, resolved) into Postgres: how many files
   * and bytes were copied, and the ids of the files whose bytes were not there (their rows are
   * copied as they were: their links answered 404 on the old node too).
   */
  files: { dir: string; copied: number; bytes: number; missing: string[] };
}

/** Ids of missing files named in the report's lines (all are in the report). */
const NAMED = 20;

/** The report as lines for the terminal. */
export function describeCopy(report: CopyReport): string[] {
  const out = Object.entries(report.rows).map(([table, n]) => `${table}: ${n}`);
  const { examplesRemoved, replaced, kept } = report.automations;
  if (examplesRemoved)
    out.push(
      `the ${examplesRemoved} example automations a node added to the new database were removed (the file's automations stand)`,
    );
  if (replaced.length)
    out.push(
      `${replaced.length} automations changed in Postgres were replaced by the file's of the same id: ${replaced.join(', ')}`,
    );
  if (kept.length)
    out.push(`${kept.length} automations made in Postgres were kept: ${kept.join(', ')}`);
  const { dir, copied, bytes, missing } = report.files;
  out.push(`uploaded files: ${copied} (${bytes} bytes) from ${dir}`);
  if (missing.length)
    out.push(
      `${missing.length} uploaded files were not in ${dir} (their messages keep the attachment, which answers 404 as before): ` +
        missing.slice(0, NAMED).join(', ') +
        (missing.length > NAMED ? ` and ${missing.length - NAMED} more` : ''),
    );
  return out;
}

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
      { cause: e },
    );
  }
  if (kind.isDirectory()) throw new Error(`${where} is a directory, not a SQLite file`);
  try {
    accessSync(path, constants.R_OK);
  } catch (e) {
    throw new Error(
      `cannot read the SQLite file ${where} (${(e as NodeJS.ErrnoException).code}): run as a user who may read it`,
      { cause: e },
    );
  }
  let lite: Database.Database | undefined;
  try {
    lite = new Database(path, { readonly: true, fileMustExist: true });
    const version = lite.pragma('user_version', { simple: true }) as number;
    return { lite, path, version };
  } catch (e) {
    lite?.close();
    throw new Error(`cannot read ${where} as a SQLite database (${(e as Error).message})`, {
      cause: e,
    });
  }
}

/**
 * Copies `file`, and the bytes of its uploaded files from `uploadDir`, into the Postgres
 * database at `url`; rejects (copying nothing) on any problem. A file whose bytes are not in
 * `uploadDir` is reported, not a problem; a `uploadDir` that does not exist while there are
 * files is one (the wrong directory, most likely).
 */
export async function copySqliteToPostgres(
  file: string,
  url: string,
  uploadDir: string,
): Promise<CopyReport> {
  const { lite, path, version } = openSqlite(file);
  let opened: pg.Client | undefined;
  let node: { release(): void } | null = null;
  try {
    // What a server running on the file writes during the copy would not be copied.
    let running = false;
    try {
      running = !(node = tryNodeLock(path));
    } catch {
      // No lock file can be made beside it (a read-only directory): no server writes there.
    }
    if (running)
      throw new Error(
        `a visitor-chat server is running on ${path}: stop it first, then copy (what it writes meanwhile would not be copied)`,
      );
    if (version != MIGRATIONS.length)
      throw new Error(
        `${path} is at schema version ${version}; start this server once on it (it migrates to ${MIGRATIONS.length}), stop it, then copy`,
      );
    const problem = databaseUrlProblem(url);
    if (problem) throw new Error(problem);
    const client = (opened = new pg.Client({ connectionString: url }));
    try {
      await client.connect();
      await migratePostgres(client);
    } catch (e) {
      throw new Error(postgresConnectError(e, url), { cause: e });
    }
    const existing = await client.query('SELECT count(*)::int AS n FROM visitors');
    if (existing.rows[0].n > 0)
      throw new Error('the Postgres database already has visitors: copy into an empty database');
    const dir = resolve(uploadDir);
    const files = lite.prepare('SELECT id FROM files ORDER BY rowid').pluck().all() as string[];
    if (files.length && !statSync(dir, { throwIfNoEntry: false })?.isDirectory())
      throw new Error(
        `${path} has ${files.length} uploaded files, but their directory ${dir} does not exist: set UPLOAD_DIR to the old node's (to copy without their bytes, to an empty directory)`,
      );
    const report: CopyReport = {
      rows: {},
      automations: { examplesRemoved: 0, replaced: [], kept: [] },
      files: { dir, copied: 0, bytes: 0, missing: [] },
    };
    await client.query('BEGIN');
    try {
      // An example a node seeded was written once (created_at = updated_at); an agent's change
      // writes updated_at again.
      const removed = await client.query(
        'DELETE FROM automations WHERE id = ANY($1) AND created_at = updated_at',
        [EXAMPLE_IDS],
      );
      report.automations.examplesRemoved = removed.rowCount ?? 0;
      const mine = new Set(
        (lite.prepare('SELECT id FROM automations').all() as { id: string }[]).map((r) => r.id),
      );
      for (const { id } of (await client.query('SELECT id FROM automations ORDER BY id')).rows)
        report.automations[mine.has(id) ? 'replaced' : 'kept'].push(id);
      for (const { table, identity, upsert, where } of TABLES) {
        let copied = 0;
        const select = lite.prepare(
          `SELECT * FROM ${table} ${where ? 'WHERE ' + where : ''} ORDER BY rowid`,
        );
        let batch: Record<string, unknown>[] = [];
        const flush = async () => {
          if (!batch.length) return;
          const cols = Object.keys(batch[0]!);
          const params: unknown[] = [];
          const rows = batch.map(
            (r) => '(' + cols.map((c) => (params.push(r[c]), '$' + params.length)).join(', ') + ')',
          );
          await client.query(
            `INSERT INTO ${table} (${cols.join(', ')}) VALUES ${rows.join(', ')} ${upsert ?? ''}`,
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
        report.rows[table] = copied;
      }
      await client.query(BUMP_AUTOMATIONS);
      const disk = createDiskBlobs(dir);
      const db = createPostgresBlobs(client);
      for (const id of files) {
        const bytes = await disk.read(id);
        if (!bytes) {
          report.files.missing.push(id);
          continue;
        }
        await db.write(
          id,
          (async function* () {
            for await (const chunk of bytes) {
              report.files.bytes += chunk.length;
              yield chunk;
            }
          })(),
        );
        report.files.copied++;
      }
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw e;
    }
    return report;
  } finally {
    lite.close();
    node?.release();
    await opened?.end().catch(() => {});
  }
}
