import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { describeBrowser, launchBrowser, requireBuilt } from './harness';
import { agentApi } from './real-server';

/**
 * Issue 4's loop end to end, through the real widget UI and the real agent page: the reference
 * server in-process on a temporary SQLite file, a visitor on the demo site and the agent Visitors
 * page in two browser contexts. The visitor is driven through the launcher, the chat window and
 * the composer inside the widget's shadow root (Playwright's CSS locators pierce open shadow
 * roots); the agent through the list, the tabs, the detail panel and its composer. Finally the
 * server restarts on the same database file (and port) and the conversation is still there.
 *
 * The steps are one story and run in order: each `it` starts where the previous one ended.
 */
const SERVER = resolve(import.meta.dirname, '../../demo/server/server.ts');
const TOKEN = 'e2e-agent-token-0123456789abcdef';
/** Longest wait on any condition. */
const WAIT = 10_000;

interface Running {
  url: string;
  port: number;
  agentUrl: string;
  close(): Promise<void>;
}

interface ApiVisitor {
  id: string;
  active: boolean;
  chatting: boolean;
  blocked: boolean;
  online: boolean;
}

interface ApiMessage {
  from: string;
  text: string;
}

type StartServer = (options: Record<string, unknown>) => Promise<Running>;

// Chromium only: it drives the agent Visitors page (an agent's tool) with Playwright's role
// locators and network events; the visitor's side runs in every engine in e2e-engines.test.ts.
describeBrowser('issue 4 end to end: widget UI, agent page, real server, restart', () => {
  let browser: Browser;
  let server: Running;
  let startServer: StartServer;
  let quietLogger: unknown;
  let dir: string;
  let db: string;
  let visitor: Page;
  let agent: Page;
  let vid: string;
  const contexts: BrowserContext[] = [];
  /** Page errors, console errors and failed responses of every page. */
  const problems: string[] = [];
  /** Pages whose console errors and failed loads are expected: the server is down under them. */
  const quiet = new Set<Page>();

  const OPENING = 'Hello from the agent page! Need a hand?';
  const REPLY = 'Yes please, which plan has chat history?';
  const API_TEXT = 'Pro keeps it forever (sent through the API).';

  /** The widget inside its shadow root on the visitor page. */
  const widget = (sel: string): Locator => visitor.locator('[data-visitor-chat] ' + sel);
  /** Texts of the widget's message list (agent `.m.a`, visitor `.m.v`). */
  const bubbles = (kind: 'a' | 'v') => widget('.ls .m.' + kind + ' .bb').allTextContents();
  /** Texts of the agent page's conversation in the detail panel. */
  const agentMessages = () => agent.locator('.detail .messages .msg-text').allTextContents();

  const api = agentApi(() => server.url, TOKEN);

  /** Starts a server on `db`; with `port`, retries a few times while the port is still taken. */
  async function start(port = 0): Promise<Running> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await startServer({
          port,
          host: '127.0.0.1',
          db,
          agentToken: TOKEN,
          plan: 'pro',
          log: quietLogger,
        });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code != 'EADDRINUSE' || attempt >= 20) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  async function open(url: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    const name = url.includes('/agent') ? 'agent' : 'visitor';
    page.on('pageerror', (e) => problems.push(name + ' pageerror: ' + e.message));
    page.on('console', (m) => {
      if (quiet.has(page)) return;
      if (
        (m.type() == 'error' && !m.text().startsWith('Failed to load resource')) ||
        m.text().includes('[visitor-chat]')
      )
        problems.push(name + ' ' + m.type() + ': ' + m.text());
    });
    page.on('response', (r) => {
      if (!quiet.has(page) && r.status() >= 400 && !r.url().endsWith('/favicon.ico'))
        problems.push(name + ': ' + r.status() + ' ' + r.url());
    });
    await page.goto(url);
    return page;
  }

  /** Opens the widget's chat window with the launcher, unless it is open already. */
  async function openChat() {
    await widget('.ln').waitFor({ state: 'visible' });
    if (!(await widget('[role=dialog]').count())) await widget('.ln').click();
    await widget('[role=dialog]').waitFor({ state: 'visible' });
  }

  /** Selects the filter tab `name` on the agent page and waits until it is the selected one. */
  async function tab(name: RegExp) {
    const t = agent.getByRole('tab', { name });
    await t.click();
    await expect.poll(() => t.getAttribute('aria-selected'), { timeout: WAIT }).toBe('true');
  }

  beforeAll(async () => {
    requireBuilt('agent.js', 'agent.css', 'widget.js', 'chat.js', 'ui.js');
    ({ startServer } = (await import(SERVER)) as { startServer: StartServer });
    ({ quietLogger } = await import('../../demo/server/log'));
    dir = await mkdtemp(join(tmpdir(), 'visitor-chat-e2e-'));
    db = join(dir, 'chat.db');
    server = await start();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  afterEach(() => {
    expect(problems.splice(0)).toEqual([]);
  });

  it('lists an interacting visitor under Active on the agent page and in the API', async () => {
    visitor = await open(server.url + '/');
    await widget('.ln').waitFor({ state: 'visible' });
    await visitor.waitForFunction(
      () => !!(window as unknown as { smartsupp?: { vid?: string } }).smartsupp?.vid,
    );
    vid = await visitor.evaluate(
      () => (window as unknown as { smartsupp: { vid: string } }).smartsupp.vid,
    );
    expect(vid).toBeTruthy();
    // Real interaction on the page: that is what makes a visitor "Active" (docs/AGENT-API.md).
    await visitor.mouse.move(300, 300);
    await visitor.mouse.move(320, 340, { steps: 4 });
    await visitor.mouse.click(400, 120);

    agent = await open(server.agentUrl);
    await agent.locator('[role=tablist]').waitFor();
    expect(agent.url()).toBe(server.url + '/agent');
    await tab(/^Active/);
    await agent.locator(`.row[data-id="${vid}"]`).waitFor();
    await expect
      .poll(() => agent.getByRole('tab', { name: /^Active/ }).textContent(), { timeout: WAIT })
      .toMatch(/Active\s*1\b/);

    const active = await api<{ visitors: ApiVisitor[]; counts: { active: number } }>(
      '/api/visitors?filter=active',
    );
    expect(active.visitors.map((v) => v.id)).toEqual([vid]);
    expect(active.visitors[0]).toMatchObject({ online: true, active: true, blocked: false });
    expect(active.counts.active).toBe(1);
  });

  it('opens a conversation from the agent page; the visitor answers in the widget', async () => {
    // The agent selects the row, writes the first message and opens the conversation.
    await agent.locator(`.row[data-id="${vid}"]`).click();
    await agent.locator('.detail h2').waitFor();
    await agent.locator('#composer-text').fill(OPENING);
    await agent.getByRole('button', { name: 'Open a conversation' }).click();
    await agent.getByRole('button', { name: 'Send', exact: true }).waitFor();
    await expect.poll(agentMessages, { timeout: WAIT }).toEqual([OPENING]);

    // The closed widget shows it: the preview above the launcher with the agent's text, and
    // the unread badge on the launcher.
    await widget('.pv .pvt').filter({ hasText: OPENING }).waitFor({ state: 'visible' });
    await widget('.ln .bd').waitFor({ state: 'visible' });
    expect(await widget('.ln .bd').textContent()).toBe('1');
    expect(await widget('.ln').getAttribute('aria-label')).toMatch(/unread messages: 1/);

    // The visitor opens the chat with the launcher and sees the agent's message in the list.
    await widget('.ln').click();
    await widget('[role=dialog]').waitFor({ state: 'visible' });
    await expect.poll(() => bubbles('a'), { timeout: WAIT }).toEqual([OPENING]);
    await widget('.ln .bd').waitFor({ state: 'detached' });
    await widget('.pv').waitFor({ state: 'detached' });

    // They type a reply in the composer and press Enter.
    await widget('#vc-in').click();
    await visitor.keyboard.type(REPLY);
    await visitor.keyboard.press('Enter');
    await expect.poll(() => bubbles('v'), { timeout: WAIT }).toEqual([REPLY]);
    await expect.poll(() => widget('#vc-in').inputValue(), { timeout: WAIT }).toBe('');
    await expect
      .poll(() => widget('.ls .m.v .mt').textContent(), { timeout: WAIT })
      .toMatch(/Sent|Delivered|Read/);

    // The agent page shows the reply in the detail panel (and as the row's last message).
    await expect.poll(agentMessages, { timeout: WAIT }).toEqual([OPENING, REPLY]);
    await agent.locator(`.row[data-id="${vid}"]`, { hasText: REPLY }).waitFor();
  });

  it('delivers an agent message sent through the API into the open chat window', async () => {
    await api(`/api/visitors/${vid}/messages`, {
      method: 'POST',
      body: JSON.stringify({ text: API_TEXT }),
    });
    await expect.poll(() => bubbles('a'), { timeout: WAIT }).toEqual([OPENING, API_TEXT]);
    await widget('[role=dialog]').waitFor({ state: 'visible' });
    await expect.poll(agentMessages, { timeout: WAIT }).toEqual([OPENING, REPLY, API_TEXT]);
  });

  it('Block on the agent page hides the widget live; Unblock brings it back', async () => {
    const head = agent.locator('.detail-head');
    await head.getByRole('button', { name: 'Block', exact: true }).click();
    // The widget host stays in the page but renders nothing: no launcher, no chat window.
    await widget('.ln').waitFor({ state: 'detached' });
    await widget('[role=dialog]').waitFor({ state: 'detached' });
    expect(
      await visitor.evaluate(
        () => document.querySelector('[data-visitor-chat]')?.shadowRoot?.childElementCount ?? 0,
      ),
    ).toBe(0);

    await head.getByRole('button', { name: 'Unblock', exact: true }).waitFor();
    await tab(/^Blocked/);
    await agent.locator(`.row[data-id="${vid}"]`).waitFor();
    await expect
      .poll(() => agent.getByRole('tab', { name: /^Blocked/ }).textContent(), { timeout: WAIT })
      .toMatch(/Blocked\s*1\b/);
    const blocked = await api<{ visitors: ApiVisitor[] }>('/api/visitors?filter=blocked');
    expect(blocked.visitors.map((v) => [v.id, v.blocked])).toEqual([[vid, true]]);

    await head.getByRole('button', { name: 'Unblock', exact: true }).click();
    await widget('.ln').waitFor({ state: 'visible' });
    await head.getByRole('button', { name: 'Block', exact: true }).waitFor();
    await agent.locator(`.row[data-id="${vid}"]`).waitFor({ state: 'detached' });
    expect(
      (await api<{ visitors: ApiVisitor[] }>('/api/visitors?filter=blocked')).visitors,
    ).toEqual([]);
    // The conversation is intact once the widget is back.
    await openChat();
    await expect.poll(() => bubbles('a'), { timeout: WAIT }).toEqual([OPENING, API_TEXT]);
    await expect.poll(() => bubbles('v'), { timeout: WAIT }).toEqual([REPLY]);
  });

  it('keeps the conversation across a server restart on the same database file', async () => {
    const oldUrl = server.url;
    quiet.add(visitor).add(agent);
    await server.close();
    // Same port, so the visitor page keeps its origin and with it the IndexedDB that holds the
    // visitor id and token.
    server = await start(server.port);
    expect(server.url).toBe(oldUrl);

    const detail = await api<ApiVisitor & { messages: ApiMessage[] }>(`/api/visitors/${vid}`);
    expect(detail.messages.map((m) => [m.from, m.text])).toEqual([
      ['agent', OPENING],
      ['visitor', REPLY],
      ['agent', API_TEXT],
    ]);
    expect(detail.blocked).toBe(false);

    // The visitor reloads the page: same visitor, and the chat window still has everything.
    await visitor.reload();
    quiet.delete(visitor);
    await visitor.waitForFunction(
      () => !!(window as unknown as { smartsupp?: { vid?: string } }).smartsupp?.vid,
    );
    expect(
      await visitor.evaluate(
        () => (window as unknown as { smartsupp: { vid: string } }).smartsupp.vid,
      ),
    ).toBe(vid);
    await openChat();
    await expect.poll(() => bubbles('a'), { timeout: WAIT }).toEqual([OPENING, API_TEXT]);
    await expect.poll(() => bubbles('v'), { timeout: WAIT }).toEqual([REPLY]);

    // The agent page on the new server (token kept in sessionStorage) shows the conversation.
    await agent.reload();
    quiet.delete(agent);
    await agent.locator('[role=tablist]').waitFor();
    await tab(/^All/);
    await agent.locator(`.row[data-id="${vid}"]`).click();
    await agent.locator('.detail h2').waitFor();
    await expect.poll(agentMessages, { timeout: WAIT }).toEqual([OPENING, REPLY, API_TEXT]);
    await agent.getByRole('button', { name: 'Send', exact: true }).waitFor();
  });

  it('keeps what the visitor typed and did not send across a reload (README: the draft)', async () => {
    await openChat();
    await widget('textarea').fill('Half a thought');
    // A person stops typing, then reloads a moment later.
    await visitor.waitForTimeout(1500);
    await visitor.reload();
    await openChat();
    await expect
      .poll(() => widget('textarea').inputValue(), { timeout: WAIT })
      .toBe('Half a thought');
    // Sent, it is no draft: the next page starts empty.
    await widget('textarea').press('Enter');
    await expect.poll(() => bubbles('v'), { timeout: WAIT }).toEqual([REPLY, 'Half a thought']);
    await visitor.waitForTimeout(1500);
    await visitor.reload();
    await openChat();
    await expect.poll(() => bubbles('v'), { timeout: WAIT }).toEqual([REPLY, 'Half a thought']);
    expect(await widget('textarea').inputValue()).toBe('');
  });
});
