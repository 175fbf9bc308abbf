// The services of bench/cluster.mjs, started from plain Node (the test helpers in test/helpers/
// are TypeScript and need vitest): a throw-away Postgres (`initdb` in a temp dir, as the
// `postgres` user when running as root, fsync off), a throw-away redis-server (no persistence),
// and N server nodes (`node dist/server.js` with DATABASE_URL, REDIS_URL, NODE_ID and one
// AGENT_TOKEN, open-files limit raised). Everything on free 127.0.0.1 ports; `stop()` ends it.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DIST, ROOT } from './dist.mjs';
import { AGENT_TOKEN, RAISE_FILES } from './reference-server.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A port that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on `port` (bounded by `ms`). */
async function listening(port, ms, what, exited) {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const s = createConnection(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (exited()) throw new Error(`${what} exited before listening`);
    if (Date.now() > end) throw new Error(`${what} did not listen within ${ms} ms`);
    await sleep(100);
  }
}

/** The `postgres` user's uid (`-u`) or gid (`-g`). */
const postgresId = (flag) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }));

/** Starts Postgres; resolves {url, stop()}. */
export async function startPostgres() {
  const root = '/usr/lib/postgresql';
  const version = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))[0]
    : undefined;
  if (!version) throw new Error('no Postgres under /usr/lib/postgresql (apt install postgresql)');
  const bin = join(root, version, 'bin');
  const dir = mkdtempSync(join(tmpdir(), 'vc-bench-pg-'));
  const asRoot = process.getuid?.() === 0;
  const as = (cmd) => (asRoot ? ['runuser', '-u', 'postgres', '--', ...cmd] : cmd);
  if (asRoot) chownSync(dir, postgresId('-u'), postgresId('-g'));
  const data = join(dir, 'data');
  const init = as([join(bin, 'initdb'), '-D', data, '-U', 'postgres', '--auth=trust', '--no-sync']);
  const made = spawnSync(init[0], init.slice(1), { encoding: 'utf8' });
  if (made.status !== 0) throw new Error('initdb failed: ' + made.stderr);
  const port = await freePort();
  const cmd = as([
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
  ]);
  const proc = spawn(cmd[0], cmd.slice(1), { stdio: 'ignore' });
  const exited = new Promise((r) => proc.once('exit', r));
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  // Ready when a query is answered (accepting TCP is not yet accepting queries).
  for (let i = 0; ; i++) {
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await c.connect();
      await c.query('SELECT 1');
      await c.end();
      break;
    } catch {
      await c.end().catch(() => {});
      if (proc.exitCode != null || i > 300) throw new Error('postgres did not start');
      await sleep(100);
    }
  }
  return {
    url,
    async stop() {
      if (proc.exitCode == null) {
        // runuser does not pass signals on: the postmaster is signalled itself (fast shutdown).
        spawnSync('pkill', ['-INT', '-P', String(proc.pid)]);
        process.kill(proc.pid, 'SIGINT');
        const t = setTimeout(() => spawnSync('pkill', ['-KILL', '-P', String(proc.pid)]), 10_000);
        await exited;
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts redis-server; resolves {url, port, stop()}. */
export async function startRedis() {
  const dir = mkdtempSync(join(tmpdir(), 'vc-bench-redis-'));
  const port = await freePort();
  const proc = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise((r) => proc.once('exit', r));
  await listening(port, 10_000, 'redis-server', () => proc.exitCode != null);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      if (proc.exitCode == null) proc.kill('SIGKILL');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts one node (`env` adds to the cluster's settings); resolves {id, url, pid, kill(),
 * close()} once it listens (it listens after loading the shared list: allow for a long one);
 * `file` is the server to run (another build, for an A/B).
 */
export async function startNode(id, env, listenWithinMs = 30_000, file = DIST + 'server.js') {
  const port = await freePort();
  // NODE_FLAGS: V8 flags for the nodes (e.g. --trace-gc, which NODE_OPTIONS refuses).
  const flags = process.env.NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn('/bin/sh', ['-c', RAISE_FILES, process.execPath, ...flags, file], {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), NODE_ID: id, ...env },
    // NODE_STDOUT=1 shows what a node prints (e.g. NODE_OPTIONS=--trace-gc).
    stdio: ['ignore', process.env.NODE_STDOUT ? 'inherit' : 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (d) => (log = (log + d).slice(-4000)));
  const exited = new Promise((r) => child.once('exit', r));
  try {
    await listening(port, listenWithinMs, id, () => child.exitCode != null);
  } catch (e) {
    throw new Error(`${e.message}:\n${log}`, { cause: e });
  }
  return {
    id,
    url: `http://127.0.0.1:${port}`,
    pid: child.pid,
    log: () => log,
    /** kill -9. */
    async kill() {
      if (child.exitCode == null) child.kill('SIGKILL');
      await exited;
    },
    async close() {
      if (child.exitCode != null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 12_000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** The settings every node of a cluster on `postgres` and `redis` gets. */
export const clusterEnv = (postgres, redis) => ({
  DATABASE_URL: postgres.url,
  REDIS_URL: redis.url,
  AGENT_TOKEN,
  PLAN: 'pro',
  KEYS: 'demo',
});

/** Postgres, Redis and `count` nodes; resolves {postgres, redis, nodes, env, stop()}. */
export async function startCluster(count, extraEnv = {}) {
  const started = [];
  try {
    const postgres = await startPostgres();
    started.push(postgres);
    const redis = await startRedis();
    started.push(redis);
    const env = { ...clusterEnv(postgres, redis), ...extraEnv };
    const nodes = await Promise.all(
      Array.from({ length: count }, (_, i) => startNode(`node-${i + 1}`, env)),
    );
    started.push(...nodes);
    return {
      postgres,
      redis,
      nodes,
      env,
      async stop() {
        await Promise.all(nodes.map((n) => n.close().catch(() => n.kill())));
        await redis.stop();
        await postgres.stop();
      },
    };
  } catch (e) {
    for (const s of started.reverse()) await (s.kill ?? s.stop)().catch(() => {});
    throw e;
  }
}
