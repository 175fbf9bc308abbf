/**
 * A throw-away Postgres for tests: `initdb` in a temp dir (as the `postgres` user when running as
 * root, which Postgres refuses), `postgres -c fsync=off` on a free 127.0.0.1 port, stopped and
 * removed by `stop()`. Missing binaries: `postgresAvailable()` says why; the suites skip with a
 * loud notice, except under CI=true, where they fail (CI installs them).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { startOnFreePort } from './free-port';

/** The directory of Debian's Postgres binaries (newest version), or undefined. */
function binDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] && join(root, versions[0], 'bin');
}

const asRoot = process.getuid?.() === 0;

/** Undefined when tests can start Postgres; otherwise why not. */
export function postgresMissing(): string | undefined {
  if (!binDir())
    return 'no Postgres binaries under /usr/lib/postgresql/*/bin (apt install postgresql)';
  if (asRoot && spawnSync('id', ['-u', 'postgres']).status !== 0)
    return 'running as root but there is no postgres user to run Postgres as';
  return undefined;
}

/**
 * Whether to run the Postgres suites: true when Postgres can start; otherwise prints a loud
 * notice and returns false, or throws under CI=true (a skipped suite must not pass CI).
 */
export function postgresAvailable(): boolean {
  const why = postgresMissing();
  if (!why) return true;
  if (process.env.CI == 'true') throw new Error(`Postgres suites cannot run under CI: ${why}`);
  console.warn(`\n!!! SKIPPING the Postgres suites: ${why}\n`);
  return false;
}

/** A running test Postgres. */
export interface TestPostgres {
  port: number;
  /** Connection URL of a database (default `postgres`). */
  url(db?: string): string;
  /** Creates a fresh empty database and returns its URL. */
  freshDatabase(): Promise<string>;
  /** Stops the server, keeping its data (for "Postgres down" tests). */
  pause(): Promise<void>;
  /** Starts it again on the same port and data. */
  resume(): Promise<void>;
  /** Stops it and removes its files. */
  stop(): Promise<void>;
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts a test Postgres (about 1–3 s). */
export async function startPostgres(): Promise<TestPostgres> {
  const bin = binDir()!;
  const dir = mkdtempSync(join(tmpdir(), 'vc-pg-'));
  const data = join(dir, 'data');
  const user = asRoot ? ['runuser', '-u', 'postgres', '--'] : [];
  if (asRoot) {
    const uid = Number(spawnSync('id', ['-u', 'postgres']).stdout.toString());
    const gid = Number(spawnSync('id', ['-g', 'postgres']).stdout.toString());
    chownSync(dir, uid, gid);
    chmodSync(dir, 0o700);
  }
  const run = (cmd: string[]) => {
    const r = spawnSync(
      user[0] ?? cmd[0]!,
      [...user.slice(1), ...(user.length ? cmd : cmd.slice(1))],
      {
        encoding: 'utf8',
      },
    );
    if (r.status !== 0) throw new Error(`${cmd.join(' ')} failed: ${r.stderr || r.stdout}`);
  };
  run([
    join(bin, 'initdb'),
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--no-sync',
  ]);
  let port = 0;
  let proc: ChildProcess | undefined;
  let log = '';
  const url = (db = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${db}`;

  async function start() {
    const args = [
      join(bin, 'postgres'),
      '-D',
      data,
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=200',
    ];
    const p = spawn(
      user[0] ?? args[0]!,
      [...user.slice(1), ...(user.length ? args : args.slice(1))],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    proc = p;
    p.stdout!.on('data', (d) => (log += d));
    p.stderr!.on('data', (d) => (log += d));
    // Ready when a connection succeeds (bounded: 30 s on a busy machine).
    for (let i = 0; i < 300; i++) {
      if (p.exitCode != null) throw new Error('postgres exited: ' + log.slice(-2000));
      const c = new pg.Client({ connectionString: url(), connectionTimeoutMillis: 1000 });
      try {
        await c.connect();
        await c.end();
        return;
      } catch {
        await c.end().catch(() => {});
        await wait(100);
      }
    }
    throw new Error('postgres did not start within 30 s: ' + log.slice(-2000));
  }

  /** The postmaster's pid (runuser does not pass signals on, so it is signalled directly). */
  const postmaster = () => {
    try {
      return Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    } catch {
      return 0;
    }
  };

  async function halt() {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode != null) return;
    const exited = new Promise((r) => p.once('exit', r));
    const pid = postmaster() || p.pid!;
    // SIGINT: a "fast shutdown" (clients are disconnected); SIGKILL if it hangs.
    process.kill(pid, 'SIGINT');
    const t = setTimeout(() => {
      process.kill(pid, 'SIGKILL');
      p.kill('SIGKILL');
    }, 10_000);
    await exited;
    clearTimeout(t);
  }

  await startOnFreePort((p) => {
    port = p;
    log = '';
    return start();
  });
  let n = 0;
  return {
    port,
    url,
    async freshDatabase() {
      const name = `t${process.pid}_${++n}_${Math.random().toString(36).slice(2, 8)}`;
      const c = new pg.Client({ connectionString: url() });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE ${name}`);
      } finally {
        await c.end();
      }
      return url(name);
    },
    pause: halt,
    resume: start,
    async stop() {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A test Postgres for the current file: started before its tests and stopped after them when
 * Postgres is available. Returns whether it is, and a getter for the running server.
 */
export function usePostgres(): { available: boolean; server: () => TestPostgres } {
  let running: TestPostgres | undefined;
  const available = postgresAvailable();
  beforeAll(async () => {
    if (available) running = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await running?.stop();
  }, 30_000);
  return { available, server: () => running! };
}
