import { createServer as createHttpServer } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { buildSnippetHtml } from '../../src/loader';
import { describeBrowser, launchBrowser, requireBuilt } from './harness';
import { agentApi, connectAgent, startRealServer, type RealServer } from './real-server';

/**
 * A stalled network between the widget and the chat server: a TCP proxy that stops forwarding
 * the connections it carries, in both directions, without closing anything (what a dropped NAT
 * entry, a network switch or a laptop waking up does). New connections go through: the network
 * is back, the old connection's state is gone.
 */
const TOKEN = 'stall-agent-token-0123456789abcdef';
const WAIT = 10_000;

interface StallingProxy {
  url: string;
  /** Connections made so far. */
  connections(): number;
  /** The connections open now stop forwarding, for good; nothing is closed. */
  stall(): void;
  close(): Promise<void>;
}

async function stallingProxy(target: number): Promise<StallingProxy> {
  const pairs = new Set<{ client: Socket; upstream: Socket; dead: boolean }>();
  let made = 0;
  const server: Server = createServer((client) => {
    made++;
    const upstream = connect(target, '127.0.0.1');
    const pair = { client, upstream, dead: false };
    pairs.add(pair);
    client.on('data', (d) => pair.dead || upstream.write(d));
    upstream.on('data', (d) => pair.dead || client.write(d));
    // A stalled path carries no close either.
    const end = () => {
      if (pair.dead) return;
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    for (const s of [client, upstream]) s.on('error', end).on('close', end);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: 'http://127.0.0.1:' + port,
    connections: () => made,
    stall() {
      for (const p of pairs) p.dead = true;
    },
    close: () =>
      new Promise<void>((ok) => {
        for (const p of pairs) {
          p.client.destroy();
          p.upstream.destroy();
        }
        server.close(() => ok());
      }),
  };
}

describeBrowser('a stalled connection, in Chromium', () => {
  let browser: Browser;
  let server: RealServer;
  let feed: AbortController;
  let proxy: StallingProxy;
  let context: BrowserContext | undefined;
  let shop: ReturnType<typeof createHttpServer> | undefined;
  const api = agentApi(() => server.url, TOKEN);

  beforeAll(async () => {
    requireBuilt('widget.js', 'chat.js', 'ui.js', 'conversation.js');
    server = await startRealServer({ agentToken: TOKEN, demo: false });
    feed = await connectAgent(server, TOKEN);
    proxy = await stallingProxy(Number(new URL(server.url).port));
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await context?.close().catch(() => {});
    shop?.close();
    feed?.abort();
    await proxy?.close();
    await browser?.close();
    await server?.close();
  });

  it('a message written after the network stalled goes out once on a new connection', async () => {
    // The shop's page on its own origin; the widget's connection goes through the proxy.
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>
${buildSnippetHtml(server.url + '/widget.js', { key: 'demo', server: proxy.url })}
</head><body><h1>Shop</h1></body></html>`;
    shop = createHttpServer((_, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end(html),
    );
    await new Promise<void>((ok) => shop!.listen(0, '127.0.0.1', ok));
    const shopUrl = 'http://127.0.0.1:' + (shop.address() as AddressInfo).port + '/';

    context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    await page.goto(shopUrl);
    await page.locator('[data-visitor-chat] .ln').waitFor({ state: 'visible' });
    await page.waitForFunction(
      () => !!(window as unknown as { smartsupp: { vid?: string } }).smartsupp.vid,
    );
    const vid = await page.evaluate(
      () => (window as unknown as { smartsupp: { vid: string } }).smartsupp.vid,
    );
    const send = (text: string) =>
      page.evaluate(
        (t) =>
          (window as unknown as { smartsupp: (...a: unknown[]) => void }).smartsupp('chat:send', t),
        text,
      );
    const texts = async () =>
      (await api<{ messages: { from: string; text: string }[] }>('/api/visitors/' + vid)).messages
        .filter((m) => m.from == 'visitor')
        .map((m) => m.text);

    await send('before');
    await expect.poll(texts, { timeout: WAIT }).toEqual(['before']);
    await page.locator('[data-visitor-chat] .ln').click();
    expect(proxy.connections()).toBe(1);

    proxy.stall();
    const stalledAt = Date.now();
    await send('after the stall');
    // The ack is 15 s late: the widget drops the connection and opens a new one, which carries
    // the message. Without that, the browser would keep the dead socket for minutes.
    await expect
      .poll(texts, { timeout: 30_000, interval: 500 })
      .toEqual(['before', 'after the stall']);
    const delivered = Date.now() - stalledAt;
    expect(delivered).toBeGreaterThanOrEqual(15_000);
    expect(delivered).toBeLessThan(25_000);
    expect(proxy.connections()).toBe(2);
    await page
      .locator('[data-visitor-chat] .ls .m')
      .filter({ hasText: 'after the stall' })
      .waitFor({ state: 'visible' });
    await expect
      .poll(() => page.locator('[data-visitor-chat]').getByText('Not delivered').count(), {
        timeout: WAIT,
      })
      .toBe(0);
  });
});
