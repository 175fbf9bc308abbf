import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { describeBrowser, launchBrowser, requireBuilt, type Served } from './harness';
import { chat, serveShop } from './ui-harness';

/** Where message `n`'s row is on screen, or null when it is not rendered. */
const rowY = (page: Page, n: number) =>
  page.evaluate((n) => {
    const root = document.querySelector('[data-visitor-chat]')!.shadowRoot!;
    const row = Array.from(root.querySelectorAll<HTMLElement>('.ls li.m:not(.ty)')).find((r) =>
      new RegExp('^Message ' + n + '\\b').test(r.querySelector('.bb')!.textContent!),
    );
    return row ? row.getBoundingClientRect().top : null;
  }, n);

/** What the message list shows: the numbers of the rendered messages, the view's position. */
const view = (page: Page) =>
  page.evaluate(() => {
    const root = document.querySelector('[data-visitor-chat]')!.shadowRoot!;
    const list = root.querySelector('.ls') as HTMLElement;
    const rows = Array.from(list.querySelectorAll<HTMLElement>('li.m:not(.ty)'));
    const box = list.getBoundingClientRect();
    const number = (r: HTMLElement) =>
      Number(/^Message (\d+)/.exec(r.querySelector('.bb')!.textContent!)![1]);
    const numbers = rows.map(number);
    // The first row whose bottom is inside the view, and where its top is on screen.
    const first = rows.find((r) => r.getBoundingClientRect().bottom > box.top + 1);
    return {
      numbers,
      top: list.scrollTop,
      atBottom: list.scrollHeight - list.scrollTop - list.clientHeight < 2,
      anchor: first ? number(first) : 0,
      anchorY: first ? first.getBoundingClientRect().top : 0,
      older: !!root.querySelector('.ld'),
      pill: root.querySelector('.nw')?.textContent ?? null,
    };
  });

/** Scrolls the message list to `y` (the scroll event then does what a wheel would). */
const scrollTo = (page: Page, y: number | 'bottom') =>
  page.evaluate((to) => {
    const list = document
      .querySelector('[data-visitor-chat]')!
      .shadowRoot!.querySelector('.ls') as HTMLElement;
    list.scrollTop = to == 'bottom' ? list.scrollHeight : to;
    // Two frames: the scroll event renders the rows now in view.
    return new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  }, y);

/** How long a condition may take on a busy machine (two cores shared with other test runs). */
const WAIT = { timeout: 10_000 };

/** Consecutive and ascending: no gap, no duplicate, no reordering. */
const inOrder = (numbers: number[]) => numbers.every((n, i) => i == 0 || n == numbers[i - 1]! + 1);

describeBrowser('a long conversation in the chat window, in Chromium', () => {
  let browser: Browser;
  let site: Served;
  let context: BrowserContext;
  const problems: string[] = [];

  beforeAll(async () => {
    requireBuilt('widget.js', 'chat.js', 'ui.js');
    site = await serveShop();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  afterEach(async () => {
    await context?.close();
    expect(problems.splice(0)).toEqual([]);
  });

  async function open(history: number): Promise<Page> {
    context = await browser.newContext({ viewport: { width: 1024, height: 760 } });
    const page = await context.newPage();
    page.on('pageerror', (e) => problems.push('pageerror: ' + e.message));
    page.on('console', (m) => {
      if (m.type() == 'error' || m.text().includes('[visitor-chat]'))
        problems.push(m.type() + ': ' + m.text());
    });
    await page.goto(site.url + '/?history=' + history);
    await page.locator('[data-visitor-chat] .ln').click();
    await expect
      .poll(async () => (await view(page)).numbers.at(-1), { timeout: 15_000 })
      .toBe(history);
    // The window slides in (a transform): positions on screen are compared once it is still.
    await page.evaluate(() =>
      Promise.all(
        document
          .querySelector('[data-visitor-chat]')!
          .shadowRoot!.querySelector('.win')!
          .getAnimations()
          .map((a) => a.finished),
      ),
    );
    return page;
  }

  it('opens at the bottom with only the rows in view in the DOM', async () => {
    const page = await open(300);
    const v = await view(page);
    expect(v.atBottom).toBe(true);
    expect(inOrder(v.numbers)).toBe(true);
    // The welcome brought the newest 50; only a few screens of them are rendered.
    expect(v.numbers.length).toBeGreaterThan(5);
    expect(v.numbers.length).toBeLessThan(50);
    expect(v.older).toBe(true);
  });

  it('keeps order and the row in view in place while an older page loads', async () => {
    const page = await open(300);
    await scrollTo(page, 0);
    const before = await view(page);
    // The older page arrives above: the view's position grows by its height, the row stays.
    await expect.poll(async () => (await view(page)).top, WAIT).toBeGreaterThan(1000);
    const after = await view(page);
    // The row that was first in view is still rendered, near where it was. Known shortfall
    // (issue 11 stays open on it): it moves by about 20 px on this Chromium (the prepended page's
    // rows are placed by estimated heights); a lost anchor would move it by the page's height.
    const y = await rowY(page, before.anchor);
    expect(y).not.toBeNull();
    expect(Math.abs(y! - before.anchorY)).toBeLessThanOrEqual(32);
    expect(inOrder(after.numbers)).toBe(true);
    // Scrolled up again: the rows above are the ones before, in order.
    await scrollTo(page, after.top - 600);
    const up = await view(page);
    expect(inOrder(up.numbers)).toBe(true);
    expect(up.numbers[0]).toBeLessThan(after.numbers[0]!);
  });

  it('shows a new-messages button instead of jumping when the visitor reads above', async () => {
    const page = await open(120);
    await scrollTo(page, 200);
    const before = await view(page);
    expect(before.atBottom).toBe(false);
    await chat.say(page, 'Message 121 arrives live');
    await expect.poll(async () => (await view(page)).pill, WAIT).toBe('New messages: 1 ↓');
    const after = await view(page);
    expect(after.anchor).toBe(before.anchor);
    expect(Math.abs(after.anchorY - before.anchorY)).toBeLessThanOrEqual(2);
    // Keyboard: the button is reachable and takes the visitor to the bottom.
    await page.locator('[data-visitor-chat] .nw').focus();
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await view(page)).atBottom, WAIT).toBe(true);
    expect((await view(page)).pill).toBeNull();
    // At the bottom, the next message follows.
    await chat.say(page, 'Message 122 at the bottom');
    await expect.poll(async () => (await view(page)).numbers.at(-1), WAIT).toBe(122);
    expect((await view(page)).atBottom).toBe(true);
  });
});
