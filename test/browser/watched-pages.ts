import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';

/**
 * Pages of a browser test, each in its own context (its own storage: another visitor or agent),
 * watched for what should never happen: a script error or a console error (`problems`), and an
 * answer of 400 or more (`failedLoads`, kept apart because a test may expect one, e.g. a 400 from
 * the agent API). `closeAll()` closes every context.
 */
export function watchedPages(browser: () => Browser) {
  const contexts: BrowserContext[] = [];
  const problems: string[] = [];
  const failedLoads: string[] = [];

  /** Opens `url` in a new context, made with `options` (headers, time zone…) when given. */
  async function open(url: string, options?: BrowserContextOptions): Promise<Page> {
    const context = await browser().newContext(options);
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (e) => problems.push(url + ': ' + e.message));
    // Failed loads are reported with their URL below; the browser's own favicon probe is not ours.
    page.on('console', (m) => {
      if (m.type() == 'error' && !m.text().startsWith('Failed to load resource'))
        problems.push(url + ': ' + m.text());
    });
    page.on('response', (r) => {
      if (r.status() >= 400 && !r.url().endsWith('/favicon.ico'))
        failedLoads.push(r.status() + ' ' + r.url());
    });
    await page.goto(url);
    return page;
  }

  async function closeAll() {
    for (const c of contexts) await c.close().catch(() => {});
  }

  return { open, problems, failedLoads, closeAll };
}
