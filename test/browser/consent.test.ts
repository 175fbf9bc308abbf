import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEngines, launchEngine, type EngineBrowser, type EnginePage } from './engines';
import { requireBuilt, serve, type Served } from './harness';
import { buildFixture, shopPage, SHOP_CSS, uiMounted } from './ui-harness';

/**
 * Consent mode (DESIGN.md §7) in every engine: with `consentModeEnabled` the widget works but
 * writes nothing to cookies, localStorage or IndexedDB until `marketingConsent` is given; then
 * it stores the visitor it had in memory.
 */
type Win = Window & { smartsupp: ((...a: unknown[]) => void) & { vid?: string } };

/** What the page holds: cookies, localStorage keys, and the widget's stored visitor id. */
const stored = (page: EnginePage) =>
  page.evaluate(
    () =>
      new Promise<{ cookies: string; local: number; vid: string | null }>((resolve) => {
        const done = (vid: string | null) =>
          resolve({ cookies: document.cookie, local: localStorage.length, vid });
        // Opening by name would create the database: only read it when the widget made it.
        const req = indexedDB.open('visitor-chat');
        req.onupgradeneeded = () => {
          req.transaction!.abort();
          done(null);
        };
        req.onerror = () => done(null);
        req.onsuccess = () => {
          const db = req.result;
          if (!db.objectStoreNames.contains('kv')) return (db.close(), done(null));
          const get = db.transaction('kv').objectStore('kv').get('identity');
          get.onsuccess = () => {
            db.close();
            done((get.result as { vid?: string } | undefined)?.vid ?? null);
          };
        };
      }),
  );

describeEngines('consent mode', (engine) => {
  let browser: EngineBrowser;
  let site: Served;

  beforeAll(async () => {
    requireBuilt('widget.js', 'chat.js', 'ui.js');
    site = await serve({
      '/': shopPage({ consentModeEnabled: true }),
      '/fixture.js': { body: await buildFixture(), contentType: 'text/javascript' },
      '/shop.css': { body: SHOP_CSS, contentType: 'text/css' },
    });
    browser = await launchEngine(engine);
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  it('stores nothing before marketingConsent, and the visitor once it is given', async () => {
    const page = await browser.newPage();
    await page.goto(site.url + '/');
    await uiMounted(page);
    const vid = await page.waitForFunction(() => (window as unknown as Win).smartsupp.vid!);
    // The widget works (it has a visitor and a UI) but has written nothing anywhere.
    await page.waitForTimeout(300);
    expect(await stored(page)).toEqual({ cookies: '', local: 0, vid: null });

    await page.evaluate(() => (window as unknown as Win).smartsupp('marketingConsent', true));
    await expect.poll(() => stored(page), { timeout: 10_000 }).toMatchObject({ vid });
    expect(page.problems()).toEqual([]);
    await page.close();
  });
});
