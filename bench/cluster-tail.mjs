// `node bench/cluster-tail.mjs` — where the agent list's tail goes on a cluster node holding a big
// list, and an A/B of two server builds in one run. Postgres and Redis in temp dirs; ROWS
// synthetic online rows (bench/list-index.mjs's shapes) written into Redis the way the nodes keep
// the shared list; then one node per build in SERVERS (default dist/server.js; for an A/B,
// copy an older build's dist/server.js to dist/server-base.js and pass
// SERVERS=dist/server-base.js,dist/server.js, then delete the copy: npm pack would ship it)
// loads it. While a writer appends RATE changed rows per second to the shared feed (what the
// other nodes' visitors make: a row a node takes in, re-sorts and re-indexes), QUERIES first pages (`limit=200`) per filter go to the nodes in
// turn, timed to the last byte. Each node's own view comes from its /metrics over the same
// window: the event loop's delay (p99, max) and the garbage collector's pauses by kind.
// Prints a table; nothing is merged into bench/results (bench:cluster measures end to end).
import { loadavg } from 'node:os';
import Redis from 'ioredis';
import { clusterEnv, startNode, startPostgres, startRedis } from './cluster-services.mjs';
import { delivery } from './cluster.mjs';
import { DIST, ensureBuilt } from './dist.mjs';
import { collectEnv, renderEnv } from './env.mjs';
import { rowAt, seeded } from './list-index.mjs';
import { startLoopProbe } from './loop-probe.mjs';
import { num, table } from './markdown.mjs';
import { AGENT_TOKEN } from './reference-server.mjs';
import { isMain } from './results.mjs';
import { startVisitors } from './server.mjs';
import { median, percentile, round } from './stats.mjs';

const ROWS = Number(process.env.ROWS || 100_000);
const RATE = Number(process.env.RATE || 100);
const QUERIES = Number(process.env.QUERIES || 200);
/** CROWD > 0: that many simulated visitors on the nodes (bench/visitors.mjs), then delivery between the first two. */
const CROWD = Number(process.env.CROWD || 0);
/** Filters to time, and `search` (as bench:cluster: "Product N"). */
const FILTERS = (process.env.FILTERS || 'all,active,chatting,customers,search').split(',');
const SERVERS = (process.env.SERVERS || DIST + 'server.js').split(',');
const auth = { authorization: 'Bearer ' + AGENT_TOKEN };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The mask of a row (demo/shared/visitor-list.ts countMask): online, then one bit per filter. */
const maskOf = (r) =>
  1 |
  [r.active, r.chatting, r.customer, r.autoMessageReceived, r.blocked].reduce(
    (m, on, i) => m | (on ? 4 << i : 0),
    0,
  );

async function seed(redis, rows) {
  for (let i = 0; i < rows.length; i += 1000) {
    const batch = redis.pipeline();
    for (const r of rows.slice(i, i + 1000)) {
      batch.hset('vc:rows', r.id, JSON.stringify(r));
      batch.hset('vc:masks', r.id, maskOf(r));
      batch.sadd('vc:online', r.id);
    }
    await batch.exec();
  }
}

/** Appends RATE changed rows a second to the shared feed (10 batches a second) until stopped. */
function writer(redis, rows) {
  const random = seeded(7);
  const state = { stop: false };
  const done = (async () => {
    while (!state.stop) {
      const events = [];
      for (let k = 0; k < RATE / 10; k++) {
        const r = rows[Math.floor(random() * rows.length)];
        r.lastActivityAt = Date.now();
        r.status = r.status == 'active' ? 'idle' : 'active';
        r.active = r.status == 'active' || r.chatting;
        events.push({ event: 'visitor', data: JSON.stringify(r) });
      }
      await redis.xadd('vc:feed', '*', 'events', JSON.stringify(events));
      await sleep(100);
    }
  })();
  return () => ((state.stop = true), done);
}

/** prom-client's figures from a node's /metrics: event-loop delay and GC time since the last read. */
async function scrape(url) {
  const text = await (await fetch(url + '/metrics', { headers: auth })).text();
  const value = (re) => Number(re.exec(text)?.[1] ?? 0);
  const gc = {};
  for (const kind of ['minor', 'major', 'incremental'])
    gc[kind] = {
      s: value(new RegExp(`^nodejs_gc_duration_seconds_sum\\{kind="${kind}"\\} (\\S+)$`, 'm')),
      n: value(new RegExp(`^nodejs_gc_duration_seconds_count\\{kind="${kind}"\\} (\\S+)$`, 'm')),
    };
  return {
    lagP99: value(/^nodejs_eventloop_lag_p99_seconds (\S+)$/m) * 1000,
    lagMax: value(/^nodejs_eventloop_lag_max_seconds (\S+)$/m) * 1000,
    heapMB: value(/^nodejs_heap_size_used_bytes (\S+)$/m) / 2 ** 20,
    gc,
  };
}

async function timed(url) {
  const t0 = performance.now();
  const res = await fetch(url, { headers: auth });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return performance.now() - t0;
}

export async function run() {
  ensureBuilt();
  const postgres = await startPostgres();
  const redis = await startRedis();
  const nodes = [];
  const client = new Redis(redis.url);
  const control = startLoopProbe();
  const visitors = CROWD ? startVisitors() : undefined;
  let stopWriter;
  try {
    const random = seeded(ROWS);
    const rows = Array.from({ length: ROWS }, (_, i) => rowAt(i, random));
    await seed(client, rows);
    const env = clusterEnv(postgres, redis);
    for (const [i, file] of SERVERS.entries())
      nodes.push({ file, node: await startNode(`tail-${i}`, env, 300_000, file) });
    let crowd;
    if (visitors) {
      const urls = nodes.map((n) => n.node.url);
      const storm = await visitors.ask(
        { cmd: 'connect', urls, count: CROWD, perSecond: Number(process.env.PER_SECOND || 500) },
        180_000,
      );
      await visitors.ask({ cmd: 'steady', heartbeatMs: 30_000, lifetimeMs: 600_000 }, 10_000);
      await sleep(5000);
      for (const n of nodes) await scrape(n.node.url);
      await control.read();
      const d = await delivery(urls[0], urls[1 % urls.length], 'tail');
      crowd = {
        connected: storm.connected,
        storm: {
          ms: storm.ms,
          p50: round(storm.p50Ms, 0),
          p99: round(storm.p99Ms, 0),
          failed: storm.failed,
        },
        ...d,
        lag: await Promise.all(nodes.map((n) => scrape(n.node.url))),
        control: await control.read(),
      };
    }
    stopWriter = writer(client, rows);
    await sleep(3000);
    const results = [];
    for (const filter of FILTERS) {
      const ms = nodes.map(() => []);
      for (const n of nodes) await scrape(n.node.url);
      const gc0 = await Promise.all(nodes.map((n) => scrape(n.node.url)));
      await control.read();
      for (let q = 0; q < QUERIES; q++)
        for (const [i, n] of nodes.entries())
          ms[i].push(
            await timed(
              filter == 'search'
                ? `${n.node.url}/api/visitors?filter=all&limit=200&q=${encodeURIComponent(`Product ${q % 1000}`)}`
                : `${n.node.url}/api/visitors?filter=${filter}&limit=200`,
            ),
          );
      const after = await Promise.all(nodes.map((n) => scrape(n.node.url)));
      const bare = await control.read();
      nodes.forEach((n, i) => {
        const gc = (k) => ({
          ms: round((after[i].gc[k].s - gc0[i].gc[k].s) * 1000, 1),
          n: after[i].gc[k].n - gc0[i].gc[k].n,
        });
        results.push({
          server: n.file.replace(DIST, 'dist/'),
          filter,
          p50: round(median(ms[i]), 1),
          p95: round(percentile(ms[i], 95), 1),
          max: round(Math.max(...ms[i]), 1),
          lagP99: round(after[i].lagP99, 1),
          lagMax: round(after[i].lagMax, 1),
          heapMB: round(after[i].heapMB, 0),
          bare: { p99: round(bare.p99, 1), max: round(bare.max, 1) },
          gc: { minor: gc('minor'), major: gc('major'), incremental: gc('incremental') },
        });
      });
    }
    return { rows: ROWS, rate: RATE, queries: QUERIES, load: round(loadavg()[0]), results, crowd };
  } finally {
    await stopWriter?.();
    await visitors?.stop();
    await control.stop();
    client.disconnect();
    for (const n of nodes) await n.node.close();
    await redis.stop();
    await postgres.stop();
  }
}

export function render(r) {
  return [
    `${r.rows.toLocaleString('en')} online rows, ${r.rate} changed rows/s through the feed, ${r.queries} first pages per filter per node, nodes in turn; load average (1 min) ${r.load} at the end.`,
    '',
    table(
      [
        'server',
        'filter',
        'p50 / p95 / max',
        'loop delay p99 / max',
        'bare Node p99 / max',
        'GC minor (n, ms)',
        'GC major (n, ms)',
        'heap',
      ],
      r.results.map((x) => [
        x.server,
        x.filter,
        `${num(x.p50, 1)} / ${num(x.p95, 1)} / ${num(x.max, 1)} ms`,
        `${num(x.lagP99, 1)} / ${num(x.lagMax, 1)} ms`,
        `${num(x.bare.p99, 1)} / ${num(x.bare.max, 1)} ms`,
        `${x.gc.minor.n}, ${num(x.gc.minor.ms, 1)}`,
        `${x.gc.major.n}, ${num(x.gc.major.ms, 1)}`,
        `${x.heapMB} MB`,
      ]),
      'llrrrrrr',
    ),
    ...(r.crowd
      ? [
          '',
          `Crowd: ${r.crowd.connected} visitors on the nodes (started in ${round(r.crowd.storm.ms / 1000, 1)} s, hello → welcome p50 / p99 ${r.crowd.storm.p50} / ${r.crowd.storm.p99} ms, ${r.crowd.storm.failed} failed); delivery node 1 → node 2 p50 / p99 / max: to visitor ${r.crowd.toVisitor.p50} / ${r.crowd.toVisitor.p99} / ${r.crowd.toVisitor.max} ms, to agent ${r.crowd.toAgent.p50} / ${r.crowd.toAgent.p99} / ${r.crowd.toAgent.max} ms; loop delay meanwhile (p99 / max): ${r.crowd.lag.map((l, i) => `node ${i + 1} ${round(l.lagP99, 1)} / ${round(l.lagMax, 1)} ms`).join(', ')}, bare Node ${round(r.crowd.control.p99, 1)} / ${round(r.crowd.control.max, 1)} ms.`,
        ]
      : []),
  ].join('\n');
}

if (isMain(import.meta)) {
  console.log(renderEnv(collectEnv()) + '\n');
  console.log(render(await run()));
}
