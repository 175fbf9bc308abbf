/**
 * The Firefox leg of engines.ts: Debian's firefox-esr through puppeteer-core 23 over WebDriver
 * BiDi (newer puppeteer needs Node 22). Each context is a BiDi user context: its own storage.
 */
import puppeteer, { type Page } from 'puppeteer-core';
import type { EngineBrowser } from './engines';
import { FIREFOX } from './engines';
import { createEnginePage, type EnginePage, type Viewport } from './engine-page';
import { pageInOwnContext } from './engine-context';

/** Presses `Shift+Tab`-style chords: modifiers down, the key, modifiers up. */
async function chord(p: Page, key: string) {
  const parts = key.split('+');
  const last = parts.pop()! as Parameters<Page['keyboard']['press']>[0];
  const mods = parts as Array<Parameters<Page['keyboard']['down']>[0]>;
  for (const m of mods) await p.keyboard.down(m);
  await p.keyboard.press(last);
  for (const m of mods.reverse()) await p.keyboard.up(m);
}

async function wrap(p: Page, viewport: Viewport): Promise<EnginePage> {
  await p.setViewport({ ...viewport, deviceScaleFactor: viewport.deviceScaleFactor ?? 1 });
  return createEnginePage(
    'firefox',
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
      press: (key) => chord(p, key),
      type: (text) => p.keyboard.type(text),
      screenshot: async (path) => void (await p.screenshot({ path })),
      close: () => p.close(),
    },
    (log) => {
      p.on('console', (m) => log.console(m.type() == 'warn' ? 'warning' : m.type(), m.text()));
      p.on('pageerror', (e) => log.error((e as Error).message ?? String(e)));
      p.on('dialog', (d) => {
        log.error('dialog: ' + d.message());
        void d.dismiss();
      });
    },
  );
}

/** Launches headless Firefox ESR with a temporary profile. */
export async function launch(): Promise<EngineBrowser> {
  const browser = await puppeteer.launch({
    browser: 'firefox',
    protocol: 'webDriverBiDi',
    executablePath: FIREFOX,
    headless: true,
  });
  const self: EngineBrowser = {
    engine: 'firefox',
    version: await browser.version(),
    connected: () => browser.connected,
    async newContext(options = {}) {
      const viewport = options.viewport || { width: 1280, height: 720 };
      const context = await browser.createBrowserContext();
      return {
        newPage: async () => wrap(await context.newPage(), viewport),
        close: () => context.close(),
      };
    },
    newPage: (options) => pageInOwnContext(self, options),
    close: () => browser.close(),
  };
  return self;
}
