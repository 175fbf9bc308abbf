import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { describeEngines, launchEngine, type EngineBrowser, type EnginePage } from './engines';
import { describeBrowser, launchBrowser, requireBuilt, type Served } from './harness';
import { differ, drawn, shownAt } from './pixels';
import { chat, serveShop, shopPage } from './ui-harness';

/** The page's command function and what the test records there. */
type Host = Window & { smartsupp(...args: unknown[]): void; unread: number[] };

/** Runs `fn` on the widget's shadow root in the page (an engine's page or Playwright's). */
const inRoot = <T>(
  page: { evaluate(expression: string): Promise<unknown> },
  fn: (root: ShadowRoot) => T,
) =>
  page.evaluate(`(${fn})(document.querySelector('[data-visitor-chat]').shadowRoot)`) as Promise<T>;

/**
 * The launcher's speech bubble (CSS on an empty element, no SVG): its size, its colour and its
 * tail's, against the launcher's text colour, and whether the root holds any SVG.
 */
const bubble = (root: ShadowRoot) => {
  const ln = root.querySelector('.ln') as HTMLElement;
  const ic = ln.querySelector('.ic') as HTMLElement;
  const r = ic.getBoundingClientRect();
  const s = getComputedStyle(ic);
  return {
    size: [r.width, r.height],
    fill: s.backgroundColor == getComputedStyle(ln).color,
    tail: getComputedStyle(ic, '::after').borderTopColor == getComputedStyle(ln).color,
    shown: s.backgroundColor != getComputedStyle(ln).backgroundColor,
    svg: !!root.querySelector('.ln svg'),
  };
};
const BUBBLE = { size: [23, 19], fill: true, tail: true, shown: true, svg: false };

describeEngines('the launcher before the UI chunk', (engine) => {
  let browser: EngineBrowser;
  let site: Served;
  let page: EnginePage | undefined;
  /** Holds every ui.js response until the current visit releases it. */
  let gate: Promise<void> = Promise.resolve();
  let release: () => void = () => {};
  const problems: string[] = [];

  beforeAll(async () => {
    requireBuilt('widget.js', 'chat.js', 'ui.js');
    site = await serveShop({
      '/': shopPage(),
      // The page opens the chat at once: the command waits in the snippet's queue.
      '/open': shopPage().replace('</head>', "<script>smartsupp('chat:open')</script></head>"),
      '/ui.js': { file: 'ui.js', hold: () => gate },
    });
    browser = await launchEngine(engine);
  });

  afterAll(async () => {
    release();
    await browser?.close();
    await site?.close();
  });

  afterEach(async () => {
    release();
    await page?.close();
    expect(problems.splice(0)).toEqual([]);
  });

  /**
   * Opens the shop (a fresh profile, so nothing is cached) with ui.js held until `release()`;
   * `uiRequests()` counts this visit's requests for it. The shell's launcher is drawn (chat.js
   * loaded) when this resolves.
   */
  async function visit() {
    gate = new Promise<void>((r) => (release = r));
    const from = site.requests.length;
    const requests = (path: string) =>
      site.requests.slice(from).filter((r) => r.path == path).length;
    const uiRequests = () => requests('/ui.js');
    const filesRequests = () => requests('/files.js');
    const conversationRequests = () => requests('/conversation.js');
    const rulesRequests = () => requests('/rules.js');
    const opened = (page = await browser.newPage({ viewport: { width: 1024, height: 720 } }));
    opened.on('pageerror', (e) => problems.push('pageerror: ' + e.message));
    opened.on('console', (m) => {
      if (m.type() == 'error' || m.text().includes('[visitor-chat]'))
        problems.push(m.type() + ': ' + m.text());
    });
    await opened.goto(site.url + '/');
    await opened.locator('[data-visitor-chat] .ln').waitFor({ state: 'visible' });
    return {
      page: opened,
      uiRequests,
      filesRequests,
      conversationRequests,
      rulesRequests,
      release,
    };
  }

  it('draws the launcher without requesting ui.js until the visitor comes near it', async () => {
    const { page, uiRequests, filesRequests, conversationRequests } = await visit();
    // The page has loaded and the shell has drawn the launcher (chat.js ran): no ui.js yet.
    await page.waitForFunction(() => document.readyState == 'complete');
    expect(uiRequests()).toBe(0);
    expect(filesRequests()).toBe(0);
    const info = await inRoot(page, (root) => {
      const ln = root.querySelector('.ln') as HTMLElement;
      const r = ln.getBoundingClientRect();
      return {
        label: ln.getAttribute('aria-label'),
        box: [Math.round(innerWidth - r.right), Math.round(innerHeight - r.bottom), r.width],
        bg: getComputedStyle(ln).backgroundColor,
      };
    });
    // The hostile page CSS does not reach it; it sits where the UI's launcher sits.
    expect(info).toEqual({ label: 'Open chat', box: [12, 24, 56], bg: 'rgb(37, 99, 235)' });
    expect(await inRoot(page, bubble)).toEqual(BUBBLE);
    await page.locator('[data-visitor-chat] .ln').hover();
    await expect.poll(() => uiRequests()).toBe(1);
    // Nobody chats (the welcome came with an empty conversation): conversation.js never loads.
    await page.waitForFunction(() =>
      (
        window as unknown as { chat: { server: { received: { t: string }[] } } }
      ).chat.server.received.some((f) => f.t == 'hello'),
    );
    expect(conversationRequests()).toBe(0);
  });

  it("fetches the rule engine only once a rule could fire: the site's one rule waits for a trigger", async () => {
    const { page, rulesRequests, release } = await visit();
    await page.waitForFunction(() =>
      (
        window as unknown as { chat: { server: { received: { t: string }[] } } }
      ).chat.server.received.some((f) => f.t == 'hello'),
    );
    // An absence cannot be polled for: give the welcome (20 ms away) and its rules time to land.
    // Loading the engine for them at once would have asked for rules.js well within this.
    await page.waitForTimeout(750);
    expect(rulesRequests()).toBe(0);
    await page.evaluate(() => (window as unknown as Host).smartsupp('trigger', 'tour'));
    await expect.poll(() => rulesRequests()).toBe(1);
    release();
    await page.locator('[data-visitor-chat] .pv').waitFor();
    expect(await page.locator('[data-visitor-chat] .pv .nm').textContent()).toBe('Eva from Sales');
  });

  it('works by keyboard before ui.js has loaded: Tab, Enter, then the composer has the focus', async () => {
    const { page, uiRequests, filesRequests, release } = await visit();
    const focused = () =>
      page.evaluate(() => {
        const root = document.querySelector('[data-visitor-chat]')!.shadowRoot!;
        const a = root.activeElement as HTMLElement | null;
        return a ? a.tagName.toLowerCase() + (a.className ? '.' + a.className : '') : null;
      });
    for (let i = 0; i < 10 && (await focused()) != 'button.ln'; i++)
      await page.keyboard.press('Tab');
    expect(await focused()).toBe('button.ln');
    // Focus is a prefetch signal: ui.js is on its way (held here) before Enter.
    await expect.poll(() => uiRequests()).toBe(1);
    await page.keyboard.press('Enter');
    await expect
      .poll(() => inRoot(page, (root) => root.querySelector('.ln')!.getAttribute('aria-expanded')))
      .toBe('true');
    release();
    await expect.poll(focused).toBe('textarea');
    // The file layer comes with the window and leaves the focus where it is. (This page's chat
    // server is in the page, with no `server` for files: no attach button.)
    await expect.poll(() => filesRequests()).toBe(1);
    await new Promise((ok) => setTimeout(ok, 200));
    expect(await page.locator('[data-visitor-chat] button.af').count()).toBe(0);
    expect(await focused()).toBe('textarea');
    expect(await page.locator('[data-visitor-chat] [role=dialog]').count()).toBe(1);
    expect(await page.locator('[data-visitor-chat]').count()).toBe(1);
  });

  it('counts unread messages and shows the auto message while ui.js loads, then hands over', async () => {
    const { page, uiRequests, filesRequests, release } = await visit();
    await page.evaluate(() => {
      const w = window as unknown as Host;
      w.unread = [];
      w.smartsupp('on', 'unread', (n: number) => w.unread.push(n));
    });
    await chat.say(page, 'Hello from Eva', { name: 'Eva' });
    await expect.poll(() => uiRequests()).toBe(1);
    await expect
      .poll(() => inRoot(page, (root) => root.querySelector('.bd')?.textContent ?? null))
      .toBe('1');
    expect(
      await inRoot(page, (root) => [
        root.querySelector('.ln')!.getAttribute('aria-label'),
        root.querySelector('.pv .nm')!.textContent,
        root.querySelector('.pv .pvt')!.textContent,
      ]),
    ).toEqual(['Open chat, unread messages: 1', 'Eva', 'Hello from Eva']);
    expect(await page.evaluate(() => (window as unknown as Host).unread)).toEqual([1]);
    release();
    // The UI takes over the same root and draws the same preview and badge.
    await page.waitForFunction(
      () =>
        !!document
          .querySelector('[data-visitor-chat]')!
          .shadowRoot!.querySelector('.win, .pv .pvx'),
    );
    await expect
      .poll(() => inRoot(page, (root) => root.querySelectorAll('.ln, .pv, .bd').length))
      .toBe(3);
    // The file layer waits for the chat window.
    expect(filesRequests()).toBe(0);
    await page.evaluate(() => (window as unknown as Host).smartsupp('chat:open'));
    await expect.poll(() => page.locator('[data-visitor-chat] .win').count()).toBe(1);
    await expect.poll(() => filesRequests()).toBe(1);
    expect(await page.evaluate(() => (window as unknown as Host).unread)).toEqual([1, 0]);
  });

  it('styles a chat the page opened before the launcher was drawn like any other', async () => {
    release();
    gate = Promise.resolve();
    const opened = (page = await browser.newPage({ viewport: { width: 1024, height: 720 } }));
    opened.on('pageerror', (e) => problems.push('pageerror: ' + e.message));
    await opened.goto(site.url + '/open');
    await opened.locator('[data-visitor-chat] .win').waitFor();
    // The UI came first (no shell to take over): the launcher's own rules still apply, and the
    // screen-reader label stays out of sight (without the shell's stylesheet it took 80 px of
    // the composer's row).
    await expect
      .poll(() =>
        inRoot(opened, (root) => {
          const box = (sel: string) => root.querySelector(sel)!.getBoundingClientRect();
          return [box('.ln').width, box('label.sr').width <= 1];
        }),
      )
      .toEqual([56, true]);
  });

  it('opens when the hand-over comes between the press on the launcher and its release', async () => {
    const { page, uiRequests, release } = await visit();
    // An agent message loads ui.js (held here) while the visitor's button is down on the shell.
    await chat.say(page, 'Hello from Eva', { name: 'Eva' });
    await expect.poll(() => uiRequests()).toBe(1);
    const box = (await page.locator('[data-visitor-chat] .ln').boundingBox())!;
    await page.mouse.down(box.x + box.width / 2, box.y + box.height / 2);
    release();
    // The UI's live region: the shell draws none, so the root is the UI's now.
    await page.waitForFunction(
      () => !!document.querySelector('[data-visitor-chat]')!.shadowRoot!.querySelector('.sr'),
    );
    await page.mouse.up();
    await expect.poll(() => page.locator('[data-visitor-chat] .win').count()).toBe(1);
    // Opened once: a click that also reached the new launcher (a toggle) did not close it again.
    await page.waitForTimeout(300);
    expect(await page.locator('[data-visitor-chat] .win').count()).toBe(1);
  });
});

/**
 * What the launcher's speech bubble looks like on screen, read from a screenshot of the launcher:
 * whether the middle of the bubble and its tail stand out from the launcher's face beside them
 * (every channel of the face's colour within 96 of the pixel's counts as the same).
 */
const bubbleOnScreen = async (page: Page) => {
  const at = await inRoot(page, (root) => {
    const box = (el: Element) => {
      const r = el.getBoundingClientRect();
      return { x: r.x, y: r.y, width: r.width, height: r.height };
    };
    return { ln: box(root.querySelector('.ln')!), ic: box(root.querySelector('.ln .ic')!) };
  });
  const { ln, ic } = at;
  const px = await drawn(page, ln, Math.round);
  // The face: inside the round launcher, left of the bubble.
  const face = px({ x: ln.x + ln.width * 0.18, y: ln.y + ln.height / 2 });
  const stands = (x: number, y: number) => differ(px({ x, y }), face);
  // The tail hangs below the bubble's left half: count the pixels there that stand out.
  let tail = 0;
  for (let y = ic.y + ic.height + 1; y < ic.y + ic.height + 4; y++)
    for (let x = ic.x; x < ic.x + ic.width / 2; x++) tail += +stands(x, y);
  return { bubble: stands(ic.x + ic.width / 2, ic.y + ic.height / 2), tail: tail > 2 };
};

// Chromium only: forced colours are emulated through CDP (Playwright's emulateMedia); the
// Firefox and WebKit leg skips this suite (WebKit has no forced-colours mode at all).
describeBrowser('the launcher in forced colors (Windows High Contrast), in Chromium', () => {
  let browser: Browser;
  let site: Served;

  beforeAll(async () => {
    requireBuilt('widget.js', 'chat.js', 'ui.js');
    site = await serveShop({ '/': shopPage() });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  it('draws its speech bubble so it shows on the system colours, before and after ui.js takes over', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // Forced colours replace the brand colours: the launcher's background becomes the system's
    // button face, and a bubble left in the brand's text colour (white) would vanish on it.
    await page.emulateMedia({ forcedColors: 'active' });
    await page.goto(site.url + '/');
    const ln = page.locator('[data-visitor-chat] .ln');
    await ln.waitFor({ state: 'visible' });
    const drawn = { bubble: true, tail: true };
    expect(await bubbleOnScreen(page)).toEqual(drawn);
    expect(await inRoot(page, (root) => !!root.querySelector('svg'))).toBe(false);
    // The UI's own launcher (ui.js loads when the pointer comes near) draws the same bubble.
    await ln.hover();
    await chat.say(page, 'Hello', { name: 'Eva' });
    await page.waitForFunction(
      () => !!document.querySelector('[data-visitor-chat]')!.shadowRoot!.querySelector('.sr'),
    );
    // The pointer leaves, so the launcher is not scaled up for hover.
    await page.mouse.move(0, 0);
    expect(await bubbleOnScreen(page)).toEqual(drawn);
    expect(errors).toEqual([]);
    await page.close();
  });
  it('shows the focused launcher, the composer and the quick replies by their outlines', async () => {
    const page = await browser.newPage();
    await page.emulateMedia({ forcedColors: 'active' });
    await page.goto(site.url + '/');
    const ln = page.locator('[data-visitor-chat] .ln');
    await ln.waitFor({ state: 'visible' });
    // The focus ring was box-shadows only, which forced colours drop: focused and not looked alike.
    const ring = async () => {
      const b = (await ln.boundingBox())!;
      return shownAt(
        page,
        { x: b.x - 3, y: b.y + b.height / 2 },
        { x: b.x - 12, y: b.y + b.height / 2 },
      );
    };
    expect(await ring()).toBe(false);
    // From the top of the page, Shift+Tab comes to the last thing on it: the launcher.
    await page.keyboard.press('Shift+Tab');
    await expect.poll(() => inRoot(page, (root) => root.activeElement?.className)).toBe('ln');
    // Polled, as the checks below: each try measures the box again, and a page still settling
    // (a scrollbar coming, a frame not yet drawn) moves or delays what is drawn.
    await expect.poll(ring).toBe(true);
    // The composer and the quick replies were boxes drawn by box-shadows or a background alone:
    // forced colours left a bare caret and the replies' labels as plain text.
    await ln.click();
    await chat.say(page, 'Pick one:', { from: 'bot', replies: [{ label: 'Pricing', value: 'p' }] });
    const edge = async (selector: string) => {
      const b = (await page
        .locator('[data-visitor-chat] ' + selector)
        .first()
        .boundingBox())!;
      const y = b.y + b.height / 2;
      return shownAt(page, { x: b.x + 0.5, y }, { x: b.x - 3, y });
    };
    await page.locator('[data-visitor-chat] .qr button').waitFor();
    await expect.poll(() => edge('.qr button')).toBe(true);
    await expect.poll(() => edge('.cp textarea')).toBe(true);
    await page.close();
  });
});
