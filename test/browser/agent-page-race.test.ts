import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import WebSocket from 'ws';
import { describeBrowser, launchBrowser, requireBuilt } from './harness';
import {
  agentApi,
  startRealServer,
  wsVisitor,
  type RealServer,
  type VisitorList as List,
} from './real-server';

/**
 * The Visitors page in real Chromium when the next page of the list and the live feed cross:
 * the server builds the page answer, a visitor of it leaves, the feed tells the page, and only
 * then does the answer arrive (held back by a route). The visitor who left must not come back.
 */
const TOKEN = 'agent-page-race-token-0123456789';

describeBrowser(
  'the agent Visitors page while a page of the list is on its way, in Chromium',
  () => {
    let browser: Browser;
    let server: RealServer;
    let agent: Page;
    const sockets = new Map<string, WebSocket>();
    const api = agentApi(() => server.url, TOKEN);

    beforeAll(async () => {
      requireBuilt('agent.js', 'agent.css');
      server = await startRealServer({ agentToken: TOKEN, keys: ['demo'] });
      browser = await launchBrowser();
      for (let i = 0; i < 130; i += 50) {
        const batch = await Promise.all(
          Array.from({ length: Math.min(50, 130 - i) }, (_, j) =>
            wsVisitor(server.url, i + j, 'race'),
          ),
        );
        for (const v of batch) sockets.set(v.vid, v.ws);
      }
    });

    afterAll(async () => {
      for (const ws of sockets.values()) ws.terminate();
      await browser?.close();
      await server?.close();
    });

    it('never shows again a visitor who left after the server built the next page and before it arrived', async () => {
      await expect
        .poll(async () => (await api<List>('/api/visitors?limit=1')).counts.all, {
          timeout: 15_000,
        })
        .toBe(130);
      agent = await browser.newPage({ viewport: { width: 1200, height: 800 } });
      // The next page: fetched from the server at once (the answer is built now), handed to the
      // page only when the test says.
      let built!: (body: List) => void;
      const answerBuilt = new Promise<List>((ok) => (built = ok));
      let release!: () => void;
      let answerOffset: string | null = null;
      const released = new Promise<void>((ok) => (release = ok));
      await agent.route(
        (u) => u.pathname == '/api/visitors' && (u.searchParams.get('offset') ?? '0') != '0',
        async (route) => {
          answerOffset = new URL(route.request().url()).searchParams.get('offset');
          const response = await route.fetch();
          const body = (await response.json()) as List;
          built(body);
          await released;
          await route.fulfill({ response });
        },
      );
      const asked: string[] = [];
      agent.on('request', (r) => {
        const u = new URL(r.url());
        if (u.pathname == '/api/visitors') asked.push(u.search);
      });
      await agent.goto(server.url + '/agent#token=' + TOKEN);
      await agent.locator('.feed.live').waitFor();
      const first = agent.locator('[role=option][tabindex="0"]');
      await first.waitFor();
      expect(await first.getAttribute('aria-setsize')).toBe('130');
      const loaded = await api<List>('/api/visitors?limit=50');
      // Scrolling to the end of the loaded rows asks for the next page.
      await agent.locator('.viewport').evaluate((v) => (v.scrollTop = v.scrollHeight));
      const answer = await answerBuilt;
      expect(typeof answer.lastEventId).toBe('string');
      const known = new Set(loaded.visitors.map((v) => v.id));
      const gone = answer.visitors.filter((v) => !known.has(v.id))[20]!.id;

      // The visitor leaves; the feed tells the page (its count drops) while the answer waits.
      sockets.get(gone)!.close();
      sockets.delete(gone);
      const allCount = () =>
        agent
          .getByRole('tab', { name: /^All/ })
          .locator('.count')
          .textContent()
          .then((t) => Number(t));
      await expect.poll(allCount, { timeout: 10_000 }).toBe(129);
      // From now on, any row of that visitor drawn is recorded.
      await agent.evaluate((id) => {
        const w = window as unknown as { shownGone: number };
        w.shownGone = 0;
        const seen = () => {
          if (document.querySelector(`[data-id="${id}"]`)) w.shownGone++;
        };
        new MutationObserver(seen).observe(document.body, { childList: true, subtree: true });
      }, gone);
      const answered = agent.waitForResponse(
        (r) => new URL(r.url()).searchParams.get('offset') == answerOffset,
      );
      release();

      // Through the whole list, as the agent scrolls it, every row loaded: the one who left is
      // never drawn.
      const ids = new Set<string>();
      const view = agent.locator('.viewport');
      await answered;
      await agent.waitForTimeout(100);
      await view.evaluate((v) => (v.scrollTop = 0));
      await agent.waitForTimeout(100);
      for (let i = 0; i < 60; i++) {
        const { done, rendered } = await view.evaluate((v) => {
          v.scrollTop += v.clientHeight / 2;
          return {
            done: v.scrollTop + v.clientHeight >= v.scrollHeight - 1,
            rendered: [...document.querySelectorAll<HTMLElement>('[role=option]')].map(
              (e) => e.dataset.id!,
            ),
          };
        });
        rendered.forEach((id) => ids.add(id));
        await agent.waitForTimeout(100);
        if (done && !(await agent.locator('.loading-more').count())) break;
      }
      await view.evaluate((v) => (v.scrollTop = v.scrollHeight));
      await expect
        .poll(() => agent.locator('.loading-more').count(), {
          timeout: 15_000,
          message: 'every row loaded; the list requests were ' + asked.join(' '),
        })
        .toBe(0);
      (
        await agent
          .locator('[role=option]')
          .evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.id!))
      ).forEach((id) => ids.add(id));
      expect(ids.has(gone)).toBe(false);
      expect(
        await agent.evaluate(() => (window as unknown as { shownGone: number }).shownGone),
      ).toBe(0);
      const all = await api<List>('/api/visitors?limit=500');
      expect(all.visitors.map((v) => v.id)).not.toContain(gone);
      expect([...ids].sort()).toEqual(all.visitors.map((v) => v.id).sort());
      expect(await agent.locator('[role=option]').first().getAttribute('aria-setsize')).toBe('129');
      await agent.close();
    });
  },
);
