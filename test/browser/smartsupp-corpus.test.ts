import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { describeBrowser, launchBrowser, requireBuilt, serve, type Served } from './harness';
import { agentApi, startRealServer, type RealServer } from './real-server';

/**
 * Issue 18: Smartsupp's own code, as its tools print it, works as it is. Each fixture in
 * fixtures/smartsupp/ (their headers say where each came from) is served with only its loader URL
 * swapped for our widget.js, which names the reference server in its own query string. Each page
 * boots, applies what it sets (side, offsets, colour, hidden), reaches the agent API with every
 * identity field and labelled variable it sets, and logs nothing at all to the console.
 */
const FIXTURES = resolve(import.meta.dirname, 'fixtures/smartsupp');
const TOKEN = 'corpus-agent-token-0123456789';
const WAIT = 10_000;
const VIEWPORT = { width: 1280, height: 800 };

interface ApiVisitor {
  id: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  customer: boolean;
  variables: Record<string, unknown>;
  variableLabels: Record<string, string>;
}

/** The logged-in customer the Shopware fixtures' shop code identifies. */
const SHOP_CUSTOMER: Partial<ApiVisitor> = {
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  phone: '+420 777 123 456',
  customer: true,
  variables: { spending: '1234.5', orders: '3' },
  variableLabels: { spending: 'Spending', orders: 'Orders' },
};

/** The visitor id the widget publishes on `window.smartsupp.vid`. */
async function vidOf(page: Page): Promise<string> {
  const vid = await page.waitForFunction(
    () => (window as unknown as { smartsupp?: { vid?: string } }).smartsupp?.vid,
  );
  return (await vid.jsonValue()) as string;
}

/** The launcher's box: distance from the left and right edges and from the bottom. */
async function launcherBox(page: Page) {
  const launcher = page.locator('[data-visitor-chat] .ln');
  await launcher.waitFor({ state: 'visible' });
  const b = (await launcher.boundingBox())!;
  return {
    left: Math.round(b.x),
    right: Math.round(VIEWPORT.width - b.x - b.width),
    bottom: Math.round(VIEWPORT.height - b.y - b.height),
    background: await launcher.evaluate((e) => getComputedStyle(e).backgroundColor),
  };
}

describeBrowser("Smartsupp's generated code and plugins, unchanged but for the loader URL", () => {
  let browser: Browser;
  let server: RealServer;
  let site: Served;
  const contexts: BrowserContext[] = [];
  const api = agentApi(() => server.url, TOKEN);
  const uploads = mkdtempSync(join(tmpdir(), 'vc-corpus-'));

  beforeAll(async () => {
    requireBuilt('widget.js', 'chat.js', 'ui.js');
    server = await startRealServer({
      agentToken: TOKEN,
      keys: ['XYZ123456', 'shopware-key', 'YOUR_SMARTSUPP_CODE'],
      uploadDir: uploads,
    });
    const loader = '/widget.js?server=' + encodeURIComponent(server.url);
    const page = (file: string) =>
      readFileSync(resolve(FIXTURES, file), 'utf8').replaceAll('{{LOADER_URL}}', loader);
    site = await serve({
      '/generator': page('chat-code-generator.html'),
      '/shopware6': page('shopware6.html'),
      '/shopware6-consent': page('shopware6-cookie-consent.html'),
      '/documented': page('documented-snippet.html'),
    });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await site?.close();
    await server?.close();
    rmSync(uploads, { recursive: true, force: true });
  });

  /** Opens `path` in a fresh context; `logs` gets every console message and page error. */
  async function open(path: string, cookies: Record<string, string> = {}) {
    const context = await browser.newContext({ viewport: VIEWPORT });
    contexts.push(context);
    const names = Object.keys(cookies);
    if (names.length)
      await context.addCookies(
        names.map((name) => ({ name, value: cookies[name], url: site.url })),
      );
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    const logs: string[] = [];
    page.on('console', (m) => logs.push(m.type() + ': ' + m.text()));
    page.on('pageerror', (e) => logs.push('pageerror: ' + e.message));
    await page.goto(site.url + path);
    return { page, logs };
  }

  /** The visitor as the agent API shows it, once it matches `expected`. */
  async function reachesAgent(vid: string, expected: Partial<ApiVisitor>) {
    await expect
      .poll(() => api<ApiVisitor>('/api/visitors/' + vid).catch((e) => String(e)), {
        timeout: WAIT,
      })
      .toMatchObject(expected);
  }

  it('the chat-code generator with every option: hidden, then on the left when shown', async () => {
    const { page, logs } = await open('/generator');
    const vid = await vidOf(page);
    await reachesAgent(vid, {
      name: 'Johny Depp',
      email: 'johny@depp.com',
      customer: true,
      variables: { orderTotal: '150', lastOrder: '2015-07-09' },
      variableLabels: { orderTotal: 'Total orders', lastOrder: 'Last ordered' },
    });
    // hideWidget: the queued commands have run (they reached the server), and no launcher.
    expect(await page.locator('[data-visitor-chat] .ln').count()).toBe(0);
    await page.evaluate(() =>
      (window as unknown as { smartsupp(c: string): void }).smartsupp('chat:show'),
    );
    // alignX 'left' and offsetX 20; alignY 'side' measured offsetY from the top: default bottom.
    expect(await launcherBox(page)).toMatchObject({ left: 20, bottom: 24 });
    expect(logs).toEqual([]);
  });

  it('the Shopware 6 template without cookie consent: right side, 65 px up, its colour', async () => {
    const { page, logs } = await open('/shopware6');
    const vid = await vidOf(page);
    await reachesAgent(vid, SHOP_CUSTOMER);
    expect(await launcherBox(page)).toEqual({
      left: VIEWPORT.width - 12 - 56,
      right: 12,
      bottom: 65,
      background: 'rgb(15, 118, 110)',
    });
    expect(logs).toEqual([]);
  });

  it('sends a file when the server is named only in the loader URL', async () => {
    const { page, logs } = await open('/shopware6');
    const vid = await vidOf(page);
    await page.evaluate(() =>
      (window as unknown as { smartsupp(c: string, f: File): void }).smartsupp(
        'chat:file',
        new File(['Order 1042: two mugs'], 'order.txt', { type: 'text/plain' }),
      ),
    );
    await expect
      .poll(
        () =>
          api<{ messages: { from: string; attachments?: { name: string }[] }[] }>(
            '/api/visitors/' + vid,
          ).then((v) =>
            v.messages.flatMap((m) => (m.attachments || []).map((f) => m.from + ' ' + f.name)),
          ),
        { timeout: WAIT },
      )
      .toEqual(['visitor order.txt']);
    expect(logs).toEqual([]);
  });

  it('the Shopware 6 template with cookie consent: loads with the functional cookie only', async () => {
    const before = site.requests.filter((r) => r.path == '/widget.js').length;
    const refused = await open('/shopware6-consent');
    await refused.page.waitForLoadState('load');
    expect(site.requests.filter((r) => r.path == '/widget.js')).toHaveLength(before);
    expect(refused.logs).toEqual([]);

    const { page, logs } = await open('/shopware6-consent', {
      cookieSmartsuppFunctional: '1',
      cookieSmartsuppStatistics: '1',
    });
    const vid = await vidOf(page);
    await reachesAgent(vid, SHOP_CUSTOMER);
    expect(await launcherBox(page)).toMatchObject({ right: 12, bottom: 65 });
    // analyticsConsent(true) and marketingConsent(false) without consent mode: no warning.
    expect(logs).toEqual([]);
  });

  it("Smartsupp's documented snippet and commands; a page URL cannot name the server", async () => {
    const { page, logs } = await open(
      '/documented?server=' + encodeURIComponent('ws://127.0.0.1:9'),
    );
    const vid = await vidOf(page);
    await reachesAgent(vid, {
      name: 'John Doe',
      email: 'john.doe@example.com',
      phone: '+425123456',
      customer: true,
      variables: {
        User_ID: '1234',
        Customer_status: 'VIP',
        Customer_spending: '100 EUR',
        spending: '1234.5',
      },
      variableLabels: { spending: 'Spending' },
    });
    expect(await launcherBox(page)).toMatchObject({ left: 100, bottom: 100 });
    expect(logs).toEqual([]);
  });
});
