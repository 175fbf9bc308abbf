import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type WebSocket from 'ws';
import { describeBrowser, launchBrowser, requireBuilt } from './harness';
import {
  agentApi,
  startRealServer,
  wsVisitor,
  type RealServer,
  type VisitorList as List,
} from './real-server';

/**
 * The Visitors page at scale in real Chromium: it keeps up with a burst of changes by applying
 * the feed's deltas (no list request), and its virtual list works by keyboard.
 */
const TOKEN = 'agent-deltas-token-0123456789';

describeBrowser('the agent Visitors page under a burst, in Chromium', () => {
  /** A fresh agent page `width` px wide, and the offsets of the list pages it asks for. */
  async function openAgent(width: number) {
    const page = await browser.newPage({ viewport: { width, height: 800 } });
    const pages: string[] = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.pathname == '/api/visitors') pages.push(u.searchParams.get('offset') ?? '');
    });
    await page.goto(server.url + '/agent#token=' + TOKEN);
    return { page, pages };
  }

  let browser: Browser;
  let server: RealServer;
  let agent: Page;
  const sockets: WebSocket[] = [];
  const listRequests: string[] = [];
  const api = agentApi(() => server.url, TOKEN);

  beforeAll(async () => {
    requireBuilt('agent.js', 'agent.css');
    server = await startRealServer({ agentToken: TOKEN, keys: ['demo'] });
    browser = await launchBrowser();
    agent = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    agent.on('request', (r) => {
      const u = new URL(r.url());
      if (u.pathname == '/api/visitors') listRequests.push(u.search);
    });
    await agent.goto(server.url + '/agent#token=' + TOKEN);
    await agent.locator('.feed.live').waitFor();
  });

  afterAll(async () => {
    for (const ws of sockets) ws.terminate();
    await browser?.close();
    await server?.close();
  });

  const tabCount = (name: string) =>
    agent
      .getByRole('tab', { name: new RegExp('^' + name) })
      .locator('.count')
      .textContent()
      .then((t) => Number(t));

  it('shows counts and rows right after a burst of 500 changes, with no list request', async () => {
    expect(listRequests).toHaveLength(1);
    // 250 arrivals, 150 blocks, 50 unblocks, 50 departures: 500 changes.
    const arrived = [];
    for (let i = 0; i < 250; i += 50)
      arrived.push(
        ...(await Promise.all(
          Array.from({ length: 50 }, (_, j) => wsVisitor(server.url, i + j, 'burst')),
        )),
      );
    for (const v of arrived) sockets.push(v.ws);
    await Promise.all(
      arrived.slice(0, 150).map((v) => api(`/api/visitors/${v.vid}/block`, { method: 'POST' })),
    );
    await Promise.all(
      arrived.slice(0, 50).map((v) => api(`/api/visitors/${v.vid}/block`, { method: 'DELETE' })),
    );
    for (const v of arrived.slice(200, 250)) v.ws.close();

    // The server has taken every change in.
    await expect
      .poll(
        async () => {
          const { counts } = await api<List>('/api/visitors?limit=1');
          return [counts.all, counts.blocked];
        },
        { timeout: 15_000 },
      )
      .toEqual([200, 100]);
    const list = await api<List>('/api/visitors?limit=20');
    // Both at once: a counts event sent while the arrivals were at 200 shows All 200 too.
    await expect
      .poll(async () => [await tabCount('All'), await tabCount('Blocked')], { timeout: 10_000 })
      .toEqual([200, 100]);
    expect(await tabCount('Active')).toBe(list.counts.active);
    expect(await agent.locator('.online').textContent()).toBe(
      `200 online · ${list.counts.active} active`,
    );
    // The rows are the server's, in its order, and the list knows its size.
    const firstIds = await agent
      .locator('[role=option]')
      .evaluateAll((els) => els.slice(0, 20).map((e) => (e as HTMLElement).dataset.id));
    expect(firstIds.length).toBeGreaterThan(8);
    expect(firstIds).toEqual(list.visitors.slice(0, firstIds.length).map((v) => v.id));
    expect(await agent.locator('[role=option]').first().getAttribute('aria-setsize')).toBe('200');
    // A virtual list: a few dozen rows in the DOM, not 200.
    expect(await agent.locator('[role=option]').count()).toBeLessThan(60);
    expect(listRequests).toHaveLength(1);
  });

  it('moves through the virtual list by keyboard and opens a visitor with Enter', async () => {
    const first = agent.locator('[role=option][tabindex="0"]');
    await first.focus();
    const focused = () =>
      agent.evaluate(() => document.activeElement?.getAttribute('aria-posinset') ?? null);
    await agent.keyboard.press('ArrowDown');
    await expect.poll(focused).toBe('2');
    await agent.keyboard.press('End');
    await expect.poll(focused).toBe('200');
    const last = await api<List>('/api/visitors?limit=1&offset=199');
    expect(await agent.evaluate(() => (document.activeElement as HTMLElement).dataset.id)).toBe(
      last.visitors[0]!.id,
    );
    await agent.keyboard.press('Home');
    await expect.poll(focused).toBe('1');
    await agent.keyboard.press('PageDown');
    await expect.poll(async () => Number(await focused())).toBeGreaterThan(3);
    const id = await agent.evaluate(() => (document.activeElement as HTMLElement).dataset.id);
    await agent.keyboard.press('Enter');
    await agent.locator('.detail h2').waitFor();
    expect(
      await agent.locator(`[role=option][data-id="${id}"]`).getAttribute('aria-selected'),
    ).toBe('true');
    // Escape gives the focus back to the row.
    await agent.keyboard.press('Escape');
    await expect
      .poll(() => agent.evaluate(() => (document.activeElement as HTMLElement).dataset.id))
      .toBe(id);
    // Every row came from the feed (the list was empty at first load): still one list request.
    expect(listRequests).toHaveLength(1);
  });

  it("re-measures the view and the rows when the window is resized, keeping one tab stop and each row's place", async () => {
    /** Every rendered option: its index, where it is placed, its height and its position. */
    const layout = () =>
      agent.evaluate(() => {
        const view = document.querySelector<HTMLElement>('.viewport')!;
        const options = [...document.querySelectorAll<HTMLElement>('[role=option]')];
        return {
          viewBottom: view.scrollTop + view.clientHeight,
          tabStops: options.filter((o) => o.tabIndex == 0).length,
          rows: options.map((o) => ({
            index: Number(o.dataset.index),
            top: parseFloat(o.style.top),
            height: o.getBoundingClientRect().height,
            pos: Number(o.getAttribute('aria-posinset')),
          })),
        };
      });
    /** Rows placed by their measured height, numbered from 1, covering the view; the row height. */
    const placed = async () => {
      const l = await layout();
      const h = l.rows[0]!.height;
      const ok =
        l.tabStops == 1 &&
        l.rows.every(
          (r) =>
            Math.abs(r.height - h) < 0.5 &&
            Math.abs(r.top - r.index * h) < 1 &&
            r.pos == r.index + 1,
        ) &&
        Math.max(...l.rows.map((r) => r.top + r.height)) >= l.viewBottom;
      return ok ? Math.round(h) : 0;
    };
    await agent.locator('.row[data-id]').first().waitFor();
    const wide = await placed();
    expect(wide).toBeGreaterThan(0);
    const before = (await layout()).rows.length;
    // A taller window: more rows, to the bottom of the taller view.
    await agent.setViewportSize({ width: 1200, height: 1400 });
    await expect
      .poll(async () => (await placed()) == wide && (await layout()).rows.length)
      .toBeGreaterThan(before);
    // The narrow layout (the compact view switched off) has rows twice as tall: placed by them.
    await agent.setViewportSize({ width: 560, height: 900 });
    const compact = agent.getByRole('switch', { name: /Compact/ });
    await expect.poll(() => compact.isChecked()).toBe(true);
    await compact.uncheck();
    await expect.poll(placed).toBeGreaterThan(wide * 1.5);
    // Nothing in a row is cut off by its fixed height (stats and the last message were), here
    // and on a phone.
    const clipped = () =>
      agent.evaluate(() =>
        [...document.querySelectorAll('.vlist .row')].flatMap((row) => {
          const bottom = row.getBoundingClientRect().bottom;
          return [...row.children]
            .filter((c) => c.getBoundingClientRect().bottom > bottom + 0.5)
            .map((c) => c.className);
        }),
      );
    expect(await clipped()).toEqual([]);
    await agent.setViewportSize({ width: 320, height: 900 });
    expect(await clipped()).toEqual([]);
    await agent.setViewportSize({ width: 560, height: 900 });
    // Back to the start: the first measure again.
    await agent.setViewportSize({ width: 1200, height: 800 });
    await expect.poll(placed).toBe(wide);
  });

  it('reaches the last visitor with End from a fresh load in one page, the DOM bounded, and loads the rows between on the way up without moving the view', async () => {
    // 600 online: the first answer holds 50, so End needs two more pages.
    for (let i = 0; i < 400; i += 50) {
      const more = await Promise.all(
        Array.from({ length: 50 }, (_, j) => wsVisitor(server.url, 1000 + i + j, 'burst')),
      );
      sockets.push(...more.map((v) => v.ws));
    }
    await expect
      .poll(async () => (await api<List>('/api/visitors?limit=1')).counts.all, { timeout: 15_000 })
      .toBe(600);
    const { page, pages } = await openAgent(1200);
    try {
      await page.locator('.feed.live').waitFor();
      const first = page.locator('[role=option][tabindex="0"]');
      await first.waitFor();
      expect(await first.getAttribute('aria-setsize')).toBe('600');
      await first.focus();
      const focused = () =>
        page.evaluate(() => {
          const a = document.activeElement;
          return [a?.getAttribute('aria-posinset'), a?.getAttribute('aria-setsize')];
        });
      await page.keyboard.press('End');
      await expect.poll(focused, { timeout: 10_000 }).toEqual(['600', '600']);
      const last = await api<List>('/api/visitors?limit=1&offset=599');
      expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.id)).toBe(
        last.visitors[0]!.id,
      );
      expect(await page.locator('#visitor-panel').getAttribute('aria-busy')).toBe('false');
      // The last row is in view, and the list is still virtual.
      expect(
        await page.evaluate(() => {
          const view = document.querySelector('.viewport')!.getBoundingClientRect();
          const row = document.activeElement!.getBoundingClientRect();
          return row.top >= view.top && row.bottom <= view.bottom + 1;
        }),
      ).toBe(true);
      expect(await page.locator('[role=option]').count()).toBeLessThan(60);
      // The first answer's 50, then the list's last 50 only: not the 500 rows between.
      expect(pages).toEqual(['0', '550']);
      // Back up and down again: both ends are loaded, no request.
      await page.keyboard.press('Home');
      await expect.poll(focused).toEqual(['1', '600']);
      await page.keyboard.press('End');
      await expect.poll(focused).toEqual(['600', '600']);
      expect(pages).toHaveLength(2);
      // Up through the last page: near its top, the page above it loads, and the view stays on
      // the rows it showed (the loaded rows go in above them, out of view).
      const inView = () =>
        page.evaluate(() => {
          const view = document.querySelector('.viewport')!.getBoundingClientRect();
          const row = document.activeElement!.getBoundingClientRect();
          return [
            (document.activeElement as HTMLElement).dataset.id,
            row.top >= view.top - 1 && row.bottom <= view.bottom + 1,
            Math.round(row.top - view.top),
          ] as const;
        });
      for (let i = 0; i < 40 && pages.length < 3; i++) {
        await page.keyboard.press('PageUp');
        await page.waitForTimeout(50);
      }
      // The 100 rows before the last page: from 450, or a few rows either side when visitors
      // whose rows changed meanwhile joined or left the last page (as the first answer's 50
      // above can be a few less).
      expect(Math.abs(Number(pages[2]) - 450)).toBeLessThanOrEqual(20);
      const [id, visible] = await inView();
      expect(visible).toBe(true);
      await page.waitForTimeout(300);
      expect((await inView()).slice(0, 2)).toEqual([id, true]);
      expect(await page.locator('.loading-more').textContent()).toContain('not loaded yet');
      // On up to the first part: every row in order, each in its place.
      // (A key while the page above loads waits for it: press on until the first row.)
      for (let i = 0; i < 300 && (await focused())[0] != '1'; i++) {
        await page.keyboard.press('PageUp');
        await page.waitForTimeout(20);
      }
      await expect.poll(focused).toEqual(['1', '600']);
      expect(await page.locator('.loading-more').count()).toBe(0);
      const rendered = await page
        .locator('[role=option]')
        .evaluateAll((els) =>
          els.map((e) => [Number(e.getAttribute('aria-posinset')), (e as HTMLElement).dataset.id]),
        );
      expect(rendered.map(([pos]) => pos)).toEqual(rendered.map((_, i) => i + 1));
      expect(new Set(rendered.map(([, rid]) => rid)).size).toBe(rendered.length);
    } finally {
      await page.close();
    }
  });

  it('at phone size (the compact view) loads more active visitors as the agent goes down, and End reaches the last one', async () => {
    const { page, pages } = await openAgent(390);
    try {
      await page.locator('.list.compact').waitFor();
      const first = page.locator('[role=option][tabindex="0"]');
      await first.waitFor();
      await first.focus();
      await page.keyboard.press('End');
      // The focused row's place and the list's size, read together: a feed update may take
      // that row out of the compact view (its visitor went idle) right after.
      let size = 0;
      const last = () =>
        page.evaluate(() => {
          const a = document.activeElement;
          const busy = document.getElementById('visitor-panel')?.getAttribute('aria-busy');
          const at = a?.getAttribute('aria-posinset');
          return busy == 'false' && at && at == a?.getAttribute('aria-setsize') ? Number(at) : 0;
        });
      await expect.poll(async () => (size = await last()), { timeout: 10_000 }).toBeGreaterThan(0);
      // Past the first answer's 50 rows: the compact view loaded on (it used to stop there).
      expect(pages.length).toBeGreaterThan(1);
      const { counts } = await api<List>('/api/visitors?limit=1');
      expect(size).toBeGreaterThan(50);
      expect(Math.abs(size - counts.active)).toBeLessThanOrEqual(5);
      expect(await page.locator('[role=option]').count()).toBeLessThan(60);
    } finally {
      await page.close();
    }
  });

  it('keeps the rows the agent reads in place when visitors arrive above them, and offers a button up to them', async () => {
    // Enough rows to scroll (the tests before leave hundreds; alone, it brings its own).
    if ((await api<List>('/api/visitors?limit=1')).counts.all < 60) {
      const crowd = await Promise.all(
        Array.from({ length: 60 }, (_, j) => wsVisitor(server.url, 2000 + j, 'below')),
      );
      sockets.push(...crowd.map((v) => v.ws));
    }
    const { page } = await openAgent(1200);
    try {
      await page.locator('.feed.live').waitFor();
      await page.locator('[role=option]').first().waitFor();
      // The agent scrolls down with the wheel and reads the rows there.
      const view = page.locator('.viewport');
      await view.hover();
      await page.mouse.wheel(0, 1500);
      await expect.poll(() => view.evaluate((el) => el.scrollTop)).toBeGreaterThan(1000);
      await page.waitForTimeout(300);
      /** The first row wholly in view, and its distance from the top of the view. */
      const reading = () =>
        page.evaluate(() => {
          const top = document.querySelector('.viewport')!.getBoundingClientRect().top;
          const row = [...document.querySelectorAll<HTMLElement>('[role=option]')].find(
            (r) => r.getBoundingClientRect().top >= top - 1,
          )!;
          return [row.dataset.id, Math.round(row.getBoundingClientRect().top - top)] as const;
        });
      const before = await reading();
      const button = page.getByRole('button', { name: /new visitors? above/ });
      expect(await button.count()).toBe(0);
      const arrived = await Promise.all(
        Array.from({ length: 3 }, (_, j) => wsVisitor(server.url, 3000 + j, 'above')),
      );
      sockets.push(...arrived.map((v) => v.ws));
      await expect.poll(() => button.count(), { timeout: 10_000 }).toBe(1);
      await expect
        .poll(() => button.textContent(), { timeout: 10_000 })
        .toBe('↑ 3 new visitors above');
      // The rows in view did not move.
      expect(await reading()).toEqual(before);
      expect(await button.evaluate((b) => b.closest('[role=status]') != null)).toBe(true);
      // Shown at the top of the view.
      const [b, v] = await Promise.all([button.boundingBox(), view.boundingBox()]);
      expect(b!.y).toBeGreaterThanOrEqual(v!.y);
      expect(b!.y + b!.height).toBeLessThan(v!.y + 80);
      // By keyboard: Tab from the filter tabs reaches it, before the list; Enter goes to the top,
      // the focus on the first visitor, one of those who arrived, and the button goes.
      await page.locator('[role=tab][aria-selected=true]').focus();
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 80))).toContain(
        'new visitors above',
      );
      await page.keyboard.press('Enter');
      await expect.poll(() => button.count()).toBe(0);
      expect(await view.evaluate((el) => el.scrollTop)).toBe(0);
      const first = await page.evaluate(() => [
        document.activeElement?.getAttribute('aria-posinset'),
        (document.activeElement as HTMLElement).dataset.id?.slice(0, 5),
      ]);
      expect(first).toEqual(['1', 'above']);
    } finally {
      await page.close();
    }
  });
});
