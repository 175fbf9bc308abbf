import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBrowser, launchBrowser, requireBuilt, type Served } from './harness';
import { chat, serveShop, shopPage, uiMounted } from './ui-harness';

const SHOTS = resolve(import.meta.dirname, 'artifacts');

/** One language per script, with the strings the test waits for. */
const SCRIPTS = [
  {
    lang: 'de',
    script: 'Latin',
    placeholder: 'Nachricht schreiben…',
    required: 'Bitte füllen Sie',
  },
  {
    lang: 'ru',
    script: 'Cyrillic',
    placeholder: 'Напишите сообщение…',
    required: 'Заполните это поле.',
  },
  { lang: 'ja', script: 'CJK', placeholder: 'メッセージを入力…', required: 'この項目を入力' },
  { lang: 'ar', script: 'Arabic', placeholder: 'اكتب رسالة…', required: 'يرجى ملء هذا الحقل.' },
];

/**
 * Every visible element of the widget that reaches past the 375 px viewport or clips its own
 * content sideways (text that does not wrap), described for the failure message.
 */
function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const root = document.querySelector('[data-visitor-chat]')!.shadowRoot!;
    const out: string[] = [];
    for (const el of Array.from(root.querySelectorAll<HTMLElement>('*'))) {
      if (el.closest('.sr') || el instanceof SVGElement) continue;
      const r = el.getBoundingClientRect();
      if (!r.width || !r.height) continue;
      const name = el.tagName.toLowerCase() + '.' + el.className + ' "' + el.textContent + '"';
      if (r.left < -0.5 || r.right > innerWidth + 0.5)
        out.push(name + ' spans ' + r.left + '–' + r.right);
      if (el.tagName != 'TEXTAREA' && el.scrollWidth > el.clientWidth + 1)
        out.push(name + ' clips ' + el.scrollWidth + ' > ' + el.clientWidth);
    }
    return out;
  });
}

describeBrowser('the widget in four scripts on a 375 px phone, in Chromium', () => {
  let browser: Browser;
  let site: Served;

  beforeAll(async () => {
    requireBuilt('widget.js', 'chat.js', 'ui.js', 'lang.js', 'lang/de.js', 'lang/ar.js');
    mkdirSync(SHOTS, { recursive: true });
    const pages: Record<string, string> = {};
    for (const { lang } of SCRIPTS)
      pages['/' + lang] = shopPage({
        lang,
        requireLogin: true,
        privacyNoticeEnabled: true,
        privacyNoticeCheckRequired: true,
        privacyNoticeUrl: 'https://example.com/privacy',
      });
    site = await serveShop(pages);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  it.each(SCRIPTS)(
    'renders the chat, the contact form and its errors in $script ($lang) with nothing overflowing',
    async ({ lang, placeholder, required }) => {
      const context = await browser.newContext({
        viewport: { width: 375, height: 667 },
        isMobile: true,
        hasTouch: true,
      });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push('pageerror: ' + e.message));
      page.on('console', (m) => {
        if (m.type() == 'error' || m.text().includes('[visitor-chat]')) problems.push(m.text());
      });
      const asked: string[] = [];
      page.on('request', (r) => asked.push(new URL(r.url()).pathname));
      await page.goto(site.url + '/' + lang);
      await uiMounted(page);
      await chat.say(
        page,
        {
          de: 'Guten Tag! Wie können wir helfen?',
          ru: 'Здравствуйте! Чем помочь?',
          ja: 'こんにちは！ご用件をどうぞ。',
          ar: 'مرحبًا! كيف يمكننا مساعدتك؟',
        }[lang]!,
        { name: 'Eva' },
      );
      await page.locator('.ln').click();
      await expect.poll(() => page.locator('#vc-in').getAttribute('placeholder')).toBe(placeholder);
      expect(await page.locator('.vc').getAttribute('dir')).toBe(lang == 'ar' ? 'rtl' : 'ltr');
      expect(await page.locator('.vc').getAttribute('lang')).toBe(lang);
      expect(await overflowing(page)).toEqual([]);

      // The first message asks for the contact form; submitting it empty shows its errors.
      await page.locator('#vc-in').fill('?');
      await page.keyboard.press('Enter');
      await page.locator('.fm').waitFor();
      await page.locator('.fm .bt').click();
      await expect
        .poll(() => page.locator('.fm .er').allTextContents())
        .toContainEqual(expect.stringContaining(required));
      expect(await overflowing(page)).toEqual([]);
      await page.screenshot({ path: resolve(SHOTS, 'lang-' + lang + '.png') });

      // The language layer and the table came once each; no other language was fetched.
      const langFiles = asked.filter((p) => /\/lang[./]/.test(p));
      expect(langFiles.sort()).toEqual(['/lang.js', '/lang/' + lang + '.js']);
      expect(problems).toEqual([]);
      await context.close();
    },
  );
});
