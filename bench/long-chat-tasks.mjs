// Every task one live message causes on the page's main thread, in an open long chat (issue 11).
// A CDP trace (devtools.timeline, disabled-by-default-devtools.timeline, v8.gc, blink, cc,
// toplevel) of 12 periods of 300 ms with no message, then 12 with one agent message each, every
// period marked in the trace; per period, the main thread's tasks from its mark to the next one,
// each with its wall and CPU time (the trace's dur and tdur) and what ran in it (the heaviest
// events inside: the message's own task, frames with and without paint, timers, IPC replies),
// then the tasks summed by kind for the idle and the live periods, and the renderer's other
// threads. Tracing slows everything (about ×1.7): compare kinds and counts, not totals with
// the benchmark. A profile to read, not a benchmark:
// `node bench/long-chat-tasks.mjs [N]` on the built dist/ (N messages first: 1,000 by default;
// SHOW=n prints the first n live periods task by task, SHOW_IDLE=n the idle ones).
import { launchChromium } from './chromium.mjs';
import { openChat, serveLongChat, traceDuring } from './long-chat.mjs';

const N = Number(process.argv[2] || 1000);
const LIVE = 12;
const SHOW = Number(process.env.SHOW || 2);

const site = await serveLongChat();
const browser = await launchChromium();
try {
  const { context, p, cdp } = await openChat(browser, site, N);
  const say = (n, gap, send = true) =>
    p.evaluate(
      async ([count, ms, on]) => {
        for (let i = 1; i <= count; i++) {
          performance.mark((on ? 'live-' : 'idle-') + i);
          if (on) window.chat.say(`Live message ${i}`, { name: 'Eva' });
          await new Promise((r) => setTimeout(r, ms));
        }
      },
      [n, gap, send],
    );
  await say(20, 100); // warm-up: JIT, ICU, first paints of a row
  await p.waitForTimeout(1000);

  const events = await traceDuring(
    cdp,
    [
      'devtools.timeline',
      'disabled-by-default-devtools.timeline',
      'disabled-by-default-devtools.timeline.frame',
      'v8.gc',
      'blink',
      'cc',
      'toplevel',
      'blink.user_timing',
      'v8',
      'disabled-by-default-devtools.timeline.stack',
    ],
    async () => {
      await p.waitForTimeout(300);
      await say(LIVE, 300, false);
      await say(LIVE, 300);
    },
  );

  const main = events.find(
    (e) =>
      e.name == 'thread_name' &&
      e.args?.name == 'CrRendererMain' &&
      events.some((x) => x.pid == e.pid && x.name.startsWith('live-')),
  );
  const threads = new Map(
    events.filter((e) => e.name == 'thread_name').map((e) => [e.pid + ':' + e.tid, e.args.name]),
  );
  const on = events.filter((e) => e.pid == main.pid && e.tid == main.tid && e.ph == 'X');
  // Outermost tasks only (a RunTask holds a ThreadControllerImpl::RunTask of the same span).
  const all = on
    .filter((e) => /^(RunTask|ThreadControllerImpl::RunTask)$/.test(e.name) && e.dur > 0)
    .sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const tasks = [];
  for (const t of all) {
    const last = tasks[tasks.length - 1];
    if (!last || t.ts >= last.ts + last.dur) tasks.push(t);
  }
  const inside = (t) =>
    on.filter((e) => e !== t && e.ts >= t.ts && e.ts + (e.dur || 0) <= t.ts + t.dur);
  const NOISE =
    /RunTask|ThreadController|^v8\.callFunction$|TimerBase::run|AsyncTask Run|BlinkScheduler/;
  const what = (t) => {
    const by = new Map();
    for (const e of inside(t)) {
      if (NOISE.test(e.name)) continue;
      let k = e.name;
      const d = e.args?.data || {};
      if (e.name == 'FunctionCall')
        k += ' ' + (d.functionName || '?') + '@' + (d.url || '').replace(/^.*\//, '');
      if (e.name == 'TimerFire') k += ' #' + d.timerId;
      if (e.name == 'EventDispatch') k += ' ' + d.type;
      if (e.name == 'Paint')
        k +=
          ' ' +
          (d.clip
            ? Math.round(Math.abs(d.clip[4] - d.clip[0])) +
              'x' +
              Math.round(Math.abs(d.clip[5] - d.clip[1]))
            : '') +
          (d.nodeId ? ' node ' + d.nodeId : '');
      const x = by.get(k) || { n: 0, us: 0 };
      x.n++;
      x.us += e.dur || 0;
      by.set(k, x);
    }
    return [...by]
      .sort((a, b) => b[1].us - a[1].us)
      .slice(0, Number(process.env.WHAT || 8))
      .map(([k, x]) => `${k.trim()}${x.n > 1 ? ' ×' + x.n : ''} ${(x.us / 1000).toFixed(2)}`)
      .join(' | ');
  };
  const kindOf = (t) => {
    const names = new Set(inside(t).map((e) => e.name));
    if (names.has('ProxyMain::BeginMainFrame'))
      return names.has('Paint')
        ? 'frame with paint'
        : names.has('Commit')
          ? 'frame (commit, no paint)'
          : 'frame (aborted)';
    if (names.has('TimerFire')) return 'timer';
    if (names.has('EventDispatch')) return 'event';
    if (names.has('MinorGC') || names.has('MajorGC') || names.has('V8.GCScavenger')) return 'gc';
    if (names.has('FunctionCall') || names.has('v8.callFunction')) return 'script (callback)';
    return 'other';
  };
  // A mark is made inside a task (the page's timer): its period starts with that task.
  const startOf = (m) => tasks.find((t) => t.ts <= m.ts && m.ts <= t.ts + t.dur)?.ts ?? m.ts;
  const windows = (prefix) => {
    const marks = events
      .filter((e) => e.pid == main.pid && e.name.startsWith(prefix) && e.ph != 'e')
      .sort((a, b) => a.ts - b.ts)
      .filter((e, i, l) => i == 0 || e.name != l[i - 1].name);
    return marks.slice(0, -1).map((m, i) => [startOf(m), startOf(marks[i + 1])]);
  };
  const summary = (prefix, show) => {
    const ws = windows(prefix);
    const kinds = new Map();
    let wall = 0;
    let cpu = 0;
    ws.forEach(([from, to], i) => {
      const mine = tasks.filter((t) => t.ts >= from && t.ts < to);
      if (i < show) console.log(`\n## ${prefix}${i + 1}: the tasks until the next mark`);
      let w = 0;
      let c = 0;
      for (const t of mine) {
        w += t.dur;
        c += t.tdur || 0;
        const k = kindOf(t);
        const x = kinds.get(k) || { n: 0, wall: 0, cpu: 0 };
        x.n++;
        x.wall += t.dur;
        x.cpu += t.tdur || 0;
        kinds.set(k, x);
        if (i < show && t.dur > 40)
          console.log(
            `  +${((t.ts - from) / 1000).toFixed(1).padStart(6)} ms  wall ${(t.dur / 1000).toFixed(2)}  cpu ${((t.tdur || 0) / 1000).toFixed(2)}  ${k}: ${what(t)}`,
          );
      }
      if (i < show)
        console.log(
          `  ${mine.length} tasks: wall ${(w / 1000).toFixed(2)} ms, cpu ${(c / 1000).toFixed(2)} ms`,
        );
      wall += w;
      cpu += c;
    });
    const m = ws.length;
    console.log(
      `\n## ${prefix}: per period, mean of ${m}: wall ${(wall / m / 1000).toFixed(2)} ms, cpu ${(cpu / m / 1000).toFixed(2)} ms`,
    );
    for (const [k, x] of [...kinds].sort((a, b) => b[1].wall - a[1].wall))
      console.log(
        `  ×${(x.n / m).toFixed(2).padStart(5)}  wall ${(x.wall / m / 1000).toFixed(3)}  cpu ${(x.cpu / m / 1000).toFixed(3)}  ${k}`,
      );
    const other = new Map();
    const [t0, t1] = [ws[0][0], ws[m - 1][1]];
    for (const e of events)
      if (
        e.pid == main.pid &&
        e.tid != main.tid &&
        e.ph == 'X' &&
        e.ts >= t0 &&
        e.ts < t1 &&
        /^(RunTask|ThreadControllerImpl::RunTask)$/.test(e.name)
      ) {
        const k = threads.get(e.pid + ':' + e.tid) || e.tid;
        const x = other.get(k) || { n: 0, wall: 0, cpu: 0 };
        x.n++;
        x.wall += e.dur || 0;
        x.cpu += e.tdur || 0;
        other.set(k, x);
      }
    console.log('  other renderer threads (nested tasks counted twice):');
    for (const [k, x] of other)
      console.log(
        `    ${String(k).padEnd(28)} ×${(x.n / m).toFixed(1)} wall ${(x.wall / m / 1000).toFixed(3)} cpu ${(x.cpu / m / 1000).toFixed(3)}`,
      );
  };
  summary('idle-', Number(process.env.SHOW_IDLE || 0));
  summary('live-', SHOW);
  await context.close();
} finally {
  await browser.close();
  await site.close();
}
