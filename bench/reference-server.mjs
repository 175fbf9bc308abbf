// Runs the reference server (`node dist/server.js`, what `npm start` runs) as a child process
// with a throw-away in-memory database and a known agent token, so its CPU and memory can be
// read from /proc apart from the benchmark's own.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { DIST, ROOT } from './dist.mjs';

/** The agent token the benchmarks use. */
export const AGENT_TOKEN = 'bench-agent-token-0123456789';

/** `sh -c` script: raise `ulimit -n` to the hard limit, then exec "$0" "$@" (same pid). */
export const RAISE_FILES = 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"';

const limitValue = (v) => (v == 'unlimited' ? Infinity : Number(v));

/** The open-files limits a child started through RAISE_FILES gets: {soft, hard}. */
export function fileLimits() {
  const out = execFileSync(
    '/bin/sh',
    ['-c', 'ulimit -Sn; ' + RAISE_FILES.split(';')[0] + '; ulimit -Sn'],
    {
      encoding: 'utf8',
    },
  )
    .trim()
    .split('\n');
  return { soft: limitValue(out[0]), raised: limitValue(out[1]) };
}

const CLK_TCK = 100; // Linux USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s.

/**
 * Starts the server on a free port. Resolves `{url, pid, cpuMs(), rssBytes(), api(), close()}`
 * once it prints its URL; rejects after 20 s or if it exits first.
 */
export function startReferenceServer(env = {}) {
  // Through sh, to raise the open-files limit to the hard limit first (one socket per visitor).
  const child = spawn('/bin/sh', ['-c', RAISE_FILES, process.execPath, DIST + 'server.js'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      DB: ':memory:',
      AGENT_TOKEN,
      PLAN: 'pro',
      KEYS: 'demo',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (d) => (log = (log + d).slice(-4000)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('the reference server did not start within 20 s:\n' + log));
    }, 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the reference server exited (${code}):\n${log}`));
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /Demo site:\s+(http:\/\/\S+?)\/?\s/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout.removeAllListeners('data');
      child.stdout.resume();
      child.removeAllListeners('exit');
      resolve(handle(child, m[1], () => log));
    });
  });
}

function handle(child, url, log) {
  const pid = child.pid;
  const exited = new Promise((ok) => child.once('exit', ok));
  return {
    url,
    pid,
    log,
    /** CPU time (user + system) the server has used so far, in ms. */
    cpuMs() {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
    },
    /** Resident set size now, in bytes. */
    rssBytes() {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return m ? Number(m[1]) * 1024 : NaN;
    },
    /** A fetch of the agent API with the bearer token; resolves the parsed JSON body. */
    async api(path, body) {
      const res = await fetch(url + path, {
        method: body ? 'POST' : 'GET',
        headers: {
          authorization: 'Bearer ' + AGENT_TOKEN,
          ...(body && { 'content-type': 'application/json' }),
        },
        body: body && JSON.stringify(body),
      });
      const json = await res.json();
      if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    },
    /** SIGTERM (the server closes cleanly), SIGKILL after 5 s. */
    async close() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}
