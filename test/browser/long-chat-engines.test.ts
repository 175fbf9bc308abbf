import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { describeEngines, launchEngine, type EngineBrowser, type EnginePage } from './engines';
import { requireBuilt, type Served } from './harness';
import { serveShop } from './ui-harness';

/**
 * The message list's scroller has its scroll origin at its bottom (a column-reverse flex box,
 * scrollTop 0 at the bottom and negative above): a live message grows the list upwards and the
 * view stays at the bottom with no scroll (a scroll costs a frame and a scroll event per message,
 * issue 11). That origin is each engine's own behaviour, hence this file in all three.
 */

/**
 * What the list shows: rendered message numbers, how far the end of the list is below the view's
 * bottom (measured on screen, whatever the scroll origin: -16 at the bottom, the list's padding),
 * scroll events heard.
 */
interface View {
  numbers: number[];
  below: number;
  scrolls: number;
  pill: string | null;
  /** Where message `probe`'s bubble is on screen (null: not rendered). */
  probeY: number | null;
}

const view = (page: EnginePage, probe = 0) =>
  page.evaluate<View, number>((probe) => {
    const root = document.querySelector('[data-visitor-chat]')!.shadowRoot!;
    const list = root.querySelector('.ls') as HTMLElement & { scrolls?: number };
    if (list.scrolls === undefined) {
      list.scrolls = 0;
      list.addEventListener('scroll', () => list.scrolls!++);
    }
    const number = (b: Element) => Number(/^Message (\d+)/.exec(b.textContent!)?.[1] ?? 0);
    const bubbles = Array.from(list.querySelectorAll('li.m:not(.ty) .bb'));
    const probed = bubbles.find((b) => number(b) == probe);
    return {
      numbers: bubbles.map(number),
      below:
        Array.from(list.querySelectorAll('li')).pop()!.getBoundingClientRect().bottom -
        list.getBoundingClientRect().bottom,
      scrolls: list.scrolls,
      pill: root.querySelector('.nw')?.textContent ?? null,
      probeY: probed ? probed.getBoundingClientRect().top : null,
    };
  }, probe);

/** A live agent message from the page's memory server. */
const say = (page: EnginePage, text: string) =>
  page.evaluate<void, string>((t) => {
    (
      window as unknown as { chat: { server: { say(t: string, o: unknown): void } } }
    ).chat.server.say(t, { name: 'Eva' });
  }, text);

/** Two frames: what a scroll or a message renders is drawn. */
const frames = (page: EnginePage) =>
  page.evaluate<void>(
    () => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))),
  );

const WAIT = { timeout: 10_000 };
/** `below` at the bottom: the list's 16 px bottom padding, within 4 px (Firefox scrolls in fractions). */
const AT_BOTTOM = -12;

describeEngines('live messages into a long conversation', (engine) => {
  let browser: EngineBrowser;
  let site: Served;
  let page: EnginePage | undefined;
  const problems: string[] = [];

  beforeAll(async () => {
    requireBuilt('widget.js', 'chat.js', 'ui.js');
    site = await serveShop();
    browser = await launchEngine(engine);
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  afterEach(async () => {
    await page?.close();
    expect(problems.splice(0)).toEqual([]);
  });

  it('lays a short chat out from the top: agent rows left, visitor rows right, days centred, 6 px apart', async () => {
    const p = (page = await browser.newPage({ viewport: { width: 1024, height: 720 } }));
    p.on('pageerror', (e) => problems.push('pageerror: ' + e.message));
    await p.goto(site.url + '/?history=3');
    await p.locator('[data-visitor-chat] .ln').click();
    await expect.poll(async () => (await view(p)).numbers.at(-1), WAIT).toBe(3);
    await p.locator('[data-visitor-chat] #vc-in').click();
    await p.keyboard.type('Hello from the visitor');
    await p.keyboard.press('Enter');
    await p.locator('[data-visitor-chat] .ls .m.v').waitFor();
    await frames(p);
    const boxes = await p.evaluate(() => {
      const root = document.querySelector('[data-visitor-chat]')!.shadowRoot!;
      const box = (el: Element) => {
        const r = el.getBoundingClientRect();
        return { top: r.top, bottom: r.bottom, left: r.left, right: r.right };
      };
      return {
        list: box(root.querySelector('.ls')!),
        days: Array.from(root.querySelectorAll('.ls .dy'), box),
        agent: Array.from(root.querySelectorAll('.ls .m.a'), box),
        visitor: Array.from(root.querySelectorAll('.ls .m.v'), box),
      };
    });
    const { list, days, agent, visitor } = boxes;
    const near = (a: number, b: number, what: string) =>
      expect(Math.abs(a - b), `${what}: ${a} vs ${b}`).toBeLessThanOrEqual(1);
    // The list's padding is 12 px 14 px 16 px and a day separator has 12 px above it; the first
    // row is at the top of the list, not at its bottom.
    expect(days.length).toBe(1);
    near(days[0]!.top, list.top + 24, 'day separator at the top');
    near((days[0]!.left + days[0]!.right) / 2, (list.left + list.right) / 2, 'day centred');
    expect(agent.length).toBe(3);
    for (const a of agent) {
      near(a.left, list.left + 14, 'agent row left');
      near(a.right - a.left, 0.85 * (list.right - list.left - 28), 'agent row 85% wide');
    }
    for (let i = 1; i < agent.length; i++)
      near(agent[i]!.top - agent[i - 1]!.bottom, 6, 'rows apart');
    near(visitor[0]!.right, list.right - 14, 'visitor row right');
    near(visitor[0]!.top - agent[2]!.bottom, 6, 'visitor row below');
    expect(visitor[0]!.right - visitor[0]!.left).toBeLessThan(0.85 * (list.right - list.left - 28));
  });

  it('stays at the bottom without scrolling, and reading above, keeps the view and counts', async () => {
    const p = (page = await browser.newPage({ viewport: { width: 1024, height: 720 } }));
    p.on('pageerror', (e) => problems.push('pageerror: ' + e.message));
    p.on('console', (m) => {
      if (m.type() == 'error' || m.text().includes('[visitor-chat]'))
        problems.push(m.type() + ': ' + m.text());
    });
    await p.goto(site.url + '/?history=120');
    await p.locator('[data-visitor-chat] .ln').click();
    await expect.poll(async () => (await view(p)).numbers.at(-1), WAIT).toBe(120);
    await frames(p);
    const open = await view(p);
    expect(open.below).toBeLessThanOrEqual(AT_BOTTOM);
    expect(open.numbers.length).toBeGreaterThan(5);

    // At the bottom: each live message is drawn below the last, the view stays at the bottom,
    // and nothing scrolls (not even by the widget putting the view back).
    const scrolls = (await view(p)).scrolls;
    for (const n of [121, 122, 123]) {
      await say(p, `Message ${n} live`);
      await expect.poll(async () => (await view(p)).numbers.at(-1), WAIT).toBe(n);
      await frames(p);
      const v = await view(p);
      expect(v.below).toBeLessThanOrEqual(AT_BOTTOM);
      expect(v.pill).toBeNull();
    }
    expect((await view(p)).scrolls).toBe(scrolls);

    // Reading above: a live message does not move what the visitor reads; the button counts it.
    await p.evaluate<void>(() => {
      const list = document.querySelector('[data-visitor-chat]')!.shadowRoot!.querySelector('.ls')!;
      list.scrollTop = -600;
    });
    await frames(p);
    await frames(p);
    const up = await view(p);
    expect(up.below).toBeGreaterThan(500);
    const probe = up.numbers.at(-4)!;
    const y0 = (await view(p, probe)).probeY!;
    expect(y0).not.toBeNull();
    await say(p, 'Message 124 live');
    await expect.poll(async () => (await view(p)).pill, WAIT).toBe('1 new message ↓');
    await frames(p);
    const after = await view(p, probe);
    expect(Math.abs(after.probeY! - y0)).toBeLessThanOrEqual(2);
    expect(after.below).toBeGreaterThan(500);
    // The button takes the visitor to the bottom, where the next message follows again.
    await p.locator('[data-visitor-chat] .nw').click();
    await expect.poll(async () => (await view(p)).below, WAIT).toBeLessThanOrEqual(AT_BOTTOM);
    expect((await view(p)).pill).toBeNull();
    await say(p, 'Message 125 live');
    await expect.poll(async () => (await view(p)).numbers.at(-1), WAIT).toBe(125);
    await frames(p);
    expect((await view(p)).below).toBeLessThanOrEqual(AT_BOTTOM);
  });
});
