import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { describeBrowser, launchBrowser, requireBuilt } from './harness';
import { agentApi, startRealServer, type RealServer } from './real-server';
import { watchedPages } from './watched-pages';

/**
 * Issue 14's client half end to end in Chromium, against the reference server (in-process,
 * in-memory database, files in a temporary directory): a visitor sends a PNG with the attach
 * button and a PDF by drag-and-drop, the agent page shows both and sends an image back, the
 * visitor sees its thumbnail; an SVG with a script is refused and runs nothing; the agent
 * closes the conversation, the widget asks for a rating and the agent page shows it; the
 * transcript downloads. The steps are one story, in order.
 */
const TOKEN = 'files-agent-token-0123456789';
/** A 2×2 red PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==',
  'base64',
);
const PDF = '%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n';
const SVG =
  '<svg xmlns="http://www.w3.org/2000/svg"><script>parent.hacked = 1; top.hacked = 1</script></svg>';

type VisitorWindow = Window & { smartsupp: { vid?: string | null }; hacked?: number };

describeBrowser(
  'files, rating and transcript in the widget and the agent page, in Chromium',
  () => {
    let browser: Browser;
    let server: RealServer;
    let visitor: Page;
    let agent: Page;
    let vid: string;
    let uploads: string | undefined;
    const { open, problems, closeAll } = watchedPages(() => browser);
    const api = agentApi(() => server.url, TOKEN);
    const w = (sel: string) => visitor.locator('[data-visitor-chat] ' + sel);
    /** Drags a PDF over (`dragenter`) or drops it on (`drop`) the chat window, as a real drag does. */
    const dragPdf = (type: 'dragenter' | 'drop') =>
      visitor.evaluate(
        ([type, pdf]) => {
          const root = document.querySelector('[data-visitor-chat]')!.shadowRoot!;
          const dt = new DataTransfer();
          dt.items.add(new File([pdf], 'offer.pdf', { type: 'application/pdf' }));
          const init = { bubbles: true, cancelable: true, dataTransfer: dt };
          const e = new DragEvent(type, init);
          root.querySelector('.win')!.dispatchEvent(e);
          return e.defaultPrevented;
        },
        [type, PDF] as const,
      );

    beforeAll(async () => {
      requireBuilt('widget.js', 'chat.js', 'ui.js', 'agent.js');
      uploads = await mkdtemp(join(tmpdir(), 'vc-files-'));
      server = await startRealServer({ agentToken: TOKEN, uploadDir: uploads });
      browser = await launchBrowser();
    });

    afterAll(async () => {
      await closeAll();
      await browser?.close();
      await server?.close();
      if (uploads) await rm(uploads, { recursive: true, force: true });
    });

    it('sends a PNG with the attach button and a PDF by drag-and-drop; the agent page shows both', async () => {
      agent = await open(server.url + '/agent#token=' + TOKEN);
      await agent.waitForSelector('[role=tablist]');
      visitor = await open(server.url + '/');
      await visitor.waitForFunction(() => !!(window as unknown as VisitorWindow).smartsupp?.vid);
      vid = await visitor.evaluate(() => (window as unknown as VisitorWindow).smartsupp.vid!);
      await visitor.evaluate(() =>
        (window as unknown as { smartsupp: Function }).smartsupp('chat:open'),
      );
      await w('button.af').waitFor();
      expect(await w('button.af').getAttribute('aria-label')).toBe('Attach a file');

      await w('#vc-fi').setInputFiles({ name: 'red.png', mimeType: 'image/png', buffer: PNG });
      await w('.m.v .th img').waitFor();
      await expect
        .poll(() => w('.m.v .th img').evaluate((i: HTMLImageElement) => i.naturalWidth))
        .toBe(2);
      expect(await w('.m.v .th img').getAttribute('src')).toMatch(/^blob:/);

      // Drag-and-drop: the drop target shows while a file is over the window. It listens from
      // the effect after the file layer's first render, a frame after the attach button shows:
      // poll until a dragenter is taken.
      await expect.poll(() => dragPdf('dragenter')).toBe(true);
      await w('.dz').waitFor();
      expect(await w('.dz').textContent()).toBe('Drop a file here to send it');
      expect(await dragPdf('drop')).toBe(true);
      await w('.m.v .fc .fn').filter({ hasText: 'offer.pdf' }).waitFor();
      expect(await w('.dz').count()).toBe(0);
      await expect.poll(() => w('.m.v').last().locator('.mt').textContent()).toContain('Sent');

      await agent.locator(`.row[data-id="${vid}"]`).click();
      await agent.locator('.detail .file-thumb img').waitFor();
      await expect
        .poll(() =>
          agent
            .locator('.detail .file-thumb img')
            .evaluate((i: HTMLImageElement) => i.naturalWidth),
        )
        .toBe(2);
      expect(await agent.locator('.detail .file-chip').textContent()).toMatch(
        /^offer\.pdfPDF · \d+ byte/,
      );
    });

    it('sends an image from the agent page; the visitor sees its thumbnail', async () => {
      await agent.locator('.attach input[type=file]').setInputFiles({
        name: 'answer.png',
        mimeType: 'image/png',
        buffer: PNG,
      });
      await w('.m.a .th img').waitFor();
      await expect
        .poll(() => w('.m.a .th img').evaluate((i: HTMLImageElement) => i.naturalWidth))
        .toBe(2);
      expect(await w('.m.a .th img').getAttribute('alt')).toBe('answer.png');
    });

    it('refuses an SVG with a script, says why, and nothing runs', async () => {
      await w('#vc-fi').setInputFiles({
        name: 'logo.svg',
        mimeType: 'image/svg+xml',
        buffer: Buffer.from(SVG),
      });
      await w('.up.fl').waitFor();
      expect(await w('.up.fl .mt').textContent()).toContain('This type of file is not allowed.');
      expect(
        await visitor.evaluate(() => (window as unknown as VisitorWindow).hacked),
      ).toBeUndefined();
      await w('.up.fl .rt').filter({ hasText: 'Remove' }).click();
      expect(await w('.up').count()).toBe(0);
    });

    it('downloads the transcript from the options menu', async () => {
      await w('.mn summary').click();
      const [download] = await Promise.all([
        visitor.waitForEvent('download'),
        w('.mb button').filter({ hasText: 'Download transcript' }).click(),
      ]);
      expect(download.suggestedFilename()).toBe('chat-transcript.txt');
      const text = await readFile((await download.path())!, 'utf8');
      expect(text).toContain('red.png');
      await w('.mn summary').click();
    });

    it('asks for a rating when the agent closes the conversation; the agent page shows it', async () => {
      await api(`/api/visitors/${encodeURIComponent(vid)}/conversation`, { method: 'DELETE' });
      await w('#vc-rq').waitFor();
      await w('.rv').filter({ hasText: 'Good' }).click();
      await w('#vc-rc').fill('Quick and kind');
      await w('.rg .bt').click();
      await expect.poll(() => w('.rg p').textContent()).toBe('Thank you for your feedback!');
      await expect
        .poll(
          async () =>
            (
              await api<{ rating?: { value: string; comment?: string } }>(
                `/api/visitors/${encodeURIComponent(vid)}`,
              )
            ).rating,
        )
        .toMatchObject({ value: 'good', comment: 'Quick and kind' });
      await agent.reload();
      await agent.locator(`.row[data-id="${vid}"]`).click();
      await expect
        .poll(() => agent.locator('.detail dl div').allTextContents())
        .toContain('Rating👍 Good — “Quick and kind”');
      expect(problems).toEqual([]);
    });

    it('fits the attach button and an upload on a phone', async () => {
      const context = await browser.newContext({
        viewport: { width: 375, height: 667 },
        deviceScaleFactor: 2,
      });
      const phone = await context.newPage();
      try {
        await phone.goto(server.url + '/');
        await phone.waitForFunction(() => !!(window as unknown as VisitorWindow).smartsupp?.vid);
        await phone.evaluate(() =>
          (window as unknown as { smartsupp: Function }).smartsupp('chat:open'),
        );
        const p = (sel: string) => phone.locator('[data-visitor-chat] ' + sel);
        await p('button.af').waitFor();
        const attach = (await p('button.af').boundingBox())!;
        const send = (await p('.sd').boundingBox())!;
        const input = (await p('#vc-in').boundingBox())!;
        expect(attach.width).toBeGreaterThanOrEqual(40);
        expect(attach.x).toBeGreaterThanOrEqual(0);
        expect(send.x + send.width).toBeLessThanOrEqual(375);
        expect(input.width).toBeGreaterThan(180);
        expect(attach.y + attach.height).toBeLessThanOrEqual(667);
        await p('#vc-fi').setInputFiles({
          name: 'a-long-file-name-for-a-small-screen.pdf',
          mimeType: 'application/pdf',
          buffer: Buffer.from(PDF),
        });
        await p('.ls .m.v .fc').waitFor();
        const chip = (await p('.ls .m.v .fc').boundingBox())!;
        expect(chip.x).toBeGreaterThanOrEqual(0);
        expect(chip.x + chip.width).toBeLessThanOrEqual(375);
      } finally {
        await context.close();
      }
    });
  },
);
