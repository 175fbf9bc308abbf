import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { describeBrowser, launchBrowser, requireBuilt } from './harness';
import { shownAt } from './pixels';
import { startRealServer, type RealServer } from './real-server';
import { watchedPages } from './watched-pages';

/**
 * The whole loop in real Chromium: the reference server (in-process, in-memory database), a
 * visitor on the demo site, and the agent Visitors page in the same browser.
 */
const TOKEN = 'agent-test-token-0123456789';

type VisitorWindow = Window & {
  smartsupp: ((...args: unknown[]) => void) & { vid?: string | null };
  got: { event: string; text?: string }[];
};

// Chromium only: the agent Visitors page is an agent's tool, driven with Playwright's locators.
describeBrowser('the agent Visitors page against the reference server, in Chromium', () => {
  let browser: Browser;
  let server: RealServer;
  const { open, problems, failedLoads, closeAll } = watchedPages(() => browser);

  beforeAll(async () => {
    requireBuilt('agent.js', 'agent.css', 'widget.js');
    server = await startRealServer({
      agentToken: TOKEN,
    });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await closeAll();
    await browser?.close();
    await server?.close();
  });

  it('marks the current tab and the open visitor in forced colors (Windows High Contrast)', async () => {
    const visitor = await open(server.url + '/');
    await visitor.waitForFunction(() => !!(window as unknown as VisitorWindow).smartsupp?.vid);
    const vid = await visitor.evaluate(() => (window as unknown as VisitorWindow).smartsupp.vid);
    const agent = await open(server.url + '/agent#token=' + TOKEN);
    await agent.emulateMedia({ forcedColors: 'active' });
    await agent.getByRole('tab', { name: /^All/ }).click();
    const row = agent.locator(`.row[data-id="${vid}"]`);
    await row.waitFor();
    // A tab's underline against the inside of the tab just above it.
    const underlined = async (name: RegExp) => {
      const b = (await agent.getByRole('tab', { name }).boundingBox())!;
      const x = b.x + b.width / 2;
      return shownAt(agent, { x, y: b.y + b.height - 1.5 }, { x, y: b.y + b.height - 6 });
    };
    // The row's start edge against its inside.
    const marked = async () => {
      const b = (await row.boundingBox())!;
      const y = b.y + b.height / 2;
      return shownAt(agent, { x: b.x + 2, y }, { x: b.x + 6.5, y });
    };
    // Forced colours turned every tab's transparent underline black and dropped the row's
    // inset bar: all tabs looked current, and the open visitor like any other.
    expect(await underlined(/^All/)).toBe(true);
    expect(await underlined(/^Active/)).toBe(false);
    expect(await marked()).toBe(false);
    await row.click();
    await agent.locator('.detail h2').waitFor();
    expect(await marked()).toBe(true);
    await agent.close();
    await visitor.close();
  });

  it('on a phone, Tab meets "Back to the list" where it is seen, above the name', async () => {
    const visitor = await open(server.url + '/pricing');
    await visitor.waitForFunction(() => !!(window as unknown as VisitorWindow).smartsupp?.vid);
    const vid = await visitor.evaluate(() => (window as unknown as VisitorWindow).smartsupp.vid);
    const agent = await open(server.url + '/agent#token=' + TOKEN, {
      viewport: { width: 375, height: 667 },
    });
    const row = agent.locator(`.row[data-id="${vid}"]`);
    await row.waitFor();
    await row.focus();
    await agent.keyboard.press('Enter');
    const title = agent.locator('.detail h2');
    await expect.poll(() => title.evaluate((h) => h == document.activeElement)).toBe(true);
    const focused = () => agent.evaluate(() => document.activeElement!.textContent!.trim());
    const back = (await agent.getByRole('button', { name: '← Back to the list' }).boundingBox())!;
    expect(back.y).toBeLessThan((await title.boundingBox())!.y);
    // Backwards from the name: the button just above it, not the page's tabs.
    await agent.keyboard.press('Shift+Tab');
    expect(await focused()).toBe('← Back to the list');
    // Forwards from the name: Block, then on to the page's links (no hidden Close between).
    await title.focus();
    await agent.keyboard.press('Tab');
    expect(await focused()).toBe('Block');
    await agent.keyboard.press('Tab');
    expect(await focused()).not.toBe('Close');
    await agent.getByRole('button', { name: '← Back to the list' }).focus();
    await agent.keyboard.press('Enter');
    await expect.poll(() => row.evaluate((r) => r == document.activeElement)).toBe(true);
    await agent.close();
    await visitor.close();
  });

  it('shows a live visitor, chats with it both ways and blocks it', async () => {
    // The visitor browses the demo site and does something (activity makes it "Active").
    const visitor = await open(server.url + '/');
    await visitor.waitForFunction(() => !!(window as unknown as VisitorWindow).smartsupp?.vid);
    const vid = await visitor.evaluate(() => {
      const w = window as unknown as VisitorWindow;
      w.got = [];
      w.smartsupp('on', 'message_received', (m: { text: string }) =>
        w.got.push({ event: 'message_received', text: m.text }),
      );
      w.smartsupp('on', 'blocked', () => w.got.push({ event: 'blocked' }));
      w.smartsupp('on', 'unblocked', () => w.got.push({ event: 'unblocked' }));
      return w.smartsupp.vid as string;
    });
    await visitor.mouse.click(5, 5);
    await visitor.keyboard.press('Shift');

    // The agent page takes the token from the fragment, then hides it.
    const agent = await open(server.url + '/agent#token=' + TOKEN);
    await agent.waitForSelector('[role=tablist]');
    expect(agent.url()).toBe(server.url + '/agent');

    const row = agent.locator(`.row[data-id="${vid}"]`);
    await agent.getByRole('tab', { name: /^Active/ }).click();
    await row.waitFor();
    await expect
      .poll(() => agent.getByRole('tab', { name: /^Active/ }).textContent())
      .toMatch(/Active\s*[1-9]/);

    // The agent opens a conversation from the page; the visitor's widget receives it.
    await row.click();
    await agent.locator('.detail h2').waitFor();
    await agent.locator('#composer-text').fill('Hello from the agent page');
    await agent.getByRole('button', { name: 'Open a conversation' }).click();
    await visitor.waitForFunction(() =>
      (window as unknown as VisitorWindow).got.some((e) => e.text == 'Hello from the agent page'),
    );
    await agent.getByRole('button', { name: 'Send' }).waitFor();

    // The visitor replies; the agent sees it in the conversation and in the row.
    await visitor.evaluate(() =>
      (window as unknown as VisitorWindow).smartsupp('chat:send', 'Thanks, agent!'),
    );
    await agent.locator('.messages', { hasText: 'Thanks, agent!' }).waitFor();
    await agent.locator(`.row[data-id="${vid}"]`, { hasText: 'Thanks, agent!' }).waitFor();

    // The agent answers by keyboard: Shift+Enter is a new line, Enter sends.
    await agent.locator('#composer-text').focus();
    await agent.keyboard.type('Two lines:');
    await agent.keyboard.press('Shift+Enter');
    await agent.keyboard.type('here is the second');
    await agent.keyboard.press('Enter');
    await visitor.waitForFunction(() =>
      (window as unknown as VisitorWindow).got.some(
        (e) => e.text == 'Two lines:\nhere is the second',
      ),
    );
    await expect.poll(() => agent.locator('#composer-text').inputValue()).toBe('');

    // Side by side (from 1100 px), nothing of the reply form (the text box, the file input,
    // Send) reaches into the identity column beside it.
    await agent.locator('.composer input[type=file]').waitFor();
    for (const width of [1100, 1280, 1440]) {
      await agent.setViewportSize({ width, height: 800 });
      const edges = await agent.evaluate(() => {
        const right = (el: Element) => el.getBoundingClientRect().right;
        const parts = [...document.querySelectorAll('.composer, .composer *')];
        return {
          form: Math.max(...parts.map(right)),
          column: right(document.querySelector('.detail-chat')!),
          info: document.querySelector('.detail-info')!.getBoundingClientRect().left,
        };
      });
      expect(edges.form, `at ${width} px`).toBeLessThanOrEqual(edges.column + 0.5);
      expect(edges.column, `at ${width} px`).toBeLessThan(edges.info);
    }

    // On a narrow screen the panel hides the list: Escape goes back to the visitor's row all the
    // same (the focus used to fall to the page), and Enter opens it again.
    await agent.setViewportSize({ width: 800, height: 800 });
    await agent.locator('#d-title').focus();
    await agent.keyboard.press('Escape');
    await expect
      .poll(() => agent.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.id))
      .toBe(vid);
    await agent.keyboard.press('Enter');
    await agent.locator('.detail-head .block').waitFor();
    await agent.setViewportSize({ width: 1280, height: 800 });

    // Block, by keyboard: the widget hears it, the visitor is listed under Blocked, and the
    // focus stays on the button while the request runs (a disabled button dropped it).
    await agent.locator('.detail-head .block').focus();
    await agent.keyboard.press('Enter');
    await visitor.waitForFunction(() =>
      (window as unknown as VisitorWindow).got.some((e) => e.event == 'blocked'),
    );
    await agent.locator('.detail-head .block', { hasText: 'Unblock' }).waitFor();
    expect(await agent.evaluate(() => document.activeElement?.classList.contains('block'))).toBe(
      true,
    );
    await agent.getByRole('tab', { name: /^Blocked/ }).click();
    await agent.locator(`.row[data-id="${vid}"]`, { hasText: 'Blocked' }).waitFor();
    await expect
      .poll(() => agent.getByRole('tab', { name: /^Blocked/ }).textContent())
      .toMatch(/Blocked\s*1/);

    // Unblock brings the widget back.
    await agent.locator('.detail-head .block').click();
    await visitor.waitForFunction(() =>
      (window as unknown as VisitorWindow).got.some((e) => e.event == 'unblocked'),
    );
    await agent.locator(`.row[data-id="${vid}"]`).waitFor({ state: 'detached' });

    // Under the server's strict CSP nothing was refused, and nothing threw.
    expect([...problems, ...failedLoads]).toEqual([]);
  });
});
