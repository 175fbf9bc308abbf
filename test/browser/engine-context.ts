/** What every driver's browser does the same way: a page alone in its context, and leases. */
import type { EngineBrowser, EngineContext } from './engines';
import type { EnginePage, Viewport } from './engine-page';

/** Opens a fresh context with one page; closing the page closes the context. */
export async function pageInOwnContext(
  browser: EngineBrowser,
  options: { viewport?: Viewport } = {},
): Promise<EnginePage> {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const close = page.close;
  page.close = async () => {
    await close();
    await context.close();
  };
  return page;
}

/** `browser` as one test file sees it: the contexts it opens, and a `close()` that closes those. */
export function leaseOf(browser: EngineBrowser): EngineBrowser {
  const mine = new Set<EngineContext>();
  const lease: EngineBrowser = {
    engine: browser.engine,
    get version() {
      return browser.version;
    },
    connected: () => browser.connected(),
    async newContext(options) {
      const context = await browser.newContext(options);
      mine.add(context);
      return {
        newPage: () => context.newPage(),
        async close() {
          mine.delete(context);
          await context.close();
        },
      };
    },
    newPage: (options) => pageInOwnContext(lease, options),
    async close() {
      const open = [...mine];
      mine.clear();
      await Promise.all(open.map((c) => c.close().catch(() => {})));
    },
  };
  return lease;
}
