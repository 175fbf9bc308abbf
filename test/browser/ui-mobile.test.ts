import { resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEngines, launchEngine, type EngineBrowser } from './engines';
import { requireBuilt, type Served } from './harness';
import { chat, uiMounted, uiTookOver, serveShop } from './ui-harness';

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
