import { readdirSync, readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

/**
 * Tests of the built dist/ files, run after `npm run build`: the bundle checks, the
 * real-browser tests, and the server run as processes (test/cluster). One file at a time, all
 * in one process (`isolate: false`), so that the files share one browser per engine
 * (shared-browser.ts: each file leases it, with contexts of its own) and load Playwright,
 * puppeteer and the helpers once; browser-environment.ts closes the browsers at the end.
 *
 * `ENGINES` picks the engines of this process, its leg (engines.ts); scripts/browser-legs.mjs
 * runs the legs, one process each. A leg without Chromium runs only the cross-engine files (those using
 * `describeEngines`): the Chromium-only ones, the cluster tests and the bundle checks belong to
 * the Chromium leg.
 */
const engines = process.env.ENGINES?.split(',').map((s) => s.trim());
const chromiumLeg = !engines || engines.includes('chromium');
const crossEngine = readdirSync('test/browser', { recursive: true, encoding: 'utf8' })
  .map((f) => 'test/browser/' + f)
  .filter((f) => f.endsWith('.test.ts') && readFileSync(f, 'utf8').includes('describeEngines('));

export default defineConfig({
  test: {
    environment: './test/browser/browser-environment.ts',
    isolate: false,
    include: chromiumLeg
      ? ['test/browser/**/*.test.ts', 'test/cluster/**/*.test.ts', 'test/bundle.test.ts']
      : crossEngine,
    fileParallelism: false,
    maxWorkers: 1,
    // Generous: these run on shared CI machines where a browser may get a fraction of a core,
    // three engine legs share its cores, and Firefox and WebKit start and run slower than
    // Chromium. Every wait is for a condition, so a longer limit costs nothing when things are fast.
    testTimeout: 90_000,
    hookTimeout: 60_000,
    // `expect.poll` gives up after 1 s by default: far too soon for a busy browser.
    expect: { poll: { timeout: 10_000 } },
    restoreMocks: true,
  },
});
