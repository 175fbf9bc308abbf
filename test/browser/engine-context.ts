/** `EngineBrowser.newPage`, the same for every driver: a page alone in a fresh context. */
import type { EngineBrowser } from './engines';
import type { EnginePage, Viewport } from './engine-page';

/** Opens a fresh context with one page; closing the page closes the context. */
export async function pageInOwnContext(
  browser: EngineBrowser,
  options: { viewport?: Viewport } = {},
): Promise<EnginePage> {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const close = page.close;
  page.close = async () => {
    await close();
    await context.close();
  };
  return page;
}
