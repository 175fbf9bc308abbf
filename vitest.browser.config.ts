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
    testTimeout: 30_000,
    hookTimeout: 60_000,
    restoreMocks: true,
  },
});
