import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { describeEngines, launchEngine, type EngineBrowser, type EnginePage } from './engines';
import { requireBuilt, type Served } from './harness';
import { chat, serveShop, shopPage, uiMounted } from './ui-harness';

/** The widget's shadow root's focused element's id, in the page. */
const focused = (page: EnginePage) =>
  page.evaluate(() => document.querySelector('[data-visitor-chat]')!.shadowRoot!.activeElement?.id);

describeEngines('the contact form as a chunk of its own (form.js)', (engine) => {
  let browser: EngineBrowser;
  let site: Served;
  let current: EnginePage | undefined;
  /** How the server answers form.js: held until `release()`, or failing (500) while `down`. */
  let gate: Promise<void> = Promise.resolve();
  let release: (() => void) | undefined;
  let down = false;
  const problems: string[] = [];

  beforeAll(async () => {
    requireBuilt('widget.js', 'chat.js', 'ui.js', 'files.js', 'form.js');
    site = await serveShop({
      '/': shopPage(),
      '/login': shopPage({ requireLogin: true }),
      // A rejected hold answers 500 (harness.ts); retries (`?retry=n`) come here too.
      '/form.js': {
        file: 'form.js',
        hold: () => (down ? Promise.reject(new Error('form.js is down')) : gate),
      },
    });
    browser = await launchEngine(engine);
  });

  afterAll(async () => {
    release?.();
    await browser?.close();
    await site?.close();
  });

  afterEach(async () => {
    release?.();
    down = false;
    await current?.close();
    expect(problems.splice(0)).toEqual([]);
  });

  /** Opens `path` (a fresh profile) with form.js held until `release()`; counts its requests. */
  async function visit(path: string) {
    gate = new Promise<void>((r) => (release = r));
    const from = site.requests.length;
    const requests = (p: string) => site.requests.slice(from).filter((r) => r.path == p).length;
    const opened = (current = await browser.newPage({ viewport: { width: 1024, height: 720 } }));
    opened.on('pageerror', (e) => problems.push('pageerror: ' + e.message));
    opened.on('console', (m) => {
      if (m.type() == 'error' || m.text().includes('[visitor-chat]'))
        problems.push(m.type() + ': ' + m.text());
    });
    await opened.goto(site.url + path);
    await uiMounted(opened);
    return {
      page: opened,
      formRequests: () => requests('/form.js'),
      filesRequests: () => requests('/files.js'),
    };
  }

  it('is not requested while agents are online, and is once the window opens with none', async () => {
    const { page, formRequests, filesRequests } = await visit('/');
    await page.locator('[data-visitor-chat] .ln').click();
    await page.locator('#vc-in').fill('Do you ship to Norway?');
    await page.keyboard.press('Enter');
    await expect.poll(() => chat.received(page)).toEqual(['Do you ship to Norway?']);
    // The window's own chunk came (its effects ran); the form's did not.
    await expect.poll(() => filesRequests()).toBe(1);
    expect(formRequests()).toBe(0);
    await page.keyboard.press('Escape');
    await page.locator('[data-visitor-chat] .win').waitFor({ state: 'detached' });
    await chat.call(page, 'setOnline', false);
    // An absence cannot be polled for: the status frame is 20 ms away; a load on it (window
    // closed) would have asked for form.js well within this.
    await page.waitForTimeout(500);
    expect(formRequests()).toBe(0);
    await page.locator('[data-visitor-chat] .ln').click();
    await expect.poll(() => formRequests()).toBe(1);
  });

  it('holds a message sent before it arrives under a loading status, then asks and sends it', async () => {
    const { page, formRequests } = await visit('/login');
    await page.locator('[data-visitor-chat] .ln').click();
    await expect.poll(() => formRequests()).toBe(1);
    await page.locator('#vc-in').fill('Is the Pro plan billed yearly?');
    await page.keyboard.press('Enter');
    await page.locator('[data-visitor-chat] .fm [role=status]').waitFor({ state: 'visible' });
    expect(await page.locator('[data-visitor-chat] .fm [role=status]').textContent()).toBe(
      'Loading…',
    );
    expect(await page.locator('#vc-f-name').count()).toBe(0);
    expect(await chat.received(page)).toEqual([]);
    release!();
    await page.locator('#vc-f-name').waitFor({ state: 'visible' });
    expect(await page.locator('[data-visitor-chat] .fm [role=status]').count()).toBe(0);
    expect(await page.locator('[data-visitor-chat] .fm .hq').textContent()).toBe(
      'Your message: Is the Pro plan billed yearly?',
    );
    // Its English came with it (ui.js has the keys only): the words are there, not blanks.
    expect(await page.locator('[data-visitor-chat] .fm h3').textContent()).toBe(
      'Leave us your details',
    );
    expect(await page.locator('[data-visitor-chat] label[for=vc-f-name]').textContent()).toBe(
      'Name',
    );
    expect(await page.locator('[data-visitor-chat] .fm .bt').textContent()).toBe('Start chat');
    expect(await focused(page)).toBe('vc-f-name');
    // Its stylesheet came with it: the fields are the form's 40 px, not the browser's default.
    const box = await page.locator('#vc-f-email').boundingBox();
    expect(Math.round(box!.height)).toBe(40);
    await page.locator('#vc-f-name').fill('Ada Lovelace');
    await page.locator('#vc-f-email').fill('ada@example.com');
    await page.locator('[data-visitor-chat] .fm .bt').click();
    await expect.poll(() => chat.received(page)).toEqual(['Is the Pro plan billed yearly?']);
    await page.locator('[data-visitor-chat] .fm').waitFor({ state: 'detached' });
    expect(formRequests()).toBe(1);
  });

  it('says so when it fails to load, with Retry, and the held message still goes after the form', async () => {
    down = true;
    const { page, formRequests } = await visit('/login');
    await page.locator('[data-visitor-chat] .ln').click();
    await page.locator('#vc-in').fill('Hello?');
    await page.keyboard.press('Enter');
    await page.locator('[data-visitor-chat] .fm [role=alert]').waitFor({ state: 'visible' });
    expect(await page.locator('[data-visitor-chat] .fm [role=alert]').textContent()).toBe(
      'Something went wrong. Please try again.',
    );
    expect(await chat.received(page)).toEqual([]);
    // The server is back (answers held until release()); the visitor does not wait for the
    // backoff: Retry shows the loading status again.
    down = false;
    const before = formRequests();
    await page.locator('[data-visitor-chat] .fm button', { hasText: 'Retry' }).click();
    await page.locator('[data-visitor-chat] .fm [role=status]').waitFor({ state: 'visible' });
    expect(await page.locator('[data-visitor-chat] .fm [role=alert]').count()).toBe(0);
    await expect.poll(() => formRequests()).toBeGreaterThan(before);
    release!();
    await page.locator('#vc-f-name').waitFor({ state: 'visible' });
    expect(await page.locator('[data-visitor-chat] .fm .hq').textContent()).toBe(
      'Your message: Hello?',
    );
    await page.locator('#vc-f-name').fill('Ada');
    await page.locator('#vc-f-email').fill('ada@example.com');
    await page.locator('[data-visitor-chat] .fm .bt').click();
    await expect.poll(() => chat.received(page)).toEqual(['Hello?']);
    // What the page was told: the failed load (once) and the browser's own lines for the 500s.
    const told = problems.splice(0);
    expect(told.some((p) => p.includes('[visitor-chat] form.js failed to load'))).toBe(true);
    expect(
      told.filter((p) => !/form\.js|status of 500|Failed to load|Importing a module/.test(p)),
    ).toEqual([]);
  });
});
