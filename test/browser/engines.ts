/**
 * One page API on three engines: Chromium (playwright-core), Firefox (puppeteer-core over
 * WebDriver BiDi) and WebKit (WebKitGTK's MiniBrowser through WebKitWebDriver, under Xvfb).
 *
 * A test is written once and runs once per engine:
 *
 * @example
 * describeEngines('the chat UI', (engine) => {
 *   let browser: EngineBrowser;
 *   beforeAll(async () => void (browser = await launchEngine(engine)));
 *   afterAll(() => browser?.close());
 *   it('opens', async () => {
 *     const page = await browser.newPage({ viewport: { width: 1024, height: 720 } });
 *     await page.goto(site.url + '/');
 *     await page.locator('.ln').click(); // CSS; pierces open shadow roots
 *     await page.locator('[role=dialog]').waitFor();
 *     expect(page.problems()).toEqual([]); // uncaught errors + console errors/warnings
 *     await page.close();
 *   });
 * });
 *
 * The page API is a small subset of Playwright's (goto, evaluate, waitForFunction, locator
 * click/fill/check/waitFor/textContent/getAttribute/count/isVisible/boundingBox, keyboard,
 * screenshot), implemented the same way on every engine (engine-page.ts), so porting a
 * Chromium-only test is mostly changing its imports. Tests that need what only Chromium has
 * (CDP, Playwright's network events, Trusted Types) keep using harness.ts and say why.
 *
 * Which engines run: `ENGINES=chromium,firefox,webkit` (the default is all three); `npm test`
 * runs two legs in parallel, Chromium and Firefox + WebKit, one process each
 * (scripts/browser-legs.mjs). A missing browser skips
 * its leg with a loud notice locally and fails the run under `CI=true`.
 */
import { existsSync } from 'node:fs';
import { describe } from 'vitest';
import { findChromium } from './harness';
import type { EnginePage, Viewport } from './engine-page';
import { leaseOf } from './engine-context';
import { sharedBrowser } from './shared-browser';

export type { EnginePage, Locator, Viewport } from './engine-page';

/** The engines the suite runs in. */
export const ENGINES = ['chromium', 'firefox', 'webkit'] as const;
export type Engine = (typeof ENGINES)[number];

/** Debian's Firefox ESR (or `FIREFOX_PATH`). */
export const FIREFOX = process.env.FIREFOX_PATH || '/usr/bin/firefox-esr';
/** The MiniBrowser that ships with libwebkit2gtk-4.1 (or `MINIBROWSER_PATH`). */
export const MINIBROWSER =
  process.env.MINIBROWSER_PATH || '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

const INSTALL: Record<Engine, string> = {
  chromium: 'apt-get install -y chromium (or set CHROME_PATH)',
  firefox: 'apt-get install -y firefox-esr (or set FIREFOX_PATH)',
  webkit: 'apt-get install -y webkit2gtk-driver xvfb (MiniBrowser comes with libwebkit2gtk-4.1-0)',
};

/** The engines this process runs: `ENGINES` (comma-separated), else all three. */
export function selectedEngines(): Engine[] {
  const raw = process.env.ENGINES;
  if (!raw) return [...ENGINES];
  const names = raw.split(',').map((s) => s.trim());
  const unknown = names.filter((n) => !(ENGINES as readonly string[]).includes(n));
  if (unknown.length) throw new Error(`ENGINES: unknown engine ${unknown.join(', ')}`);
  return names as Engine[];
}

/** What is missing on this machine to run `engine` (empty when it can run). */
export function missingFor(engine: Engine): string[] {
  const need: Record<Engine, string[]> = {
    chromium: [],
    firefox: [FIREFOX],
    webkit: ['/usr/bin/WebKitWebDriver', MINIBROWSER, '/usr/bin/Xvfb'],
  };
  const missing = need[engine].filter((p) => !existsSync(p));
  if (engine == 'chromium' && !findChromium()) missing.push('chromium');
  return missing;
}

const warned = new Set<Engine>();

/** True when `engine` can run here; under `CI=true` a missing browser throws instead. */
export function engineAvailable(engine: Engine): boolean {
  const missing = missingFor(engine);
  if (!missing.length) return true;
  const what = `${engine} (missing: ${missing.join(', ')}; ${INSTALL[engine]})`;
  if (process.env.CI == 'true') throw new Error('BROWSER TESTS CANNOT RUN in ' + what);
  if (!warned.has(engine)) console.warn(`\n!!! BROWSER TESTS SKIPPED in ${what} !!!\n`);
  warned.add(engine);
  return false;
}

/**
 * Declares `fn`'s suite once per selected engine, named `<name>, in <engine>`. An engine that is
 * not installed is skipped with a loud notice locally; under `CI=true` `engineAvailable` throws,
 * so a missing engine fails the run instead.
 */
export function describeEngines(name: string, fn: (engine: Engine) => void): void {
  for (const engine of selectedEngines())
    (engineAvailable(engine) ? describe : describe.skip)(`${name}, in ${engine}`, () => fn(engine));
}

/** A browser of one engine. */
export interface EngineBrowser {
  engine: Engine;
  /** The engine's name and version, e.g. `firefox/153.8.0`. */
  version: string;
  /** False once the browser has gone (crashed, or closed). */
  connected(): boolean;
  /** A fresh profile (cookies, storage, locks, channels) with pages (tabs) in it. */
  newContext(options?: { viewport?: Viewport }): Promise<EngineContext>;
  /** `newContext(options)` with one page in it; closing the page closes that context. */
  newPage(options?: { viewport?: Viewport }): Promise<EnginePage>;
  close(): Promise<void>;
}

/** One profile: its pages share storage, Web Locks and BroadcastChannel, like tabs. */
export interface EngineContext {
  newPage(): Promise<EnginePage>;
  close(): Promise<void>;
}

/**
 * `engine`'s browser for one test file: a lease on the one this process shares
 * (shared-browser.ts). Its contexts are the file's own, and its `close()` closes them, not the
 * browser; each context is a fresh profile, as with a browser of its own.
 */
export async function launchEngine(engine: Engine): Promise<EngineBrowser> {
  const drivers = {
    chromium: () => import('./driver-chromium'),
    firefox: () => import('./driver-firefox'),
    webkit: () => import('./driver-webkit'),
  };
  const browser = await sharedBrowser('engine:' + engine, async () => {
    const { launch } = await drivers[engine]();
    const launched = await launch();
    return { value: launched, alive: () => launched.connected(), close: () => launched.close() };
  });
  return leaseOf(browser);
}
