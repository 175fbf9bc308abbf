// Where one live message's cost goes, in the open window of a long chat (issue 11): not a
// benchmark with a target, a profile to read. For one chat of N messages (argv[2], 1,000 by
// default), in the same page:
//   phases   CDP Performance.getMetrics deltas per message (task, CPU, script, layout, style),
//            20 messages 100 ms apart minus the same period without messages
//   trace    devtools.timeline events on the page's main thread per message: how many layouts
//            and style recalcs, how many of them forced by script, how many elements restyled
//   profile  the sampling profiler's self time per function (mapped to src/ through the
//            source maps), the heaviest first
// Run it on the built dist/ (npm run build): `node bench/long-chat-profile.mjs 1000`.
//
// `node bench/long-chat-profile.mjs ab OTHER_DIST [N]` compares instead: fresh pages of dist/
// and of another build (a copy of dist/ taken before a change), alternated, the same live
// messages in each; per message task time and CPU (ThreadTime), and the open latency of each.
// ROUNDS (3) pages of each build, two samples a page; OPENS (12) open latencies of each.
import { pathToFileURL } from 'node:url';
import { launchChromium } from './chromium.mjs';
import { DIST } from './dist.mjs';
import {
  __fixture,
  LIVE,
  livePeriod,
  openChat,
  openLatency,
  page,
  serveLongChat,
  traceDuring,
} from './long-chat.mjs';
import { where } from './source-map.mjs';
import { serveStatic } from './static-server.mjs';

const AB = process.argv[2] == 'ab' ? process.argv[3] : '';
const N = Number(process.argv[AB ? 4 : 2] || 1000);

const metrics = async (cdp) =>
  Object.fromEntries(
    (await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]),
  );

/** Per live message in an open window, against the idle period just before: task and CPU ms. */
async function perMessage(p, cdp, tag) {
  const a = await metrics(cdp);
  await livePeriod(p, false, 'i' + tag);
  const b = await metrics(cdp);
  await livePeriod(p, true, 'v' + tag);
  const c = await metrics(cdp);
  const d = (k) => ((c[k] - b[k] - (b[k] - a[k])) * 1000) / LIVE;
  return { task: d('TaskDuration'), cpu: d('ThreadTime') };
}

const med = (l) => [...l].sort((x, y) => x - y)[l.length >> 1];
const max = (l) => Math.max(...l);
const p95 = (l) =>
  [...l].sort((x, y) => x - y)[Math.min(l.length - 1, Math.ceil(0.95 * l.length) - 1)];

async function ab() {
  const { buildSnippetHtml } = await import(pathToFileURL(DIST + 'loader.js').href);
  const fixture = await __fixture();
  const html = (prefix) =>
    page(buildSnippetHtml(prefix + '/widget.js', { key: 'demo', server: '' }));
  const site = await serveStatic(
    { '/': html(''), '/fixture.js': fixture, '/b/': html('/b'), '/b/fixture.js': fixture },
    { '/b': AB.replace(/\/?$/, '/') },
  );
  const browser = await launchChromium();
  const builds = { 'dist/': '', [AB]: '/b' };
  const live = Object.fromEntries(Object.keys(builds).map((k) => [k, []]));
  const opens = Object.fromEntries(Object.keys(builds).map((k) => [k, []]));
  try {
    for (let r = 0; r < (process.env.OPENS_ONLY ? 0 : Number(process.env.ROUNDS ?? 3)); r++)
      for (const [name, prefix] of r % 2
        ? Object.entries(builds).reverse()
        : Object.entries(builds)) {
        const { context, p, cdp } = await openChat(browser, site, N, prefix);
        await livePeriod(p, true, 'w');
        for (let k = 0; k < 2; k++) live[name].push(await perMessage(p, cdp, r + '.' + k));
        await context.close();
      }
    for (let r = 0; r < Number(process.env.OPENS ?? 12); r++)
      for (const [name, prefix] of r % 2
        ? Object.entries(builds).reverse()
        : Object.entries(builds))
        opens[name].push(await openLatency(browser, site, prefix));
  } finally {
    await browser.close();
    await site.close();
  }
  console.log(
    `## A/B, ${N} messages: live message task / CPU ms (median of ${live['dist/'].length}), open latency median / max of ${opens['dist/'].length}`,
  );
  for (const name of Object.keys(builds)) {
    const l = live[name];
    console.log(
      `  ${name.padEnd(24)} ${l.length ? med(l.map((x) => x.task)).toFixed(2) + ' / ' + med(l.map((x) => x.cpu)).toFixed(2) : '-'}` +
        (opens[name].length
          ? `   open ${med(opens[name]).toFixed(1)} / p95 ${p95(opens[name]).toFixed(1)} / ${max(opens[name]).toFixed(1)}`
          : '') +
        `   (CPU each: ${l.map((x) => x.cpu.toFixed(2)).join(' ')})`,
    );
  }
}

async function main() {
  const site = await serveLongChat();
  const browser = await launchChromium();
  try {
    const { context, p, cdp } = await openChat(browser, site, N);
    // A first batch warms the code paths up (JIT, ICU): the steady state is what is read.
    await livePeriod(p, true, 'w');

    // ---- phases ----
    const keys = [
      'TaskDuration',
      'ThreadTime',
      'ScriptDuration',
      'LayoutDuration',
      'RecalcStyleDuration',
      'LayoutCount',
      'RecalcStyleCount',
      'JSHeapUsedSize',
    ];
    const rounds = [];
    for (let r = 0; r < 3; r++) {
      const a = await metrics(cdp);
      await livePeriod(p, false, 'i' + r);
      const b = await metrics(cdp);
      await livePeriod(p, true, 'p' + r);
      const c = await metrics(cdp);
      rounds.push(Object.fromEntries(keys.map((k) => [k, (c[k] - b[k] - (b[k] - a[k])) / LIVE])));
    }
    console.log(`## ${N} messages: per live message (3 rounds of ${LIVE}, minus idle)`);
    for (const k of keys) {
      const v = rounds.map((r) => r[k]);
      const ms = /Duration|ThreadTime/.test(k);
      const f = (x) =>
        ms
          ? (x * 1000).toFixed(2) + ' ms'
          : k == 'JSHeapUsedSize'
            ? (x / 1024).toFixed(1) + ' KB'
            : x.toFixed(2);
      console.log(`  ${k.padEnd(20)} ${v.map(f).join('  ')}`);
    }

    // ---- breakdown: the same messages with one part of the core switched off in the page ----
    // IndexedDB writes answered by a fake transaction, the tab channel's posts dropped, then the
    // window closed (the core and the launcher's badge only). Alternated in rounds, each against
    // the idle period just before it.
    const variants = {
      all: '',
      'no IndexedDB write': 'idb',
      'no tab post': 'bc',
      neither: 'idb bc',
    };
    // Each variant's switch is only worth reading beside how often the page does what it
    // switches off: the real calls are counted (per live message, printed with the breakdown).
    await p.evaluate(() => {
      const calls = (window.__calls = { idb: 0, bc: 0 });
      const realTx = IDBDatabase.prototype.transaction;
      const realPm = BroadcastChannel.prototype.postMessage;
      const tx = function (...a) {
        calls.idb++;
        return realTx.apply(this, a);
      };
      const pm = function (...a) {
        calls.bc++;
        return realPm.apply(this, a);
      };
      window.__switch = (off) => {
        IDBDatabase.prototype.transaction = off.includes('idb')
          ? function () {
              const t = { objectStore: () => ({ put: () => ({}), get: () => ({}) }) };
              setTimeout(() => t.oncomplete?.());
              return t;
            }
          : tx;
        BroadcastChannel.prototype.postMessage = off.includes('bc') ? () => {} : pm;
      };
    });
    const sums = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
    const one = async (off, tag) => {
      await p.evaluate((o) => window.__switch(o), off);
      const per = await perMessage(p, cdp, tag);
      await p.evaluate(() => window.__switch(''));
      return per;
    };
    const counted = { idb: 0, bc: 0, messages: 0 };
    for (let r = 0; r < 3; r++)
      for (const [name, off] of Object.entries(variants)) {
        await p.evaluate(() => Object.assign(window.__calls, { idb: 0, bc: 0 }));
        sums[name].push(await one(off, r + name));
        if (name == 'all') {
          const c = await p.evaluate(() => window.__calls);
          counted.idb += c.idb;
          counted.bc += c.bc;
          counted.messages += LIVE;
        }
      }
    await p.evaluate(() => window.smartsupp('chat:close'));
    await p.waitForTimeout(500);
    sums['window closed'] = [];
    for (let r = 0; r < 3; r++) sums['window closed'].push(await one('', 'c' + r));
    await p.evaluate(() => window.smartsupp('chat:open'));
    await p.waitForTimeout(1000);
    console.log(
      '\n## breakdown: per live message, median of 3 (task / CPU ms); the page made ' +
        `${(counted.idb / counted.messages).toFixed(2)} IndexedDB transactions and ` +
        `${(counted.bc / counted.messages).toFixed(2)} tab posts per live message ` +
        '(a variant that switches off what the page does not do measures only the spread)',
    );
    for (const [name, l] of Object.entries(sums))
      console.log(
        `  ${name.padEnd(20)} ${med(l.map((x) => x.task)).toFixed(2)} / ${med(l.map((x) => x.cpu)).toFixed(2)}`,
      );

    // ---- trace ----
    const events = await traceDuring(
      cdp,
      [
        'devtools.timeline',
        'disabled-by-default-devtools.timeline',
        'blink.user_timing',
        'v8',
        'disabled-by-default-devtools.timeline.stack',
      ],
      () => livePeriod(p, true, 't'),
    );
    const renderer = events.find(
      (e) => e.name == 'thread_name' && e.args?.name == 'CrRendererMain',
    );
    const mine = events.filter(
      (e) => renderer && e.pid == renderer.pid && e.tid == renderer.tid && e.ph == 'X',
    );
    const by = new Map();
    for (const e of mine) {
      const x = by.get(e.name) || { n: 0, us: 0 };
      x.n++;
      x.us += e.dur || 0;
      by.set(e.name, x);
    }
    console.log(`\n## trace, main thread, per live message (${LIVE} messages; inclusive times)`);
    for (const [name, x] of [...by].sort((a, b) => b[1].us - a[1].us).slice(0, 22))
      console.log(
        `  ${name.padEnd(32)} ×${(x.n / LIVE).toFixed(2).padStart(6)}  ${(x.us / 1000 / LIVE).toFixed(3)} ms`,
      );
    const layouts = mine.filter((e) => e.name == 'Layout');
    const forced = layouts.filter((e) => e.args?.beginData?.stackTrace?.length);
    console.log(`  layouts: ${layouts.length}, forced by script: ${forced.length}`);
    const forcedAt = new Map();
    for (const e of forced) {
      const f = e.args.beginData.stackTrace[0];
      const k = where(f.url, f.lineNumber, f.columnNumber, f.functionName);
      forcedAt.set(k, (forcedAt.get(k) || 0) + 1);
    }
    for (const [k, n] of forcedAt) console.log(`    forced at ${k}: ${n}`);
    const styles = mine.filter((e) => e.name == 'UpdateLayoutTree');
    const elements = styles.reduce((s, e) => s + (e.args?.elementCount || 0), 0);
    console.log(
      `  style recalcs: ${styles.length}, elements restyled: ${elements} (${(elements / LIVE).toFixed(1)} per message)`,
    );
    const stylesForced = styles.filter((e) => e.args?.beginData?.stackTrace?.length);
    for (const e of stylesForced.slice(0, 5)) {
      const f = e.args.beginData.stackTrace[0];
      console.log(
        `    style forced at ${where(f.url, f.lineNumber, f.columnNumber, f.functionName)}: ${e.args.elementCount} elements`,
      );
    }
    const l0 = layouts[layouts.length >> 1];
    if (l0)
      console.log(
        '  a layout: ' +
          JSON.stringify({
            dur: l0.dur,
            ...l0.args,
            beginData: { ...l0.args.beginData, stackTrace: undefined },
          }).slice(0, 600),
      );
    const layoutObjects = layouts.reduce((s, e) => s + (e.args?.beginData?.dirtyObjects || 0), 0);
    console.log(
      `  layout dirty objects: ${layoutObjects} (${(layoutObjects / LIVE).toFixed(1)} per message)`,
    );

    // ---- profile ----
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 50 });
    await cdp.send('Profiler.start');
    await livePeriod(p, true, 's1');
    await livePeriod(p, true, 's2');
    const { profile } = await cdp.send('Profiler.stop');
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    const self = new Map();
    const dt = profile.timeDeltas;
    for (let i = 0; i < profile.samples.length; i++) {
      const n = nodes.get(profile.samples[i]);
      const f = n.callFrame;
      const k = where(f.url, f.lineNumber, f.columnNumber, f.functionName);
      self.set(k, (self.get(k) || 0) + (dt[i + 1] ?? 0));
    }
    const msgs = LIVE * 2;
    const total = [...self]
      .filter(([k]) => !/^\((idle|program)\)/.test(k))
      .reduce((s, [, v]) => s + v, 0);
    console.log(
      `\n## sampling profile, self time per live message (${msgs} messages; ${(total / 1000 / msgs).toFixed(3)} ms besides idle/program)`,
    );
    for (const [k, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 40))
      console.log(`  ${(us / 1000 / msgs).toFixed(3).padStart(7)} ms  ${k}`);
    // Who calls the heaviest functions: their callers' chains, by self time.
    const parent = new Map();
    for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);
    const label = (n) =>
      where(
        n.callFrame.url,
        n.callFrame.lineNumber,
        n.callFrame.columnNumber,
        n.callFrame.functionName,
      );
    const heavy = [...self]
      .sort((a, b) => b[1] - a[1])
      .filter(([k]) => !/^\((idle|program|garbage)/.test(k))
      .slice(0, 8);
    console.log('\n## callers of the heaviest (self time per message, by chain)');
    for (const [k] of heavy) {
      const chains = new Map();
      for (let i = 0; i < profile.samples.length; i++) {
        let n = nodes.get(profile.samples[i]);
        if (label(n) != k) continue;
        const chain = [];
        for (let id = parent.get(n.id), d = 0; id && d < 5; id = parent.get(id), d++)
          chain.push(label(nodes.get(id)));
        const c = chain.join(' < ');
        chains.set(c, (chains.get(c) || 0) + (dt[i + 1] ?? 0));
      }
      console.log(`  ${k}`);
      for (const [c, us] of [...chains].sort((a, b) => b[1] - a[1]).slice(0, 3))
        console.log(`    ${(us / 1000 / msgs).toFixed(3)} ms < ${c}`);
    }
    // Inclusive time of the parts that matter: samples with the part anywhere in their stack.
    const parts = [
      ['the frame, synchronously (core + state subscribers)', /^frame src\/core\/tabs\.ts/],
      ['  delivery (upsert, save)', /src\/core\/delivery\.ts/],
      ['  storage (IndexedDB write)', /src\/core\/storage\.ts|^(transaction|put)\b/],
      ['  tab channel post', /^post src\/core\/tabs\.ts/],
      ['Preact renders (all)', /preact\.mjs/],
      ['  App', /^App src\/ui\/App\.tsx/],
      ['  MessageList render', /^render src\/ui\/MessageList\.tsx/],
      ['  MessageList settle (layout read, scroll)', /^settle src\/ui\/MessageList\.tsx/],
      ['  Row render', /^render src\/ui\/MessageRow\.tsx/],
      ['  DOM removals', /^remove\b/],
      ['windowing maths', /src\/ui\/windowing\.ts/],
      ['garbage collector', /garbage collector/],
    ];
    const incl = parts.map(() => 0);
    for (let i = 0; i < profile.samples.length; i++) {
      const stack = [];
      for (let id = profile.samples[i]; id; id = parent.get(id)) stack.push(label(nodes.get(id)));
      parts.forEach(([, re], j) => {
        if (stack.some((l) => re.test(l))) incl[j] += dt[i + 1] ?? 0;
      });
    }
    const under = new Map();
    for (let i = 0; i < profile.samples.length; i++) {
      const stack = [];
      for (let id = profile.samples[i]; id; id = parent.get(id)) stack.push(label(nodes.get(id)));
      if (!stack.some((l) => /preact\.mjs/.test(l))) continue;
      under.set(stack[0], (under.get(stack[0]) || 0) + (dt[i + 1] ?? 0));
    }
    console.log('\n## self time under Preact renders, per live message');
    for (const [k, us] of [...under].sort((a, b) => b[1] - a[1]).slice(0, 15))
      console.log(`  ${(us / 1000 / msgs).toFixed(3).padStart(7)} ms  ${k}`);
    console.log('\n## inclusive time per live message (sampled)');
    parts.forEach(([name], j) =>
      console.log(`  ${(incl[j] / 1000 / msgs).toFixed(3).padStart(7)} ms  ${name}`),
    );
    // By source file, the same self times.
    const files = new Map();
    for (const [k, us] of self) {
      const f = k.includes(' ') ? k.slice(k.lastIndexOf(' ') + 1).replace(/:\d+(:\d+)?$/, '') : k;
      files.set(f, (files.get(f) || 0) + us);
    }
    console.log('\n## by source file');
    for (const [k, us] of [...files].sort((a, b) => b[1] - a[1]).slice(0, 30))
      console.log(`  ${(us / 1000 / msgs).toFixed(3).padStart(7)} ms  ${k}`);
    await context.close();
  } finally {
    await browser.close();
    await site.close();
  }
}

await (AB ? ab() : main());
