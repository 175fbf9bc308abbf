/**
 * The test environment of the browser legs: Node's, plus closing the browsers that the files of
 * this process shared (shared-browser.ts) once its last file is done. Vitest awaits this
 * teardown before it stops the process, so no browser, driver or Xvfb outlives a leg.
 */
import { builtinEnvironments, type Environment } from 'vitest/environments';
import { closeSharedBrowsers } from './shared-browser';

export default {
  name: 'browser-legs',
  viteEnvironment: 'ssr',
  async setup(global, options) {
    const node = await builtinEnvironments.node.setup(global, options);
    return {
      async teardown(g) {
        await closeSharedBrowsers();
        await node.teardown(g);
      },
    };
  },
} satisfies Environment;
