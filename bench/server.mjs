// Part 4 — the reference server under simulated visitors, at each size in SIZES:
//   - the server (`node dist/server.js`, PLAN=pro, DB=:memory:) runs in its own process; its CPU
//     and RSS are read from /proc, so the clients' work is not counted;
//   - one agent keeps the live feed open (GET /api/events), as the Visitors page does;
//   - bench/visitors.mjs, another process, opens the visitors (hello like the widget; one in ten
//     sends a message, which opens a conversation and wakes the demo bot), then every visitor
//     sends a heartbeat every 30 s (the default interval) and the chatty ones a message per
//     minute;
//   - with that load running: QUERIES agent list queries with a filter and a search, and
//     SAMPLES agent-to-visitor deliveries timed from the POST to the frame on a probe visitor's
//     socket (PROBES probe visitors in this process, one sample at a time).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { ensureBuilt } from './dist.mjs';
import { bytes, num, table } from './markdown.mjs';
import { AGENT_TOKEN, RAISE_FILES, fileLimits, startReferenceServer } from './reference-server.mjs';
import { isMain, runPart } from './results.mjs';
import { median, percentile, round } from './stats.mjs';

/** Crowd sizes (SERVER_BENCH_SIZES=1000,3000 for a quicker run). */
const SIZES = process.env.SERVER_BENCH_SIZES?.split(',').map(Number) ?? [1000, 10_000];
const HEARTBEAT_MS = 30_000;
const STEADY_MS = 10_000;
const QUERIES = 200;
const FULL_LIST_QUERIES = 20;
const SAMPLES = 200;
const PROBES = 10;
/** Sockets and files a process needs besides one per visitor. */
const SPARE_FILES = 200;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts bench/visitors.mjs (open-files limit raised) and returns a request/answer function. */
export function startVisitors() {
  const file = fileURLToPath(new URL('./visitors.mjs', import.meta.url));
  const child = spawn('/bin/sh', ['-c', RAISE_FILES, process.execPath, file], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise((ok) => child.once('exit', ok));
  const ask = (msg, timeoutMs) =>
    new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`visitors: no answer to ${msg.cmd}`)), timeoutMs);
      child.once('message', (m) => {
        clearTimeout(t);
        if (m.error) reject(new Error(m.error));
        else resolve(m);
      });
      child.send(msg);
    });
  return {
    ask,
    async stop() {
      if (child.exitCode === null) {
        child.send({ cmd: 'stop' });
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
    },
  };
}

/** Keeps the agent live feed open and drains it; returns its stop function. */
function agentFeed(url) {
  const abort = new AbortController();
  const done = fetch(url + '/api/events', {
    headers: { authorization: 'Bearer ' + AGENT_TOKEN },
    signal: abort.signal,
  })
    .then(async (res) => {
      for await (const _ of res.body);
    })
    .catch(() => {});
  return () => {
    abort.abort();
    return done;
  };
}

/**
 * A probe visitor in this process: resolves {vid, waitFor(text), send(frame), close()} once
 * welcomed; `waitFor` resolves the `performance.now()` at which a message with that text came.
 */
export function probe(url, i) {
  return new Promise((resolve, reject) => {
    const vid = `probe${process.pid}v${i}`;
    const ws = new WebSocket(url + '/v1/ws?key=demo');
    const waiting = new Map();
    const t = setTimeout(() => reject(new Error('probe: no welcome in 30 s')), 30_000);
    ws.on('error', reject);
    ws.on('open', () =>
      ws.send(
        JSON.stringify({
          t: 'hello',
          v: 1,
          key: 'demo',
          vid,
          visits: 1,
          firstSeenAt: Date.now(),
          page: { url: 'https://shop.example/checkout', title: 'Checkout', referrer: '' },
          device: 'desktop',
          lang: 'en',
          activeAt: Date.now(),
        }),
      ),
    );
    ws.on('message', (data) => {
      const f = JSON.parse(String(data));
      if (f.t == 'welcome') {
        clearTimeout(t);
        resolve({
          vid,
          close: () => ws.terminate(),
          send: (frame) => ws.send(JSON.stringify(frame)),
          waitFor: (text) => new Promise((ok) => waiting.set(text, ok)),
        });
      } else if (f.t == 'msg' && waiting.has(f.m.text)) {
        waiting.get(f.m.text)(performance.now());
        waiting.delete(f.m.text);
      }
    });
  });
}

const stats = (xs) => ({
  p50: round(percentile(xs, 50)),
  p95: round(percentile(xs, 95)),
  p99: round(percentile(xs, 99)),
  max: round(Math.max(...xs)),
});

/** Timed GETs of the visitor list: latency to the last byte, rows and bytes of the answer. */
async function listQueries(server, count, query) {
  const ms = [];
  const rows = [];
  const size = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const res = await fetch(server.url + '/api/visitors?' + query(i), {
      headers: { authorization: 'Bearer ' + AGENT_TOKEN },
      signal: AbortSignal.timeout(10_000),
    });
    const body = await res.text();
    ms.push(performance.now() - t0);
    if (!res.ok) throw new Error(`list query: ${res.status} ${body.slice(0, 200)}`);
    rows.push(JSON.parse(body).visitors.length);
    size.push(body.length);
  }
  return { count, ...stats(ms), medianRows: median(rows), medianBytes: median(size) };
}

/** Timed agent messages: POST → the `msg` frame on the probe's socket. */
async function deliveries(server, probes) {
  for (const p of probes)
    await server.api(`/api/visitors/${p.vid}/conversation`, { text: 'Hello from the bench' });
  const ms = [];
  let lost = 0;
  for (let i = 0; i < SAMPLES; i++) {
    const p = probes[i % probes.length];
    const text = `Delivery sample ${i}`;
    const t0 = performance.now();
    const arrived = p.waitFor(text);
    await server.api(`/api/visitors/${p.vid}/messages`, { text });
    const at = await Promise.race([arrived, sleep(5000).then(() => null)]);
    if (at === null) lost++;
    else ms.push(at - t0);
  }
  return { samples: SAMPLES, lost, ...stats(ms) };
}

/** One size: start a server, load it with `target` visitors, measure, stop everything. */
async function measureSize(target, limits) {
  const server = await startReferenceServer();
  const stopFeed = agentFeed(server.url);
  const visitors = startVisitors();
  const probes = [];
  try {
    await sleep(1000);
    const rss0 = server.rssBytes();
    const cpu0 = server.cpuMs();
    const c = await visitors.ask({ cmd: 'connect', url: server.url, count: target }, 120_000);
    const cpu1 = server.cpuMs();
    for (let i = 0; i < PROBES; i++) probes.push(await probe(server.url, i));

    await visitors.ask({ cmd: 'steady', heartbeatMs: HEARTBEAT_MS }, 10_000);
    await sleep(1000);
    const cpu2 = server.cpuMs();
    const t2 = performance.now();
    await sleep(STEADY_MS);
    const steadyCpu = server.cpuMs() - cpu2;
    const steadyWall = performance.now() - t2;
    const rss1 = server.rssBytes();

    const search = await listQueries(
      server,
      QUERIES,
      (i) => `filter=active&q=${encodeURIComponent('products/' + ((i * 37) % 1000))}`,
    );
    const full = await listQueries(server, FULL_LIST_QUERIES, () => 'filter=all');
    const delivery = await deliveries(server, probes);
    const n = c.connected;
    return {
      target,
      connected: n,
      failed: c.failed,
      connectMs: c.ms,
      concurrency: c.concurrency,
      limitedBy: target > limits.raised - SPARE_FILES ? 'open-files limit' : null,
      cpu: {
        connectMsPerVisitor: round((cpu1 - cpu0) / n, 3),
        steadyPercent: round((steadyCpu / steadyWall) * 100, 1),
        steadyMsPerVisitorPerMin: round(((steadyCpu / n) * 60_000) / steadyWall, 3),
      },
      rss: { before: rss0, after: rss1, perVisitor: Math.round((rss1 - rss0) / n) },
      listSearch: search,
      listAll: full,
      delivery,
    };
  } finally {
    for (const p of probes) p.close();
    await visitors.stop();
    await stopFeed();
    await server.close();
  }
}

/** Measures every size the open-files limit allows (the largest possible instead, if not). */
export async function run() {
  ensureBuilt();
  const limits = fileLimits();
  const sizes = [];
  for (const size of SIZES) {
    const n = Math.min(size, limits.raised - SPARE_FILES);
    sizes.push(await measureSize(n, limits));
  }
  return { heartbeatMs: HEARTBEAT_MS, steadyMs: STEADY_MS, fileLimits: limits, sizes };
}

const ms = (v) => num(v, 1);

/** The server tables. */
export function render(data) {
  const rows = data.sizes.map((s) => [
    s.connected.toLocaleString('en') + (s.failed ? ` (${s.failed} failed)` : ''),
    `${(s.connectMs / 1000).toFixed(1)} s`,
    `${num(s.cpu.connectMsPerVisitor, 2)} ms`,
    `${num(s.cpu.steadyPercent, 1)} %`,
    `${num(s.cpu.steadyMsPerVisitorPerMin, 2)} ms`,
    bytes(s.rss.perVisitor),
    `${ms(s.listSearch.p50)} / ${ms(s.listSearch.p95)} / ${ms(s.listSearch.p99)}`,
    `${ms(s.listAll.p50)} / ${ms(s.listAll.p95)}`,
    `${ms(s.delivery.p50)} / ${ms(s.delivery.p99)}` +
      (s.delivery.lost ? ` (${s.delivery.lost} lost)` : ''),
  ]);
  const s0 = data.sizes[0];
  return [
    '### Reference server',
    '',
    table(
      [
        'visitors',
        'connect all',
        'CPU per connect',
        'CPU, steady',
        'CPU per visitor per min',
        'RSS per visitor',
        'list, filter + search: p50 / p95 / p99 ms',
        'full list: p50 / p95 ms',
        'delivery: p50 / p99 ms',
      ],
      rows,
    ),
    '',
    'Server in its own process (`node dist/server.js`, `DB=:memory:`, `PLAN=pro`), CPU and RSS ' +
      'from /proc; visitors from `ws` clients in another process on 127.0.0.1, ' +
      `${s0.concurrency} handshakes at a time; one agent live feed open. Steady: every visitor sends a ` +
      `heartbeat every ${data.heartbeatMs / 1000} s (random phase) and one in ten a message ` +
      `per minute, measured over ${data.steadyMs / 1000} s. RSS per visitor: growth from before ` +
      'the visitors connected to the end of the steady window, garbage included. List: ' +
      `${s0.listSearch.count} sequential \`GET /api/visitors?filter=active&q=products/N\` ` +
      `(median ${s0.listSearch.medianRows}–${data.sizes.at(-1).listSearch.medianRows} rows), ` +
      `and ${s0.listAll.count} \`filter=all\` (the whole list, at most 500 rows, ` +
      `${bytes(data.sizes.at(-1).listAll.medianBytes)}), timed to the last byte, under the ` +
      'steady load. Delivery: `POST /api/visitors/:id/messages` until the `msg` frame arrives ' +
      `on the visitor's socket, ${s0.delivery.samples} samples one at a time over ` +
      `${PROBES} visitors. Open-files limit ${data.fileLimits.raised} (raised from ` +
      `${data.fileLimits.soft} to the hard limit for both processes).` +
      data.sizes
        .filter((s) => s.limitedBy)
        .map(
          (s) =>
            ` ${s.target.toLocaleString('en')} visitors was the most the open-files limit allowed.`,
        )
        .join(''),
  ].join('\n');
}

if (isMain(import.meta)) await runPart('server', run, render);
