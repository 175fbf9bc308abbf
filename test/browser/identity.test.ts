import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { buildSnippetHtml } from '../../src/loader';
import { describeBrowser, launchBrowser, requireBuilt, serve, type Served } from './harness';
import { agentApi, startRealServer, type RealServer } from './real-server';

/**
 * The visitor's id and token in real Chromium, on a busy machine: IndexedDB writes take a while
 * to commit, and the visitor interacts the moment its first `welcome` arrives (the cluster suite
 * opens the chat then). The heartbeat that activity sends touches the stored identity while the
 * welcome's token is still being written; the visitor must still come back as itself: the next
 * hello carries the token, so the server does not start a new visitor under a new id.
 */
const KEY = 'identity-key';
/** How long every IndexedDB write takes to commit here (a loaded CI machine). */
const COMMIT_MS = 300;
const WAIT = 10_000;

interface Win {
  smartsupp: ((...args: unknown[]) => void) & { vid?: string | null };
  __ready?: boolean;
  __welcomes: { vid: string; token: boolean }[];
  /** Heartbeats sent. */
  __hbs: number;
  /** Read-write IndexedDB transactions not yet reported complete. */
  __writing: number;
}

/**
 * Runs before the page's scripts: read-write IndexedDB transactions report completion
 * `COMMIT_MS` late, and the first `welcome` is followed at once by a pointer event (activity).
 */
function slowDiskAndEagerVisitor(commitMs: number) {
  const w = window as unknown as Win;
  w.__welcomes = [];
  w.__hbs = 0;
  w.__writing = 0;
  const complete = Object.getOwnPropertyDescriptor(IDBTransaction.prototype, 'oncomplete')!;
  Object.defineProperty(IDBTransaction.prototype, 'oncomplete', {
    configurable: true,
    get() {
      return complete.get!.call(this);
    },
    set(fn: ((e: Event) => void) | null) {
      const tx = this as IDBTransaction;
      if (!fn || tx.mode != 'readwrite') {
        complete.set!.call(tx, fn);
        return;
      }
      w.__writing++;
      complete.set!.call(tx, (e: Event) =>
        setTimeout(() => {
          w.__writing--;
          fn.call(tx, e);
        }, commitMs),
      );
    },
  });
  const Native = WebSocket;
  const Hooked = function (this: unknown, url: string | URL, protocols?: string | string[]) {
    const ws = new Native(url, protocols);
    const send = ws.send;
    ws.send = (data) => {
      if (String(data).includes('"t":"hb"')) w.__hbs++;
      send.call(ws, data);
    };
    ws.addEventListener('message', (e) => {
      try {
        const f = JSON.parse(String(e.data));
        if (f.t != 'welcome') return;
        w.__welcomes.push({ vid: f.vid, token: typeof f.token == 'string' });
        // After the widget's own handler (registered later on the same socket) has run.
        setTimeout(() => dispatchEvent(new Event('pointerdown')));
      } catch {}
    });
    return ws;
  } as unknown as typeof WebSocket;
  Hooked.prototype = Native.prototype;
  Object.assign(Hooked, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
  window.WebSocket = Hooked;
}

describeBrowser('the visitor id and token on a slow IndexedDB (Chromium)', () => {
  let browser: Browser;
  let context: BrowserContext;
  let server: RealServer;
  let site: Served;

  beforeAll(async () => {
    requireBuilt('widget.js', 'chat.js');
    server = await startRealServer({ keys: [KEY], heartbeatMs: 1000 });
    site = await serve({
      '/':
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>' +
        buildSnippetHtml('/widget.js', { key: KEY, server: server.url, heartbeatMs: 1000 }) +
        '<script>smartsupp(function () { window.__ready = true; });</script>' +
        '</head><body><h1>Shop</h1></body></html>',
    });
    browser = await launchBrowser();
    context = await browser.newContext();
    await context.addInitScript(slowDiskAndEagerVisitor, COMMIT_MS);
  });

  afterAll(async () => {
    await context?.close().catch(() => {});
    await browser?.close();
    await site?.close();
    await server?.close();
  });

  it('comes back under the same id after activity while the first token was being saved', async () => {
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    await page.goto(site.url + '/');
    await page.waitForFunction(() => (window as unknown as Win).__welcomes.length > 0);
    const first = await page.evaluate(() => (window as unknown as Win).__welcomes[0]!);
    // A new visitor: the server issued a token for the id the widget made up.
    expect(first.token).toBe(true);
    // The activity's heartbeat went out (touching the identity), every write of that moment
    // committed, then a reload.
    await page.waitForFunction(() => {
      const w = window as unknown as Win;
      return w.__hbs > 0 && w.__writing == 0;
    });
    await page.reload();
    await page.waitForFunction(() => (window as unknown as Win).__welcomes.length > 0);
    const again = await page.evaluate(() => (window as unknown as Win).__welcomes[0]!);
    // Known and proven: the same id, and no new token (the server only issues one to a new visitor).
    expect(again).toEqual({ vid: first.vid, token: false });
    await page.waitForFunction(() => (window as unknown as Win).__ready === true);
    expect(await page.evaluate(() => (window as unknown as Win).smartsupp.vid)).toBe(first.vid);
    await page.close();
  });
});

describeBrowser('cookieDomain: one visitor across sub-domains (Chromium)', () => {
  const TOKEN = 'identity-test-agent-token';
  let browser: Browser;
  let server: RealServer;
  let site: Served;
  const api = agentApi(() => server.url, TOKEN);
  const textsOf = async (vid: string) =>
    (await api<{ messages: { text: string }[] }>('/api/visitors/' + vid)).messages.map(
      (m) => m.text,
    );

  beforeAll(async () => {
    requireBuilt('widget.js', 'chat.js');
    // No demo automations: their bot answers the first message after 0.7 s, which a loaded
    // machine reaches before the last check below (this test is about the visitor's identity).
    server = await startRealServer({ keys: [KEY], agentToken: TOKEN, demo: false });
    // Smartsupp's snippet with its cookieDomain line; a.shop.test and b.shop.test are both this
    // machine (harness.ts maps *.shop.test), two origins with their own storage, one cookie jar.
    site = await serve({
      '/':
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>' +
        buildSnippetHtml('/widget.js', {
          key: KEY,
          server: server.url,
          cookieDomain: '.shop.test',
        }) +
        '<script>smartsupp(function () { window.__ready = true; });</script>' +
        '</head><body><h1>Shop</h1></body></html>',
    });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await server?.close();
  });

  it('keeps the visitor and the conversation from a.shop.test on b.shop.test and back', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    const port = new URL(site.url).port;
    const open = async (host: string) => {
      await page.goto(`http://${host}:${port}/`);
      await page.waitForFunction(() => (window as unknown as Win).__ready === true);
      await page.waitForFunction(() => !!(window as unknown as Win).smartsupp.vid);
      return page.evaluate(() => (window as unknown as Win).smartsupp.vid!);
    };
    const vid = await open('a.shop.test');
    await page.evaluate(() => (window as unknown as Win).smartsupp('chat:send', 'Hello from a'));
    await expect.poll(() => textsOf(vid)).toEqual(['Hello from a']);
    // The other sub-domain: its own empty storage; the cookie brings the id and its token.
    expect(await open('b.shop.test')).toBe(vid);
    await page.evaluate(() => (window as unknown as Win).smartsupp('chat:send', 'And from b'));
    await expect.poll(() => textsOf(vid)).toEqual(['Hello from a', 'And from b']);
    // Back on the first: still the same visitor.
    expect(await open('a.shop.test')).toBe(vid);
    await context.close();
  });
});
