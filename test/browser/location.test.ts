import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { parseTrustProxy } from '../../demo/server/client-address';
import { describeBrowser, launchBrowser, requireBuilt } from './harness';
import { agentApi, startRealServer, type RealServer } from './real-server';
import { watchedPages } from './watched-pages';

/**
 * Where a visitor is, end to end in Chromium: a visitor behind a trusted proxy (the proxy's
 * `X-Forwarded-For` names an address in the United Kingdom) in a browser set to London's time
 * zone; the agent's Visitors page shows the flag badge and, in the detail panel, the country and
 * the time zone the widget sent when the chat opened; a search by country finds the visitor; an
 * auto message for the United Kingdom shows to that visitor and not to one in Germany.
 */
const TOKEN = 'location-browser-token-0123456789';

describeBrowser('the visitor’s country and time zone on the Visitors page, in Chromium', () => {
  let browser: Browser;
  let server: RealServer;
  const { open, problems, closeAll } = watchedPages(() => browser);
  const api = agentApi(() => server.url, TOKEN);
  /** A visitor's browser behind the trusted proxy, from `address`, in `timezoneId`. */
  const visit = (address: string, timezoneId: string) =>
    open(server.url + '/?from=' + address, {
      timezoneId,
      extraHTTPHeaders: { 'X-Forwarded-For': address },
    });
  const vidOf = async (page: Awaited<ReturnType<typeof visit>>) =>
    String(
      await (
        await page.waitForFunction(
          () => (window as unknown as { smartsupp: { vid: string | null } }).smartsupp.vid,
        )
      ).jsonValue(),
    );

  beforeAll(async () => {
    requireBuilt('agent.js', 'agent.css', 'widget.js', 'chat.js', 'ui.js');
    server = await startRealServer({
      agentToken: TOKEN,
      demo: false,
      trustProxy: parseTrustProxy('127.0.0.1, ::1'),
    });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await closeAll();
    await browser?.close();
    await server?.close();
  });

  it('shows the flag, the country and the browser’s time zone of a visitor, and finds it by country', async () => {
    // 81.2.69.160 is in the United Kingdom in the GeoLite2 data; the test server trusts loopback.
    const inGb = await visit('81.2.69.160', 'Europe/London');
    const id = await vidOf(inGb);
    // The widget reads the time zone when its window opens (ICU starts then anyway).
    await inGb.locator('[data-visitor-chat] .ln').click();
    await inGb.locator('[data-visitor-chat] #vc-in').waitFor();
    const other = await vidOf(await visit('2a00:1450:4001::1', 'Europe/Berlin'));

    const agent = await open(server.url + '/agent#token=' + TOKEN);
    const row = agent.locator(`.row[data-id="${id}"]`);
    const badge = row.locator('.badge-country');
    await badge.waitFor();
    expect(await badge.textContent()).toBe('🇬🇧 GB');
    expect(await badge.getAttribute('title')).toBe('United Kingdom');
    await agent.locator(`.row[data-id="${other}"] .badge-country`, { hasText: 'DE' }).waitFor();

    // A search by the country's name keeps the one visitor there.
    await agent.getByLabel('Search visitors').fill('united kingdom');
    await agent.getByLabel('Search visitors').press('Enter');
    await agent.locator(`.row[data-id="${other}"]`).waitFor({ state: 'detached' });
    expect(await agent.locator('.row[data-id]').count()).toBe(1);

    await row.click();
    await agent
      .locator('.detail dl div', { hasText: 'Location' })
      .filter({ hasText: /United Kingdom · \d\d:\d\d( [AP]M)? local time \(Europe\/London\)/ })
      .waitFor();
    expect(problems).toEqual([]);
  });

  it('shows an auto message for the United Kingdom to a visitor there, not to one in Germany', async () => {
    const post = (body: object) =>
      api('/api/automations', { method: 'POST', body: JSON.stringify(body) });
    await post({
      kind: 'auto-message',
      name: 'UK delivery',
      text: 'Free next-day delivery in the UK!',
      country: ['GB'],
      conditions: [],
    });
    // For the visitor in Germany only by its page, so it shows there whatever the UK one does.
    await post({
      kind: 'auto-message',
      name: 'German page',
      text: 'Hello from the shop team!',
      conditions: [{ type: 'url', contains: 'from=2a00' }],
    });
    const inGb = await visit('81.2.69.160', 'Europe/London');
    // The preview's text (the live region says it too, hidden: not the one to wait for).
    const preview = (page: typeof inGb, text: string) =>
      page.locator('[data-visitor-chat] .pvt', { hasText: text });
    await preview(inGb, 'Free next-day delivery in the UK!').waitFor();
    const inDe = await visit('2a00:1450:4001::1', 'Europe/Berlin');
    await preview(inDe, 'Hello from the shop team!').waitFor();
    // Both rules were in one welcome and checked together: the UK one was not among them.
    expect(await inDe.getByText('Free next-day delivery in the UK!').count()).toBe(0);
    // Both were counted (the visitors of the test before, still online, get the rules live too).
    const stats = await api<{ automations: { name: string; stats: { shown: number } }[] }>(
      '/api/automations',
    );
    const shown = Object.fromEntries(stats.automations.map((a) => [a.name, a.stats.shown]));
    expect(shown['German page']).toBeGreaterThanOrEqual(1);
    expect(shown['UK delivery']).toBeGreaterThanOrEqual(1);
    expect(problems).toEqual([]);
  });
});
