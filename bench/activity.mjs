// Part 3 — activity tracking and heartbeats in headless Chromium, against the reference server.
//
// Cost per host-page event: the same page with and without the widget (UI mounted) dispatches
// EVENTS synthetic pointer, scroll, wheel and key events on <body> (they reach the widget's
// capturing listeners on window like real ones); the difference in time per event is the
// widget's cost. Median of ROUNDS alternating rounds.
//
// Frames per minute: the widget runs with `_smartsupp.heartbeatMs = 1000` (the smallest allowed)
// so a short window holds many heartbeat intervals; frames the page sends on its WebSocket are
// read from CDP (Network.webSocketFrameSent). States, WINDOW_MS each:
//   active  a synthetic visitor moves the pointer and scrolls every 100 ms
//   idle    no events, starting one interval after the last one (the pending heartbeat is sent)
//   hidden  document.visibilityState reports 'hidden' (see HIDE), events keep being dispatched
// Per-minute figures are scaled from the window; "at 30 s" rescales active heartbeats to the
// default interval (at most one frame per interval while the visitor interacts). Timers armed
// while idle are counted by wrapping setTimeout, setInterval, requestAnimationFrame and
// requestIdleCallback before the page runs.
import { launchChromium } from './chromium.mjs';
import { ensureBuilt } from './dist.mjs';
import { hostPage, snippetHtml } from './host-page.mjs';
import { bytes, num, table } from './markdown.mjs';
import { startReferenceServer } from './reference-server.mjs';
import { isMain, runPart } from './results.mjs';
import { median, round } from './stats.mjs';
import { serveStatic } from './static-server.mjs';

const EVENTS = 20_000;
const ROUNDS = 7;
const WINDOW_MS = 8000;
const HEARTBEAT_MS = 1000;
const DEFAULT_HEARTBEAT_MS = 30_000;

/** Installed before page scripts: a timer counter and the synthetic visitor. */
const INIT = `(() => {
  const w = window;
  const orig = { setInterval: w.setInterval.bind(w), clearInterval: w.clearInterval.bind(w) };
  w.__timers = 0;
  for (const k of ['setTimeout', 'setInterval', 'requestAnimationFrame', 'requestIdleCallback']) {
    const f = w[k];
    if (f) w[k] = function (...a) { w.__timers++; return f.apply(this, a); };
  }
  const TYPES = ['pointermove', 'scroll', 'wheel', 'keydown', 'pointerdown'];
  /** Dispatches n events on <body>; returns the ms it took. */
  w.__fire = (n) => {
    const t = document.body;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) t.dispatchEvent(new Event(TYPES[i % 5], { bubbles: true }));
    return performance.now() - t0;
  };
  /** A visitor: a pointer move and a scroll every 100 ms, for ms (bounded by its own timer). */
  w.__visit = (ms) => {
    const end = performance.now() + ms;
    const id = orig.setInterval(() => {
      if (performance.now() >= end) return orig.clearInterval(id);
      document.body.dispatchEvent(new Event('pointermove', { bubbles: true }));
      w.dispatchEvent(new Event('scroll'));
    }, 100);
  };
})();`;

/** Makes the page report itself hidden and fires visibilitychange, as a tab switch would. */
const HIDE = () => {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
  document.dispatchEvent(new Event('visibilitychange'));
};

async function openPage(browser, url, frames) {
  const context = await browser.newContext();
  await context.addInitScript(INIT);
  const page = await context.newPage();
  if (frames) {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    cdp.on('Network.webSocketFrameSent', (e) => {
      if (e.response.opcode != 1) return;
      let t = '?';
      try {
        t = JSON.parse(e.response.payloadData).t;
      } catch {}
      frames.push({ at: Date.now(), t, bytes: Buffer.byteLength(e.response.payloadData) });
    });
  }
  await page.goto(url, { waitUntil: 'load', timeout: 15_000 });
  return { context, page };
}

const uiMounted = (page) =>
  page.waitForFunction(() => document.querySelector('[data-visitor-chat]'), null, {
    timeout: 15_000,
  });

/** µs per event without and with the widget. */
async function eventCost(browser, site) {
  const plain = await openPage(browser, site.url + '/plain');
  const widget = await openPage(browser, site.url + '/widget');
  try {
    await uiMounted(widget.page);
    await widget.page.waitForTimeout(500);
    const without = [];
    const withWidget = [];
    await plain.page.evaluate((n) => window.__fire(n), 1000); // warm up both pages
    await widget.page.evaluate((n) => window.__fire(n), 1000);
    for (let i = 0; i < ROUNDS; i++) {
      without.push(((await plain.page.evaluate((n) => window.__fire(n), EVENTS)) * 1000) / EVENTS);
      withWidget.push(
        ((await widget.page.evaluate((n) => window.__fire(n), EVENTS)) * 1000) / EVENTS,
      );
    }
    const a = median(without);
    const b = median(withWidget);
    return {
      events: EVENTS,
      rounds: ROUNDS,
      withoutUs: round(a, 3),
      withUs: round(b, 3),
      costUs: round(b - a, 3),
    };
  } finally {
    await plain.context.close();
    await widget.context.close();
  }
}

/** Frames and bytes sent in each state. */
async function frameRates(browser, site) {
  const frames = [];
  const { context, page } = await openPage(browser, site.url + '/widget', frames);
  try {
    await uiMounted(page);
    await page.waitForTimeout(1500);
    const count = (from, to) => {
      const f = frames.filter((x) => x.at >= from && x.at < to);
      const types = {};
      for (const x of f) types[x.t] = (types[x.t] || 0) + 1;
      return { frames: f.length, bytes: f.reduce((s, x) => s + x.bytes, 0), types };
    };
    const state = (name, c, timers) => ({
      name,
      windowMs: WINDOW_MS,
      ...c,
      framesPerMin: round((c.frames * 60_000) / WINDOW_MS, 1),
      bytesPerMin: Math.round((c.bytes * 60_000) / WINDOW_MS),
      ...(timers !== undefined && { timersArmed: timers }),
    });

    let t0 = Date.now();
    await page.evaluate((ms) => window.__visit(ms), WINDOW_MS);
    await page.waitForTimeout(WINDOW_MS);
    const active = state('active', count(t0, Date.now()));

    await page.waitForTimeout(HEARTBEAT_MS + 500);
    const timers0 = await page.evaluate(() => window.__timers);
    t0 = Date.now();
    await page.waitForTimeout(WINDOW_MS);
    const timers = (await page.evaluate(() => window.__timers)) - timers0;
    const idle = state('idle', count(t0, Date.now()), timers);

    // A last heartbeat goes as the page is hidden (docs/AGENT-API.md); it is reported apart.
    t0 = Date.now();
    await page.evaluate(HIDE);
    await page.waitForTimeout(500);
    const onHide = count(t0, Date.now());
    t0 = Date.now();
    await page.evaluate((ms) => window.__visit(ms), WINDOW_MS);
    await page.waitForTimeout(WINDOW_MS);
    const hidden = state('hidden', count(t0, Date.now()));

    // Active heartbeats scaled to the default interval: one per interval at most.
    const perInterval = active.frames / (WINDOW_MS / HEARTBEAT_MS);
    const avgBytes = active.frames ? active.bytes / active.frames : 0;
    active.atDefault = {
      heartbeatMs: DEFAULT_HEARTBEAT_MS,
      framesPerMin: round(perInterval * (60_000 / DEFAULT_HEARTBEAT_MS), 2),
      bytesPerMin: Math.round(perInterval * (60_000 / DEFAULT_HEARTBEAT_MS) * avgBytes),
    };
    return { heartbeatMs: HEARTBEAT_MS, states: [active, idle, hidden], onHide };
  } finally {
    await context.close();
  }
}

/** Runs both measurements against one reference server. */
export async function run() {
  ensureBuilt();
  const server = await startReferenceServer();
  const site = await serveStatic({
    '/plain': hostPage(),
    '/widget': hostPage(await snippetHtml(server.url, { heartbeatMs: HEARTBEAT_MS })),
  });
  const browser = await launchChromium();
  try {
    return { perEvent: await eventCost(browser, site), ...(await frameRates(browser, site)) };
  } finally {
    await browser.close();
    await site.close();
    await server.close();
  }
}

/** The per-event cost and the frames-per-state tables. */
export function render(data) {
  const e = data.perEvent;
  const rows = data.states.map((s) => [
    s.name,
    num(s.framesPerMin, 1),
    bytes(s.bytesPerMin),
    s.atDefault
      ? `${num(s.atDefault.framesPerMin, 1)} frames, ${bytes(s.atDefault.bytesPerMin)}`
      : '0 frames, 0 B',
    Object.entries(s.types)
      .map(([t, n]) => `${t}×${n}`)
      .join(', ') || '–',
    s.timersArmed ?? '–',
  ]);
  return [
    '### Activity and heartbeats',
    '',
    table(
      ['per host-page event', 'without widget', 'with widget', 'widget cost'],
      [
        [
          `${e.events.toLocaleString('en')} pointer/scroll/wheel/key events`,
          `${num(e.withoutUs, 2)} µs`,
          `${num(e.withUs, 2)} µs`,
          `${num(e.costUs, 2)} µs`,
        ],
      ],
    ),
    '',
    table(
      [
        'state',
        `frames/min (heartbeat ${data.heartbeatMs / 1000} s)`,
        'bytes/min',
        'per min at the default 30 s',
        'frames seen',
        'timers armed',
      ],
      rows,
      'lrrrll',
    ),
    '',
    `Per event: median of ${e.rounds} rounds of ${e.events.toLocaleString('en')} synthetic events ` +
      'dispatched on <body>, same page with and without the widget (UI mounted). Frames: ' +
      `WebSocket text frames the page sent (CDP), in ${data.states[0].windowMs / 1000} s windows ` +
      `with \`heartbeatMs = ${data.heartbeatMs}\`, scaled to a minute; "at the default 30 s" ` +
      'rescales active heartbeats (at most one per interval); idle and hidden send nothing at ' +
      'any interval. Hidden: `visibilityState` reports hidden and `visibilitychange` fires ' +
      '(headless Chromium has no tab switch), while synthetic events keep coming; the one ' +
      `last heartbeat sent as the page is hidden (${data.onHide.frames} frame, ` +
      `${bytes(data.onHide.bytes)}) is not counted in the hidden window. Timers armed: ` +
      'setTimeout/setInterval/requestAnimationFrame/requestIdleCallback calls during the idle window.',
  ].join('\n');
}

if (isMain(import.meta)) await runPart('activity', run, render);
