import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { describeBrowser, launchBrowser, requireBuilt } from './harness';
import { connectAgent, startRealServer, type RealServer } from './real-server';
import { watchedPages } from './watched-pages';

/**
 * A file over MAX_UPLOAD_BYTES, in Chromium against the reference server: the server tells the
 * widget its limit in `welcome.maxFile`, and the widget shows "too big" at once, without sending
 * the upload (Chromium shows the server's 413 only once the whole body is sent: minutes for a
 * phone's video). A file within the limit still goes up.
 */
const TOKEN = 'files-limit-agent-token-0123456789';
const LIMIT = 4096;
const pdf = (size: number) =>
  Buffer.concat([Buffer.from('%PDF-1.4\n%%EOF\n'), Buffer.alloc(size - 15, 0x20)]);

describeBrowser('a file over MAX_UPLOAD_BYTES is refused before uploading, in Chromium', () => {
  let browser: Browser;
  let server: RealServer;
  let feed: AbortController;
  let uploads: string | undefined;
  const { open, problems, closeAll } = watchedPages(() => browser);

  beforeAll(async () => {
    requireBuilt('widget.js', 'chat.js', 'ui.js', 'files.js');
    uploads = await mkdtemp(join(tmpdir(), 'vc-files-limit-'));
    server = await startRealServer({
      agentToken: TOKEN,
      uploadDir: uploads,
      maxUploadBytes: LIMIT,
    });
    feed = await connectAgent(server, TOKEN);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    feed?.abort();
    await closeAll();
    await browser?.close();
    await server?.close();
    if (uploads) await rm(uploads, { recursive: true, force: true });
  });

  it('shows "too big" for a file over the limit at once, without sending it; a smaller one goes up', async () => {
    const visitor: Page = await open(server.url + '/');
    const posts: string[] = [];
    visitor.on('request', (r) => {
      if (r.method() == 'POST' && new URL(r.url()).pathname == '/v1/files') posts.push(r.url());
    });
    const w = (sel: string) => visitor.locator('[data-visitor-chat] ' + sel);
    await visitor.waitForFunction(
      () => !!(window as unknown as { smartsupp: { vid?: string } }).smartsupp?.vid,
    );
    await visitor.evaluate(() =>
      (window as unknown as { smartsupp: (c: string) => void }).smartsupp('chat:open'),
    );
    await w('button.af').waitFor();

    await w('#vc-fi').setInputFiles({
      name: 'holiday.pdf',
      mimeType: 'application/pdf',
      buffer: pdf(200 * 1024),
    });
    await w('.up.fl').waitFor();
    expect(await w('.up.fl .mt').textContent()).toContain('The file is too big.');
    // No Retry: the same bytes would be refused again.
    expect(await w('.up.fl .rt').allTextContents()).toEqual(['Remove']);
    expect(posts).toEqual([]);

    await w('.up.fl .rt').click();
    await w('#vc-fi').setInputFiles({
      name: 'offer.pdf',
      mimeType: 'application/pdf',
      buffer: pdf(LIMIT),
    });
    await w('.m.v .fc .fn').filter({ hasText: 'offer.pdf' }).waitFor();
    await expect.poll(() => w('.m.v').last().locator('.mt').textContent()).toContain('Sent');
    expect(posts).toHaveLength(1);
    expect(problems).toEqual([]);
  });
});
