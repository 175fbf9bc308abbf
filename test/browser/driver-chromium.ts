/** The Chromium leg of engines.ts: the system Chromium through playwright-core (harness.ts). */
import type { Page } from 'playwright-core';
import type { EngineBrowser } from './engines';
import { createEnginePage, type EnginePage } from './engine-page';
import { launchBrowser } from './harness';
import { pageInOwnContext } from './engine-context';

function wrap(p: Page): EnginePage {
  return createEnginePage(
    'chromium',
    {
      goto: async (url) => void (await p.goto(url)),
      run: (expression) => p.evaluate(expression),
      click: (x, y) => p.mouse.click(x, y),
      move: (x, y) => p.mouse.move(x, y),
      down: async (x, y) => {
        await p.mouse.move(x, y);
        await p.mouse.down();
      },
      up: () => p.mouse.up(),
      press: (key) => p.keyboard.press(key),
      type: (text) => p.keyboard.type(text),
      screenshot: async (path) => void (await p.screenshot({ path, animations: 'disabled' })),
      close: () => p.close(),
    },
    (log) => {
      p.on('console', (m) => log.console(m.type(), m.text()));
      p.on('pageerror', (e) => log.error(e.message));
      p.on('dialog', (d) => {
        log.error('dialog: ' + d.message());
        void d.dismiss();
      });
    },
  );
}

/** Headless Chromium with the flags this machine needs (a lease on harness.ts's shared one). */
export async function launch(): Promise<EngineBrowser> {
  const browser = await launchBrowser();
  const self: EngineBrowser = {
    engine: 'chromium',
    version: 'chromium/' + browser.version(),
    connected: () => browser.isConnected(),
    async newContext(options = {}) {
      const { width, height, deviceScaleFactor } = options.viewport || { width: 1280, height: 720 };
      const context = await browser.newContext({
        viewport: { width, height },
        deviceScaleFactor,
      });
      return { newPage: async () => wrap(await context.newPage()), close: () => context.close() };
    },
    newPage: (options) => pageInOwnContext(self, options),
    close: () => browser.close(),
  };
  return self;
}
