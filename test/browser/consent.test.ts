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

/** Everything this origin holds on the device that a page can list. */
const everything = (page: EnginePage) =>
  page.evaluate(async () => ({
    databases: indexedDB.databases
      ? (await indexedDB.databases()).map((d) => d.name)
      : 'cannot list',
    cookies: document.cookie,
    localStorage: localStorage.length,
    sessionStorage: sessionStorage.length,
    cacheStorage: 'caches' in window ? await caches.keys() : [],
  }));

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

  it('creates no IndexedDB database, cookie, Web Storage or Cache Storage entry before marketingConsent; after it the visitor is kept across a reload', async () => {
    const page = await browser.newPage();
    await page.goto(site.url + '/');
    await uiMounted(page);
    const vid = await page.waitForFunction(() => (window as unknown as Win).smartsupp.vid!);
    // Commands that store things when allowed: they run in call order, the callback last.
    await page.evaluate(() => {
      const s = (window as unknown as Win).smartsupp;
      s('name', 'Ada');
      s('variables', { plan: 'pro' });
      s('chat:send', 'Hello before consent');
      s(() => ((window as unknown as { __ran: boolean }).__ran = true));
    });
    await page.waitForFunction(() => (window as unknown as { __ran?: boolean }).__ran);
    expect(await everything(page)).toEqual({
      databases: [],
      cookies: '',
      localStorage: 0,
      sessionStorage: 0,
      cacheStorage: [],
    });

    await page.evaluate(() => (window as unknown as Win).smartsupp('marketingConsent', true));
    await expect.poll(() => stored(page), { timeout: 10_000 }).toMatchObject({ vid });
    expect((await everything(page)).databases).toEqual(['visitor-chat']);
    await page.goto(site.url + '/');
    expect(await page.waitForFunction(() => (window as unknown as Win).smartsupp.vid!)).toBe(vid);
    expect(page.problems()).toEqual([]);
    await page.close();
  });
});
