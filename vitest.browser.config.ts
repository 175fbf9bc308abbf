import { defineConfig } from 'vitest/config';

/**
 * Tests of the built dist/ files, run after `npm run build`: the bundle checks and the
 * real-Chromium tests, and the server run as processes (test/cluster). One file at a time: each browser test starts its own Chromium.
 */
export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/browser/**/*.test.ts', 'test/cluster/**/*.test.ts', 'test/bundle.test.ts'],
    fileParallelism: false,
    maxWorkers: 1,
    // Generous: these run on shared CI machines where Chromium may get a fraction of a core.
    // Every wait is for a condition, so a longer limit costs nothing when things are fast.
    testTimeout: 90_000,
    hookTimeout: 60_000,
    // `expect.poll` gives up after 1 s by default: far too soon for a busy browser.
    expect: { poll: { timeout: 10_000 } },
    restoreMocks: true,
  },
});
