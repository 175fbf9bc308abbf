import { afterAll, beforeAll, expect, it } from 'vitest';
import { startMiniServer, type MiniServer } from '../transport/mini-server';
import { describeEngines, launchEngine, type EngineBrowser, type EnginePage } from './engines';
import { requireBuilt, serve, type Served } from './harness';

/**
 * Issue 6, "Storage", with the real script-tag build (dist/widget.js, then chat.js) in Chromium,
 * Firefox and WebKit: a page script breaks IndexedDB before the widget loads (or the page
 * deletes the widget's database while it runs), and the widget still boots, gets a visitor id, sends and receives
 * over a real WebSocket, prints exactly one `[visitor-chat]` warning, and throws nothing into the
 * page (no `error`, no `unhandledrejection`, no `pageerror`).
 */

/** Page scripts that break IndexedDB, run before the widget script. */
const BREAK: Record<string, string> = {
  none: '',
  // An old browser or a webview without IndexedDB.
  missing: `Object.defineProperty(window, 'indexedDB', { configurable: true, value: undefined });`,
  // Storage blocked (sandboxed frame, enterprise policy): open() throws.
  throws: `IDBFactory.prototype.open = function () { throw new DOMException('The operation is insecure.', 'SecurityError'); };`,
  // Firefox private mode: open() answers with an error event.
  fails: `IDBFactory.prototype.open = function () {
    var req = { result: undefined, error: null, onsuccess: null, onerror: null, onupgradeneeded: null };
    setTimeout(function () { req.error = new DOMException('A mutation operation was attempted on a database that did not allow mutations.', 'InvalidStateError'); req.onerror && req.onerror(); }, 0);
    return req;
  };`,
  // Safari's hung IndexedDB: open() never answers.
  hangs: `IDBFactory.prototype.open = function () { return { result: undefined, error: null }; };`,
  // Over quota: every write fails (the browser would abort the transaction the same way).
  quota: `IDBObjectStore.prototype.put = function () { throw new DOMException('The quota has been exceeded.', 'QuotaExceededError'); };`,
};

const page = (breakIt: string, server: string) => `<!doctype html>
<html>
<head>
<meta charset="utf-8">
<title>Storage faults</title>
<script>
  window.__errors = [];
  addEventListener('error', function (e) { __errors.push('error: ' + (e.error && e.error.stack || e.message)); });
  addEventListener('unhandledrejection', function (e) { __errors.push('unhandledrejection: ' + String(e.reason && e.reason.stack || e.reason)); });
  ${breakIt}
  window.__received = [];
  window._smartsupp = { key: 'demo', server: ${JSON.stringify(server)} };
  window.smartsupp = function () { smartsupp._.push(arguments); };
  smartsupp._ = [];
  smartsupp('on', 'message_received', function (m) { __received.push(m.text); });
  smartsupp(function () { window.__ready = true; });
</script>
<script async src="/widget.js"></script>
</head>
<body><h1>A shop</h1></body>
</html>`;

interface Win {
  __errors: string[];
  __received: string[];
  __ready?: boolean;
  smartsupp: ((...args: unknown[]) => void) & { vid?: string | null };
}

async function expectNothingThrown(p: EnginePage, pageErrors: string[]) {
  // Let whatever the widget does after boot (storage retries, the UI chunk) settle first.
  await p.waitForTimeout(300);
  expect(await p.evaluate(() => (window as unknown as Win).__errors)).toEqual([]);
  expect(pageErrors).toEqual([]);
}

const storageWarning = (reason: string) =>
  'warning: [visitor-chat] storage unavailable (IndexedDB ' +
  reason +
  '); keeping data in memory for this page';

describeEngines('storage faults, with the real script', (engine) => {
  let browser: EngineBrowser;
  let site: Served;
  let chat: MiniServer;

  beforeAll(async () => {
    requireBuilt('widget.js', 'chat.js');
    chat = await startMiniServer('demo');
    const routes: Record<string, string> = {};
    for (const [name, script] of Object.entries(BREAK)) routes['/' + name] = page(script, chat.url);
    site = await serve(routes);
    browser = await launchEngine(engine);
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await chat?.close();
  });

  /** Opens `/name` in a fresh context; collects `[visitor-chat]` console lines and page errors. */
  async function open(name: string) {
    const p = await browser.newPage();
    const ours: string[] = [];
    const pageErrors: string[] = [];
    p.on('console', (m) => {
      if (m.text().includes('[visitor-chat]')) ours.push(m.type() + ': ' + m.text());
      else if (m.type() == 'error' && !m.text().startsWith('Failed to load resource'))
        pageErrors.push('console error: ' + m.text());
    });
    p.on('pageerror', (e) => pageErrors.push('pageerror: ' + e.message));
    await p.goto(site.url + '/' + name);
    return { p, ours, pageErrors };
  }

  /** Waits for the widget, then sends and receives through the real WebSocket. */
  async function expectWorking(p: EnginePage, text: string) {
    await p.waitForFunction(() => (window as unknown as Win).__ready === true, null, {
      timeout: 10_000,
    });
    const vid = await p.evaluate(() => (window as unknown as Win).smartsupp.vid);
    expect(vid).toMatch(/^[\w-]{8,64}$/);
    await p.evaluate((t) => (window as unknown as Win).smartsupp('chat:send', t), text);
    await expect
      .poll(() => chat.stored(vid!).map((m) => m.text), { timeout: 10_000 })
      .toContain(text);
    chat.say(vid!, 'reply to ' + text);
    await expect
      .poll(() => p.evaluate(() => (window as unknown as Win).__received), { timeout: 10_000 })
      .toContain('reply to ' + text);
    return vid!;
  }

  it('control: with a working IndexedDB nothing is warned and the visitor is stored', async () => {
    const { p, ours, pageErrors } = await open('none');
    const vid = await expectWorking(p, 'hello');
    await expect
      .poll(() =>
        p.evaluate(
          () =>
            new Promise<string[]>((resolve) => {
              const req = indexedDB.open('visitor-chat');
              // Not there yet: do not create it in the widget's place; ask again.
              req.onupgradeneeded = () => req.transaction!.abort();
              req.onerror = () => resolve(['not yet']);
              req.onsuccess = () => {
                const db = req.result;
                if (!db.objectStoreNames.contains('kv')) return (db.close(), resolve(['not yet']));
                const get = db.transaction('kv').objectStore('kv').get('identity');
                get.onsuccess = () => {
                  db.close();
                  resolve([(get.result as { vid?: string } | undefined)?.vid || '']);
                };
              };
            }),
        ),
      )
      .toEqual([vid]);
    await expectNothingThrown(p, pageErrors);
    expect(ours).toEqual([]);
    await p.close();
  });

  it.each([
    ['missing', 'missing'],
    ['throws', 'failed: SecurityError'],
    ['fails', 'failed: InvalidStateError'],
    ['hangs', 'timed out'],
    ['quota', 'failed: QuotaExceededError'],
  ])(
    'IndexedDB %s before the widget loads: runs on memory, warns once (%s)',
    async (name, reason) => {
      const { p, ours, pageErrors } = await open(name);
      await expectWorking(p, 'first');
      await expectWorking(p, 'second');
      await expectNothingThrown(p, pageErrors);
      expect(ours).toEqual([storageWarning(reason)]);
      await p.close();
    },
  );

  it('the database deleted while the page runs: the delete goes through, the widget goes on', async () => {
    const { p, ours, pageErrors } = await open('none');
    const vid = await expectWorking(p, 'before');
    // Another tab (or the site) deletes the database: versionchange reaches the widget's
    // connection, which must close so the delete is not blocked.
    const outcome = await p.evaluate(
      () =>
        new Promise<string>((resolve) => {
          const req = indexedDB.deleteDatabase('visitor-chat');
          req.onsuccess = () => resolve('deleted');
          req.onerror = () => resolve('error');
          req.onblocked = () => resolve('blocked');
        }),
    );
    expect(outcome).toBe('deleted');
    expect(await expectWorking(p, 'after')).toBe(vid);
    await expectWorking(p, 'and after');
    await expectNothingThrown(p, pageErrors);
    expect(ours).toEqual([storageWarning('failed: InvalidStateError')]);
    await p.close();
  });

  it('the object store cleared while the page runs: no warning, the widget goes on', async () => {
    const { p, ours, pageErrors } = await open('none');
    const vid = await expectWorking(p, 'before');
    // The page clears the widget's store. On a slow engine the widget may not have opened its
    // database yet: never create it in the widget's place (that would leave it without its
    // store), answer "not yet" and try again, so every outcome ends the promise.
    const clearStore = () =>
      p.evaluate(
        () =>
          new Promise<string>((resolve) => {
            const req = indexedDB.open('visitor-chat');
            req.onupgradeneeded = () => req.transaction!.abort();
            req.onerror = () => resolve('not yet');
            req.onblocked = () => resolve('blocked');
            req.onsuccess = () => {
              const db = req.result;
              if (!db.objectStoreNames.contains('kv')) return (db.close(), resolve('not yet'));
              const tx = db.transaction('kv', 'readwrite');
              tx.objectStore('kv').clear();
              tx.oncomplete = () => (db.close(), resolve('cleared'));
              tx.onerror = () => (db.close(), resolve('error: ' + tx.error));
            };
          }),
      );
    await expect.poll(clearStore, { timeout: 10_000 }).toBe('cleared');
    expect(await expectWorking(p, 'after')).toBe(vid);
    await expectNothingThrown(p, pageErrors);
    expect(ours).toEqual([]);
    await p.close();
  });
});
