// Part 2 — what the widget costs the host page, in headless Chromium: CDP Performance metrics
// (script and task time, JS heap after a forced GC), long tasks and layout shifts from a
// PerformanceObserver installed before any page script, and the network, for four pages:
//   baseline  the same page without the widget
//   core      the snippet, with chat.js and ui.js held back (never answered): what runs before
//             and right after `load` on every page view, even when nobody chats
//   ui        the snippet, once the chat layer has drawn the launcher (chat.js on idle; ui.js is
//             not loaded before anyone uses the chat: the page fails the run if it is)
//   messages  the UI with the chat window open and 1,000 agent messages delivered through the
//             reference server (the worst case of a long conversation)
// Each figure is the median of RUNS runs; differences are taken from the baseline page measured
// in the same run, then their median.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { launchChromium } from './chromium.mjs';
import { DIST, ensureBuilt } from './dist.mjs';
import { bytes, delta, num, table } from './markdown.mjs';
import { startReferenceServer } from './reference-server.mjs';
import { isMain, runPart } from './results.mjs';
import { median, round } from './stats.mjs';
import { serveStatic } from './static-server.mjs';
import { scriptCpu, traced } from './trace.mjs';

const RUNS = 5;
/**
 * Runs of the first-4-s comparison: its figures are a few ms over a baseline and swing by several
 * ms from one page load to the next, so they take more runs than the scenarios above.
 */
const FIRST_RUNS = 11;
/** Stop starting new runs after this long (the runs done so far are reported). */
const DEADLINE_MS = 150_000;
/** Quiet time after the last step before reading the metrics. */
const SETTLE_MS = 1000;
const MESSAGES = 1000;
/** Live messages timed one by one once MESSAGES are shown. */
const LIVE = 20;
/** The window of issue 11's script target, from navigation, nobody touching the page. */
const FIRST_MS = 4000;
/** Rocket.Chat Livechat's npm release compared with (its published `build/` folder). */
const ROCKET = '1.13.3';

/** Runs in every page before its own scripts: counts long tasks and sums layout shifts. */
const OBSERVERS = `(() => {
  const b = (window.__bench = { longTasks: 0, longTaskMs: 0, cls: 0, shiftSources: [] });
  try {
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) { b.longTasks++; b.longTaskMs += e.duration; }
    }).observe({ type: 'longtask', buffered: true });
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) {
        if (e.hadRecentInput) continue;
        b.cls += e.value;
        for (const s of e.sources || []) {
          const n = s.node;
          const cls = n && typeof n.className == 'string' && n.className ? '.' + n.className.trim().split(' ').join('.') : '';
          const name = n ? n.nodeName.toLowerCase() + cls : 'a node not exposed (in a shadow root, or removed)';
          if (b.shiftSources.length < 5 && !b.shiftSources.includes(name)) b.shiftSources.push(name);
        }
      }
    }).observe({ type: 'layout-shift', buffered: true });
  } catch (e) { b.error = String(e); }
})();`;

/**
 * A plain article page with one tiny inline script of its own, so the renderer's first-script
 * start-up is paid by the baseline too and not counted as the widget's.
 */
export function hostPage(head = '') {
  const para =
    '<p>Our team builds tools for small shops. Questions about plans, shipping or returns? ' +
    'Ask in the chat: a person answers within minutes during opening hours.</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Acme shop</title>
<style>body{margin:0;font:16px/1.5 Georgia,serif}main{max-width:720px;margin:40px auto;padding:0 24px}</style>
<script>document.documentElement.dataset.js = '1';</script>
${head}</head>
<body><main><h1>Plans for every team</h1>${para.repeat(30)}</main></body></html>`;
}

/** The snippet exactly as built by src/loader.ts, pointed at the reference server. */
export async function snippetHtml(server, config = {}) {
  const { buildSnippetHtml } = await import(pathToFileURL(DIST + 'loader.js').href);
  return buildSnippetHtml('/widget.js', { key: 'demo', server, ...config });
}

/**
 * The README's other install (the one Trusted Types need), as `buildTagInstallHtml` prints it:
 * the config and the queue stub inline, then widget.js in a plain `async` script tag, which the
 * HTML parser fetches. The snippet's script element is fetched at a script's request instead,
 * which Chromium makes that script wait for (`node bench/host-page-profile.mjs apis`).
 */
export async function tagInstall(server) {
  const { buildTagInstallHtml } = await import(pathToFileURL(DIST + 'loader.js').href);
  return buildTagInstallHtml('/widget.js', { key: 'demo', server });
}

/**
 * The least any widget installed by the snippet does on a page where nobody chats, in a script
 * of a few lines: the snippet's script element loads it, and it opens a WebSocket to the server
 * (the visitor's presence) and draws a launcher button in a shadow root. No storage, no visitor
 * id, no second chunk. Served as HTML, which classic scripts accept. Its row in the first-4-s
 * table is a floor for the targets, measured in the same run.
 */
export const floorScript = (server) => `(function (d) {
  new WebSocket(${JSON.stringify(server.replace(/^http/, 'ws') + '/v1/ws?key=demo')});
  var host = d.createElement('div');
  var b = d.createElement('button');
  b.textContent = 'Chat';
  b.style.cssText = 'position:fixed;right:20px;bottom:20px;width:60px;height:60px;border:0;border-radius:50%;background:#2563eb;color:#fff';
  host.attachShadow({ mode: 'open' }).appendChild(b);
  d.documentElement.appendChild(host);
})(document);`;

/** Waits (at most `ms`) until the widget's shadow root has content. */
const uiMounted = (page, ms = 15_000) =>
  page.waitForFunction(
    () => {
      const host = document.querySelector('[data-visitor-chat]');
      return !!host && (!host.shadowRoot || host.shadowRoot.childElementCount > 0);
    },
    null,
    { timeout: ms, polling: 50 },
  );

/** Text of the newest message the widget shows (the list renders only the rows in view). */
const lastShown = () => {
  const rows = document
    .querySelector('[data-visitor-chat]')
    ?.shadowRoot?.querySelectorAll('li.m .bb');
  return rows?.length ? rows[rows.length - 1].textContent : '';
};

/** Agent messages, ten requests at a time, into the visitor's open conversation. */
async function agentMessages(server, vid, from, to) {
  for (let i = from; i <= to; i += 10) {
    const batch = [];
    for (let j = i; j < i + 10 && j <= to; j++)
      batch.push(
        server.api(`/api/visitors/${vid}/messages`, {
          text: `Message ${j}: ${'lorem ipsum '.repeat(j % 7)}`,
        }),
      );
    await Promise.all(batch);
  }
}

/**
 * Has the agent write MESSAGES messages (the first opens the conversation) while the chat
 * window is closed, then opens it by command and waits (at most 60 s) until the newest is shown.
 * They arrive live: the server's `welcome` carries only the newest 50 messages of a conversation
 * (older ones come page by page as the visitor scrolls), so a reload cannot show 1,000. (Delivered into an open window each message re-renders the
 * list: see the live cost this part reports.)
 */
async function deliverMessages(page, server) {
  const vid = await page.evaluate(() => window.smartsupp.vid);
  // The visitor exists on the server once its hello has arrived: retry the first message briefly.
  for (let i = 0; ; i++) {
    try {
      await server.api(`/api/visitors/${vid}/conversation`, { text: 'Message 1' });
      break;
    } catch (e) {
      if (i >= 50) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await agentMessages(server, vid, 2, MESSAGES);
  await page.evaluate(() => window.smartsupp('chat:open'));
  await page.waitForFunction(`(${lastShown})().startsWith('Message ${MESSAGES}:')`, null, {
    timeout: 60_000,
    polling: 200,
  });
  return vid;
}

/** Task ms per live agent message arriving in a window that already shows MESSAGES. */
async function liveMessageCost(page, cdp, server, vid) {
  const task = async () =>
    (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name == 'TaskDuration').value *
    1000;
  const before = await task();
  for (let i = 1; i <= LIVE; i++)
    await server.api(`/api/visitors/${vid}/messages`, { text: `Live message ${i}` });
  await page.waitForFunction(`(${lastShown})() == 'Live message ${LIVE}'`, null, {
    timeout: 30_000,
    polling: 100,
  });
  await page.waitForTimeout(300);
  return (await task()) - before;
}

/** The four pages: how to reach the state each one measures. */
const SCENARIOS = [
  { name: 'baseline', label: 'empty page (baseline)', path: '/empty', ready: async () => {} },
  {
    name: 'core',
    label: 'with the snippet, core only',
    path: '/snippet',
    holdChat: true,
    ready: (page, server, net) => net.welcome,
  },
  {
    name: 'ui',
    label: 'launcher drawn, nobody chats',
    path: '/snippet',
    ready: (page, server, net) => net.chatLoaded,
    check: async (page, net) => {
      await uiMounted(page, 1000);
      if (net.uiRequested) throw new Error('ui.js was requested before anyone used the chat');
    },
  },
  {
    name: 'messages',
    label: `chat open, ${MESSAGES.toLocaleString('en')} messages`,
    path: '/snippet',
    ready: async (page, server) => {
      await uiMounted(page);
      return deliverMessages(page, server);
    },
    after: async (page, cdp, server, vid) => ({
      liveMessageTaskMs: (await liveMessageCost(page, cdp, server, vid)) / LIVE,
    }),
  },
];

/** `promise`, or a rejection naming `what` after `ms`. */
function within(ms, what, promise) {
  let t;
  const timeout = new Promise((_, reject) => {
    t = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
  });
  const out = Promise.race([promise, timeout]).finally(() => clearTimeout(t));
  out.catch(() => {});
  return out;
}

/**
 * Rocket.Chat Livechat's `build/` folder from its npm tarball (`npm pack`, kept in
 * bench/.cache), or null (with a note) when npm cannot fetch it.
 */
function rocketChatBuild() {
  const dir = fileURLToPath(new URL(`./.cache/rocketchat-livechat-${ROCKET}/`, import.meta.url));
  const build = dir + 'package/build/';
  if (existsSync(build + 'rocketchat-livechat.min.js')) return build;
  try {
    mkdirSync(dir, { recursive: true });
    execFileSync('npm', ['pack', `@rocket.chat/livechat@${ROCKET}`, '--pack-destination', dir], {
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 180_000,
    });
    execFileSync('tar', ['xzf', `rocket.chat-livechat-${ROCKET}.tgz`], { cwd: dir });
    return build;
  } catch (e) {
    console.error(`Rocket.Chat Livechat ${ROCKET} could not be fetched (${e}): left out`);
    return null;
  }
}

/**
 * Rocket.Chat Livechat's snippet as its build's widget-demo.html has it, pointed at this
 * server: its script draws the launcher and an iframe whose address is the `url` given (the
 * Livechat app, `build/index.html`, served under /livechat as a Rocket.Chat server does). No
 * Rocket.Chat server answers its API calls: the app boots and stays offline, as a visitor who
 * never chats would leave it.
 */
const rocketSnippet = `<script>(function(w, d, s, u) {
  w.RocketChat = function(c) { w.RocketChat._.push(c) };
  w.RocketChat._ = [];
  w.RocketChat.url = u;
  var h = d.getElementsByTagName(s)[0], j = d.createElement(s);
  j.async = true;
  j.src = '/livechat/rocketchat-livechat.min.js?_=' + Math.random();
  h.parentNode.insertBefore(j, h);
})(window, document, 'script', location.origin + '/livechat');</script>`;

/** The pages of the first-4-s comparison. */
const FIRST = [
  { name: 'baseline', label: 'empty page (baseline)', path: '/empty' },
  { name: 'ours', label: 'visitor-chat, nobody chats', path: '/snippet' },
  {
    name: 'tag',
    label: 'visitor-chat, plain script-tag install, nobody chats',
    path: '/tag',
  },
  {
    name: 'floor',
    label: 'the least a snippet widget does: its script opens a WebSocket, draws a button',
    path: '/floor',
  },
  { name: 'rocket', label: `Rocket.Chat Livechat ${ROCKET}, nobody chats`, path: '/rocket' },
];

/**
 * Script and task time of one page load during its first FIRST_MS (nobody touching it), the
 * scripts it fetched (brotli sizes, as a CDN would send them; Chromium asks for br only over
 * HTTPS) and the bytes it received; then the script time of the same visitor's next page view.
 */
async function firstSeconds(browser, site, path) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    await cdp.send('Network.enable');
    let received = 0;
    cdp.on('Network.loadingFinished', (e) => (received += e.encodedDataLength));
    site.served.length = 0;
    const stopTrace = await traced(cdp);
    const started = Date.now();
    await page.goto(site.url + path, { waitUntil: 'commit', timeout: 15_000 });
    await page.waitForTimeout(Math.max(0, FIRST_MS - (Date.now() - started)));
    const { metrics } = await cdp.send('Performance.getMetrics');
    const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
    const cpuMs = scriptCpu(await stopTrace());
    const scripts = site.served.map((x) => x.path);
    const scriptBrotli = site.served.reduce((sum, x) => sum + x.brotli, 0);
    const firstBytes = received;
    // The same visitor's next page view, in the same tab: the widget has its stored visitor and
    // the browser has run these scripts once (they are fetched again: served no-store). CDP's
    // metrics start again with the new document. What the later page views of a visit cost
    // (with a CDN's cacheable scripts they may cost less); the first is the worst case.
    const again = Date.now();
    await page.goto(site.url + path, { waitUntil: 'commit', timeout: 15_000 });
    await page.waitForTimeout(Math.max(0, FIRST_MS - (Date.now() - again)));
    const later = Object.fromEntries(
      (await cdp.send('Performance.getMetrics')).metrics.map((x) => [x.name, x.value]),
    );
    return {
      scriptMs: m.ScriptDuration * 1000,
      cpuMs,
      taskMs: m.TaskDuration * 1000,
      laterScriptMs: later.ScriptDuration * 1000,
      bytes: firstBytes,
      scriptBrotli,
      scripts,
    };
  } finally {
    await context.close();
  }
}

/** One page load of one scenario in a fresh browser context; resolves its figures. */
async function measure(browser, site, server, scenario) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    await context.addInitScript(OBSERVERS);
    // Held, not aborted: a failed chunk would log a warning and is not what a page sees.
    if (scenario.holdChat) await context.route(/\/(chat|ui)\.js$/, () => {});
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    await cdp.send('Network.enable');
    // Waits are driven from CDP events, not by polling in the page: a polled page function
    // would add its own script time to the page's.
    const net = { requests: 0, bytes: 0 };
    const uiRequests = new Set();
    let welcomed, uiLoaded, chatLoaded;
    const chatRequests = new Set();
    net.welcome = within(15_000, 'welcome', new Promise((ok) => (welcomed = ok)));
    net.uiLoaded = within(15_000, 'ui.js', new Promise((ok) => (uiLoaded = ok)));
    net.chatLoaded = within(15_000, 'chat.js', new Promise((ok) => (chatLoaded = ok)));
    cdp.on('Network.requestWillBeSent', (e) => {
      net.requests++;
      if (e.request.url.endsWith('/ui.js')) {
        uiRequests.add(e.requestId);
        net.uiRequested = true;
      }
      if (e.request.url.endsWith('/chat.js')) chatRequests.add(e.requestId);
    });
    cdp.on('Network.loadingFinished', (e) => {
      net.bytes += e.encodedDataLength;
      if (uiRequests.has(e.requestId)) uiLoaded();
      if (chatRequests.has(e.requestId)) chatLoaded();
    });
    cdp.on('Network.webSocketCreated', () => net.requests++);
    const frame = (e) => (net.bytes += Buffer.byteLength(e.response.payloadData || ''));
    cdp.on('Network.webSocketFrameSent', frame);
    cdp.on('Network.webSocketFrameReceived', (e) => {
      frame(e);
      if (e.response.payloadData?.includes('"welcome"')) welcomed();
    });
    await page.goto(site.url + scenario.path, { waitUntil: 'load', timeout: 15_000 });
    const vid = await scenario.ready(page, server, net);
    await page.waitForTimeout(SETTLE_MS);
    await cdp.send('HeapProfiler.collectGarbage');
    const { metrics } = await cdp.send('Performance.getMetrics');
    const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
    const perf = await page.evaluate(() => window.__bench);
    await scenario.check?.(page, net);
    const extra = (await scenario.after?.(page, cdp, server, vid)) || {};
    return {
      ...extra,
      shiftSources: perf.shiftSources,
      scriptMs: m.ScriptDuration * 1000,
      taskMs: m.TaskDuration * 1000,
      longTasks: perf.longTasks,
      longTaskMs: perf.longTaskMs,
      cls: perf.cls,
      heap: m.JSHeapUsedSize,
      requests: net.requests,
      bytes: net.bytes,
    };
  } finally {
    await context.close();
  }
}

const METRICS = [
  'scriptMs',
  'taskMs',
  'longTasks',
  'longTaskMs',
  'cls',
  'heap',
  'requests',
  'bytes',
];

/** Measures every scenario RUNS times (fewer if the deadline passes) and takes medians. */
export async function run() {
  ensureBuilt();
  const server = await startReferenceServer();
  const page = hostPage();
  const site = await serveStatic({
    '/empty': page,
    '/snippet': hostPage(await snippetHtml(server.url)),
  });
  const rocket = rocketChatBuild();
  const firstSite = await serveStatic(
    {
      '/empty': page,
      '/snippet': hostPage(await snippetHtml(server.url)),
      '/tag': hostPage(await tagInstall(server.url)),
      '/floor': hostPage((await snippetHtml(server.url)).replace('/widget.js', '/floor.js')),
      '/floor.js': floorScript(server.url),
      ...(rocket && { '/rocket': hostPage(rocketSnippet) }),
    },
    rocket ? { '/livechat': rocket } : {},
  );
  const browser = await launchChromium();
  const started = Date.now();
  const runs = [];
  const firstRuns = [];
  try {
    for (let i = 0; i < RUNS && Date.now() - started < DEADLINE_MS; i++) {
      const one = {};
      for (const s of SCENARIOS) one[s.name] = await measure(browser, site, server, s);
      runs.push(one);
    }
    for (let i = 0; i < FIRST_RUNS; i++) {
      const one = {};
      for (const f of FIRST)
        if (f.name != 'rocket' || rocket)
          one[f.name] = await firstSeconds(browser, firstSite, f.path);
      if (one.ours.scripts.some((x) => x.endsWith('/ui.js')))
        throw new Error('ui.js was requested before anyone used the chat');
      firstRuns.push(one);
    }
  } finally {
    await firstSite.close();
    await browser.close();
    await site.close();
    await server.close();
  }
  const scenarios = SCENARIOS.map((s) => {
    const values = {};
    const diff = {};
    for (const k of METRICS) {
      values[k] = round(median(runs.map((r) => r[s.name][k])), k == 'cls' ? 4 : 2);
      diff[k] = round(median(runs.map((r) => r[s.name][k] - r.baseline[k])), k == 'cls' ? 4 : 2);
    }
    const live = runs.map((r) => r[s.name].liveMessageTaskMs).filter((v) => v !== undefined);
    return {
      name: s.name,
      label: s.label,
      median: values,
      diffFromBaseline: diff,
      ...(live.length && { liveMessageTaskMs: round(median(live)) }),
      shiftSources: [...new Set(runs.flatMap((r) => r[s.name].shiftSources || []))],
    };
  });
  const first = FIRST.filter((f) => firstRuns[0]?.[f.name]).map((f) => ({
    name: f.name,
    label: f.label,
    scriptMs: round(median(firstRuns.map((r) => r[f.name].scriptMs))),
    scriptDiffMs: round(median(firstRuns.map((r) => r[f.name].scriptMs - r.baseline.scriptMs))),
    cpuMs: round(median(firstRuns.map((r) => r[f.name].cpuMs))),
    cpuDiffMs: round(median(firstRuns.map((r) => r[f.name].cpuMs - r.baseline.cpuMs))),
    taskDiffMs: round(median(firstRuns.map((r) => r[f.name].taskMs - r.baseline.taskMs))),
    laterScriptMs: round(median(firstRuns.map((r) => r[f.name].laterScriptMs))),
    laterScriptDiffMs: round(
      median(firstRuns.map((r) => r[f.name].laterScriptMs - r.baseline.laterScriptMs)),
    ),
    bytes: round(median(firstRuns.map((r) => r[f.name].bytes - r.baseline.bytes)), 0),
    scriptBrotli: median(firstRuns.map((r) => r[f.name].scriptBrotli)),
    scripts: firstRuns.at(-1)[f.name].scripts,
  }));
  return {
    runs: runs.length,
    settleMs: SETTLE_MS,
    messages: MESSAGES,
    scenarios,
    first: { runs: firstRuns.length, ms: FIRST_MS, rocket: ROCKET, pages: first },
  };
}

/** Issue 11's host-page targets from the first-4-s comparison; null when not measured. */
export function firstTargets(first) {
  const ours = first?.pages.find((p) => p.name == 'ours');
  const rocket = first?.pages.find((p) => p.name == 'rocket');
  if (!ours) return null;
  const ratio = rocket && ours.scriptDiffMs > 0 ? rocket.scriptDiffMs / ours.scriptDiffMs : null;
  const laterRatio =
    rocket?.laterScriptDiffMs !== undefined && ours.laterScriptDiffMs > 0
      ? rocket.laterScriptDiffMs / ours.laterScriptDiffMs
      : null;
  const cpuRatio =
    rocket?.cpuDiffMs !== undefined && ours.cpuDiffMs > 0
      ? rocket.cpuDiffMs / ours.cpuDiffMs
      : null;
  return { ours, rocket, ratio, laterRatio, cpuRatio };
}

const cell = (s, k, f) =>
  s.name == 'baseline' ? f(s.median[k]) : `${f(s.median[k])} (${delta(s.diffFromBaseline[k], f)})`;
const ms = (v) => num(v, 1);
const int = (v) => num(v, 0);
const cls = (v) => num(v, 3);

/** The first-4-s table beside Rocket.Chat Livechat. */
function renderFirst(first) {
  if (!first) return [];
  const t = firstTargets(first);
  return [
    '',
    `#### First ${first.ms / 1000} s, nobody chats, beside Rocket.Chat Livechat`,
    '',
    table(
      [
        'page',
        'script ms (+ over baseline)',
        'script thread time ms (+ over baseline)',
        'task ms over baseline',
        'next page view: script ms (+ over baseline)',
        'scripts, brotli',
        'bytes received',
      ],
      first.pages.map((p) => [
        p.label,
        p.name == 'baseline' ? ms(p.scriptMs) : `${ms(p.scriptMs)} (${delta(p.scriptDiffMs, ms)})`,
        p.cpuMs === undefined
          ? '–'
          : p.name == 'baseline'
            ? ms(p.cpuMs)
            : `${ms(p.cpuMs)} (${delta(p.cpuDiffMs, ms)})`,
        p.name == 'baseline' ? '–' : delta(p.taskDiffMs, ms),
        p.laterScriptMs === undefined
          ? '–'
          : p.name == 'baseline'
            ? ms(p.laterScriptMs)
            : `${ms(p.laterScriptMs)} (${delta(p.laterScriptDiffMs, ms)})`,
        p.name == 'baseline' ? '–' : `${bytes(p.scriptBrotli)} (${p.scripts.length} files)`,
        p.name == 'baseline' ? '–' : delta(p.bytes, bytes),
      ]),
    ),
    '',
    `Median of ${first.runs} runs of each page, in turn, each in a fresh context, CPU ×1; ` +
      `CDP metrics read ${first.ms / 1000} s after navigation; differences from the baseline ` +
      'page (one trivial inline script) of the same run. Script ms is wall time (CDP ' +
      '`ScriptDuration`, the targets’ measure); script thread time is the CPU the main ' +
      "thread's top-level script tasks got in the same load (`tdur` of a trace; every first " +
      'load is traced, ' +
      'bench/trace.mjs): on a machine of few cores the main thread waits for one in the ' +
      'middle of a script, which wall time counts and thread time does not. "Next page ' +
      'view": the same page ' +
      'loaded again in the same tab right after, read 4 s after its navigation too (the ' +
      'browser has run its scripts once, though it fetches them again: the server sends them ' +
      'no-store; the widget has a stored visitor): what the later page views of a visit cost; ' +
      'the targets are read on the first. ' +
      (first.pages.some((p) => p.name == 'floor')
        ? 'The floor row is no widget: the snippet, pointed at a script of a few lines that ' +
          'opens a WebSocket to the reference server and draws a button in a shadow root ' +
          '(`floorScript` in bench/host-page.mjs; served inline as a page, so it lists no ' +
          'script file), the least any widget the snippet installs does where nobody chats. '
        : '') +
      'Rocket.Chat Livechat is its npm ' +
      `release ${first.rocket}'s \`build/\` folder loaded by the snippet of its widget-demo.html, ` +
      'served from the same 127.0.0.1 server (no Rocket.Chat server answers: it boots offline). ' +
      '"Scripts, brotli" sums the brotli (quality 11) sizes of the scripts each page fetched ' +
      `(visitor-chat: ${t.ours.scripts.join(', ')}; the snippet is inline in the page). ` +
      (t.ratio
        ? `Rocket.Chat Livechat runs ${num(t.ratio, 1)}× the script of visitor-chat here` +
          (t.laterRatio ? ` (${num(t.laterRatio, 1)}× on the next page view)` : '') +
          (t.cpuRatio ? `, ${num(t.cpuRatio, 1)}× in thread time.` : '.')
        : ''),
  ];
}

/** The host-page table: each cell is the median and its difference from the baseline. */
export function render(data) {
  const live = data.scenarios.find((s) => s.liveMessageTaskMs !== undefined);
  return [
    '### Host-page cost',
    '',
    table(
      [
        'page',
        'script ms',
        'task ms',
        'long tasks',
        'CLS',
        'JS heap',
        'requests',
        'bytes transferred',
      ],
      data.scenarios.map((s) => [
        s.label,
        cell(s, 'scriptMs', ms),
        cell(s, 'taskMs', ms),
        cell(s, 'longTasks', int),
        cell(s, 'cls', cls),
        cell(s, 'heap', bytes),
        cell(s, 'requests', int),
        cell(s, 'bytes', bytes),
      ]),
    ),
    '',
    `Median of ${data.runs} runs, each in a fresh browser context; in brackets the median ` +
      'difference from the baseline page measured in the same run. Script and task ms are ' +
      "CDP `Performance.getMetrics` totals for the page's renderer from navigation until " +
      `${data.settleMs} ms after the last step; JS heap is read after a forced garbage ` +
      'collection; requests and bytes include the WebSocket (its frames’ payload bytes); ' +
      'scripts are served gzip-compressed (Chromium offers brotli only over HTTPS). Waits ' +
      'are driven from CDP network events, so no polling script runs in the measured pages ' +
      '(except the 1,000-message page, polled every 200 ms for the newest message shown). ' +
      '"Core only" holds chat.js and ui.js unanswered, so it is what every page view pays ' +
      'before anyone chats. "Chat open, 1,000 messages": the agent writes 1,000 messages ' +
      "through the reference server's agent API (ten requests at a time) while the chat " +
      'window is closed, then the page opens it by command (`chat:open`, no user input, so ' +
      'its layout shifts count); measured once the newest is shown (the list renders only the ' +
      'rows in view). "Launcher drawn": chat.js draws the launcher without Preact; ui.js is ' +
      'loaded only when the chat is used.' +
      (live
        ? ` Each further live agent message into the open window then costs ` +
          `${num(live.liveMessageTaskMs, 1)} ms of task time (median of runs, ${LIVE} ` +
          'messages each).'
        : '') +
      data.scenarios
        .filter((s) => s.shiftSources?.length)
        .map((s) => ` Layout shifts on "${s.label}" come from: ${s.shiftSources.join(', ')}.`)
        .join(''),
    ...renderFirst(data.first),
  ].join('\n');
}

if (isMain(import.meta)) await runPart('hostPage', run, render);
