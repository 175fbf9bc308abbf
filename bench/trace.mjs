// Chromium trace helpers of the host-page benches (bench/host-page.mjs and
// bench/host-page-profile.mjs): the thread time of a page's script, which on a busy machine
// leaves out the waits for a core that its wall time (CDP's ScriptDuration) counts.

/** Trace events collected between Tracing.start and Tracing.end. */
export async function traced(cdp) {
  const events = [];
  cdp.on('Tracing.dataCollected', (e) => events.push(...e.value));
  await cdp.send('Tracing.start', {
    transferMode: 'ReportEvents',
    traceConfig: {
      includedCategories: ['devtools.timeline', 'v8', 'disabled-by-default-devtools.timeline'],
    },
  });
  return async () => {
    const done = new Promise((ok) => cdp.once('Tracing.tracingComplete', ok));
    await cdp.send('Tracing.end');
    await done;
    return events;
  };
}

/** The main thread's top-level script events (one inside another counts once), in order. */
export function topScriptEvents(events) {
  const main = events.find((e) => e.name == 'TracingStartedInBrowser')?.args?.data?.frames?.[0];
  const pid = main?.processId;
  const tid = events.find(
    (e) => e.pid == pid && e.name == 'thread_name' && e.args.name == 'CrRendererMain',
  )?.tid;
  const mine = events.filter((e) => e.pid == pid && e.tid == tid && e.ph == 'X' && e.dur);
  const kinds = new Set([
    'EvaluateScript',
    'v8.compile',
    'v8.compileModule',
    'v8.evaluateModule',
    'FunctionCall',
    'TimerFire',
    'FireIdleCallback',
    'EventDispatch',
    'RunMicrotasks',
    'v8.run',
    'ParseHTML',
    'XHRReadyStateChange',
  ]);
  // Only the outermost script event counts (a FunctionCall inside an EventDispatch is part of it).
  const all = mine.filter((e) => kinds.has(e.name)).sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const top = [];
  let end = 0;
  for (const e of all) {
    if (e.ts < end) continue;
    end = e.ts + e.dur;
    top.push(e);
  }
  return top;
}

/**
 * The thread time (CPU, ms) of the main thread's top-level script events: unlike their wall
 * time (and CDP's ScriptDuration), it leaves out the waits for a core on a busy machine.
 */
export const scriptCpu = (events) =>
  topScriptEvents(events).reduce((t, e) => t + (e.tdur || 0), 0) / 1000;
