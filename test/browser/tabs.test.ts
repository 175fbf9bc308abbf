import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { buildSnippetHtml } from '../../src/loader';
import { describeBrowser, launchBrowser, requireBuilt, serve, type Served } from './harness';
import { agentApi, connectAgent, startRealServer, type RealServer } from './real-server';

/**
 * Issue 6, "Many tabs", in real Chromium against the real reference server: three tabs of one
 * visitor (one browser context: one IndexedDB, one lock manager, one BroadcastChannel space)
 * hold ONE WebSocket and send ONE heartbeat stream; the chat window, unread count, messages and
 * the blocked state are mirrored in every tab; when the leading tab closes another one takes
 * over within about a second and the conversation goes on.
 *
 * The steps are one story and run in order: each `it` starts where the previous one ended.
 */
const TOKEN = 'tabs-agent-token-0123456789abcdef';
const KEY = 'tabs-key';
const HEARTBEAT_MS = 1000;
const WAIT = 10_000;

interface ApiMessage {
  from: string;
  text: string;
}

/** An element inside the widget's shadow root (Playwright's CSS locators pierce it). */
const w = (page: Page, sel: string): Locator => page.locator('[data-visitor-chat] ' + sel);

/** Types `text` in the page's composer and sends it with Enter, as a visitor does. */
async function write(page: Page, text: string) {
  await w(page, '#vc-in').click();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

// Chromium only: it counts WebSockets and their frames with Playwright's network events; the
// second-tab mirror runs in every engine in e2e-engines.test.ts.
describeBrowser('many tabs: one connection, mirrored state, takeover (Chromium)', () => {
  let browser: Browser;
  let context: BrowserContext;
  let server: RealServer;
  let site: Served;
  let vid: string;
  /** The agent's live feed: while it is open an agent is online (no contact form first). */
  let feed: AbortController | undefined;
  const tabs: Page[] = [];
  /** WebSockets each page opened to the server, with the frames they sent. */
  const sockets = new Map<Page, Array<{ at: number; sent: string[]; closed: boolean }>>();
  const problems: string[] = [];

  const bubbles = (page: Page, kind: 'a' | 'v') =>
    w(page, '.ls .m.' + kind + ' .bb').allTextContents();
  const live = () => tabs.filter((p) => !p.isClosed());
  /** Sockets of the open pages that are still open and carried frames. */
  const openSockets = () =>
    live()
      .flatMap((p) => sockets.get(p)!)
      .filter((s) => !s.closed && s.sent.length > 0);

  const api = agentApi(() => server.url, TOKEN);
  /** Texts of the conversation the server stored for visitor `id`, in order. */
  const storedTexts = async (id: string) =>
    (await api<{ messages: ApiMessage[] }>('/api/visitors/' + id)).messages.map((m) => m.text);

  async function openTab(path: string): Promise<Page> {
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    const list: Array<{ at: number; sent: string[]; closed: boolean }> = [];
    sockets.set(page, list);
    page.on('websocket', (ws) => {
      const s = { at: Date.now(), sent: [] as string[], closed: false };
      list.push(s);
      ws.on('framesent', (f) => s.sent.push(String(f.payload)));
      ws.on('close', () => (s.closed = true));
    });
    page.on('pageerror', (e) => problems.push('pageerror: ' + e.message));
    page.on('console', (m) => {
      if (m.type() == 'error' || m.text().includes('[visitor-chat]'))
        problems.push(m.type() + ': ' + m.text());
    });
    await page.goto(site.url + path);
    await w(page, '.ln').waitFor({ state: 'visible' });
    tabs.push(page);
    return page;
  }

  beforeAll(async () => {
    requireBuilt('widget.js', 'chat.js', 'ui.js');
    server = await startRealServer({
      agentToken: TOKEN,
      keys: [KEY],
      heartbeatMs: HEARTBEAT_MS,
      botDelayMs: 60_000,
    });
    const page = (title: string) =>
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>` +
      buildSnippetHtml('/widget.js', { key: KEY, server: server.url, heartbeatMs: HEARTBEAT_MS }) +
      `</head><body><h1>${title}</h1><p style="height:2000px">Shop</p></body></html>`;
    feed = await connectAgent(server, TOKEN);
    const httpPage = (title: string) =>
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>` +
      buildSnippetHtml('/widget.js', { key: KEY, server: server.url, transport: 'http' }) +
      `</head><body><h1>${title}</h1></body></html>`;
    site = await serve({
      '/': page('Home'),
      '/pricing': page('Pricing'),
      '/cart': page('Cart'),
      '/http/a': httpPage('HTTP A'),
      '/http/b': httpPage('HTTP B'),
      '/http/c': httpPage('HTTP C'),
    });
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
  });

  afterAll(async () => {
    feed?.abort();
    await context?.close().catch(() => {});
    await browser?.close();
    await site?.close();
    await server?.close();
  });

  afterEach(() => {
    expect(problems.splice(0)).toEqual([]);
  });

  it('three tabs of one visitor share one WebSocket and one visitor id', async () => {
    await openTab('/');
    await openTab('/pricing');
    await openTab('/cart');
    const vids = await Promise.all(
      tabs.map((p) =>
        p.waitForFunction(
          () => (window as unknown as { smartsupp: { vid?: string } }).smartsupp.vid,
        ),
      ),
    ).then((hs) => Promise.all(hs.map((h) => h.jsonValue() as Promise<string>)));
    expect(new Set(vids).size).toBe(1);
    vid = vids[0];
    // Give a late second connection every chance to appear before counting.
    await new Promise((r) => setTimeout(r, 1000));
    const opened = [...sockets.values()].map((l) => l.length);
    expect(opened.reduce((a, b) => a + b, 0)).toBe(1);
    const { visitors } = await api<{ visitors: Array<{ id: string; online: boolean }> }>(
      '/api/visitors',
    );
    expect(visitors.map((v) => [v.id, v.online])).toEqual([[vid, true]]);
    // Every tab's hello went through that one socket (the server answers each with a welcome).
    expect(openSockets()[0].sent.filter((f) => f.includes('"t":"hello"'))).toHaveLength(3);
  });

  it('activity in all three tabs makes one heartbeat stream, at most one frame a second', async () => {
    const socket = openSockets()[0];
    const before = socket.sent.length;
    const started = Date.now();
    for (let i = 0; i < 20; i++) {
      const page = tabs[i % 3];
      await page.mouse.move(100 + i * 10, 200 + (i % 5) * 20);
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, HEARTBEAT_MS + 200));
    const seconds = (Date.now() - started) / 1000;
    const beats = socket.sent.slice(before).filter((f) => f.includes('"t":"hb"'));
    console.log(
      `[tabs] ${beats.length} heartbeats over ${seconds.toFixed(1)} s of activity in 3 tabs (interval ${HEARTBEAT_MS} ms)`,
    );
    expect(beats.length).toBeGreaterThanOrEqual(2);
    expect(beats.length).toBeLessThanOrEqual(Math.ceil(seconds / (HEARTBEAT_MS / 1000)) + 1);
    expect(openSockets()).toHaveLength(1);
  });

  it('opening the chat in one tab opens it in all; a message sent in another shows everywhere', async () => {
    const [a, b, c] = tabs;
    await w(a, '.ln').click();
    for (const p of tabs) await w(p, '[role=dialog]').waitFor({ state: 'visible' });

    await write(b, 'Hello from the pricing tab');
    for (const p of tabs)
      await expect
        .poll(() => bubbles(p, 'v'), { timeout: WAIT })
        .toEqual(['Hello from the pricing tab']);
    // Delivered once, and marked sent in every tab (the ack reaches all of them).
    await expect
      .poll(() => storedTexts(vid), { timeout: WAIT })
      .toEqual(['Hello from the pricing tab']);
    for (const p of [a, c])
      await expect
        .poll(() => w(p, '.ls .m.v .mt').textContent(), { timeout: WAIT })
        .toMatch(/Sent|Delivered|Read/);

    // Closing it in the third tab closes it everywhere.
    await w(c, '.ln').click();
    for (const p of tabs) await w(p, '[role=dialog]').waitFor({ state: 'detached' });
  });

  it('an agent reply reaches every tab with an unread badge; reading it in one clears all', async () => {
    await api('/api/visitors/' + vid + '/messages', {
      method: 'POST',
      body: JSON.stringify({ text: 'Agent here: how can I help?' }),
    });
    for (const p of tabs) {
      await w(p, '.ln .bd').waitFor({ state: 'visible' });
      expect(await w(p, '.ln .bd').textContent()).toBe('1');
    }
    await w(tabs[2], '.ln').click();
    for (const p of tabs) {
      await w(p, '[role=dialog]').waitFor({ state: 'visible' });
      await expect
        .poll(() => bubbles(p, 'a'), { timeout: WAIT })
        .toEqual(['Agent here: how can I help?']);
      await w(p, '.ln .bd').waitFor({ state: 'detached' });
    }
  });

  it('blocking hides the widget in every tab, unblocking brings it back', async () => {
    await api('/api/visitors/' + vid + '/block', { method: 'POST' });
    for (const p of tabs) await w(p, '.ln').waitFor({ state: 'detached' });
    await api('/api/visitors/' + vid + '/block', { method: 'DELETE' });
    for (const p of tabs) await w(p, '.ln').waitFor({ state: 'visible' });
  });

  it('closing the leading tab hands the connection to another within about a second', async () => {
    const leader = tabs.find((p) => sockets.get(p)!.some((s) => !s.closed))!;
    const closedAt = Date.now();
    await leader.close();
    const next = () =>
      live()
        .flatMap((p) => sockets.get(p)!)
        .find((s) => s.at >= closedAt && !s.closed);
    await expect.poll(() => !!next(), { timeout: WAIT, interval: 20 }).toBe(true);
    const takeover = next()!.at - closedAt;
    console.log(`[tabs] takeover: a new tab connected ${takeover} ms after the leader closed`);
    expect(takeover).toBeLessThan(1500);

    // The conversation goes on through the new leader, from either remaining tab.
    const remaining = live();
    expect(remaining).toHaveLength(2);
    const sender = remaining[1];
    // Blocking closed the window; opening it in this tab opens it in the other one too.
    await w(sender, '.ln').click();
    for (const p of remaining) await w(p, '[role=dialog]').waitFor({ state: 'visible' });
    await write(sender, 'Still here after the takeover');
    await expect
      .poll(() => storedTexts(vid), { timeout: WAIT })
      .toEqual([
        'Hello from the pricing tab',
        'Agent here: how can I help?',
        'Still here after the takeover',
      ]);
    for (const p of remaining)
      await expect
        .poll(() => bubbles(p, 'v'), { timeout: WAIT })
        .toEqual(['Hello from the pricing tab', 'Still here after the takeover']);
    await new Promise((r) => setTimeout(r, 500));
    expect(openSockets()).toHaveLength(1);
  });

  it('without Web Locks (the fallback) each tab connects on its own and still mirrors the chat', async () => {
    const own = await browser.newContext({ viewport: { width: 1100, height: 760 } });
    try {
      await own.addInitScript(() =>
        Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined }),
      );
      const pages: Page[] = [];
      const opened: number[] = [];
      for (const path of ['/', '/pricing']) {
        const page = await own.newPage();
        page.setDefaultTimeout(WAIT);
        page.on('websocket', () => opened.push(pages.length));
        page.on('pageerror', (e) => problems.push('pageerror: ' + e.message));
        await page.goto(site.url + path);
        await w(page, '.ln').waitFor({ state: 'visible' });
        await page.waitForFunction(
          () => (window as unknown as { smartsupp: { vid?: string } }).smartsupp.vid,
        );
        pages.push(page);
      }
      const [one, two] = pages;
      await expect.poll(() => opened.length, { timeout: WAIT }).toBe(2);
      const vids = await Promise.all(
        pages.map((p) =>
          p.evaluate(() => (window as unknown as { smartsupp: { vid: string } }).smartsupp.vid),
        ),
      );
      expect(vids[0]).toBe(vids[1]);
      const id = vids[0];
      await w(one, '.ln').click();
      await w(two, '[role=dialog]').waitFor({ state: 'visible' });
      await write(two, 'Sent without a lock manager');
      for (const p of pages)
        await expect
          .poll(() => bubbles(p, 'v'), { timeout: WAIT })
          .toEqual(['Sent without a lock manager']);
      await expect
        .poll(() => storedTexts(id), { timeout: WAIT })
        .toEqual(['Sent without a lock manager']);
    } finally {
      await own.close();
    }
  });

  it('over the HTTP transport too: one tab makes every request, a message from another arrives once', async () => {
    const own = await browser.newContext({ viewport: { width: 1100, height: 760 } });
    try {
      const pages: Page[] = [];
      /** Requests to the server's visitor endpoints, by page index. */
      const calls: number[] = [];
      for (const path of ['/http/a', '/http/b', '/http/c']) {
        const page = await own.newPage();
        page.setDefaultTimeout(WAIT);
        const index = pages.length;
        page.on('request', (r) => r.url().includes('/v1/') && calls.push(index));
        page.on('pageerror', (e) => problems.push('pageerror: ' + e.message));
        await page.goto(site.url + path);
        await w(page, '.ln').waitFor({ state: 'visible' });
        pages.push(page);
      }
      await w(pages[2], '.ln').click();
      for (const p of pages) await w(p, '[role=dialog]').waitFor({ state: 'visible' });
      await write(pages[2], 'Sent over HTTP from the third tab');
      for (const p of pages)
        await expect
          .poll(() => bubbles(p, 'v'), { timeout: WAIT })
          .toEqual(['Sent over HTTP from the third tab']);
      const id = await pages[0].evaluate(
        () => (window as unknown as { smartsupp: { vid: string } }).smartsupp.vid,
      );
      await expect
        .poll(() => storedTexts(id), { timeout: WAIT })
        .toEqual(['Sent over HTTP from the third tab']);
      // Every frame POST and the event stream came from one tab.
      expect(new Set(calls).size).toBe(1);
    } finally {
      await own.close();
    }
  });
});
