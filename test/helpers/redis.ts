/**
 * A throw-away redis-server for tests: a temp dir, a free 127.0.0.1 port, no persistence
 * (`--save '' --appendonly no`). `restart()` stops and starts it on the same port (all data
 * gone, as after a real restart). Missing binary: skipped loudly, or a failure under CI=true.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { startOnFreePort } from './free-port';

const BIN = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find(
  (p) => spawnSync(p, ['--version']).status === 0,
);

/** Whether to run the Redis suites (see postgresAvailable). */
export function redisAvailable(): boolean {
  if (BIN) return true;
  const why = 'no redis-server binary (apt install redis-server)';
  if (process.env.CI == 'true') throw new Error(`Redis suites cannot run under CI: ${why}`);
  console.warn(`\n!!! SKIPPING the Redis suites: ${why}\n`);
  return false;
}

/** A running test Redis. */
export interface TestRedis {
  url: string;
  /** Stops it (data gone) and starts it again on the same port after `downMs`. */
  restart(downMs?: number): Promise<void>;
  /** Stops it (data gone), keeping its port for `resume()`. */
  pause(): Promise<void>;
  /** Starts it again on the same port, empty. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

const ping = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('error', () => resolve(false));
    s.once('data', (d) => {
      s.destroy();
      resolve(String(d).startsWith('+PONG'));
    });
    s.write('PING\r\n');
  });

/** Starts redis-server. */
export async function startRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'vc-redis-'));
  let port = 0;
  let proc: ChildProcess | undefined;
  let out = '';
  async function start() {
    proc = spawn(
      BIN!,
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
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    proc.stdout!.on('data', (d) => (out = (out + d).slice(-4000)));
    proc.stderr!.on('data', (d) => (out = (out + d).slice(-4000)));
    for (let i = 0; !(await ping(port)); i++) {
      if (proc.exitCode != null || i > 200) throw new Error('redis-server did not start: ' + out);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  async function halt() {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode != null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  }
  await startOnFreePort((p) => {
    port = p;
    return start();
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    async restart(downMs = 0) {
      await halt();
      if (downMs) await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    pause: halt,
    resume: start,
    async stop() {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
