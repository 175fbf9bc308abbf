import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { describeBrowser, launchBrowser, requireBuilt } from './harness';
import { startRealServer, type RealServer } from './real-server';

/**
 * The demo site on a phone: nothing may be wider than the screen, or a mobile browser widens
 * the layout viewport and the launcher (fixed to the corner) ends up off screen. Also takes the
 * screenshot of the demo site at 390 px, with the launcher, that the README shows
 * (test/browser/artifacts/demo-site-mobile.png, copied to docs/ by hand when the site changes).
 */
const SHOTS = resolve(import.meta.dirname, 'artifacts');

describeBrowser('the demo site at 390 px, in Chromium', () => {
  let browser: Browser;
  let server: RealServer;

  beforeAll(async () => {
    requireBuilt('widget.js', 'chat.js', 'ui.js');
    server = await startRealServer({ agentToken: 'demo-site-agent-token-0123456789', demo: false });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('fits every demo page in a 390 px phone screen, launcher in the corner', async () => {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      deviceScaleFactor: 2,
    });
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      for (const path of ['/', '/pricing', '/contact']) {
        await page.goto(server.url + path);
        await page.locator('[data-visitor-chat] .ln').waitFor({ state: 'visible' });
        const layout = await page.evaluate(() => {
          const ln = document
            .querySelector('[data-visitor-chat]')!
            .shadowRoot!.querySelector('.ln')!;
          const box = ln.getBoundingClientRect();
          return {
            width: document.documentElement.scrollWidth,
            // What sticks out, to say what to fix when this fails.
            wider: Array.from(document.querySelectorAll('body *'))
              .filter((e) => e.getBoundingClientRect().right > 390)
              .map(
                (e) =>
                  e.localName +
                  (e.id ? '#' + e.id : '') +
                  ' ' +
                  Math.round(e.getBoundingClientRect().right) +
                  'px',
              ),
            launcher: { left: box.left, right: box.right, bottom: box.bottom },
            viewport: { width: innerWidth, height: innerHeight },
          };
        });
        expect(layout.wider, path).toEqual([]);
        expect(layout.width, path).toBe(390);
        expect(layout.viewport, path).toEqual({ width: 390, height: 844 });
        expect(layout.launcher.left, path).toBeGreaterThan(390 / 2);
        expect(layout.launcher.right, path).toBeLessThanOrEqual(390);
        expect(layout.launcher.bottom, path).toBeLessThanOrEqual(844);
      }
      await page.goto(server.url + '/');
      await page.locator('[data-visitor-chat] .ln').waitFor({ state: 'visible' });
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({
        path: resolve(SHOTS, 'demo-site-mobile.png'),
        animations: 'disabled',
      });
    } finally {
      await context.close();
    }
  });
});
