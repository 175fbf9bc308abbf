// `npm run bench`: every part in turn (bytes, host page, long chat, activity, server), then the targets;
// writes bench/results/latest.json whole and regenerates the README's Benchmarks section.
// A watchdog ends the run if it ever takes longer than LIMIT_MS.
import { run as runActivity, render as renderActivity } from './activity.mjs';
import { run as runAgentPage, render as renderAgentPage } from './agent-page.mjs';
import { run as runBytes, render as renderBytes } from './bytes.mjs';
import { ensureBuilt } from './dist.mjs';
import { collectEnv, renderEnv } from './env.mjs';
import { run as runHostPage, render as renderHostPage } from './host-page.mjs';
import { run as runLongChat, render as renderLongChat } from './long-chat.mjs';
import { updateReadme } from './readme.mjs';
import { writeResults } from './results.mjs';
import { run as runServer, render as renderServer } from './server.mjs';
import { evaluate, renderTargets } from './targets.mjs';

const LIMIT_MS = 16 * 60_000;
const watchdog = setTimeout(() => {
  console.error(`bench: still running after ${LIMIT_MS / 60_000} min: stopped`);
  process.exit(1);
}, LIMIT_MS);
watchdog.unref();

const started = Date.now();
ensureBuilt();
const results = { env: collectEnv() };
console.log('## Benchmarks\n\n' + renderEnv(results.env));

for (const [name, run, render] of [
  ['bytes', runBytes, renderBytes],
  ['hostPage', runHostPage, renderHostPage],
  ['longChat', runLongChat, renderLongChat],
  ['activity', runActivity, renderActivity],
  ['server', runServer, renderServer],
  ['agentPage', runAgentPage, renderAgentPage],
]) {
  const t = Date.now();
  const data = await run();
  results[name] = { ...data, measuredAt: new Date().toISOString(), tookMs: Date.now() - t };
  console.log('\n' + render(data) + `\n\n(${name}: ${((Date.now() - t) / 1000).toFixed(1)} s)`);
}

results.totalMs = Date.now() - started;
results.targets = evaluate(results);
await writeResults(results);
console.log('\n' + renderTargets(results));
await updateReadme(results);
console.log(
  `\nbench: ${(results.totalMs / 1000).toFixed(0)} s; bench/results/latest.json written, ` +
    'README.md Benchmarks section regenerated.',
);
