import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'happy-dom',
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // These check the built dist/ files: vitest.browser.config.ts runs them after the build.
    exclude: ['test/browser/**', 'test/cluster/**', 'test/bundle.test.ts', 'node_modules/**'],
    restoreMocks: true,
  },
});
