/**
 * Real-Chromium test harness: find a Chromium, launch it with the flags this machine needs, and
 * serve dist/ files plus fixture pages from a throwaway HTTP server on 127.0.0.1.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { describe } from 'vitest';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
} from 'playwright-core';
import { sharedBrowser, type Shared } from './shared-browser';
import { ENGINE_LOG_PATH, ENGINE_LOG_SCRIPT, isWebKit, withEngineLog } from './engine-log';

/** The built files the pages load. */
export const DIST = resolve(import.meta.dirname, '../../dist');

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** The Chromium to drive: `CHROME_PATH` if set, else the usual Debian paths, else undefined. */
export function findChromium(): string | undefined {
  const fromEnv = process.env.CHROME_PATH;
  if (fromEnv) {
    // A wrong CHROME_PATH is a mistake to report, not a reason to quietly pick another browser.
    if (!existsSync(fromEnv)) throw new Error(`CHROME_PATH=${fromEnv} does not exist`);
    return fromEnv;
  }
  return CANDIDATES.find((p) => existsSync(p));
}

/** True when browser tests can run. In CI a missing Chromium fails the run instead of skipping. */
export function chromiumAvailable(): boolean {
  if (findChromium()) return true;
  if (process.env.CI == 'true') {
    throw new Error(
      'BROWSER TESTS CANNOT RUN: no Chromium found (tried CHROME_PATH, ' +
        CANDIDATES.join(', ') +
        '). CI must install one (apt-get install -y chromium).',
    );
  }
  console.warn('\n!!! BROWSER TESTS SKIPPED: no Chromium found (set CHROME_PATH) !!!\n');
  return false;
}

/** Declares a suite, like `describe(name, fn)`. */
type Suite = (name: string, fn: () => void) => void;

/**
 * `describe` for a Chromium-only suite (it needs what only Chromium has: say why in the file),
 * or a skipped one when no Chromium is installed outside CI (with a loud notice) or when
 * `ENGINES` leaves Chromium out; checked when called, so importing the harness needs no browser.
 */
export const describeBrowser: Suite = (name, fn) =>
  (chromiumLeg() && chromiumAvailable() ? describe : describe.skip)(name, fn);

/** False in a process that runs only other engines' legs (`ENGINES=firefox`, see engines.ts). */
const chromiumLeg = () =>
  !process.env.ENGINES ||
  process.env.ENGINES.split(',')
    .map((s) => s.trim())
    .includes('chromium');

/**
 * Headless Chromium for one test file (the system one: `npx playwright install` is not used).
 * The process's files share one browser (shared-browser.ts); this is the file's lease on it:
 * its contexts are its own (fresh cookies and storage each), `close()` closes them and not the
 * browser. Use one `browser.newContext()` per test so nothing leaks between tests.
 */
export async function launchBrowser(): Promise<Browser> {
  return leaseOf(await sharedBrowser('chromium', startChromium));
}

async function startChromium(): Promise<Shared<Browser>> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error('no Chromium found (set CHROME_PATH)');
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    // With `headless: true` Playwright passes --headless itself; these are what this machine needs.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      // Sub-domains of one site, all on this machine (identity.test.ts: `cookieDomain`).
      '--host-resolver-rules=MAP *.shop.test 127.0.0.1',
    ],
  });
  return { value: browser, alive: () => browser.isConnected(), close: () => browser.close() };
}

/** `browser` as one file sees it: the contexts it opens, and a `close()` that closes only those. */
function leaseOf(browser: Browser): Browser {
  const mine = new Set<BrowserContext>();
  const newContext = async (options?: BrowserContextOptions) => {
    const context = await browser.newContext(options);
    mine.add(context);
    context.once('close', () => mine.delete(context));
    return context;
  };
  const lease: Partial<Browser> = {
    newContext,
    // Like Playwright's: the page's own context, closed with the page.
    async newPage(options?: BrowserContextOptions) {
      const context = await newContext(options);
      const page = await context.newPage();
      page.once('close', () => void context.close().catch(() => {}));
      return page;
    },
    contexts: () => [...mine],
    async close() {
      await Promise.all([...mine].map((c) => c.close().catch(() => {})));
    },
  };
  return new Proxy(browser, {
    get: (target, key) =>
      key in lease
        ? lease[key as keyof Browser]
        : typeof target[key as keyof Browser] == 'function'
          ? (target[key as keyof Browser] as (...a: unknown[]) => unknown).bind(target)
          : target[key as keyof Browser],
  });
}

/** Fails with a clear message when `npm run build` has not produced `file` in dist/. */
export function requireBuilt(...files: string[]): void {
  for (const f of files) {
    if (!existsSync(join(DIST, f)))
      throw new Error(`dist/${f} is missing: run \`npm run build\` first`);
  }
}

/** What a route answers: an HTML page (or any body) given as a string, or a dist/ file. */
export interface Route {
  /** Response body; a string is sent as is. */
  body?: string;
  /** Serve this file from dist/ instead (e.g. `'widget.js'`). */
  file?: string;
  /** Defaults to the body's type from the path's extension, `text/html` for a page. */
  contentType?: string;
  /** Extra response headers, e.g. a strict `Content-Security-Policy`. */
  headers?: OutgoingHttpHeaders;
  /** Milliseconds to wait before answering (e.g. to make the widget load after the page ran). */
  delay?: number;
  /** Answers once the promise this returns settles (e.g. to hold a chunk until a test says). */
  hold?: () => Promise<unknown>;
  status?: number;
}

/** A running fixture server. */
export interface Served {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Every request the server received, in order (method and path). */
  requests: { method: string; path: string }[];
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.css': 'text/css; charset=utf-8',
};

/**
 * Starts a static server on 127.0.0.1 (a free port). `routes` maps a path to a `Route` (or to an
 * HTML string). Paths not in `routes` are served from dist/ when the file exists, else 404.
 *
 * @example
 * const site = await serve({ '/': '<script src="/widget.js"></script>', '/widget.js': { file: 'widget.js', delay: 300 } });
 */
export async function serve(routes: Record<string, Route | string>): Promise<Served> {
  const requests: Served['requests'] = [];
  const server = createServer(async (req: IncomingMessage, res) => {
    const path = new URL(req.url || '/', 'http://x').pathname;
    requests.push({ method: req.method || 'GET', path });
    try {
      const given = routes[path];
      // Browsers ask for it unprompted; a 404 would be a console error in every test.
      if (!given && path == '/favicon.ico') return void res.writeHead(204).end();
      const webkit = isWebKit(req.headers['user-agent']);
      if (!given && path == ENGINE_LOG_PATH && webkit)
        return void res
          .writeHead(200, { 'content-type': TYPES['.js'], 'cache-control': 'no-store' })
          .end(ENGINE_LOG_SCRIPT);
      const route: Route =
        typeof given == 'string' ? { body: given } : given || { file: path.slice(1) };
      if (route.delay) await new Promise((r) => setTimeout(r, route.delay));
      if (route.hold) await route.hold();
      let body: string | Buffer | undefined = route.body;
      let type = route.contentType;
      if (body === undefined && route.file !== undefined) {
        const file = normalize(join(DIST, route.file));
        if (!file.startsWith(DIST + sep) || !existsSync(file)) {
          res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: ' + path);
          return;
        }
        body = await readFile(file);
        type ??= TYPES[extname(file)];
      }
      type ??= TYPES[extname(path)] || TYPES['.html'];
      // WebKit's WebDriver reports no console messages or errors: record them in the page.
      if (webkit && typeof body == 'string' && type.startsWith('text/html'))
        body = withEngineLog(body);
      res.writeHead(route.status || 200, {
        'content-type': type!,
        'cache-control': 'no-store',
        ...route.headers,
      });
      res.end(body ?? '');
    } catch (e) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(e));
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
