import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startSmtpSink } from '../helpers/smtp-sink';
import { describeBrowser, launchBrowser, requireBuilt } from './harness';
import { startRealServer, type RealServer } from './real-server';
import { watchedPages } from './watched-pages';

/**
 * Issue 14's offline notification end to end in Chromium: the reference server (in-process) with
 * SMTP_URL pointing at a local SMTP sink and NOTIFY_EMAIL set, no agent online. A visitor writes,
 * the widget asks for their details first (the contact form holds the message), they fill it in,
 * and the site's team gets one email with the visitor's details, the message and the link to
 * the agent page. Then the visitor has the transcript emailed from the window's options menu.
 */
const TOKEN = 'offline-email-agent-token-0123456789';
const TEAM = 'team@shop.test';

type VisitorWindow = Window & { smartsupp: ((...args: unknown[]) => void) & { vid?: string } };

describeBrowser('the offline email and the emailed transcript, in Chromium', () => {
  let browser: Browser;
  let server: RealServer;
  let sink: Awaited<ReturnType<typeof startSmtpSink>>;
  let uploads: string | undefined;
  const { open, problems, failedLoads, closeAll } = watchedPages(() => browser);

  beforeAll(async () => {
    requireBuilt('widget.js', 'chat.js', 'ui.js', 'files.js');
    sink = await startSmtpSink();
    uploads = await mkdtemp(join(tmpdir(), 'vc-offline-email-'));
    server = await startRealServer({
      agentToken: TOKEN,
      uploadDir: uploads,
      smtpUrl: sink.url,
      notifyEmail: TEAM,
      mailFrom: 'chat@shop.test',
    });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await closeAll();
    await browser?.close();
    await server?.close();
    await sink?.close();
    if (uploads) await rm(uploads, { recursive: true, force: true });
  });

  it("emails the team the contact form's held message with the visitor's details and the agent page link; the visitor emails the transcript", async () => {
    const visitor = await open(server.url + '/');
    const w = (sel: string) => visitor.locator('[data-visitor-chat] ' + sel);
    await visitor.waitForFunction(() => !!(window as unknown as VisitorWindow).smartsupp?.vid);
    const vid = await visitor.evaluate(() => (window as unknown as VisitorWindow).smartsupp.vid!);
    await visitor.evaluate(() => (window as unknown as VisitorWindow).smartsupp('chat:open'));
    // Nobody is online: the header says so, and the first message waits for the contact form.
    await expect.poll(() => w('.st').textContent()).toBe('Away – leave us a message');
    await w('#vc-in').fill('Is the blue teapot back in stock?');
    await visitor.keyboard.press('Enter');
    await w('.fm').waitFor();
    expect(await w('.fm .hq').textContent()).toContain('Is the blue teapot back in stock?');
    expect(sink.received).toEqual([]);
    await w('#vc-f-name').fill('Ada Lovelace');
    await w('#vc-f-email').fill('ada@example.com');
    await w('.fm .bt').click();
    await w('.m.v .bb').filter({ hasText: 'Is the blue teapot back in stock?' }).waitFor();

    const [mail] = await sink.count(1, 20_000);
    expect(mail!.to).toEqual([TEAM]);
    expect(mail!.from).toBe('chat@shop.test');
    expect(mail!.subject).toBe('New chat message from Ada Lovelace');
    expect(mail!.text).toContain('Visitor: Ada Lovelace <ada@example.com> (id ' + vid + ')');
    expect(mail!.text).toContain('Is the blue teapot back in stock?');
    expect(mail!.text).toContain('Reply on the agent page: ' + server.url + '/agent');
    // The link does not carry the agent token: the agent signs in on the page.
    expect(mail!.raw).not.toContain(TOKEN);
    expect(sink.received).toHaveLength(1);
    expect(problems).toEqual([]);
    expect(failedLoads).toEqual([]);

    // The visitor has the transcript emailed from the options menu (pre-filled with the email
    // the contact form gave).
    await w('.mn summary').click();
    await w('.mb button').filter({ hasText: 'Email transcript' }).click();
    expect(await w('#vc-tm').inputValue()).toBe('ada@example.com');
    await w('.mb form .bt').click();
    await expect.poll(() => w('.mb p').textContent()).toBe('The transcript is on its way.');
    const [, transcript] = await sink.count(2, 20_000);
    expect(transcript!.to).toEqual(['ada@example.com']);
    expect(transcript!.subject).toBe('Your chat transcript');
    expect(transcript!.text).toContain('Is the blue teapot back in stock?');
    expect(problems).toEqual([]);
  });
});
