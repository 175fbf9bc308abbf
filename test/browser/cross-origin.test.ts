import { createHash } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildSnippetHtml } from '../../src/loader';
import {
  describeBrowser,
  launchBrowser,
  requireBuilt,
  serve,
  type Route,
  type Served,
} from './harness';
import { agentApi, connectAgent, startRealServer, type RealServer } from './real-server';

/**
 * The README's install on a real site: the shop's page is served by one origin (a static
 * server), the widget files and the chat by another (the reference server). widget.js is a
 * classic script, but the chunks it imports (chat.js, ui.js, files.js) are module loads,
 * fetched in CORS mode: they only work when the chat server answers them with
 * `Access-Control-Allow-Origin`.
 */
const TOKEN = 'cross-origin-agent-token-0123456789';
const WAIT = 10_000;

/** A shop page: the generated snippet, then page code that uses the command API before load. */
const shopPage = (
  widgetUrl: string,
  server: string,
  key = 'demo',
  more: Record<string, unknown> = {},
) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Shop</title>
${buildSnippetHtml(widgetUrl, { key, server, ...more })}
<script>
  window.got = [];
  window.errors = [];
  smartsupp('name', 'Ada Lovelace');
  smartsupp('on', 'message_received', function (m) { got.push(m.text); });
  smartsupp('on', 'error', function (e) { errors.push(e); });
</script>
</head>
<body><h1>Shop</h1><p>Products.</p></body>
</html>`;

type ShopWindow = Window & {
  got: string[];
  errors: { code: string; message: string }[];
  smartsupp: ((...args: unknown[]) => void) & { vid: string | null };
};

interface ApiMessage {
  from: string;
  text: string;
}

/** The visitor id, once the widget knows it. */
async function vidOf(page: Page) {
  await page.waitForFunction(() => !!(window as unknown as ShopWindow).smartsupp.vid);
  return page.evaluate(() => (window as unknown as ShopWindow).smartsupp.vid!);
}

/**
 * A proxy in front of the chat server that passes HTTP (streams included) but refuses every
 * WebSocket upgrade with a 403, as some corporate proxies and hosts do.
 */
async function noWebSocketProxy(target: string) {
  const to = new URL(target);
  const seen = { upgrades: 0, posts: 0 };
  const proxy: Server = createServer((req, res) => {
    if (req.method == 'POST' && req.url?.startsWith('/v1/frames')) seen.posts++;
    const out = request(
      { host: to.hostname, port: to.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  proxy.on('upgrade', (_req, socket) => {
    seen.upgrades++;
    socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  });
  await new Promise<void>((ok) => proxy.listen(0, '127.0.0.1', ok));
  return {
    url: 'http://127.0.0.1:' + (proxy.address() as AddressInfo).port,
    seen,
    close: () =>
      new Promise<void>((ok) => {
        proxy.closeAllConnections();
        proxy.close(() => ok());
      }),
  };
}

describeBrowser('the README install on a page of another origin, in Chromium', () => {
  let browser: Browser;
  let server: RealServer;
  let feed: AbortController;
  const sites: Served[] = [];
  const contexts: BrowserContext[] = [];
  const api = agentApi(() => server.url, TOKEN);

  beforeAll(async () => {
    requireBuilt('widget.js', 'chat.js', 'ui.js');
    server = await startRealServer({ agentToken: TOKEN, demo: false });
    // An agent is online, so the widget chats instead of asking for contact details first.
    feed = await connectAgent(server, TOKEN);
    browser = await launchBrowser();
  });

  afterEach(async () => {
    for (const c of contexts.splice(0)) await c.close().catch(() => {});
    for (const s of sites.splice(0)) await s.close();
  });

  afterAll(async () => {
    feed?.abort();
    await browser?.close();
    await server?.close();
  });

  /** The visitor's name, as the agent API reports it. */
  const nameOf = async (vid: string) =>
    (await api<{ name: string | null }>('/api/visitors/' + vid)).name;
  /** The visitor's conversation as the agent API reports it, `author: text` each. */
  const messagesOf = async (vid: string) =>
    (await api<{ messages: ApiMessage[] }>('/api/visitors/' + vid)).messages.map(
      (m) => m.from + ': ' + m.text,
    );

  /** Opens `url` in a fresh context, recording console messages and page errors. */
  async function open(url: string) {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    const consoleLines: string[] = [];
    page.on('console', (m) => consoleLines.push(m.type() + ': ' + m.text()));
    page.on('pageerror', (e) => consoleLines.push('pageerror: ' + e.message));
    /** `Access-Control-Allow-Origin` of each chunk response, by file name. */
    const chunks: Record<string, string | undefined> = {};
    page.on('response', (r) => {
      const name = new URL(r.url()).pathname.slice(1);
      if (/^(chat|ui|files)\.js$/.test(name))
        chunks[name] = r.headers()['access-control-allow-origin'];
    });
    await page.goto(url);
    return { page, consoleLines, chunks };
  }

  /**
   * Two tabs of one visitor on a shop page whose widget and chat server are at `base`: the first
   * one seen by the agent under its queued name, then the second with the same visitor id.
   */
  async function twoTabs(base: string) {
    const shop = await serve({ '/': shopPage(base + '/widget.js', base) });
    sites.push(shop);
    const { page } = await open(shop.url + '/');
    const vid = await vidOf(page);
    await expect.poll(() => nameOf(vid), { timeout: WAIT }).toBe('Ada Lovelace');
    const second = await page.context().newPage();
    second.setDefaultTimeout(WAIT);
    await second.goto(shop.url + '/');
    expect(await vidOf(second)).toBe(vid);
    return { page, second, vid };
  }

  it('shows the launcher, runs the queued commands and chats both ways with the agent API', async () => {
    const shop = await serve({ '/': shopPage(server.url + '/widget.js', server.url) });
    sites.push(shop);
    expect(new URL(shop.url).origin).not.toBe(new URL(server.url).origin);
    const { page, consoleLines, chunks } = await open(shop.url + '/');

    await page.locator('[data-visitor-chat] .ln').waitFor({ state: 'visible' });
    const vid = await vidOf(page);
    // The queued `name` ran: the agent sees the visitor under that name.
    await expect.poll(() => nameOf(vid), { timeout: WAIT }).toBe('Ada Lovelace');

    // Visitor → agent.
    await page.evaluate(() => (window as unknown as ShopWindow).smartsupp('chat:send', 'Hi!'));
    await expect.poll(() => messagesOf(vid), { timeout: WAIT }).toContain('visitor: Hi!');

    // Agent → visitor: the queued `on('message_received')` hears it and the window shows it.
    await api('/api/visitors/' + vid + '/messages', {
      method: 'POST',
      body: JSON.stringify({ text: 'Hello from the agent' }),
    });
    await page.waitForFunction(() =>
      (window as unknown as ShopWindow).got.includes('Hello from the agent'),
    );
    await page.locator('[data-visitor-chat] .ln').click();
    await page
      .locator('[data-visitor-chat] .ls .m.a .bb')
      .filter({ hasText: 'Hello from the agent' })
      .waitFor({ state: 'visible' });

    // The file layer came with the window: its attach button replaced the placeholder.
    await page.locator('[data-visitor-chat] button.af').waitFor();
    expect(chunks).toEqual({ 'chat.js': '*', 'ui.js': '*', 'files.js': '*' });
    expect(await page.evaluate(() => (window as unknown as ShopWindow).errors)).toEqual([]);
    expect(consoleLines.filter((l) => /^(error|warning)|pageerror|visitor-chat/.test(l))).toEqual(
      [],
    );
  });

  it('says so through the error event when chat.js fails to load, then retries and chats', async () => {
    // The widget files come from a third server whose first answer for chat.js is a 404.
    let chatRequests = 0;
    const files = await serve(
      new Proxy({} as Record<string, Route>, {
        get: (_, path) =>
          path == '/chat.js' && chatRequests++ == 0
            ? { status: 404, body: 'not here', headers: { 'access-control-allow-origin': '*' } }
            : { file: String(path).slice(1), headers: { 'access-control-allow-origin': '*' } },
      }),
    );
    sites.push(files);
    const shop = await serve({ '/': shopPage(files.url + '/widget.js', server.url) });
    sites.push(shop);
    const { page, consoleLines } = await open(shop.url + '/');

    await page.locator('[data-visitor-chat] .ln').waitFor({ state: 'visible' });
    expect(chatRequests).toBe(2);
    // The error event is the page's own listener: on a busy machine it may come after the
    // launcher has shown (ci91 read it empty), so wait for it rather than read it once.
    await expect
      .poll(() => page.evaluate(() => (window as unknown as ShopWindow).errors.length))
      .toBe(1);
    const errors = await page.evaluate(() => (window as unknown as ShopWindow).errors);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.code).toBe('chunk_failed');
    expect(errors[0]!.message).toMatch(/^chat\.js failed to load, retrying: /);
    const warnings = consoleLines.filter((l) => l.includes('[visitor-chat]'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^warning: \[visitor-chat\] chat\.js failed to load, retrying: /);

    // The commands queued before the failure ran once the chunk arrived.
    const vid = await vidOf(page);
    await expect.poll(() => nameOf(vid), { timeout: WAIT }).toBe('Ada Lovelace');
    await page.evaluate(() => (window as unknown as ShopWindow).smartsupp('chat:send', 'Back'));
    await expect.poll(() => messagesOf(vid), { timeout: WAIT }).toContain('visitor: Back');
  });

  it('tells the site owner once when the server refuses the account key, and does not retry', async () => {
    const shop = await serve({
      '/': shopPage(server.url + '/widget.js', server.url, 'not-my-key'),
    });
    sites.push(shop);
    const { page, consoleLines } = await open(shop.url + '/');
    await page.locator('[data-visitor-chat] .ln').waitFor({ state: 'visible' });
    const refused =
      'warning: [visitor-chat] the chat server refused the connection for good (its log says why): check the key and its allowed origins';
    await expect
      .poll(() => consoleLines.filter((l) => l.includes('[visitor-chat]')))
      .toEqual([refused]);
    // Still one line a while later: not repeated, no page error.
    await page.waitForTimeout(1500);
    expect(consoleLines.filter((l) => /visitor-chat|pageerror/.test(l))).toEqual([refused]);
    // The page's queued `on('error', fn)` heard it too, once.
    expect(await page.evaluate(() => (window as unknown as ShopWindow).errors)).toEqual([
      { code: 'refused', message: refused.slice('warning: [visitor-chat] '.length) },
    ]);
  });

  it("works under the README's CSP for this install: the snippet's hash and the chat server's origin in script-src", async () => {
    const html = shopPage(server.url + '/widget.js', server.url);
    // The hashes of the page's inline scripts as they are on it (the snippet with its key and
    // server, and the page's own): what a site owner pastes.
    const hashes = [...html.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map(
      (m) => "'sha256-" + createHash('sha256').update(m[1]!).digest('base64') + "'",
    );
    expect(hashes).toHaveLength(2);
    const origin = new URL(server.url).origin;
    const csp =
      `default-src 'none'; script-src ${hashes.join(' ')} ${origin}; style-src 'self'; ` +
      `connect-src ${origin} ${origin.replace(/^http/, 'ws')}; img-src blob:`;
    const shop = await serve({ '/': { body: html, headers: { 'content-security-policy': csp } } });
    sites.push(shop);
    const { page, consoleLines, chunks } = await open(shop.url + '/');
    await page.locator('[data-visitor-chat] .ln').waitFor({ state: 'visible' });
    const vid = await vidOf(page);
    await page.evaluate(() => (window as unknown as ShopWindow).smartsupp('chat:send', 'Hi'));
    await expect.poll(() => messagesOf(vid), { timeout: WAIT }).toContain('visitor: Hi');
    await page.locator('[data-visitor-chat] .ln').click();
    await page.locator('[data-visitor-chat] button.af').waitFor();
    expect(chunks).toEqual({ 'chat.js': '*', 'ui.js': '*', 'files.js': '*' });
    // A refused load is a console error in Chromium ("Refused to load the script…").
    expect(consoleLines.filter((l) => /^error|pageerror|visitor-chat/.test(l))).toEqual([]);
  });

  it('sends a message the page sent before its load event at once, not after load (the visitor may leave first)', async () => {
    // The shop's page sends a message from its own code, and an image keeps it from `load`.
    let release = () => {};
    const held = new Promise<void>((r) => (release = r));
    const page = shopPage(server.url + '/widget.js', server.url).replace(
      '</script>\n</head>',
      "  smartsupp('chat:send', 'Sent before load');\n</script>\n</head>",
    );
    const shop = await serve({
      '/': page.replace('<p>Products.</p>', '<p>Products.</p><img src="/slow.png" alt="">'),
      '/slow.png': { body: '', contentType: 'image/png', hold: () => held },
    });
    sites.push(shop);
    try {
      const context = await browser.newContext();
      contexts.push(context);
      const tab = await context.newPage();
      tab.setDefaultTimeout(WAIT);
      await tab.goto(shop.url + '/', { waitUntil: 'domcontentloaded' });
      const vid = await vidOf(tab);
      await expect
        .poll(() => messagesOf(vid), { timeout: WAIT })
        .toEqual(['visitor: Sent before load']);
      // Still before `load`: the message did not wait for it.
      expect(await tab.evaluate(() => document.readyState)).not.toBe('complete');
    } finally {
      release();
    }
  });

  it('goes on over HTTP when a proxy refuses WebSockets, and says nothing is wrong', async () => {
    const proxy = await noWebSocketProxy(server.url);
    try {
      const shop = await serve({ '/': shopPage(proxy.url + '/widget.js', proxy.url) });
      sites.push(shop);
      const { page, consoleLines } = await open(shop.url + '/');
      await page.locator('[data-visitor-chat] .ln').waitFor({ state: 'visible' });
      const vid = await vidOf(page);
      // The queued `name` went over HTTP: the agent sees the visitor under that name.
      await expect.poll(() => nameOf(vid), { timeout: WAIT }).toBe('Ada Lovelace');
      await page.evaluate(() =>
        (window as unknown as ShopWindow).smartsupp('chat:send', 'Hi through the proxy'),
      );
      await expect
        .poll(() => messagesOf(vid), { timeout: WAIT })
        .toContain('visitor: Hi through the proxy');
      await api('/api/visitors/' + vid + '/messages', {
        method: 'POST',
        body: JSON.stringify({ text: 'Answer through the proxy' }),
      });
      await page.waitForFunction(() =>
        (window as unknown as ShopWindow).got.includes('Answer through the proxy'),
      );
      await page.locator('[data-visitor-chat] .ln').click();
      await page
        .locator('[data-visitor-chat] .ls .m.a .bb')
        .filter({ hasText: 'Answer through the proxy' })
        .waitFor({ state: 'visible' });
      // No "connecting" banner in the open window: it is connected.
      expect(await page.locator('[data-visitor-chat] .bn').textContent()).toBe('');
      // WebSocket was tried (refused once, or until the chat layer came), then no more; HTTP
      // carried the rest.
      const upgrades = proxy.seen.upgrades;
      expect(upgrades).toBeGreaterThanOrEqual(1);
      expect(proxy.seen.posts).toBeGreaterThan(0);
      await page.waitForTimeout(2500);
      expect(proxy.seen.upgrades).toBe(upgrades);
      // Nothing said "cannot reach the chat server": the page's error listeners heard nothing,
      // and the console has only the browser's own line for each refused handshake.
      expect(await page.evaluate(() => (window as unknown as ShopWindow).errors)).toEqual([]);
      const browserLine = /^error: WebSocket connection to .* Unexpected response code: 403$/;
      expect(
        consoleLines.filter(
          (l) => /^(error|warning)|pageerror|visitor-chat/.test(l) && !browserLine.test(l),
        ),
      ).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it("behind such a proxy, a second tab of the visitor chats over the first tab's HTTP connection", async () => {
    const proxy = await noWebSocketProxy(server.url);
    try {
      const { page, second, vid } = await twoTabs(proxy.url);
      await second.evaluate(() =>
        (window as unknown as ShopWindow).smartsupp('chat:send', 'From the second tab'),
      );
      await expect
        .poll(() => messagesOf(vid), { timeout: WAIT })
        .toContain('visitor: From the second tab');
      await api('/api/visitors/' + vid + '/messages', {
        method: 'POST',
        body: JSON.stringify({ text: 'Heard in both tabs' }),
      });
      for (const tab of [page, second])
        await tab.waitForFunction(() =>
          (window as unknown as ShopWindow).got.includes('Heard in both tabs'),
        );
    } finally {
      await proxy.close();
    }
  });

  it('behind such a proxy, the second tab goes on over HTTP once the first tab, which led, is closed', async () => {
    const proxy = await noWebSocketProxy(server.url);
    try {
      const { page, second, vid } = await twoTabs(proxy.url);
      // Its chat layer is there (it loads after `load`) while the first tab still leads.
      await second.waitForFunction(() => document.readyState == 'complete');
      await second.waitForTimeout(1500);
      // The second tab leads now: its own WebSocket is refused, and it goes on over HTTP (it
      // used to retry the WebSocket for ever, "Reconnecting…" in the window).
      await page.close();
      await second.evaluate(() =>
        (window as unknown as ShopWindow).smartsupp('chat:send', 'After the first tab closed'),
      );
      await expect
        .poll(() => messagesOf(vid), { timeout: WAIT })
        .toContain('visitor: After the first tab closed');
      const upgrades = proxy.seen.upgrades;
      await second.waitForTimeout(2500);
      expect(proxy.seen.upgrades).toBe(upgrades);
      await second.locator('[data-visitor-chat] .ln').click();
      await second.locator('[data-visitor-chat] .ls').waitFor();
      expect(await second.locator('[data-visitor-chat] .bn').textContent()).toBe('');
      expect(await second.evaluate(() => (window as unknown as ShopWindow).errors)).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it("keeps to WebSocket behind such a proxy when the site chose `transport: 'websocket'`, and says it cannot reach the server", async () => {
    const proxy = await noWebSocketProxy(server.url);
    try {
      const shop = await serve({
        '/': shopPage(proxy.url + '/widget.js', proxy.url, 'demo', { transport: 'websocket' }),
      });
      sites.push(shop);
      const { page } = await open(shop.url + '/');
      await page.locator('[data-visitor-chat] .ln').waitFor({ state: 'visible' });
      await expect
        .poll(() =>
          page.evaluate(() => (window as unknown as ShopWindow).errors.map((e) => e.code)),
        )
        .toEqual(['unreachable']);
      expect(proxy.seen.posts).toBe(0);
    } finally {
      await proxy.close();
    }
  });
});
