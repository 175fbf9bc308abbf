import { resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEngines, launchEngine, type EngineBrowser } from './engines';
import type { Browser } from 'playwright-core';
import { describeBrowser, launchBrowser, requireBuilt, type Served } from './harness';
import { chat, uiMounted, uiTookOver, serveShop, shopPage } from './ui-harness';

const SHOTS = resolve(import.meta.dirname, 'artifacts');

/**
 * A 375×667 phone; in WebKit 460×667, the narrowest viewport MiniBrowser's window allows (its
 * toolbar sets a minimum width), still under the 480 px where the window goes full-screen.
 */
describeEngines('the chat UI on a phone', (engine) => {
  const width = engine == 'webkit' ? 460 : 375;
  let browser: EngineBrowser;
  let site: Served;

  beforeAll(async () => {
    requireBuilt('widget.js', 'chat.js', 'ui.js');
    mkdirSync(SHOTS, { recursive: true });
    site = await serveShop();
    browser = await launchEngine(engine);
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  it('opens full-screen as a modal dialog with the composer in view', async () => {
    // The layout depends on the width alone (no touch or user-agent checks in the UI).
    const page = await browser.newPage({
      viewport: { width, height: 667, deviceScaleFactor: engine == 'webkit' ? 1 : 2 },
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(site.url + '/');
    await uiMounted(page);
    await chat.say(page, 'Hi! How can we help you today?', { name: 'Eva Novak' });
    await uiTookOver(page);
    await page.locator('.ln').click();
    await page.locator('[role=dialog]').waitFor();
    await page.locator('#vc-in').fill('Do you ship to Brno?');
    await page.keyboard.press('Enter');
    await expect.poll(() => chat.received(page)).toEqual(['Do you ship to Brno?']);
    await chat.say(page, 'Yes, in 2 days.', { name: 'Eva Novak' });
    await expect.poll(() => page.locator('.m.a').count()).toBe(2);
    // What the window says is inside the modal dialog, where a screen reader still reads it
    // (VoiceOver may read nothing outside an aria-modal dialog), and it said the answer.
    const live = page.locator('[aria-live=polite]');
    expect(await live.count()).toBe(1);
    expect(await page.locator('[role=dialog] [aria-live=polite]').count()).toBe(1);
    await expect.poll(() => live.textContent()).toBe('Eva Novak: Yes, in 2 days.');

    const box = await page.locator('[role=dialog]').boundingBox();
    expect(box).toEqual({ x: 0, y: 0, width, height: 667 });
    expect(await page.locator('[role=dialog]').getAttribute('aria-modal')).toBe('true');
    const composer = (await page.locator('.cp').boundingBox())!;
    expect(composer.y + composer.height).toBeLessThanOrEqual(667);
    expect(composer.y).toBeGreaterThan(400);
    expect(await page.locator('#vc-in').isVisible()).toBe(true);
    // The launcher hides behind the full-screen window; Escape brings it back.
    expect(await page.locator('.ln').isVisible()).toBe(false);
    await page.screenshot({
      path: resolve(SHOTS, engine == 'chromium' ? 'ui-mobile.png' : `ui-${engine}-mobile.png`),
    });
    // A modal: Tab and Shift+Tab cycle inside the window, never into the page behind it.
    const inDialog = () =>
      page.evaluate(() => {
        const root = document.querySelector('[data-visitor-chat]')!.shadowRoot!;
        return !!root.activeElement && !!root.activeElement.closest('[role=dialog]');
      });
    // WebKitWebDriver synthesizes Shift+Tab as a keydown with key "Unidentified" (GTK's
    // ISO_Left_Tab), which no page can recognise as Tab; a real Safari reports "Tab". So WebKit
    // checks the forward cycle only.
    const back = engine == 'webkit' ? [] : ['Shift+Tab', 'Shift+Tab', 'Shift+Tab'];
    for (const key of ['Tab', 'Tab', 'Tab', 'Tab', 'Tab', ...back]) {
      await page.keyboard.press(key);
      expect(await inDialog(), key).toBe(true);
    }
    await page.keyboard.press('Escape');
    await page.locator('.ln').waitFor({ state: 'visible' });
    // Closed, it is back beside the launcher and still says what arrives.
    expect(await live.count()).toBe(1);
    await chat.say(page, 'Anything else?', { name: 'Eva Novak' });
    await expect.poll(() => live.textContent()).toBe('Eva Novak: Anything else?');
    // Opened again by keyboard: the composer has the focus (not the page), and Escape closes.
    const active = () =>
      page.evaluate(() => {
        const root = document.querySelector('[data-visitor-chat]')!.shadowRoot!;
        return document.activeElement == root.host ? root.activeElement?.id || 'widget' : 'page';
      });
    await expect.poll(active).toBe('widget');
    await page.keyboard.press('Enter');
    await page.locator('[role=dialog]').waitFor();
    await expect.poll(active).toBe('vc-in');
    await page.keyboard.press('Escape');
    await page.locator('.ln').waitFor({ state: 'visible' });
    expect(errors).toEqual([]);
    await page.close();
  });
});

/**
 * A finger dragged on the full-screen window's header or composer (not the message list, which
 * contains its own overscroll) would scroll the page behind it: Chromium only, for its touch
 * gestures (CDP `Input.synthesizeScrollGesture`).
 */
describeBrowser('the page behind the full-screen chat on a phone', () => {
  let browser: Browser;
  let site: Served;

  beforeAll(async () => {
    requireBuilt('widget.js', 'chat.js', 'ui.js');
    // A long page, scrolled a little, its root's own overflow set inline (kept after the chat).
    const long = shopPage()
      .replace('</main>', '<div style="height:4000px">A long page</div></main>')
      .replace('<html lang="en">', '<html lang="en" style="overflow: auto">');
    site = await serveShop({ '/': long });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  it('does not scroll while the chat is open, and scrolls again once closed', async () => {
    const context = await browser.newContext({
      viewport: { width: 375, height: 667 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    // A finger moved 200 px (up, or down) in ten steps (CDP's synthesized touch scroll gesture
    // does not scroll in headless Chromium; touch events do, as a phone's do).
    const swipe = async (x: number, y: number, up = true) => {
      const at = (dy: number) => [{ x, y: up ? y - dy : y + dy }];
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: at(0) });
      for (let i = 1; i <= 10; i++)
        await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: at(i * 20) });
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
      await page.waitForTimeout(200);
    };
    const scrollY = () => page.evaluate(() => Math.round(window.scrollY));
    await page.goto(site.url + '/');
    await page.evaluate(() => window.scrollTo(0, 200));
    await page.locator('[data-visitor-chat] .ln').tap();
    await page.locator('[role=dialog]').waitFor();
    const header = (await page.locator('[role=dialog] .hd').boundingBox())!;
    const composer = (await page.locator('.cp').boundingBox())!;
    await swipe(header.x + 100, header.y + header.height / 2, false);
    await swipe(composer.x + 100, composer.y + composer.height - 4);
    expect(await scrollY()).toBe(200);
    await page.keyboard.press('Escape');
    await page.locator('[data-visitor-chat] .ln').waitFor({ state: 'visible' });
    expect(await page.evaluate(() => document.documentElement.style.overflow)).toBe('auto');
    await swipe(187, 400);
    await expect.poll(scrollY).toBeGreaterThan(200);
    await context.close();
  });

  it('opens full-screen on a phone held sideways, and floats on a desktop window', async () => {
    const box = async (width: number, height: number) => {
      const context = await browser.newContext({ viewport: { width, height }, hasTouch: true });
      const page = await context.newPage();
      await page.goto(site.url + '/');
      await page.locator('[data-visitor-chat] .ln').click();
      await page.locator('#vc-in').waitFor();
      const b = await page.locator('[role=dialog]').boundingBox();
      const modal = await page.locator('[role=dialog]').getAttribute('aria-modal');
      await context.close();
      return [b, modal];
    };
    expect(await box(667, 375)).toEqual([{ x: 0, y: 0, width: 667, height: 375 }, 'true']);
    const [desk, modal] = await box(1280, 800);
    expect([(desk as { width: number }).width, modal]).toEqual([376, null]);
  });

  it('has text fields of 16 px on a touch screen, so iOS Safari does not zoom in on them', async () => {
    // A phone held sideways: wider than 480 px (the window floats), but a touch screen.
    const sizes = async (hasTouch: boolean) => {
      const viewport = hasTouch ? { width: 667, height: 375 } : { width: 1280, height: 800 };
      const context = await browser.newContext({ viewport, hasTouch });
      const page = await context.newPage();
      await page.goto(site.url + '/');
      await page.locator('[data-visitor-chat] .ln').click();
      await page.locator('#vc-in').waitFor();
      // The contact form (its own chunk and stylesheet): asked for when nobody is online.
      await chat.call(page, 'setOnline', false);
      await page.locator('.st', { hasText: 'Away' }).waitFor();
      await page.locator('#vc-in').fill('Anyone there?');
      await page.keyboard.press('Enter');
      await page.locator('#vc-f-email').waitFor({ state: 'visible' });
      const font = await page.evaluate(() =>
        [
          ...document
            .querySelector('[data-visitor-chat]')!
            .shadowRoot!.querySelectorAll('textarea, input:not([type=checkbox]):not([type=file])'),
        ].map((el) => el.id + ' ' + getComputedStyle(el).fontSize),
      );
      await context.close();
      return font;
    };
    const touch = await sizes(true);
    expect(touch.length).toBeGreaterThanOrEqual(2);
    expect(touch.filter((f) => !f.endsWith(' 16px'))).toEqual([]);
    // With a mouse, fields keep the window's 15 px.
    expect((await sizes(false)).filter((f) => !f.endsWith(' 15px'))).toEqual([]);
  });
});
