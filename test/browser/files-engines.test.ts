import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildSnippetHtml } from '../../src/loader';
import { describeEngines, launchEngine, type EngineBrowser, type EnginePage } from './engines';
import { requireBuilt, serve, type Served } from './harness';
import { agentApi, connectAgent, startRealServer, type RealServer } from './real-server';

/**
 * Drag-and-drop and pasted screenshots in every engine (files.test.ts drives the attach button,
 * the agent page and the rest in Chromium): the real widget on a shop page, against the
 * reference server with an agent online. The drop and the paste are the events a browser fires
 * (`DragEvent` and `ClipboardEvent` carrying a `DataTransfer` with a file), dispatched in the
 * page: what each engine's widget does with them is what is tested, not the OS's drag or
 * clipboard.
 */
const TOKEN = 'files-engines-agent-token-0123456789';
const KEY = 'files-engines-key';
const WAIT = 15_000;
const PDF = '%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n';
/** A 2×2 red PNG, base64. */
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==';

const poll = <T>(fn: () => Promise<T>) => expect.poll(fn, { timeout: WAIT });

describeEngines('files dropped and pasted into the chat window', (engine) => {
  let browser: EngineBrowser;
  let server: RealServer;
  let site: Served;
  let feed: AbortController | undefined;
  let uploads: string | undefined;
  let page: EnginePage;
  const api = agentApi(() => server.url, TOKEN);
  const w = (sel: string) => page.locator('[data-visitor-chat] ' + sel);

  beforeAll(async () => {
    requireBuilt('widget.js', 'chat.js', 'ui.js', 'files.js');
    uploads = await mkdtemp(join(tmpdir(), 'vc-files-engines-'));
    server = await startRealServer({
      agentToken: TOKEN,
      keys: [KEY],
      uploadDir: uploads,
      // The demo bot answers after a minute: not within this test.
      botDelayMs: 60_000,
    });
    feed = await connectAgent(server, TOKEN);
    site = await serve({
      '/':
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>' +
        buildSnippetHtml('/widget.js', { key: KEY, server: server.url }) +
        '</head><body><h1>Shop</h1></body></html>',
    });
    browser = await launchEngine(engine);
  });

  afterAll(async () => {
    feed?.abort();
    await page?.close().catch(() => {});
    await browser?.close();
    await site?.close();
    await server?.close();
    if (uploads) await rm(uploads, { recursive: true, force: true });
  });

  it('sends a PDF dropped on the window and a pasted PNG; the server stores both as messages', async () => {
    page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
    page.setDefaultTimeout(WAIT);
    // The widget's own warnings, which problems() leaves out: in WebKit (a private session, as
    // every automated one is) storing an upload's Blob in IndexedDB failed, and the widget then
    // warned and ran on memory for the rest of the page.
    const warnings: string[] = [];
    page.on('console', (m) => m.text().includes('[visitor-chat]') && warnings.push(m.text()));
    await page.goto(site.url + '/');
    const vid = await page.waitForFunction(
      () => (window as unknown as { smartsupp: { vid?: string } }).smartsupp.vid!,
    );
    await w('.ln').click();
    await w('button.af').waitFor();

    // A file dragged over the window shows the drop target; dropped, it is sent.
    const drag = (type: string) =>
      page.evaluate(
        (a: { type: string; pdf: string }) => {
          const dt = new DataTransfer();
          dt.items.add(new File([a.pdf], 'offer.pdf', { type: 'application/pdf' }));
          const win = document
            .querySelector('[data-visitor-chat]')!
            .shadowRoot!.querySelector('.win')!;
          const e = new DragEvent(a.type, { bubbles: true, cancelable: true, dataTransfer: dt });
          win.dispatchEvent(e);
          return e.defaultPrevented;
        },
        { type, pdf: PDF },
      );
    // The drop target listens from the effect after the file layer's first render (a frame
    // after the attach button shows): poll until a dragenter is taken.
    await expect.poll(() => drag('dragenter')).toBe(true);
    await w('.dz').waitFor();
    expect(await drag('drop')).toBe(true);
    await w('.dz').waitFor({ state: 'detached' });
    await w('.m.v .fc .fn').waitFor();
    expect(await w('.m.v .fc .fn').textContent()).toBe('offer.pdf');

    // A screenshot pasted into the message box is sent as a file; the text box stays empty.
    const pasted = await page.evaluate((png: string) => {
      const bytes = Uint8Array.from(atob(png), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], 'screenshot.png', { type: 'image/png' }));
      const box = document
        .querySelector('[data-visitor-chat]')!
        .shadowRoot!.querySelector('#vc-in')!;
      const e = new ClipboardEvent('paste', { bubbles: true, cancelable: true });
      // Firefox drops a constructed ClipboardEvent's `clipboardData` files (a real paste keeps
      // them): the event carries the DataTransfer as its property instead, in every engine.
      Object.defineProperty(e, 'clipboardData', { value: dt });
      box.dispatchEvent(e);
      return e.defaultPrevented;
    }, PNG);
    expect(pasted).toBe(true);
    await w('.m.v .th img').waitFor();
    expect(await w('.m.v .th img').getAttribute('alt')).toBe('screenshot.png');
    expect(await w('#vc-in').inputValue()).toBe('');

    await poll(async () =>
      (
        await api<{ messages: { from: string; attachments?: { name: string }[] }[] }>(
          '/api/visitors/' + encodeURIComponent(vid),
        )
      ).messages
        .filter((m) => m.from == 'visitor')
        .map((m) => (m.attachments ?? []).map((a) => a.name).join()),
    ).toEqual(['offer.pdf', 'screenshot.png']);
    expect(page.problems()).toEqual([]);
    expect(warnings).toEqual([]);
  });
});
