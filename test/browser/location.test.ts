import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { parseTrustProxy } from '../../demo/server/client-address';
import { describeBrowser, launchBrowser, requireBuilt } from './harness';
import { startRealServer, type RealServer } from './real-server';
import { watchedPages } from './watched-pages';

/**
 * Where a visitor is, end to end in Chromium: a visitor behind a trusted proxy (the proxy's
 * `X-Forwarded-For` names an address in the United Kingdom) in a browser set to London's time
 * zone; the agent's Visitors page shows the flag badge and, in the detail panel, the country and
 * the time zone the widget sent.
 */
const TOKEN = 'location-browser-token-0123456789';

describeBrowser('the visitor’s country and time zone on the Visitors page, in Chromium', () => {
  let browser: Browser;
  let server: RealServer;
  const { open, problems, closeAll } = watchedPages(() => browser);

  beforeAll(async () => {
    requireBuilt('agent.js', 'agent.css', 'widget.js', 'chat.js');
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

  it('shows the flag, the country and the browser’s time zone of a visitor', async () => {
    const visitor = await open(server.url + '/', {
      timezoneId: 'Europe/London',
      // 81.2.69.160 is in the United Kingdom in the GeoLite2 data; the test server trusts loopback.
      extraHTTPHeaders: { 'X-Forwarded-For': '81.2.69.160' },
    });
    const vid = await visitor.waitForFunction(
      () => (window as unknown as { smartsupp: { vid: string | null } }).smartsupp.vid,
    );
    const id = String(await vid.jsonValue());

    const agent = await open(server.url + '/agent#token=' + TOKEN);
    const row = agent.locator(`.row[data-id="${id}"]`);
    const badge = row.locator('.badge-country');
    await badge.waitFor();
    expect(await badge.textContent()).toBe('🇬🇧 GB');
    expect(await badge.getAttribute('title')).toBe('United Kingdom');
    await row.click();
    await agent
      .locator('.detail dl div', { hasText: 'Location' })
      .filter({ hasText: 'United Kingdom · Europe/London' })
      .waitFor();
    expect(problems).toEqual([]);
  });
});
