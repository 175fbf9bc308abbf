// Simulated visitors for bench/server.mjs, in their own process (so their CPU is not the
// server's): WebSocket clients from the `ws` package that say hello like the widget, send
// activity heartbeats and a few messages, and stop by themselves.
//
// Driven over IPC by the parent:
//   {cmd: 'connect', url, count}   open `count` visitors, CONCURRENCY handshakes at a time;
//                                  answers {connected, failed, notStarted, ms, p50Ms, p99Ms}
//                                  (hello → welcome); `urls` instead of `url` spreads them over
//                                  several servers in turn; `perSecond` paces the starts (a storm
//                                  of N in N/rate s); no visitor starts after `windowMs` (default
//                                  CONNECT_TIMEOUT_MS): those are `notStarted`
//   {cmd: 'steady', heartbeatMs, lifetimeMs?}
//                                  every visitor sends a heartbeat per interval (random phase),
//                                  and one in ten a message per two intervals; answers {ok};
//                                  `lifetimeMs` moves the exit below to that long from now
//   {cmd: 'stop'}                  closes every socket and exits
// The process also exits on its own after LIFETIME_MS, or when the parent goes away.
//
// Or on its own, as a crowd for a server you run (e.g. to try the agent page at scale):
//   node bench/visitors.mjs http://127.0.0.1:8080 10000 [minutes]      (KEY=demo by default)
// connects them, keeps them beating every 30 s (one in ten chatting) for `minutes` (default 10),
// prints what it is doing, and stops on Ctrl+C.
import { WebSocket } from 'ws';
import { percentile } from './stats.mjs';

const CONCURRENCY = 200;
const CONNECT_TIMEOUT_MS = 90_000;
const LIFETIME_MS = 240_000;
const CLI = !process.send;
const KEY = process.env.KEY || 'demo';

let lifetime = setTimeout(() => process.exit(3), LIFETIME_MS);
lifetime.unref();
process.on('disconnect', () => process.exit(0));

/** Visitors: {ws, vid, n, chatty}. */
const visitors = [];
const timers = [];

/** The widget's first frame (src/protocol.ts), for visitor number `n`. */
function hello(vid, n) {
  const now = Date.now();
  return {
    t: 'hello',
    v: 1,
    key: KEY,
    vid,
    visits: 1 + (n % 3),
    firstSeenAt: now - (n % 3) * 86_400_000,
    page: {
      url: `https://shop.example/products/${n % 1000}`,
      title: `Product ${n % 1000} – Acme shop`,
      referrer: n % 2 ? 'https://www.google.com/' : '',
    },
    device: n % 4 ? 'desktop' : 'mobile',
    lang: 'en',
    activeAt: now,
  };
}

/** Hello-to-welcome times of the last `connect`, in ms. */
let handshakes = [];

/** Opens one visitor; resolves true once `welcome` arrived, false on failure or after 30 s. */
function open(url, n) {
  const started = performance.now();
  return new Promise((resolve) => {
    const vid = 'bench' + process.pid + 'v' + String(n).padStart(6, '0');
    const ws = new WebSocket(url.replace(/^http/, 'ws') + '/v1/ws?key=' + encodeURIComponent(KEY));
    const done = (ok) => {
      clearTimeout(t);
      resolve(ok);
    };
    const t = setTimeout(() => {
      ws.terminate();
      done(false);
    }, 30_000);
    ws.on('open', () => ws.send(JSON.stringify(hello(vid, n))));
    ws.on('error', () => done(false));
    ws.on('message', (data) => {
      const f = JSON.parse(String(data));
      if (f.t != 'welcome') return;
      handshakes.push(performance.now() - started);
      const v = { ws, vid, n, chatty: n % 10 == 0, sent: 0 };
      visitors.push(v);
      if (v.chatty) message(v);
      done(true);
    });
  });
}

function message(v) {
  if (v.ws.readyState != WebSocket.OPEN) return;
  v.sent++;
  const cid = `${v.vid}m${v.sent}`;
  v.ws.send(
    JSON.stringify({ t: 'msg', cid, text: `Question ${v.sent} from ${v.vid}`, at: Date.now() }),
  );
}

async function connect({ url, urls = [url], count, perSecond, windowMs = CONNECT_TIMEOUT_MS }) {
  const started = Date.now();
  let next = 0;
  let connected = 0;
  let failed = 0;
  handshakes = [];
  const worker = async () => {
    while (next < count && Date.now() - started < windowMs) {
      const n = next++;
      // Paced: visitor n starts n/perSecond seconds in, as in a storm of reconnects.
      const at = perSecond ? started + (n * 1000) / perSecond : 0;
      if (at > Date.now()) await new Promise((r) => setTimeout(r, at - Date.now()));
      if (await open(urls[n % urls.length], n)) connected++;
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return {
    connected,
    failed,
    notStarted: count - next,
    windowMs,
    ms: Date.now() - started,
    concurrency: CONCURRENCY,
    p50Ms: percentile(handshakes, 50),
    p99Ms: percentile(handshakes, 99),
  };
}

/** One heartbeat of visitor `v` (and every second one, a message from a chatty visitor). */
function beat(v) {
  if (v.ws.readyState != WebSocket.OPEN) return;
  v.ws.send(JSON.stringify({ t: 'hb', activeAt: Date.now() }));
  v.beats = (v.beats || 0) + 1;
  if (v.chatty && v.beats % 2 == 0) message(v);
}

function steady({ heartbeatMs, lifetimeMs }) {
  if (lifetimeMs > 0) {
    clearTimeout(lifetime);
    lifetime = setTimeout(() => process.exit(3), lifetimeMs);
    lifetime.unref();
  }
  for (const v of visitors) {
    const phase = Math.random() * heartbeatMs;
    timers.push(
      setTimeout(() => {
        beat(v);
        timers.push(setInterval(() => beat(v), heartbeatMs));
      }, phase),
    );
  }
  return { ok: true };
}

function stop() {
  for (const t of timers) clearTimeout(t);
  for (const v of visitors) v.ws.terminate();
  process.exit(0);
}

if (CLI) {
  const [url, count = '100', minutes = '10'] = process.argv.slice(2);
  const n = Number(count);
  const min = Number(minutes);
  if (!/^(https?|wss?):\/\/[^\s/]+\/?$/.test(url || '') || !(n >= 1) || !(min > 0)) {
    console.error('usage: node bench/visitors.mjs http://127.0.0.1:8080 [count=100] [minutes=10]');
    process.exit(2);
  }
  const base = url.replace(/\/$/, '');
  console.log(`connecting ${n} visitors to ${base} (key ${KEY}), ${CONCURRENCY} at a time...`);
  const r = await connect({ url: base, count: n });
  console.log(
    `${r.connected} connected, ${r.failed} failed in ${(r.ms / 1000).toFixed(1)} s ` +
      `(hello to welcome: p50 ${r.p50Ms?.toFixed(0)} ms, p99 ${r.p99Ms?.toFixed(0)} ms)`,
  );
  if (!r.connected) process.exit(1);
  steady({ heartbeatMs: 30_000, lifetimeMs: min * 60_000 });
  console.log(
    `heartbeats every 30 s, one in ten chatting; stopping in ${min} min (Ctrl+C stops now)`,
  );
  clearTimeout(lifetime);
  lifetime = setTimeout(stop, min * 60_000);
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

process.on('message', async (m) => {
  try {
    if (m.cmd == 'connect') process.send(await connect(m));
    else if (m.cmd == 'steady') process.send(steady(m));
    else if (m.cmd == 'stop') stop();
  } catch (e) {
    process.send({ error: String(e?.stack || e) });
  }
});
