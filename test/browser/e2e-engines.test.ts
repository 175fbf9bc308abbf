import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { buildSnippetHtml } from '../../src/loader';
import { describeEngines, launchEngine, type EngineBrowser, type EnginePage } from './engines';
import { requireBuilt, serve, type Served } from './harness';
import { agentApi, connectAgent, startRealServer, type RealServer } from './real-server';

/**
 * The visitor's side of issue 4's loop in every engine: the real widget on a shop page, over a
 * real WebSocket to the reference server, with the agent acting through the agent API (its
 * Visitors page, an agent's tool, is driven in Chromium by e2e.test.ts). The agent writes
 * first, the visitor sees the preview and badge, opens the chat, answers by keyboard; the agent
 * blocks and unblocks; a second tab of the same visitor mirrors the chat (BroadcastChannel, Web
 * Locks); a reload keeps the visitor and the conversation (IndexedDB).
 *
 * The steps are one story and run in order: each `it` starts where the previous one ended.
 */
const TOKEN = 'engines-agent-token-0123456789abcdef';
const KEY = 'engines-key';
const WAIT = 15_000;
const OPENING = 'Hello! Need a hand with your order?';
const REPLY = 'Yes please, where is my parcel?';
const ANSWER = 'On its way, it arrives tomorrow.';
const LAST = 'Anything else?';

/** `expect.poll` with this file's bound (the default second is short for a busy machine). */
const poll = <T>(fn: () => Promise<T>) => expect.poll(fn, { timeout: WAIT });

interface ApiMessage {
  from: string;
  text: string;
}

describeEngines('the visitor side of the agent loop, against the real server', (engine) => {
  let browser: EngineBrowser;
  let server: RealServer;
  let site: Served;
  let feed: AbortController | undefined;
  let context: Awaited<ReturnType<EngineBrowser['newContext']>> | undefined;
  let visitor: EnginePage;
  let vid: string;
  const problems: string[] = [];
  const api = agentApi(() => server.url, TOKEN);
  const stored = async () =>
    (await api<{ messages: ApiMessage[] }>('/api/visitors/' + vid)).messages.map(
      (m) => m.from + ': ' + m.text,
    );
  const w = (page: EnginePage, sel: string) => page.locator('[data-visitor-chat] ' + sel);
  const bubbles = (page: EnginePage, kind: 'a' | 'v') =>
    w(page, '.ls .m.' + kind + ' .bb').allTextContents();

  async function openTab(): Promise<EnginePage> {
    const page = await context!.newPage();
    page.setDefaultTimeout(WAIT);
    page.on('pageerror', (e) => problems.push('pageerror: ' + e.message));
    page.on('console', (m) => {
      if (m.type() == 'error' || m.text().includes('[visitor-chat]'))
        problems.push(m.type() + ': ' + m.text());
    });
    await page.goto(site.url + '/');
    await w(page, '.ln').waitFor({ state: 'visible' });
    return page;
  }

  beforeAll(async () => {
    requireBuilt('widget.js', 'chat.js', 'ui.js');
    server = await startRealServer({ agentToken: TOKEN, keys: [KEY], botDelayMs: 60_000 });
    feed = await connectAgent(server, TOKEN);
    site = await serve({
      '/':
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>' +
        buildSnippetHtml('/widget.js', { key: KEY, server: server.url }) +
        '</head><body><h1>Shop</h1><button id="buy">Buy</button></body></html>',
    });
    browser = await launchEngine(engine);
    context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
  });

  afterAll(async () => {
    feed?.abort();
    await context?.close().catch(() => {});
    await browser?.close();
    await site?.close();
    await server?.close();
  });

  afterEach(() => {
    expect(problems.splice(0)).toEqual([]);
  });

  it('the agent writes first: preview and unread badge; the visitor answers by keyboard', async () => {
    visitor = await openTab();
    vid = await visitor.waitForFunction(
      () => (window as unknown as { smartsupp: { vid?: string } }).smartsupp.vid!,
    );
    await poll(
      async () => (await api<{ visitors: { id: string }[] }>('/api/visitors')).visitors,
    ).toEqual([expect.objectContaining({ id: vid, online: true })]);
    await api(`/api/visitors/${vid}/conversation`, {
      method: 'POST',
      body: JSON.stringify({ text: OPENING }),
    });
    await w(visitor, '.pv .pvt').waitFor();
    expect(await w(visitor, '.pv .pvt').textContent()).toBe(OPENING);
    await poll(() => w(visitor, '.ln .bd').textContent()).toBe('1');

    await w(visitor, '.ln').click();
    await w(visitor, '[role=dialog]').waitFor();
    await poll(() => bubbles(visitor, 'a')).toEqual([OPENING]);
    await w(visitor, '.ln .bd').waitFor({ state: 'detached' });
    await w(visitor, '#vc-in').click();
    await visitor.keyboard.type(REPLY);
    await visitor.keyboard.press('Enter');
    await poll(() => bubbles(visitor, 'v')).toEqual([REPLY]);
    await poll(stored).toEqual(['agent: ' + OPENING, 'visitor: ' + REPLY]);
  });

  it('a second tab of the visitor mirrors the chat, and a reply reaches both', async () => {
    const second = await openTab();
    expect(
      await second.evaluate(
        () => (window as unknown as { smartsupp: { vid?: string } }).smartsupp.vid,
      ),
    ).toBe(vid);
    // The conversation so far is here too, stored by the first tab.
    if (!(await w(second, '[role=dialog]').count())) await w(second, '.ln').click();
    await w(second, '[role=dialog]').waitFor();
    await poll(() => bubbles(second, 'v')).toEqual([REPLY]);
    await api(`/api/visitors/${vid}/messages`, {
      method: 'POST',
      body: JSON.stringify({ text: ANSWER }),
    });
    for (const page of [visitor, second])
      await poll(() => bubbles(page, 'a')).toEqual([OPENING, ANSWER]);
    // One visitor, online once, whichever tab holds the connection.
    const { visitors } = await api<{ visitors: { id: string }[] }>('/api/visitors');
    expect(visitors.map((v) => v.id)).toEqual([vid]);
    await second.close();
  });

  it('blocking hides the widget live; unblocking brings it back with the conversation', async () => {
    await api(`/api/visitors/${vid}/block`, { method: 'POST' });
    await w(visitor, '.ln').waitFor({ state: 'detached' });
    expect(
      await visitor.evaluate(
        () => document.querySelector('[data-visitor-chat]')?.shadowRoot?.childElementCount ?? 0,
      ),
    ).toBe(0);
    await api(`/api/visitors/${vid}/block`, { method: 'DELETE' });
    await w(visitor, '.ln').waitFor();
    if (!(await w(visitor, '[role=dialog]').count())) await w(visitor, '.ln').click();
    await poll(() => bubbles(visitor, 'a')).toEqual([OPENING, ANSWER]);
  });

  it('after a reload the same visitor has the same conversation', async () => {
    await visitor.goto(site.url + '/');
    await w(visitor, '.ln').waitFor();
    expect(
      await visitor.waitForFunction(
        () => (window as unknown as { smartsupp: { vid?: string } }).smartsupp.vid,
      ),
    ).toBe(vid);
    if (!(await w(visitor, '[role=dialog]').count())) await w(visitor, '.ln').click();
    await poll(() => bubbles(visitor, 'a')).toEqual([OPENING, ANSWER]);
    await poll(() => bubbles(visitor, 'v')).toEqual([REPLY]);
    await poll(stored).toEqual(['agent: ' + OPENING, 'visitor: ' + REPLY, 'agent: ' + ANSWER]);
  });

  it('a message that arrived just before a reload is there after it', async () => {
    // The device's copy of the conversation is written up to a second late (core/delivery.ts):
    // the reload comes well within that second, and the message must still show.
    await api(`/api/visitors/${vid}/messages`, {
      method: 'POST',
      body: JSON.stringify({ text: LAST }),
    });
    await poll(() => bubbles(visitor, 'a')).toEqual([OPENING, ANSWER, LAST]);
    await visitor.goto(site.url + '/');
    await w(visitor, '.ln').waitFor();
    if (!(await w(visitor, '[role=dialog]').count())) await w(visitor, '.ln').click();
    await poll(() => bubbles(visitor, 'a')).toEqual([OPENING, ANSWER, LAST]);
    await poll(() => bubbles(visitor, 'v')).toEqual([REPLY]);
  });
});
