// A long conversation in the chat window, in headless Chromium (CPU ×1), for 1,000 and 10,000
// messages delivered live by an in-page memory server (the widget's own code, as a site would
// run it: snippet, widget.js, chat.js, ui.js):
//   live message   main-thread task time (CDP TaskDuration) per agent message arriving in the open
//                  window, 20 messages 100 ms apart, minus the same period without messages
//   open           long tasks and layout shift (CLS) from `chat:open` until the window shows
//                  the newest message and has been still for a second
// and the open latency: click on the launcher → the composer has the focus, on a fresh page each
// time (the pointer rests on the launcher 200 ms first, as a hand does: that prefetches ui.js).
// The live message is also measured, the same way in the same run, on a bare list without the
// widget (barePage): the least any chat window costs this browser and machine per message.
import { loadavg } from 'node:os';
import nodeResolve from '@rollup/plugin-node-resolve';
import { rollup } from 'rollup';
import { launchChromium } from './chromium.mjs';
import { DIST, ensureBuilt } from './dist.mjs';
import { snippetHtml } from './host-page.mjs';
import { num, table } from './markdown.mjs';
import { isMain, runPart } from './results.mjs';
import { median, round } from './stats.mjs';
import { serveStatic } from './static-server.mjs';

const SIZES = [1000, 10000];
export const LIVE = 20;
const ROUNDS = 11;
// Enough fresh pages that the p95 is not simply the slowest one (the 38th of 40): on a shared
// machine one open in fifteen can wait for a core well past the rest.
const OPENS = 40;

/** Long tasks and layout shifts, counted from page start (the page resets them when it wants). */
const OBSERVERS = `(() => {
  const b = (window.__bench = { longTasks: 0, cls: 0 });
  new PerformanceObserver((l) => { b.longTasks += l.getEntries().length; })
    .observe({ type: 'longtask', buffered: true });
  new PerformanceObserver((l) => {
    for (const e of l.getEntries()) if (!e.hadRecentInput) b.cls += e.value;
  }).observe({ type: 'layout-shift', buffered: true });
})();`;

/**
 * The floor: a chat window of the widget's size and look in plain DOM, no widget, no framework,
 * no shadow root. `window.chat.say(text)` does in a task of its own the least any chat list
 * does for a live message: append a row (bubble and time), drop the top row as a windowed list
 * does, read the layout back, scroll to the bottom and announce the message in a live region.
 * The composer has the focus (its caret blinks), as in the widget's window.
 */
export const barePage = () => `<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Shop</title><style>
body{margin:0;font:15px/1.45 system-ui,sans-serif}
.win{position:fixed;right:20px;bottom:96px;width:376px;height:640px;display:flex;flex-direction:column;background:#fff;border-radius:16px;box-shadow:0 12px 48px rgba(0,0,0,.24);overflow:hidden}
.hd{height:68px;flex:none;background:#2563eb}
ol{flex:1 1 0;min-height:0;overflow-y:auto;list-style:none;margin:0;padding:12px 14px 16px;display:flex;flex-direction:column;gap:2px}
li{display:flex;flex-direction:column;align-items:flex-start;max-width:85%;margin-top:4px}
.bb{padding:8px 12px;border-radius:18px;background:#f1f3f5;white-space:pre-wrap;overflow-wrap:anywhere}
.mt{font-size:11px;color:#6b7280;margin:3px 6px 0}
textarea{flex:none;height:40px;margin:10px;border:0;border-radius:20px;background:#f3f4f6;resize:none;font:inherit}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%)}
</style></head><body><main><h1>Shop</h1></main>
<div class="win"><div class="hd"></div><ol aria-label="Messages"></ol><textarea></textarea></div>
<div class="sr" aria-live="polite"></div>
<script>
const list = document.querySelector('ol');
const live = document.querySelector('[aria-live]');
const time = new Intl.DateTimeFormat('en', { timeStyle: 'short' });
const add = (text) => {
  const li = document.createElement('li');
  const bb = document.createElement('div');
  bb.className = 'bb';
  bb.textContent = text;
  const mt = document.createElement('span');
  mt.className = 'mt';
  mt.textContent = time.format(Date.now());
  li.append(bb, mt);
  list.append(li);
};
for (let i = 1; i <= 30; i++) add('Message ' + i + ': ' + 'lorem ipsum '.repeat(i % 7));
list.scrollTop = list.scrollHeight;
document.querySelector('textarea').focus();
window.chat = {
  say: (text) =>
    setTimeout(() => {
      add(text);
      list.firstElementChild.remove();
      void list.lastElementChild.offsetTop;
      list.scrollTop = list.scrollHeight;
      live.textContent = 'Eva: ' + text;
    }),
};
</script></body></html>`;

/** The bare page ({@link barePage}) open in a context of its own: `{ p, cdp, close() }`. */
async function openBare(browser, site) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const p = await context.newPage();
  const cdp = await context.newCDPSession(p);
  await cdp.send('Performance.enable');
  await p.goto(site.url + '/bare', { waitUntil: 'load' });
  await p.waitForTimeout(1000);
  // Frozen until its turn (livePairs): no caret, no frames while the widget's page is measured.
  await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
  return { p, cdp, close: () => context.close() };
}

/** The page's memory server, bundled from dist/index.js into a classic script. */
async function fixture() {
  const bundle = await rollup({
    input: 'bench-fixture',
    plugins: [
      {
        name: 'fixture',
        resolveId: (id) => (id == 'bench-fixture' ? id : null),
        load: (id) =>
          id == 'bench-fixture'
            ? `import { createMemoryTransport } from ${JSON.stringify(DIST + 'index.js')};
               const t = createMemoryTransport();
               window.chat = t.server;
               window._smartsupp = Object.assign(window._smartsupp || {}, { transport: t });`
            : null,
      },
      nodeResolve({ browser: true }),
    ],
  });
  const { output } = await bundle.generate({ format: 'iife' });
  await bundle.close();
  return output[0].code;
}

export const page = (head) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>
<script src="/fixture.js"></script>${head}</head><body><main><h1>Shop</h1></main></body></html>`;

const metrics = async (cdp) =>
  Object.fromEntries(
    (await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]),
  );

/**
 * `n` agent messages into page `p`, delivered while the window is closed, 500 a task (the
 * arrival is not what is measured); resolves once the widget has them all.
 */
export async function deliver(p, n) {
  await p.evaluate(async (count) => {
    window.received = 0;
    window.smartsupp('on', 'message_received', () => window.received++);
    for (let i = 1; i <= count; i++) {
      window.chat.say(`Message ${i}: ${'lorem ipsum '.repeat(i % 7)}`, { name: 'Eva' });
      if (i % 500 == 0) await new Promise((r) => setTimeout(r, 0));
    }
  }, n);
  await p.waitForFunction((count) => window.received >= count, n, { timeout: 120_000 });
}

/** `LIVE` agent messages (or, with `send` false, none) 100 ms apart in page `p`, labelled `tag`. */
export const livePeriod = (p, send, tag) =>
  p.evaluate(
    async ([live, on, label]) => {
      for (let i = 1; i <= live; i++) {
        if (on) window.chat.say(`Live message ${label}.${i}`, { name: 'Eva' });
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    [LIVE, send, tag],
  );

/**
 * A page of `n` messages with the window open (the build under `prefix`, '' for dist/), settled
 * for a second; `{ context, p, cdp }` with CDP's Performance domain on. For the profiles.
 */
export async function openChat(browser, site, n, prefix = '') {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const p = await context.newPage();
  const cdp = await context.newCDPSession(p);
  await cdp.send('Performance.enable');
  await p.goto(site.url + prefix + '/', { waitUntil: 'load' });
  await p.locator('[data-visitor-chat] .ln').waitFor();
  await deliver(p, n);
  await p.evaluate(() => window.smartsupp('chat:open'));
  await p.waitForFunction(
    () =>
      document.querySelector('[data-visitor-chat]').shadowRoot.querySelectorAll('.ls li.m').length >
      0,
  );
  await p.waitForTimeout(1000);
  return { context, p, cdp };
}

/** The trace events of `categories` recorded while `during()` runs, over CDP session `cdp`. */
export async function traceDuring(cdp, categories, during) {
  const events = [];
  const collect = (e) => events.push(...e.value);
  cdp.on('Tracing.dataCollected', collect);
  const done = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
  await cdp.send('Tracing.start', {
    transferMode: 'ReportEvents',
    traceConfig: { includedCategories: categories },
  });
  try {
    await during();
  } finally {
    await cdp.send('Tracing.end');
    await done;
    cdp.off('Tracing.dataCollected', collect);
  }
  return events;
}

/**
 * The live-message cost in each of `pages` (`{ p, cdp }`): the same LIVE × 100 ms with and
 * without messages, the open window costing task time even when nothing arrives (a blinking
 * caret, frames, other processes on a shared machine), and that baseline, measured in the same
 * page just before, is not the messages' cost. ROUNDS pairs, their median: one pair on a busy
 * machine can be off by several ms either way. The pages take their pairs in turn, round by
 * round, so that a busy spell of the machine falls on all of them. A first batch, not counted,
 * warms the live path up (JIT, ICU) as the profile and A/B scripts do
 * (bench/long-chat-profile.mjs): the steady state is what is read.
 */
async function livePairs(pages) {
  // A page waiting for its turn is frozen (no tasks, no frames, no caret): it must not take a
  // core from the page being measured.
  const turn = (i) =>
    Promise.all(
      pages.map(({ cdp }, j) =>
        cdp.send('Page.setWebLifecycleState', { state: i == j ? 'active' : 'frozen' }),
      ),
    );
  for (const [i, { p }] of pages.entries()) {
    await turn(i);
    await livePeriod(p, true, 'w');
  }
  const rounds = pages.map(() => []);
  for (let r = 1; r <= ROUNDS; r++)
    for (const [i, { p, cdp }] of pages.entries()) {
      await turn(i);
      await p.waitForTimeout(200);
      const before = await metrics(cdp);
      await livePeriod(p, false, r);
      const idle = await metrics(cdp);
      await livePeriod(p, true, r);
      const after = await metrics(cdp);
      const d = (k) => ((after[k] - idle[k] - (idle[k] - before[k])) * 1000) / LIVE;
      rounds[i].push({
        task: d('TaskDuration'),
        cpu: d('ThreadTime'),
        work: d('ScriptDuration') + d('LayoutDuration') + d('RecalcStyleDuration'),
      });
    }
  await turn(-1);
  return rounds.map((list) => ({
    liveMs: Math.max(0, median(list.map((r) => r.task))),
    liveCpuMs: Math.max(0, median(list.map((r) => r.cpu))),
    liveWorkMs: median(list.map((r) => r.work)),
    rounds: list.length,
  }));
}

/**
 * One page with `n` messages: open cost, then live-message cost, its pairs alternating with the
 * bare page's (`bare`, `{ p, cdp }`).
 */
async function longChat(browser, site, n, bare) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  // The machine's load while measured: task time is wall time, and on shared cores it grows.
  const load0 = loadavg()[0];
  try {
    await context.addInitScript(OBSERVERS);
    const p = await context.newPage();
    const cdp = await context.newCDPSession(p);
    await cdp.send('Performance.enable');
    await p.goto(site.url + '/', { waitUntil: 'load' });
    await p.locator('[data-visitor-chat] .ln').waitFor();
    await deliver(p, n);
    await p.waitForFunction(
      () => !!document.querySelector('[data-visitor-chat]').shadowRoot.querySelector('.pv .pvx'),
      null,
      { timeout: 30_000 },
    );
    await p.waitForTimeout(1000);
    const last = `Message ${n}:`;
    const open = await p.evaluate(async (text) => {
      const b = window.__bench;
      const before = { longTasks: b.longTasks, cls: b.cls };
      window.smartsupp('chat:open');
      const root = document.querySelector('[data-visitor-chat]').shadowRoot;
      for (let i = 0; i < 300; i++) {
        const rows = root.querySelectorAll('.ls li.m .bb');
        if (rows.length && rows[rows.length - 1].textContent.startsWith(text)) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await new Promise((r) => setTimeout(r, 1000));
      return {
        longTasks: b.longTasks - before.longTasks,
        cls: b.cls - before.cls,
        rows: root.querySelectorAll('.ls li.m').length,
      };
    }, last);
    const [live, floor] = await livePairs([{ p, cdp }, bare]);
    return {
      n,
      ...live,
      floor,
      load: `${load0.toFixed(1)} → ${loadavg()[0].toFixed(1)}`,
      openLongTasks: open.longTasks,
      openCls: open.cls,
      rows: open.rows,
    };
  } finally {
    await context.close();
  }
}

/** Click on the launcher → focused composer, on a fresh page (of the build under `prefix`); ms. */
export async function openLatency(browser, site, prefix = '') {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const p = await context.newPage();
    await p.goto(site.url + prefix + '/', { waitUntil: 'load' });
    const ln = p.locator('[data-visitor-chat] .ln');
    await ln.waitFor();
    await p.evaluate(() => {
      const host = document.querySelector('[data-visitor-chat]');
      window.__open = new Promise((done) => {
        let clicked = 0;
        document.addEventListener('click', () => (clicked = performance.now()), true);
        document.addEventListener('focusin', () => {
          if (clicked && host.shadowRoot.activeElement?.tagName == 'TEXTAREA')
            done(performance.now() - clicked);
        });
      });
    });
    await ln.hover();
    await p.waitForTimeout(200);
    await ln.click();
    return await p.evaluate(() => window.__open);
  } finally {
    await context.close();
  }
}

/** 38 → "38th". */
const ordinal = (n) =>
  n + (n % 100 >= 11 && n % 100 <= 13 ? 'th' : ['th', 'st', 'nd', 'rd'][n % 10] || 'th');

const p95 = (list) => {
  const s = [...list].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)];
};

/** The host page with the snippet and the memory server, served from dist/ (built if missing). */
export async function serveLongChat() {
  ensureBuilt();
  return serveStatic({
    '/': page(await snippetHtml('', {})),
    '/fixture.js': await fixture(),
    '/bare': barePage(),
  });
}

export async function run() {
  const site = await serveLongChat();
  const browser = await launchChromium();
  try {
    const sizes = [];
    const bare = await openBare(browser, site);
    try {
      for (const n of SIZES) sizes.push(await longChat(browser, site, n, bare));
    } finally {
      await bare.close();
    }
    const opens = [];
    for (let i = 0; i < OPENS; i++) opens.push(await openLatency(browser, site));
    return {
      live: LIVE,
      sizes: sizes.map((s) => ({
        ...s,
        liveMs: round(s.liveMs),
        liveCpuMs: round(s.liveCpuMs),
        liveWorkMs: round(s.liveWorkMs),
        floor: {
          liveMs: round(s.floor.liveMs),
          liveCpuMs: round(s.floor.liveCpuMs),
          liveWorkMs: round(s.floor.liveWorkMs),
          rounds: s.floor.rounds,
        },
        openCls: round(s.openCls, 4),
      })),
      open: {
        runs: opens.length,
        medianMs: round(median(opens)),
        p95Ms: round(p95(opens)),
        maxMs: round(Math.max(...opens)),
      },
    };
  } finally {
    await browser.close();
    await site.close();
  }
}

const met = (ok) => (ok ? 'yes' : '**no**');

/** The long-chat table with its targets. */
export function render(data) {
  const rows = data.sizes.flatMap((s) => [
    [
      `live message, ${s.n.toLocaleString('en')} messages`,
      '≤ 4 ms',
      `${num(s.liveMs, 2)} ms (main-thread CPU ${num(s.liveCpuMs, 2)} ms; script + layout + ` +
        `style ${num(s.liveWorkMs, 2)} ms)`,
      met(s.liveMs <= 4),
    ],
    ...(s.floor
      ? [
          [
            'live message, the bare list (no widget), in turn with the row above',
            '–',
            `${num(s.floor.liveMs, 2)} ms (main-thread CPU ${num(s.floor.liveCpuMs, 2)} ms; ` +
              `script + layout + style ${num(s.floor.liveWorkMs, 2)} ms): the widget’s own ` +
              `share ${num(s.liveMs - s.floor.liveMs, 2)} ms, ` +
              `${num(s.liveWorkMs - s.floor.liveWorkMs, 2)} of it in script + layout + style`,
            '–',
          ],
        ]
      : []),
    [
      `\`chat:open\`, ${s.n.toLocaleString('en')} messages: long tasks, CLS`,
      '0, 0',
      `${s.openLongTasks}, ${num(s.openCls, 3)}`,
      met(s.openLongTasks == 0 && s.openCls == 0),
    ],
  ]);
  rows.push([
    'open latency, click → focused composer (p95)',
    '≤ 100 ms',
    `${num(data.open.p95Ms, 1)} ms (median ${num(data.open.medianMs, 1)})`,
    met(data.open.p95Ms <= 100),
  ]);
  return [
    '### Long chat',
    '',
    table(['what', 'target', 'measured', 'met?'], rows),
    '',
    `An in-page memory server delivers the messages live while the window is closed; then ` +
      '`chat:open` (by command: its layout shifts count) until the newest message shows and a ' +
      `second has passed. Live message: after a first ${data.live} that are not counted (they ` +
      `warm the code up), CDP TaskDuration over ${data.live} agent messages 100 ms ` +
      'apart into the open window, minus the same period without messages measured just ' +
      `before in the same page, per message; the median of ${data.sizes[0]?.rounds ?? ROUNDS} ` +
      'such pairs. Main-thread CPU is CDP ThreadTime taken the same way: task time is wall ' +
      'time and grows when the thread waits for a core on a busy machine. ' +
      (data.sizes[0]?.floor
        ? 'The bare list is a window of the same size and look in plain DOM, no widget, no ' +
          'framework: per message it appends a row, drops the top one, reads the layout back, ' +
          'scrolls to the bottom and announces the message in a live region. Its pairs alternate ' +
          'with the widget page’s, round by round: what any chat window costs this browser and ' +
          'machine at that time, and the widget’s own share is what it costs beyond that. '
        : '') +
      `Open latency: ${data.open.runs} fresh pages, ` +
      'the pointer on the launcher for 200 ms (prefetching ui.js) then a click, timed in the ' +
      'page from the click to the focus in the composer; its p95 is the ' +
      `${ordinal(Math.ceil(0.95 * data.open.runs))} fastest of those runs (the slowest: ` +
      `${num(data.open.maxMs ?? NaN, 1)} ms), and moves by tens of ms between runs of the same ` +
      'build on a shared machine. Only the ' +
      'rows in view are in the DOM ' +
      `(${data.sizes.map((s) => s.rows).join(' and ')} rows after opening).`,
  ].join('\n');
}

export const __fixture = fixture;
if (isMain(import.meta)) await runPart('longChat', run, render);
