// Runs the browser suite once per engine (Chromium, Firefox, WebKit), the legs in parallel
// processes: `ENGINES=<engine> vitest run --config vitest.browser.config.ts`. Each leg's output
// is printed whole when it ends; then a table of how long each leg took. Any failed leg fails
// the run. Extra arguments go to vitest (e.g. one test file); `ENGINES=a,b` picks the legs.
// `npm test` (and so CI) runs the Chromium leg; `npm run test:engines` runs all three: on a
// 2-core machine the three legs in parallel still time out now and then (README, Browser support).
import { spawn } from 'node:child_process';

const legs = (process.env.ENGINES || 'chromium').split(',').map((s) => s.trim());
const vitest = new URL('../node_modules/vitest/vitest.mjs', import.meta.url).pathname;
const args = [vitest, 'run', '--config', 'vitest.browser.config.ts', ...process.argv.slice(2)];

const results = await Promise.all(
  legs.map(
    (engine) =>
      new Promise((done) => {
        const started = Date.now();
        const child = spawn(process.execPath, args, {
          env: { ...process.env, ENGINES: engine, FORCE_COLOR: process.env.FORCE_COLOR ?? '1' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (out += d));
        child.on('close', (code, signal) => {
          const seconds = ((Date.now() - started) / 1000).toFixed(0);
          process.stdout.write(`\n===== browser tests in ${engine} (${seconds} s) =====\n${out}`);
          done({ engine, code: code ?? 1, signal, seconds });
        });
      }),
  ),
);

console.log('\n| engine leg | result | wall time |\n| --- | --- | --- |');
for (const r of results)
  console.log(`| ${r.engine} | ${r.code == 0 ? 'passed' : 'FAILED'} | ${r.seconds} s |`);
process.exit(results.some((r) => r.code != 0) ? 1 : 0);
