// `npm run bench:cluster` — the reference server as a cluster (DESIGN.md §8): three nodes
// (`node dist/server.js`, each its own process) on one Postgres and one Redis, all on this
// machine (bench/cluster-services.mjs). In order:
//   - cross-node delivery with nobody else online: an agent POST on node 2 to a probe visitor
//     whose WebSocket is on node 1 (POST sent → frame received), and a probe visitor's message
//     on node 1 to the agent feed (`/api/events`) open on node 2 (frame sent → event received);
//   - a reconnect storm: ONLINE visitors (bench/visitors.mjs, another process) connect within
//     STORM_MS, spread over the three nodes in turn: hello → welcome times, failures, and how
//     long until node 1's agent list counts them all;
//   - Redis memory per online visitor (INFO used_memory after the storm minus before, divided);
//   - with them online and sending heartbeats: the same delivery figures under load, then list
//     latency on node 2 per filter and for a search (QUERIES each, one at a time, like an agent);
//   - 100,000 online, synthetic: rows cloned from the real ones (new ids, other pages) written
//     into Redis the way the nodes keep the shared list (vc:rows, vc:masks, vc:counts and the
//     presence set vc:online), then a fourth node started, which loads the list from there like
//     any node that joins; the same list queries on it;
//   - presence convergence: kill -9 of node 3, and the time until node 1's count drops by the
//     visitors node 3 held.
// Targets (issue 12): delivery p99 ≤ 50 ms, convergence ≤ 10 s, list p95 ≤ 25 ms at 100,000.
import { availableParallelism, loadavg } from 'node:os';
import Redis from 'ioredis';
import { startCluster, startNode } from './cluster-services.mjs';
import { ensureBuilt } from './dist.mjs';
import { startLoopProbe } from './loop-probe.mjs';
import { num, table } from './markdown.mjs';
import { AGENT_TOKEN, fileLimits } from './reference-server.mjs';
import { isMain, runPart } from './results.mjs';
import { probe, startVisitors } from './server.mjs';
import { median, percentile, round } from './stats.mjs';

const ONLINE = 10_000;
const SYNTHETIC = 100_000;
const STORM_MS = 10_000;
const SAMPLES = 100;
/**
 * Least time between two delivery samples: the probe's messages stay under the server's
 * per-connection frame limit (20/s, burst 40), which closes a faster sender with 4029 once
 * delivery takes milliseconds instead of half a second.
 */
const SAMPLE_GAP_MS = 100;
const QUERIES = 100;
const FILTERS = ['all', 'active', 'chatting', 'customers', 'auto-message', 'blocked'];
/** Sockets and files a process needs besides one per visitor. */
const SPARE_FILES = 200;
/** bench/visitors.mjs starts no new visitor after this long (its CONNECT_TIMEOUT_MS). */
const CONNECT_LIMIT_S = 90;
/** Longest wait for a count to converge. */
const CONVERGE_LIMIT_MS = 60_000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Prints a phase's figures as soon as they are measured (a later failure keeps them). */
const progress = (phase, data) => console.error(`cluster: ${phase}: ${JSON.stringify(data)}`);
const auth = { authorization: 'Bearer ' + AGENT_TOKEN };

async function api(base, path, body) {
  const res = await fetch(base + path, {
    method: body ? 'POST' : 'GET',
    headers: { ...auth, ...(body && { 'content-type': 'application/json' }) },
    body: body && JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Online visitors as node `base` counts them. */
const onlineCount = async (base) =>
  (await api(base, '/api/visitors?filter=all&limit=1')).counts.all;

/**
 * Online visitors on `base` once the count holds still: the probe visitors just closed are
 * counted until their offline rows arrive, and a base that counts them is never reached again.
 */
async function steadyCount(base) {
  let last = await onlineCount(base);
  for (let i = 0; i < 20; i++) {
    await sleep(1500);
    const now = await onlineCount(base);
    if (now == last) return now;
    last = now;
  }
  return last;
}

/** Open visitor connections on a node, from its /metrics. */
async function connectionsOn(base) {
  const text = await (await fetch(base + '/metrics', { headers: auth })).text();
  return Number(/^visitor_chat_connections (\d+)/m.exec(text)?.[1] ?? NaN);
}

/**
 * A node's event-loop delay since its last scrape (p99, max) and its GC time so far, from
 * /metrics (prom-client's process metrics), in ms.
 */
async function loopOn(base) {
  const text = await (await fetch(base + '/metrics', { headers: auth })).text();
  const value = (re) => Number(re.exec(text)?.[1] ?? NaN);
  let gc = 0;
  for (const m of text.matchAll(/^nodejs_gc_duration_seconds_sum\{kind="\w+"\} (\S+)$/gm))
    gc += Number(m[1]);
  return {
    p99: value(/^nodejs_eventloop_lag_p99_seconds (\S+)$/m) * 1000,
    max: value(/^nodejs_eventloop_lag_max_seconds (\S+)$/m) * 1000,
    gcMs: gc * 1000,
  };
}

/**
 * Runs `fn` while timing the event loops of the nodes `bases` (named `names`) and of a bare Node
 * process (`probe`): what the nodes waited for besides their own work. Resolves [fn's result,
 * {nodes: [{node, p99, max, gcMs}], bare: {p99, max}}].
 */
async function watched(bases, names, probe, fn) {
  const before = [];
  for (const b of bases) before.push(await loopOn(b));
  await probe.read();
  const result = await fn();
  const nodes = [];
  for (const [i, b] of bases.entries()) {
    const after = await loopOn(b);
    nodes.push({
      node: names[i],
      p99: round(after.p99, 1),
      max: round(after.max, 1),
      gcMs: round(after.gcMs - before[i].gcMs, 0),
    });
  }
  const bare = await probe.read();
  return [result, { nodes, bare: { p99: round(bare.p99, 1), max: round(bare.max, 1) } }];
}

/** Redis INFO memory's used_memory, in bytes. */
async function redisUsedMemory(redis) {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? NaN);
}

/** Count names in the order of the mask's bits 1… (demo/shared/visitor-list.ts). */
const COUNT_NAMES = ['all', 'active', 'chatting', 'customers', 'autoMessage', 'blocked'];

/**
 * Fills the shared list up to `total` online visitors with clones of the rows there: each a new
 * id and another product page, the same share of the counts (vc:masks) as its original.
 */
async function addSynthetic(redis, total) {
  const rows = await redis.hgetall('vc:rows');
  const masks = await redis.hgetall('vc:masks');
  const models = Object.entries(rows).filter(([vid]) => vid.startsWith('bench'));
  const have = Object.keys(rows).length;
  const counts = Object.fromEntries(COUNT_NAMES.map((n) => [n, 0]));
  for (let i = 0; have + i < total;) {
    const batch = redis.pipeline();
    for (let k = 0; k < 1000 && have + i < total; k++, i++) {
      const [vid, json] = models[i % models.length];
      const row = JSON.parse(json);
      const id = `synth${String(i).padStart(6, '0')}`;
      row.id = id;
      if (row.currentPage) {
        row.currentPage.url = `https://shop.example/products/${i % 1000}?s=${i}`;
        row.currentPage.title = `Product ${i % 1000} – Acme shop`;
      }
      const mask = Number(masks[vid] ?? 1);
      batch.hset('vc:rows', id, JSON.stringify(row));
      batch.hset('vc:masks', id, mask);
      batch.sadd('vc:online', id);
      COUNT_NAMES.forEach((n, f) => {
        if ((mask >> (f + 1)) & 1) counts[n]++;
      });
    }
    await batch.exec();
  }
  for (const [n, c] of Object.entries(counts)) if (c) await redis.hincrby('vc:counts', n, c);
  return total - have;
}

/** The agent feed on `base`: `next(pred, ms)` resolves the next `message` event matching. */
async function feed(base) {
  const ac = new AbortController();
  const res = await fetch(base + '/api/events', { headers: auth, signal: ac.signal });
  if (res.status != 200) throw new Error('the agent feed answered ' + res.status);
  const waiters = new Set();
  void (async () => {
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    let buf = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          if (!/^event: message$/m.test(block)) continue;
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (!data) continue;
          const d = JSON.parse(data);
          for (const w of waiters) w(d);
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    close: () => ac.abort(),
    next: (pred, ms = 10_000) =>
      new Promise((resolve, reject) => {
        const t = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`agent feed: no message event within ${ms} ms`));
        }, ms);
        const w = (d) => {
          if (!pred(d)) return;
          clearTimeout(t);
          waiters.delete(w);
          resolve(d);
        };
        waiters.add(w);
      }),
  };
}

const summary = (ms) => ({
  samples: ms.length,
  p50: round(percentile(ms, 50)),
  p99: round(percentile(ms, 99)),
  max: round(Math.max(...ms)),
});

/**
 * Cross-node delivery, SAMPLES each way, one at a time: agent → visitor (POST on `b`, socket on
 * `a`) and visitor → agent (socket on `a`, feed on `b`).
 */
export async function delivery(a, b, name) {
  const p = await probe(a, name);
  const agentFeed = await feed(b);
  try {
    const opened = p.waitFor('opening');
    await api(b, `/api/visitors/${p.vid}/conversation`, { text: 'opening' });
    await opened;
    const toVisitor = [];
    const toAgent = [];
    for (let i = 0; i < SAMPLES; i++) {
      const started = performance.now();
      const text = `to visitor ${i}`;
      const got = p.waitFor(text);
      const t0 = performance.now();
      await api(b, `/api/visitors/${p.vid}/messages`, { text });
      toVisitor.push((await got) - t0);

      const back = `to agent ${i}`;
      const seen = agentFeed.next((d) => d.visitorId == p.vid && d.message?.text == back);
      const t1 = performance.now();
      p.send({ t: 'msg', cid: `${p.vid}c${i}`, text: back, at: Date.now() });
      await seen;
      toAgent.push(performance.now() - t1);
      await sleep(started + SAMPLE_GAP_MS - performance.now());
    }
    return { toVisitor: summary(toVisitor), toAgent: summary(toAgent) };
  } finally {
    agentFeed.close();
    p.close();
  }
}

/**
 * Waits until `read()` satisfies `ok`, at most CONVERGE_LIMIT_MS from now (a storm that took
 * longer than that to start its visitors is still waited for); resolves the ms it took from
 * `since`, or null.
 */
async function convergence(read, ok, since) {
  const end = Date.now() + CONVERGE_LIMIT_MS;
  while (Date.now() < end) {
    try {
      if (ok(await read())) return Date.now() - since;
    } catch {
      // a node busy or restarting: ask again
    }
    await sleep(100);
  }
  return null;
}

/** List latency on `base`: QUERIES per filter, then QUERIES searches. */
export async function listLatency(base) {
  const rows = [];
  const timeOf = async (path) => {
    const t0 = performance.now();
    await api(base, path);
    return performance.now() - t0;
  };
  for (const filter of FILTERS) {
    const ms = [];
    for (let i = 0; i < QUERIES; i++)
      ms.push(await timeOf(`/api/visitors?filter=${filter}&limit=200`));
    rows.push({
      query: filter,
      samples: ms.length,
      p50: round(median(ms)),
      p95: round(percentile(ms, 95)),
    });
  }
  const ms = [];
  // Searches that match a slice of the crowd (product pages 0–999 are in their page titles).
  for (let i = 0; i < QUERIES; i++)
    ms.push(
      await timeOf(
        `/api/visitors?filter=all&limit=200&q=${encodeURIComponent(`Product ${i % 1000}`)}`,
      ),
    );
  rows.push({
    query: 'search',
    samples: ms.length,
    p50: round(median(ms)),
    p95: round(percentile(ms, 95)),
  });
  return rows;
}

export async function run() {
  ensureBuilt();
  const files = fileLimits();
  // Everything shares this machine's cores: how busy it was says how to read the figures.
  const loadAtStart = round(loadavg()[0]);
  const online = Math.min(ONLINE, files.raised - SPARE_FILES);
  const cluster = await startCluster(3);
  const [n1, n2, n3] = cluster.nodes;
  const visitors = startVisitors();
  const redis = new Redis(cluster.redis.url, { lazyConnect: false });
  const probe = startLoopProbe();
  const loop = {};
  const extra = [];
  try {
    const pair = [[n1.url, n2.url], ['node 1', 'node 2'], probe];
    const [idle, idleLoop] = await watched(...pair, () => delivery(n1.url, n2.url, 'idle'));
    loop.idle = idleLoop;
    progress('delivery, nobody else online', idle);
    const memBefore = await redisUsedMemory(redis);
    const base = await steadyCount(n1.url);

    const stormStart = Date.now();
    const storm = await visitors.ask(
      {
        cmd: 'connect',
        urls: cluster.nodes.map((n) => n.url),
        count: online,
        perSecond: (online * 1000) / STORM_MS,
      },
      180_000,
    );
    const allListedMs = await convergence(
      () => onlineCount(n1.url),
      (c) => c >= base + storm.connected,
      stormStart,
    );
    const memAfter = await redisUsedMemory(redis);
    progress('storm', { ...storm, allListedMs, memBefore, memAfter });
    await visitors.ask({ cmd: 'steady', heartbeatMs: 30_000, lifetimeMs: 600_000 }, 10_000);

    const [loaded, loadedLoop] = await watched(...pair, () => delivery(n1.url, n2.url, 'loaded'));
    loop.loaded = loadedLoop;
    progress('delivery under load', { ...loaded, loop: loadedLoop });
    const [list, listLoop] = await watched([n2.url], ['node 2'], probe, () => listLatency(n2.url));
    loop.list = listLoop;
    progress('list', { list, loop: listLoop });

    const synthStart = Date.now();
    const added = await addSynthetic(redis, SYNTHETIC);
    const memSynthetic = await redisUsedMemory(redis);
    const n4 = await startNode('node-4', cluster.env, 300_000);
    extra.push(n4);
    const loadedMs = Date.now() - synthStart;
    const listed = await onlineCount(n4.url);
    progress('synthetic', { added, listed, loadedMs, memSynthetic });
    const [list100k, list100kLoop] = await watched([n4.url], ['node 4'], probe, () =>
      listLatency(n4.url),
    );
    loop.list100k = list100kLoop;
    progress('list at 100,000', { list: list100k, loop: list100kLoop });

    const onThree = await connectionsOn(n3.url);
    const before = await onlineCount(n1.url);
    const killedAt = Date.now();
    await n3.kill();
    const convergedMs = await convergence(
      () => onlineCount(n1.url),
      (c) => c <= before - onThree,
      killedAt,
    );
    return {
      nodes: 3,
      online: storm.connected,
      load: { start: loadAtStart, end: round(loadavg()[0]) },
      files,
      idle,
      storm: { ...storm, requested: online, windowMs: STORM_MS, allListedMs },
      redis: {
        beforeBytes: memBefore,
        afterBytes: memAfter,
        perVisitorBytes: round((memAfter - memBefore) / Math.max(1, storm.connected), 0),
      },
      loaded,
      list,
      synthetic: {
        added,
        listed,
        loadMs: loadedMs,
        perRowBytes: round((memSynthetic - memAfter) / Math.max(1, added), 0),
        list: list100k,
      },
      convergence: { killed: n3.id, visitorsOnIt: onThree, ms: convergedMs },
      loop,
    };
  } finally {
    redis.disconnect();
    await probe.stop();
    await visitors.stop();
    for (const n of extra) await n.close().catch(() => n.kill());
    await cluster.stop();
  }
}

const cores = () => availableParallelism();

/** A delivery summary as `p50 / p99 / max ms`. */
const d = (s) => `${num(s.p50, 1)} / ${num(s.p99, 1)} / ${num(s.max, 1)} ms`;

/** The event-loop figures of each phase: the nodes' own and a bare Node process's. */
function renderLoop(r) {
  const delay = (x) => `${num(x.p99, 1)} / ${num(x.max, 1)} ms`;
  const phases = [
    ['delivery, nobody else online', r.loop.idle],
    [`delivery, ${r.online.toLocaleString('en')} online`, r.loop.loaded],
    [`list, ${r.online.toLocaleString('en')} online`, r.loop.list],
    [`list, ${r.synthetic.listed.toLocaleString('en')} online`, r.loop.list100k],
  ].filter(([, l]) => l);
  return [
    'Event-loop delay while each was measured (p99 / max; the nodes from their `/metrics`, GC time from `nodejs_gc_duration_seconds`), beside a bare Node process on the same machine that does nothing but time its own loop: what any process waited for a core.',
    '',
    table(
      ['event-loop delay (p99 / max)', 'nodes (GC time)', 'bare Node process'],
      phases.map(([name, l]) => [
        name,
        l.nodes.map((n) => `${n.node} ${delay(n)} (${num(n.gcMs, 0)} ms)`).join(', '),
        delay(l.bare),
      ]),
      'lrr',
    ),
  ].join('\n');
}

export function render(r) {
  const online = r.online.toLocaleString('en');
  return [
    '### Cluster',
    '',
    `Three nodes (\`node dist/server.js\`, one process each) on one Postgres and one Redis, all on this machine; ${online} simulated visitors (\`ws\` clients in another process) connected straight to the nodes in turn, sending heartbeats every 30 s, one in ten chatting. Delivery: ${r.idle.toVisitor.samples} samples each way, one at a time, on probe visitors. List: ${r.list[0]?.samples ?? ''} sequential queries per filter on node 2 (\`limit=200\`: the first page, as the agent page asks), timed to the last byte. Convergence: kill -9 of a node, until another node's count drops by the visitors it held.${r.load ? ` Load average (1 min) ${r.load.start} at the start, ${r.load.end} at the end, on ${cores()} cores: the nodes, Postgres, Redis, the crowd and whatever else ran share them.` : ''}`,
    '',
    table(
      [
        'cross-node delivery (p50 / p99 / max)',
        'nobody else online',
        `${r.online.toLocaleString('en')} online`,
      ],
      [
        [
          'agent POST on node 2 → visitor socket on node 1',
          d(r.idle.toVisitor),
          d(r.loaded.toVisitor),
        ],
        ['visitor on node 1 → agent feed on node 2', d(r.idle.toAgent), d(r.loaded.toAgent)],
      ],
      'lrr',
    ),
    '',
    table(
      ['reconnect storm', ''],
      [
        [
          'visitors started',
          `${(r.storm.connected + r.storm.failed).toLocaleString('en')} of ${(r.storm.requested ?? ONLINE).toLocaleString('en')}, paced to start within ${r.storm.windowMs / 1000} s, over 3 nodes`,
        ],
        ['took', `${num(r.storm.ms / 1000, 1)} s (no new starts after ${CONNECT_LIMIT_S} s)`],
        ['welcomed / failed', `${r.storm.connected.toLocaleString('en')} / ${r.storm.failed}`],
        ['hello → welcome p50 / p99', `${num(r.storm.p50Ms, 0)} / ${num(r.storm.p99Ms, 0)} ms`],
        [
          'all listed on node 1 after',
          r.storm.allListedMs == null
            ? 'not within 60 s of the last start'
            : `${num(r.storm.allListedMs / 1000, 1)} s`,
        ],
        ['Redis memory per online visitor', `${r.redis.perVisitorBytes.toLocaleString('en')} B`],
      ],
      'lr',
    ),
    '',
    table(
      [
        'agent list (p50 / p95)',
        `${online} online (node 2)`,
        `${r.synthetic.listed.toLocaleString('en')} online (node 4, synthetic)`,
      ],
      r.list.map((x, i) => [
        x.query,
        `${num(x.p50, 1)} / ${num(x.p95, 1)} ms`,
        `${num(r.synthetic.list[i]?.p50, 1)} / ${num(r.synthetic.list[i]?.p95, 1)} ms`,
      ]),
      'lrr',
    ),
    '',
    `Synthetic: ${r.synthetic.added.toLocaleString('en')} rows cloned from the real ones into Redis (about ${r.synthetic.perRowBytes.toLocaleString('en')} B of Redis memory each: row, mask, presence), then node 4 started and loaded the whole list (${num(r.synthetic.loadMs / 1000, 1)} s from the first write to listening).`,
    '',
    ...(r.storm.connected < (r.storm.requested ?? ONLINE)
      ? [
          '',
          `Fewer visitors than asked were online: bench/visitors.mjs starts no new one after ${CONNECT_LIMIT_S} s, and with hellos answered in ${num(r.storm.p50Ms / 1000, 1)} s (p50) its ${r.storm.concurrency ?? 200} connections at a time started only ${(r.storm.connected + r.storm.failed).toLocaleString('en')}; the "${r.online.toLocaleString('en')} online" columns are at that crowd.`,
        ]
      : []),
    ...(r.loop ? ['', renderLoop(r)] : []),
    '',
    table(
      ['presence after kill -9', ''],
      [
        [
          'node killed',
          `${r.convergence.killed} (${r.convergence.visitorsOnIt.toLocaleString('en')} visitors)`,
        ],
        [
          'offline on node 1 after',
          r.convergence.ms == null ? 'not within 60 s' : `${num(r.convergence.ms / 1000, 1)} s`,
        ],
      ],
      'lr',
    ),
  ].join('\n');
}

if (isMain(import.meta)) await runPart('cluster', run, render);
