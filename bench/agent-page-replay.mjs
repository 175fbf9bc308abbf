// The agent Visitors page's main-thread cost under a recorded feed (issue 11): not a benchmark
// with a target, an A/B to decide a change with. bench:agent-page measures the page against a
// live server and a simulated crowd in the same 2 cores, so the page's figure moves with them by
// a few hundred ms a minute; here the page gets the same bytes at the same times on every load.
//
// `node bench/agent-page-replay.mjs record [SECONDS]`: the reference server and 10,000 visitors
// as bench:agent-page starts them (a heartbeat every 30 s, one in ten chatting), a minute of
// warm-up, then the agent page in Chromium through a proxy that keeps every answer the page got
// and the feed's chunks with their times (uncompressed), for SECONDS (70 by default), into
// bench/.cache/agent-feed.json. The crowd's chats come in bursts, 30 s of messages then 30 s
// without, so a minute holds one of each.
//
// `node bench/agent-page-replay.mjs ab BUILD[@MS]… [ROUNDS]`: for each build (a directory holding
// agent.js and agent.css, a copy of dist/ taken before a change; `dist` for the current one),
// the page loaded from a server that answers what was recorded and writes the feed's chunks at
// their recorded times from the page's feed request on; `@MS` merges the chunks that come
// within MS ms of the first of them into one write at the end of that wait (what a server that
// held writes that long would send). Builds alternate, ROUNDS (3) loads each; per load, the main
// thread's top-level tasks in a trace of 58 s from the first row drawn (as bench:agent-page reads
// them): CPU and wall ms a minute and tasks a minute; then the medians.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { traceTasks } from './agent-page.mjs';
import { launchChromium } from './chromium.mjs';
import { DIST, ensureBuilt } from './dist.mjs';
import { AGENT_TOKEN, fileLimits, startReferenceServer } from './reference-server.mjs';
import { startVisitors } from './server.mjs';
import { median } from './stats.mjs';

const CACHE = new URL('./.cache/', import.meta.url);
const RECORDING = new URL('agent-feed.json', CACHE);
const VISITORS = 10_000;
const WARMUP_MS = 60_000;
const WINDOW_MS = 58_000;
const SPARE_FILES = 200;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Opens the agent page at `base`; resolves once its list has drawn a row. */
async function openAgentPage(browser, base) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(base + '/agent#token=' + AGENT_TOKEN);
  await page.locator('.row[data-id]').first().waitFor({ timeout: 60_000 });
  return { context, page };
}

async function record(seconds) {
  ensureBuilt();
  const server = await startReferenceServer();
  const visitors = startVisitors();
  let proxy;
  let browser;
  try {
    const count = Math.min(VISITORS, fileLimits().raised - SPARE_FILES);
    await visitors.ask({ cmd: 'connect', url: server.url, count, windowMs: 600_000 }, 660_000);
    await visitors.ask({ cmd: 'steady', heartbeatMs: 30_000, lifetimeMs: 1_800_000 }, 10_000);
    await sleep(WARMUP_MS);
    const upstream = new URL(server.url);
    const kept = { responses: {}, feed: [] };
    let feedStart = 0;
    proxy = http.createServer((req, res) => {
      const headers = { ...req.headers };
      delete headers['accept-encoding'];
      const out = http.request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers,
        },
        (r) => {
          res.writeHead(r.statusCode, r.headers);
          const feed = req.url.startsWith('/api/events');
          const parts = [];
          feedStart ||= feed ? Date.now() : 0;
          r.on('data', (d) => {
            if (feed) kept.feed.push([Date.now() - feedStart, d.toString('utf8')]);
            else parts.push(d);
            res.write(d);
          });
          r.on('end', () => {
            res.end();
            if (!feed)
              kept.responses[req.method + ' ' + req.url] = {
                status: r.statusCode,
                headers: r.headers,
                body: Buffer.concat(parts).toString('base64'),
              };
          });
        },
      );
      out.on('error', () => res.destroy());
      req.pipe(out);
    });
    await new Promise((r) => proxy.listen(0, '127.0.0.1', r));
    browser = await launchChromium();
    await openAgentPage(browser, `http://127.0.0.1:${proxy.address().port}`);
    await sleep(seconds * 1000);
    mkdirSync(CACHE, { recursive: true });
    writeFileSync(RECORDING, JSON.stringify(kept));
    const bytes = kept.feed.reduce((n, [, s]) => n + s.length, 0);
    console.log(
      `${kept.feed.length} feed chunks (${bytes} characters) over ${kept.feed.at(-1)?.[0]} ms and ` +
        `${Object.keys(kept.responses).length} answers kept in ${RECORDING.pathname}`,
    );
  } finally {
    await browser?.close();
    proxy?.close();
    await visitors.stop();
    await server.close();
  }
}

/** The recorded chunks, those within `mergeMs` of a first one written together after it. */
function chunks(feed, mergeMs) {
  if (!mergeMs) return feed;
  const out = [];
  for (const [t, text] of feed) {
    const last = out.at(-1);
    if (last && t - last[0] < mergeMs) last[1] += text;
    else out.push([t, text]);
  }
  return out.map(([t, text]) => [t + mergeMs, text]);
}

/** A server answering what was recorded, with `dir`'s agent.js and agent.css. */
function replayServer(recording, dir, mergeMs) {
  const feed = chunks(recording.feed, mergeMs);
  const server = http.createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    if (path == '/agent.js' || path == '/agent.css') {
      res.writeHead(200, {
        'content-type': path.endsWith('.css') ? 'text/css' : 'text/javascript',
      });
      return res.end(readFileSync(dir + path));
    }
    if (path == '/api/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
      const start = Date.now();
      let i = 0;
      const next = () => {
        while (i < feed.length && feed[i][0] <= Date.now() - start) res.write(feed[i++][1]);
        if (i < feed.length) setTimeout(next, feed[i][0] - (Date.now() - start));
      };
      req.on('close', () => (i = feed.length));
      return next();
    }
    const kept = recording.responses['GET ' + req.url];
    if (!kept) return res.writeHead(404).end();
    const headers = { ...kept.headers };
    for (const h of ['content-length', 'transfer-encoding', 'connection', 'keep-alive'])
      delete headers[h];
    res.writeHead(kept.status, headers).end(Buffer.from(kept.body, 'base64'));
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

/** One load of `dir`'s page on the replay: main-thread tasks a minute over WINDOW_MS. */
async function load(browser, recording, dir, mergeMs) {
  const server = await replayServer(recording, dir, mergeMs);
  const { context, page } = await openAgentPage(
    browser,
    `http://127.0.0.1:${server.address().port}`,
  );
  try {
    const stop = await traceTasks(await context.newCDPSession(page));
    await sleep(WINDOW_MS);
    const traced = await stop();
    const perMin = 60_000 / WINDOW_MS;
    return {
      cpu: traced.cpuMs * perMin,
      wall: traced.wallMs * perMin,
      tasks: traced.tasks * perMin,
    };
  } finally {
    await context.close();
    server.close();
  }
}

async function ab(specs, rounds) {
  let recording;
  try {
    recording = JSON.parse(readFileSync(RECORDING, 'utf8'));
  } catch {
    throw new Error(`no recording: run \`node bench/agent-page-replay.mjs record\` first`);
  }
  const builds = specs.map((spec) => {
    const [dir, ms] = spec.split('@');
    return { spec, dir: dir == 'dist' ? DIST.replace(/\/$/, '') : dir, mergeMs: Number(ms || 0) };
  });
  if (builds.some((b) => b.dir == DIST.replace(/\/$/, ''))) ensureBuilt();
  const browser = await launchChromium();
  const seen = new Map(builds.map((b) => [b.spec, []]));
  try {
    for (let r = 0; r < rounds; r++)
      for (const b of r % 2 ? [...builds].reverse() : builds) {
        const x = await load(browser, recording, b.dir, b.mergeMs);
        seen.get(b.spec).push(x);
        console.log(
          `round ${r + 1} ${b.spec}: CPU ${x.cpu.toFixed(0)} ms/min, wall ${x.wall.toFixed(0)}, ` +
            `${x.tasks.toFixed(0)} tasks/min`,
        );
      }
  } finally {
    await browser.close();
  }
  console.log('\n| build | CPU ms/min | wall ms/min | tasks/min |\n| --- | ---: | ---: | ---: |');
  for (const [spec, xs] of seen) {
    const m = (k) => median(xs.map((x) => x[k])).toFixed(0);
    console.log(`| ${spec} | ${m('cpu')} | ${m('wall')} | ${m('tasks')} |`);
  }
}

const [cmd, ...rest] = process.argv.slice(2);
if (cmd == 'record') await record(Number(rest[0]) || 70);
else if (cmd == 'ab' && rest.length) {
  const rounds = /^\d+$/.test(rest.at(-1)) ? Number(rest.pop()) : 3;
  await ab(rest, rounds);
} else {
  console.error(
    'usage: node bench/agent-page-replay.mjs record [SECONDS] | ab BUILD[@MS]… [ROUNDS]',
  );
  process.exitCode = 2;
}
