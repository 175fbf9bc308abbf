// Where the widget's script time goes on a host page where nobody chats (issue 11): not a
// benchmark with a target, a profile to read. The page of bench:host-page's first-4-s
// comparison, against the reference server, loaded RUNS times in fresh contexts:
//   tasks    devtools.timeline events on the page's main thread during the first 4 s (script
//            evaluation, module compile and evaluation, callbacks by kind: idle, timer, event,
//            IndexedDB, WebSocket...), summed by kind and script, the heaviest first
//   profile  the sampling profiler's self time per function (mapped to src/ through the source
//            maps), and the native work scripts waited on, the heaviest first
// Run it on the built dist/ (npm run build): `node bench/host-page-profile.mjs`.
//
// `node bench/host-page-profile.mjs ab OTHER_DIST [RUNS]` compares instead: the trivial page,
// dist/'s snippet page and another build's (a copy of dist/ taken before a change), alternated
// run by run, each traced and read 4 s after navigation; prints the median script ms (wall) and
// script CPU ms (the thread time of the top-level script events: the steadier of the two on a
// busy machine, where the main thread waits for a core inside a script) over the trivial page.
//
// `node bench/host-page-profile.mjs apis [RUNS]`: what the first use of each browser API the
// widget needs costs this Chromium on its own (script CPU and script ms over the trivial page,
// each in an inline script of its own page, traced): the floor under the widget's boot.
import { pathToFileURL } from 'node:url';
import { launchChromium } from './chromium.mjs';
import { DIST, ensureBuilt } from './dist.mjs';
import { hostPage } from './host-page.mjs';
import { startReferenceServer } from './reference-server.mjs';
import { where } from './source-map.mjs';
import { serveStatic } from './static-server.mjs';
import { scriptCpu, topScriptEvents, traced } from './trace.mjs';
import { median } from './stats.mjs';

const AB = process.argv[2] == 'ab' ? process.argv[3].replace(/\/?$/, '/') : '';
const APIS = process.argv[2] == 'apis';
const RUNS = Number(process.argv[AB ? 4 : APIS ? 3 : 2] || (AB ? 12 : 5));
const FIRST_MS = 4000;

/** Opens `path` in a fresh context; calls `during(cdp)` first; resolves the CDP metrics at 4 s. */
async function load(browser, site, path, during = async () => {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const stop = await during(cdp);
    const started = Date.now();
    await page.goto(site.url + path, { waitUntil: 'commit', timeout: 15_000 });
    await page.waitForTimeout(Math.max(0, FIRST_MS - (Date.now() - started)));
    const { metrics } = await cdp.send('Performance.getMetrics');
    const extra = await stop?.();
    return { ...Object.fromEntries(metrics.map((m) => [m.name, m.value])), extra };
  } finally {
    await context.close();
  }
}

/** Sampling profile from navigation to 4 s. */
async function profiled(cdp) {
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 50 });
  await cdp.send('Profiler.start');
  return async () => (await cdp.send('Profiler.stop')).profile;
}

/** The main thread's top-level script work, by kind and script (ms summed over runs). */
function summarizeTrace(events, into) {
  for (const e of topScriptEvents(events)) {
    const d = e.args?.data || {};
    const url = (d.url || d.stackTrace?.[0]?.url || '').replace(/^https?:\/\/[^/]+/, '');
    const label = `${e.name}${d.type ? ':' + d.type : ''}${d.functionName ? ' ' + d.functionName : ''} ${url}`;
    const x = into.get(label) || [0, 0];
    into.set(label, [x[0] + e.dur / 1000, x[1] + (e.tdur || 0) / 1000]);
  }
}

/** Self time per mapped function; `(program)`/`(idle)`/`(garbage collector)` kept as they are. */
function summarizeProfile(profile, into) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const dt = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++) {
    const n = byId.get(profile.samples[i]);
    const f = n.callFrame;
    if (f.functionName == '(idle)' || f.functionName == '(program)') continue;
    const label = f.url
      ? where(f.url, f.lineNumber, f.columnNumber, f.functionName)
      : f.functionName || '(native)';
    into.set(label, (into.get(label) || 0) + (dt[i + 1] || 0) / 1000);
  }
}

const top = (map, runs, n = 25) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `  ${(v / runs).toFixed(2).padStart(7)} ms  ${k}`)
    .join('\n');

/** One inline script per page, each the first use of one API the widget's boot needs. */
const apiPages = (ws) => ({
  'a classic script inserted (widget.js)': `var c=document.createElement('script');c.async=true;c.src='/one.js';document.head.appendChild(c)`,
  // Head HTML rather than a script: the same file fetched by the HTML parser (the plain-tag install).
  'a classic script in the HTML, async': `<script async src="/one.js"></script>`,
  'fetch() (any fetch a script starts)': `fetch('/one.js')`,
  'import() of a module (chat.js)': `import('/lang.js')`,
  'both of the above': `var c=document.createElement('script');c.async=true;c.src='/one.js';document.head.appendChild(c);import('/lang.js')`,
  'new WebSocket': `new WebSocket(${JSON.stringify(ws)})`,
  'IndexedDB open (new database) and one read': `var r=indexedDB.open('t');r.onupgradeneeded=()=>r.result.createObjectStore('kv');r.onsuccess=()=>r.result.transaction('kv').objectStore('kv').get('identity')`,
  'indexedDB.databases()': `indexedDB.databases()`,
  'new BroadcastChannel': `new BroadcastChannel('x').onmessage=()=>{}`,
  'navigator.locks.request': `navigator.locks.request('x',()=>{})`,
  'crypto.getRandomValues (nanoid)': `crypto.getRandomValues(new Uint8Array(21))`,
  'localStorage.getItem': `localStorage.getItem('x')`,
  'document.cookie read': `document.cookie`,
  'document.cookie write and read': `document.cookie='vc=1;max-age=31536000;path=/;SameSite=Lax';document.cookie`,
  requestIdleCallback: `requestIdleCallback(()=>{})`,
});

/**
 * Median script ms (wall) and script CPU ms (traced thread time) over the trivial page of each
 * API page, alternated run by run.
 */
async function apis(browser, site, names) {
  const diff = Object.fromEntries(names.map((n) => [n, []]));
  const cpu = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < RUNS; r++) {
    const order = r % 2 ? [...names].reverse() : names;
    const base = await load(browser, site, '/empty', traced);
    for (const n of order) {
      const one = await load(browser, site, '/api' + names.indexOf(n), traced);
      diff[n].push((one.ScriptDuration - base.ScriptDuration) * 1000);
      cpu[n].push(scriptCpu(one.extra) - scriptCpu(base.extra));
    }
  }
  console.log(
    `## first use of each API over the trivial page, median of ${RUNS}: script CPU ms (traced thread time), script ms (wall)`,
  );
  for (const n of names)
    console.log(
      `  ${median(cpu[n]).toFixed(2).padStart(6)} ms CPU  ${median(diff[n]).toFixed(2).padStart(6)} ms wall  ${n}   (CPU each: ${cpu[n].map((x) => x.toFixed(1)).join(' ')})`,
    );
}

async function main() {
  ensureBuilt();
  const server = await startReferenceServer();
  const { buildSnippetHtml } = await import(pathToFileURL(DIST + 'loader.js').href);
  const snippet = (prefix) =>
    hostPage(buildSnippetHtml(prefix + '/widget.js', { key: 'demo', server: server.url }));
  const api = apiPages(server.url.replace(/^http/, 'ws') + '/v1/ws?key=demo');
  const site = await serveStatic(
    {
      '/empty': hostPage(),
      '/snippet': snippet(''),
      // A one-line classic script (served as HTML, which classic scripts accept).
      '/one.js': 'window.one = 1',
      ...(AB && { '/b/snippet': snippet('/b') }),
      ...Object.fromEntries(
        Object.values(api).map((js, i) => [
          '/api' + i,
          hostPage(js.startsWith('<') ? js : `<script>${js}</script>`),
        ]),
      ),
    },
    AB ? { '/b': AB } : {},
  );
  const browser = await launchChromium();
  try {
    if (APIS) return await apis(browser, site, Object.keys(api));
    if (AB) {
      const pages = { baseline: '/empty', 'dist/': '/snippet', [AB]: '/b/snippet' };
      const diff = Object.fromEntries(Object.keys(pages).map((k) => [k, []]));
      const cpu = Object.fromEntries(Object.keys(pages).map((k) => [k, []]));
      for (let r = 0; r < RUNS; r++) {
        const order = r % 2 ? Object.entries(pages).reverse() : Object.entries(pages);
        const one = {};
        for (const [name, path] of order) one[name] = await load(browser, site, path, traced);
        for (const name of Object.keys(pages)) {
          diff[name].push((one[name].ScriptDuration - one.baseline.ScriptDuration) * 1000);
          cpu[name].push(scriptCpu(one[name].extra) - scriptCpu(one.baseline.extra));
        }
      }
      // Script ms is wall time: on a busy machine the main thread waits for a core inside a
      // script. The script events' thread time leaves those waits out and spreads far less.
      console.log(`## A/B over the trivial page in the first 4 s (traced), ${RUNS} runs`);
      for (const [name, l] of Object.entries(diff))
        if (name != 'baseline')
          console.log(
            `  ${name.padEnd(24)} script ms median ${median(l).toFixed(2)}, script CPU ms ` +
              `median ${median(cpu[name]).toFixed(2)}   (script each: ${l.map((x) => x.toFixed(1)).join(' ')}; CPU each: ${cpu[name].map((x) => x.toFixed(1)).join(' ')})`,
          );
      return;
    }
    const tasks = new Map();
    const self = new Map();
    const script = [];
    for (let r = 0; r < RUNS; r++) {
      const base = await load(browser, site, '/empty');
      const t = await load(browser, site, '/snippet', traced);
      summarizeTrace(t.extra, tasks);
      const p = await load(browser, site, '/snippet', profiled);
      summarizeProfile(p.extra, self);
      script.push((t.ScriptDuration - base.ScriptDuration) * 1000);
    }
    console.log(
      `## nobody chats, first 4 s: script over the trivial page (traced) median ${median(script).toFixed(1)} ms`,
    );
    console.log(
      `## main-thread script tasks, mean ms per page (${RUNS} traced runs): thread time (wall)`,
    );
    console.log(
      [...tasks]
        .sort((a, b) => b[1][1] - a[1][1])
        .slice(0, 30)
        .map(
          ([k, [wall, cpu]]) =>
            `  ${(cpu / RUNS).toFixed(2).padStart(7)} ms (${(wall / RUNS).toFixed(2)})  ${k}`,
        )
        .join('\n'),
    );
    console.log(`## self time per function, mean ms per page (${RUNS} profiled runs, 50 µs)`);
    console.log(top(self, RUNS, 40));
  } finally {
    await browser.close();
    await site.close();
    await server.close();
  }
}

await main();
