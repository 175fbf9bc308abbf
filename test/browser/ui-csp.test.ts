import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEngines, launchEngine, type EngineBrowser } from './engines';
import { requireBuilt, serve, type Served } from './harness';
import { buildFixture, chat, shopPage, snippetFor, uiMounted, uiTookOver } from './ui-harness';

/** Records every CSP violation from the very start of the page. */
const RECORD = `<script src="/record-csp.js"></script>`;
const RECORDER = `window.violations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.violations.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || ''));
});`;

describeEngines('the chat UI under a strict Content-Security-Policy', (engine) => {
  let browser: EngineBrowser;
  let site: Served;

  beforeAll(async () => {
    requireBuilt('widget.js', 'chat.js', 'ui.js', 'form.js');
    // The chat server is the fixture in the page; `server` is where files would go (none do
    // here): with it the window has the file layer, whose stylesheet is checked too.
    const config = { server: 'https://chat.example.com' };
    const csp =
      "default-src 'self'; script-src 'self' " + snippetFor(config).hash + "; style-src 'self'";
    site = await serve({
      '/': { body: shopPage(config, RECORD), headers: { 'content-security-policy': csp } },
      '/record-csp.js': { body: RECORDER, contentType: 'text/javascript' },
      '/fixture.js': { body: await buildFixture(), contentType: 'text/javascript' },
      '/shop.css': { body: 'body{font-family:sans-serif}', contentType: 'text/css' },
    });
    browser = await launchEngine(engine);
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  it('mounts, opens and chats with zero securitypolicyviolation events', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() == 'error' && errors.push(m.text()));
    await page.goto(site.url + '/');
    await uiMounted(page);
    await chat.say(page, 'Hello from a locked-down page', { name: 'Eva' });
    await uiTookOver(page);
    await page.locator('.ln').click();
    await page.locator('[role=dialog]').waitFor();
    await page.locator('#vc-in').fill('Styles and scripts still work?');
    await page.keyboard.press('Enter');
    await expect.poll(() => chat.received(page)).toEqual(['Styles and scripts still work?']);
    await page.evaluate(() =>
      (window as unknown as { smartsupp(...a: unknown[]): void }).smartsupp(
        'theme:color',
        '#0f766e',
      ),
    );
    await chat.say(page, 'Yes: https://example.com', { name: 'Eva' });
    await expect.poll(() => page.locator('.m.a').count()).toBe(2);
    // The stylesheet really applies (a blocked sheet would leave the launcher unstyled).
    const launcher = await page.locator('.ln').evaluate((el) => {
      const cs = getComputedStyle(el);
      return [cs.width, cs.borderRadius, cs.backgroundColor];
    });
    expect(launcher).toEqual(['56px', '50%', 'rgb(15, 118, 110)']);
    // So does the file layer's, which came with the window (files.js): the file input is hidden.
    await page.locator('button.af').waitFor();
    expect(await page.locator('#vc-fi').evaluate((el) => getComputedStyle(el).display)).toBe(
      'none',
    );
    // The agents go away: the contact form's chunk (form.js) loads with the window open, and
    // a message asks for it; its stylesheet applies too (the fields are its 40 px).
    await chat.call(page, 'setOnline', false);
    await page.locator('.st', { hasText: 'Away' }).waitFor();
    await page.locator('#vc-in').fill('Anyone there?');
    await page.keyboard.press('Enter');
    await page.locator('#vc-f-email').waitFor({ state: 'visible' });
    expect(await page.locator('#vc-f-email').evaluate((el) => getComputedStyle(el).height)).toBe(
      '40px',
    );
    await page.locator('.x').click();
    await page.waitForTimeout(100);
    expect(
      await page.evaluate(() => (window as unknown as { violations: string[] }).violations),
    ).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
