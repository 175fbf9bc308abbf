// Runs the browser suite in Chromium, Firefox and WebKit, in legs: one vitest process per leg
// (`vitest run --config vitest.browser.config.ts`), the legs in parallel. A leg runs one or more
// engines, one after the other, each browser shared by the leg's files. Each leg's output is
// printed whole when it ends; then a table of how long each leg took. Any failed leg fails the
// run. Extra arguments go to vitest (e.g. one test file).
//
// `LEGS` picks the legs: legs separated by spaces, engines of one leg by commas. The default,
// `chromium firefox,webkit`, is two legs for two cores: the Chromium leg (every browser file,
// the cluster and the bundle checks) and the other engines' cross-engine files. `LEGS=chromium`
// is the quick local run (`npm run test:chromium`). `ENGINES=a,b` (older form) makes one leg
// per engine.
import { spawn } from 'node:child_process';

const legs = process.env.LEGS?.trim()
  ? process.env.LEGS.trim().split(/\s+/)
  : process.env.ENGINES?.trim()
    ? process.env.ENGINES.split(',').map((e) => e.trim())
    : ['chromium', 'firefox,webkit'];
const vitest = new URL('../node_modules/vitest/vitest.mjs', import.meta.url).pathname;
const args = [vitest, 'run', '--config', 'vitest.browser.config.ts', ...process.argv.slice(2)];

const results = await Promise.all(
  legs.map(
    (engines) =>
      new Promise((done) => {
        const started = Date.now();
        const child = spawn(process.execPath, args, {
          env: { ...process.env, ENGINES: engines, FORCE_COLOR: process.env.FORCE_COLOR ?? '1' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (out += d));
        child.on('close', (code, signal) => {
          const seconds = ((Date.now() - started) / 1000).toFixed(0);
          process.stdout.write(`\n===== browser tests in ${engines} (${seconds} s) =====\n${out}`);
          done({ engines, code: code ?? 1, signal, seconds });
        });
      }),
  ),
);

console.log('\n| browser leg | result | wall time |\n| --- | --- | --- |');
for (const r of results)
  console.log(`| ${r.engines} | ${r.code == 0 ? 'passed' : 'FAILED'} | ${r.seconds} s |`);
process.exit(results.some((r) => r.code != 0) ? 1 : 0);
