import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import type { Browser } from 'playwright-core';
import { describeBrowser, launchBrowser, requireBuilt } from './harness';
import { startRealServer, type RealServer } from './real-server';
import { watchedPages } from './watched-pages';

/**
 * A hostile SVG *served* by the chat server runs nothing (DESIGN.md §9). Uploads never store
 * one (the bytes are checked: files.test.ts), so this file is put in storage behind the server's
 * back — as an older version, a restored backup or a bug could leave it — and then asked for in
 * Chromium: opened in a tab, in an iframe and as an image, from a page of the server's own
 * origin (whose own CSP already refuses `<object>` and `<embed>`: `object-src 'none'`). Its
 * script would set `hacked` on the page.
 */
const TOKEN = 'served-svg-agent-token-0123456789';
const FILE_ID = 'hostile-svg-0123456789abcdef';
const SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" onload="top.hacked=(top.hacked||0)+1">' +
  '<script>top.hacked = (top.hacked || 0) + 1; parent.hacked = 1</script>' +
  '<rect width="10" height="10"/></svg>';

type PageWindow = Window & { hacked?: number; smartsupp: { vid?: string } };

describeBrowser('a hostile SVG served by the chat server, in Chromium', () => {
  let browser: Browser;
  let server: RealServer;
  let dir: string | undefined;
  const { open, problems, closeAll } = watchedPages(() => browser);

  beforeAll(async () => {
    requireBuilt('widget.js', 'chat.js', 'ui.js');
    dir = await mkdtemp(join(tmpdir(), 'vc-served-svg-'));
    server = await startRealServer({
      agentToken: TOKEN,
      db: join(dir, 'chat.db'),
      uploadDir: join(dir, 'uploads'),
    });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await closeAll();
    await browser?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is a download with a sandboxing CSP: opened, framed or shown as an image, nothing runs', async () => {
    // A visitor, so the file has an owner; then the file, written where the server keeps files.
    const visitor = await open(server.url + '/');
    await visitor.waitForFunction(() => !!(window as unknown as PageWindow).smartsupp?.vid);
    const vid = await visitor.evaluate(() => (window as unknown as PageWindow).smartsupp.vid!);
    await expect
      .poll(async () => {
        const db = new Database(join(dir!, 'chat.db'));
        try {
          return db.prepare('SELECT count(*) AS n FROM visitors WHERE id = ?').get(vid);
        } finally {
          db.close();
        }
      })
      .toEqual({ n: 1 });
    await mkdir(join(dir!, 'uploads'), { recursive: true });
    await writeFile(join(dir!, 'uploads', FILE_ID), SVG);
    const db = new Database(join(dir!, 'chat.db'));
    try {
      db.prepare(
        'INSERT INTO files (id, visitor_id, author, name, type, size, at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ).run(
        FILE_ID,
        vid,
        'visitor',
        'logo.svg',
        'image/svg+xml',
        Buffer.byteLength(SVG),
        Date.now(),
      );
    } finally {
      db.close();
    }

    // What the server answers (read as the agent).
    const path = '/v1/files/' + FILE_ID;
    const res = await fetch(server.url + path, { headers: { authorization: 'Bearer ' + TOKEN } });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(SVG);
    expect(res.headers.get('content-type')).toBe('image/svg+xml');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');

    // A page of the server's own origin whose every request carries the agent's bearer token.
    const page = await open(server.url + '/', {
      extraHTTPHeaders: { authorization: 'Bearer ' + TOKEN },
    });
    const served: number[] = [];
    page.on('response', (r) => {
      if (new URL(r.url()).pathname == path) served.push(r.status());
    });
    await page.evaluate((src) => {
      const add = (el: HTMLElement) => document.body.append(el);
      const frame = document.createElement('iframe');
      frame.src = src;
      add(frame);
      const img = document.createElement('img');
      img.src = src;
      add(img);
    }, path);
    // Opened in a tab of its own: the browser saves it instead of showing it.
    const tab = await page.context().newPage();
    const [download] = await Promise.all([
      tab.waitForEvent('download'),
      tab.goto(server.url + path).catch(() => {}),
    ]);
    expect(download.suggestedFilename()).toBe('logo.svg');
    // Every element asked for it, and got it (so the answer, not a failed load, ran nothing).
    await expect.poll(() => served.length).toBeGreaterThanOrEqual(2);
    expect(served.every((s) => s == 200)).toBe(true);
    // The image element loads the SVG as an image (scripts never run there); wait for it.
    await page.waitForFunction(() => document.querySelector('img')!.complete);
    expect(await page.evaluate(() => (window as unknown as PageWindow).hacked)).toBeUndefined();
    expect(await tab.evaluate(() => (window as unknown as PageWindow).hacked)).toBeUndefined();
    expect(await visitor.evaluate(() => (window as unknown as PageWindow).hacked)).toBeUndefined();
    expect(problems).toEqual([]);
  });
});
