import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { describeEngines, launchEngine, type EngineBrowser, type EnginePage } from './engines';
import { requireBuilt, type Served } from './harness';
import { chat, shopPage, uiMounted, serveShop } from './ui-harness';

/** Screenshots of each state land here (git-ignored) for a human to look at. */
const SHOTS = resolve(import.meta.dirname, 'artifacts');

/** Saves a screenshot of the current state for a human to look at (ui-firefox-…, ui-webkit-…). */
const shot = (page: EnginePage, name: string) =>
  page.screenshot({
    path: resolve(
      SHOTS,
      'ui-' + (page.engine == 'chromium' ? '' : page.engine + '-') + name + '.png',
    ),
  });

describeEngines('the chat UI', (engine) => {
  let browser: EngineBrowser;
  let site: Served;
  let page: EnginePage | undefined;
  const problems: string[] = [];

  beforeAll(async () => {
    requireBuilt('widget.js', 'chat.js', 'ui.js');
    mkdirSync(SHOTS, { recursive: true });
    site = await serveShop({
      '/': shopPage(),
      '/login': shopPage({
        requireLogin: true,
        privacyNoticeEnabled: true,
        privacyNoticeCheckRequired: true,
        privacyNoticeUrl: 'https://example.com/privacy',
      }),
    });
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

  async function visit(path = '/'): Promise<EnginePage> {
    const opened = await browser.newPage({ viewport: { width: 1024, height: 720 } });
    opened.on('pageerror', (e) => problems.push('pageerror: ' + e.message));
    opened.on('console', (m) => {
      if (m.type() == 'error' || m.text().includes('[visitor-chat]'))
        problems.push(m.type() + ': ' + m.text());
    });
    page = opened;
    await opened.goto(site.url + path);
    await uiMounted(opened);
    return opened;
  }

  it('mounts after load in an open shadow root that hostile page CSS cannot reach', async () => {
    const page = await visit();
    const info = await page.evaluate(() => {
      const host = document.querySelector('[data-visitor-chat]')!;
      const ln = host.shadowRoot!.querySelector('.ln')!;
      const cs = getComputedStyle(host);
      const r = ln.getBoundingClientRect();
      return {
        mode: host.shadowRoot!.mode,
        display: cs.display,
        opacity: cs.opacity,
        transform: cs.transform,
        sheets: host.shadowRoot!.adoptedStyleSheets.length,
        styleElements:
          document.querySelectorAll('style').length +
          host.shadowRoot!.querySelectorAll('style').length,
        launcher: [Math.round(r.right), Math.round(r.bottom), r.width, r.height],
        bg: getComputedStyle(ln).backgroundColor,
        viewport: [innerWidth, innerHeight],
      };
    });
    expect(info).toMatchObject({
      mode: 'open',
      display: 'block',
      opacity: '1',
      transform: 'none',
      sheets: 1,
      styleElements: 0,
    });
    // Default corner: 12 px from the right, 24 px from the bottom, a 56 px bubble in the brand colour.
    expect(info.launcher).toEqual([info.viewport[0] - 12, info.viewport[1] - 24, 56, 56]);
    expect(info.bg).toBe('rgb(37, 99, 235)');
  });

  it('opens and closes, sends and receives, and shows the unread badge', async () => {
    const page = await visit();
    await chat.say(page, 'Hello! Anything I can help with?', { name: 'Eva Novak' });
    await expect.poll(() => page.locator('.bd').textContent()).toBe('1');
    await expect
      .poll(() => page.locator('.ln').getAttribute('aria-label'))
      .toBe('Open chat, unread messages: 1');
    await expect
      .poll(() => page.locator('.pvt').textContent())
      .toBe('Hello! Anything I can help with?');
    await shot(page, 'closed-badge');

    await page.locator('.ln').click();
    await page.locator('[role=dialog]').waitFor();
    await expect.poll(() => page.locator('.bd').count()).toBe(0);
    expect(await page.locator('#vc-t').textContent()).toBe('Eva Novak');
    await page.locator('#vc-in').fill('I need help with my order');
    // A click on Send leaves the focus (and a phone's keyboard) in the text box.
    await page.locator('.sd').click();
    await expect.poll(() => chat.received(page)).toEqual(['I need help with my order']);
    expect(
      await page.evaluate(
        () => document.querySelector('[data-visitor-chat]')!.shadowRoot!.activeElement?.id,
      ),
    ).toBe('vc-in');
    await expect.poll(() => page.locator('.m.v .mt').textContent()).toContain('Sent');
    await chat.say(page, 'Sure, what is the order number? See https://example.com/orders', {
      name: 'Eva Novak',
    });
    await expect.poll(() => page.locator('.m.a').count()).toBe(2);
    expect(await page.locator('.m.a a').getAttribute('href')).toBe('https://example.com/orders');
    expect(await page.locator('[aria-live=polite]').textContent()).toContain('Eva Novak: Sure');
    await chat.say(page, 'Or pick one:', {
      from: 'bot',
      name: 'Assistant',
      replies: [
        { label: 'Track my parcel', value: 'Track my parcel' },
        { label: 'Return an item', value: 'Return an item' },
      ],
    });
    await page.locator('.qr button').first().waitFor();
    await shot(page, 'open-chat');
    // The status banner's live region is in the window, empty and taking no room, while the
    // connection is fine.
    expect(
      await page
        .locator('.bn[role=status]')
        .evaluate((e) => [e.textContent, e.getBoundingClientRect().height]),
    ).toEqual(['', 0]);

    await page.locator('.x').click();
    await page.locator('[role=dialog]').waitFor({ state: 'detached' });
    // Focus moves in an effect after the window is gone (a frame later in WebKit): wait for it.
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.hasAttribute('data-visitor-chat')))
      .toBe(true);
  });

  it('sends a quick reply and removes the buttons once answered', async () => {
    const page = await visit();
    await page.evaluate(() =>
      (window as unknown as { smartsupp(...a: unknown[]): void }).smartsupp('trigger', 'tour'),
    );
    await page.locator('.pv').waitFor();
    expect(await page.locator('.pv .nm').textContent()).toBe('Eva from Sales');
    await shot(page, 'auto-message');
    await page.locator('.pvb').click();
    await page.locator('.qr button', { hasText: 'Yes, please' }).click();
    await expect.poll(() => chat.received(page)).toEqual(['Yes, show me around']);
    await expect.poll(() => page.locator('.qr').count()).toBe(0);
  });

  it('validates the contact form inline and sends the held message after submit', async () => {
    const page = await visit('/login');
    await page.locator('.ln').click();
    await page.locator('#vc-in').fill('Is the Pro plan billed yearly?');
    await page.keyboard.press('Enter');
    await page.locator('.fm').waitFor();
    expect(await chat.received(page)).toEqual([]);
    await page.locator('#vc-f-email').fill('ada@');
    await page.locator('.fm .bt').click();
    await expect
      .poll(() => page.locator('.fm .er').allTextContents())
      .toEqual([
        'Please fill in this field.',
        'Please enter a valid email address.',
        'Please agree to continue.',
      ]);
    expect(await page.locator('#vc-f-email').getAttribute('aria-describedby')).toBe('vc-e-email');
    expect(
      await page.evaluate(
        () => document.querySelector('[data-visitor-chat]')!.shadowRoot!.activeElement?.id,
      ),
    ).toBe('vc-f-name');
    await shot(page, 'contact-form');

    await page.locator('#vc-f-name').fill('Ada Lovelace');
    await page.locator('#vc-f-email').fill('ada@example.com');
    await page.locator('#vc-f-consent').check();
    await page.locator('.fm .bt').click();
    await expect.poll(() => chat.received(page)).toEqual(['Is the Pro plan billed yearly?']);
    await page.locator('.fm').waitFor({ state: 'detached' });
    expect(
      await page.evaluate(
        () => document.querySelector('[data-visitor-chat]')!.shadowRoot!.activeElement?.id,
      ),
    ).toBe('vc-in');
  });

  it('disappears when the visitor is blocked and comes back when unblocked', async () => {
    const page = await visit();
    await page.locator('.ln').click();
    await page.locator('[role=dialog]').waitFor();
    await chat.call(page, 'block');
    await page.locator('.ln').waitFor({ state: 'detached' });
    expect(
      await page.evaluate(
        () => document.querySelector('[data-visitor-chat]')!.shadowRoot!.childNodes.length,
      ),
    ).toBe(0);
    await chat.call(page, 'unblock');
    await page.locator('.ln').waitFor();
    expect(await page.locator('[role=dialog]').count()).toBe(0);
  });

  it('holds a whole conversation by keyboard alone', async () => {
    const page = await visit();
    // Tab from the top of the page until the launcher has focus.
    let onLauncher = false;
    for (let i = 0; i < 10 && !onLauncher; i++) {
      await page.keyboard.press('Tab');
      onLauncher = await page.evaluate(
        () =>
          document.querySelector('[data-visitor-chat]')!.shadowRoot!.activeElement?.className ==
          'ln',
      );
    }
    expect(onLauncher).toBe(true);
    // The focus ring is visible on the launcher.
    expect(await page.locator('.ln').evaluate((el) => getComputedStyle(el).boxShadow)).toContain(
      'rgb(17, 24, 39)',
    );
    await page.keyboard.press('Enter');
    await page.locator('[role=dialog]').waitFor();
    const active = () =>
      page.evaluate(
        () =>
          document.querySelector('[data-visitor-chat]')!.shadowRoot!.activeElement?.id ||
          document.querySelector('[data-visitor-chat]')!.shadowRoot!.activeElement?.className,
      );
    // Focus moves after the window has rendered: wait for it rather than race it.
    await expect.poll(active).toBe('vc-in');
    await page.keyboard.type('Hi, keyboard only here');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('second line');
    await page.keyboard.press('Enter');
    await expect.poll(() => chat.received(page)).toEqual(['Hi, keyboard only here\nsecond line']);
    // Send by its button: Tab to it, Enter; the focus comes back to the text box, not the page.
    await page.keyboard.type('by the button');
    await page.keyboard.press('Tab');
    await expect.poll(active).toBe('sd');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => chat.received(page))
      .toEqual(['Hi, keyboard only here\nsecond line', 'by the button']);
    await expect.poll(active).toBe('vc-in');
    await page.keyboard.press('Escape');
    await page.locator('[role=dialog]').waitFor({ state: 'detached' });
    await expect.poll(active).toBe('ln');
    // Opened again: the focus goes to the composer every time, not only the first.
    for (let i = 0; i < 2; i++) {
      await page.keyboard.press('Enter');
      await page.locator('[role=dialog]').waitFor();
      await expect.poll(active).toBe('vc-in');
      await page.keyboard.press('Escape');
      await page.locator('[role=dialog]').waitFor({ state: 'detached' });
      await expect.poll(active).toBe('ln');
    }
  });

  it('says once, in the live region, that the agent started typing', async () => {
    const page = await visit();
    const live = () => page.locator('[aria-live=polite]').textContent();
    await page.locator('.ln').click();
    await page.locator('[role=dialog]').waitFor();
    await chat.say(page, 'Hello, I am here', { name: 'Eva Novak' });
    await expect.poll(live).toBe('Eva Novak: Hello, I am here');
    // The typing line is not a live region of its own: the window's live region says it.
    await chat.push(page, { t: 'typing', on: true });
    await page.locator('.ty').waitFor();
    await expect.poll(live).toBe('Eva Novak is typing…');
    // Said once per start: a repeated typing frame, or another render, does not say it again.
    await page.evaluate(() => {
      const l = document
        .querySelector('[data-visitor-chat]')!
        .shadowRoot!.querySelector('[aria-live=polite]')!;
      l.textContent = '';
    });
    await chat.push(page, { t: 'typing', on: true });
    await page.locator('#vc-in').fill('a draft');
    await page.waitForTimeout(200);
    expect(await live()).toBe('');
    await chat.push(page, { t: 'typing', on: false });
    await page.locator('.ty').waitFor({ state: 'detached' });
    // Nothing is said while the window is closed (the launcher's label counts the messages).
    await page.locator('.x').click();
    await page.locator('[role=dialog]').waitFor({ state: 'detached' });
    await chat.push(page, { t: 'typing', on: true });
    await page.waitForTimeout(200);
    expect(await live()).toBe('');
  });
});
