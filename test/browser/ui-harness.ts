/**
 * Shared pieces of the UI browser tests: the fixture script bundled from ui-fixture.ts, a shop
 * page with the real snippet, and helpers to reach the widget (Playwright's CSS locators pierce
 * the open shadow root) and the page's memory server.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import nodeResolve from '@rollup/plugin-node-resolve';
import type { EnginePage } from './engines';
import { rollup } from 'rollup';
import ts from 'typescript';
import { buildSnippetHtml } from '../../src/loader';
import { DIST, serve, type Route, type Served } from './harness';

/** Bundles ui-fixture.ts (or another fixture here, and what it imports) into a classic script. */
export async function buildFixture(file = 'ui-fixture.ts'): Promise<string> {
  const bundle = await rollup({
    input: resolve(import.meta.dirname, file),
    plugins: [
      nodeResolve({ browser: true, extensions: ['.ts', '.js'], rootDir: resolve(DIST, '..') }),
      {
        name: 'ts',
        transform: (code: string, id: string) =>
          id.endsWith('.ts')
            ? ts.transpileModule(code, {
                compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2020 },
              }).outputText
            : null,
      },
    ],
  });
  const { output } = await bundle.generate({ format: 'iife' });
  await bundle.close();
  return output[0].code;
}

/** The inline snippet for `config` and the CSP source that allows exactly it. */
export function snippetFor(config: Record<string, unknown>) {
  const html = buildSnippetHtml('/widget.js', { key: 'ui-test', ...config });
  const inline = /<script[^>]*>([\s\S]*?)<\/script>/.exec(html)![1];
  const hash = "'sha256-" + createHash('sha256').update(inline).digest('base64') + "'";
  return { html, hash };
}

/** A small shop page: the fixture, the real snippet, some content and a focusable page button. */
export function shopPage(config: Record<string, unknown> = {}, extraHead = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Acme shop</title>
<link rel="stylesheet" href="/shop.css">
${extraHead}
<script src="/fixture.js"></script>
${snippetFor(config).html}
</head>
<body>
<header><strong>Acme shop</strong> <a href="#">Home</a> <a href="#">Pricing</a></header>
<main>
<h1>Plans for every team</h1>
<p>Free, Standard and Pro. Questions? Our team answers in the chat.</p>
<button type="button" id="buy">Buy Pro</button>
</main>
</body>
</html>`;
}

/** Host-page CSS that tries hard to break the widget (it must not). */
export const SHOP_CSS = `
body{margin:0;font:16px/1.5 Georgia,serif;background:#f6f5f1;color:#222}
header{padding:16px 24px;background:#fff;border-bottom:1px solid #ddd}
header a{margin-left:16px;color:#0a58ca}
main{max-width:720px;margin:40px auto;padding:0 24px}
button{font:inherit}
/* hostile rules */
div{color:red !important;font-family:"Comic Sans MS" !important}
button{background:lime !important;border:4px dashed red !important}
[data-visitor-chat]{display:none !important;transform:scale(.5) !important;opacity:.2 !important}
`;

/**
 * What these helpers need of a page: Playwright's `Page` (the Chromium-only tests) and the
 * cross-engine `EnginePage` (engines.ts) both have it.
 */
interface Page {
  evaluate: EnginePage['evaluate'];
  locator(selector: string): { waitFor(options?: { state?: 'visible' }): Promise<void> };
}

/** The page's memory server, driven from Node. */
export const chat = {
  say: (page: Page, text: string, options: Record<string, unknown> = {}) =>
    page.evaluate(
      ([t, o]) =>
        (
          window as unknown as { chat: { server: { say(t: string, o: unknown): void } } }
        ).chat.server.say(t, o),
      [text, options] as const,
    ),
  call: (page: Page, method: 'block' | 'unblock' | 'setOnline', arg?: unknown) =>
    page.evaluate(
      ([m, a]) =>
        (
          window as unknown as { chat: { server: Record<string, (a?: unknown) => void> } }
        ).chat.server[m](a),
      [method, arg] as const,
    ),
  push: (page: Page, frame: unknown) =>
    page.evaluate(
      (f) =>
        (window as unknown as { chat: { server: { push(f: unknown): void } } }).chat.server.push(f),
      frame,
    ),
  /** Texts of the visitor messages the server stored, in order. */
  received: (page: Page) =>
    page.evaluate(() =>
      (
        window as unknown as { chat: { server: { messages: { from: string; text: string }[] } } }
      ).chat.server.messages
        .filter((m) => m.from == 'visitor')
        .map((m) => m.text),
    ),
};

/** Waits until the UI has mounted (the launcher is rendered inside the shadow root). */
export async function uiMounted(page: Page): Promise<void> {
  await page.locator('[data-visitor-chat] .ln').waitFor({ state: 'visible' });
}

/**
 * Waits until ui.js has taken over the launcher shell's root (an agent message loads it): the
 * UI's live region (`.sr`, which the shell does not draw) is there, or the window is open. For
 * tests that go on with the UI's own elements.
 */
export async function uiTookOver(page: EnginePage): Promise<void> {
  await page.waitForFunction(
    () => !!document.querySelector('[data-visitor-chat]')?.shadowRoot?.querySelector('.win, .sr'),
  );
}

/**
 * Serves the fixture shop: `pages` (by default `/` with no config), the UI fixture and the shop
 * stylesheet, from a throwaway server.
 */
export async function serveShop(
  pages: Record<string, Route | string> = { '/': shopPage() },
): Promise<Served> {
  return serve({
    ...pages,
    '/fixture.js': { body: await buildFixture(), contentType: 'text/javascript' },
    '/shop.css': { body: SHOP_CSS, contentType: 'text/css' },
  });
}
