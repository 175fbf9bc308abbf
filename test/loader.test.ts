import { afterEach, describe, expect, it } from 'vitest';
import { Window } from 'happy-dom';
import {
  WIDGET_URL,
  buildSnippet,
  buildSnippetHtml,
  buildTagInstallHtml,
  loader,
} from '../src/loader';

type Stub = ((...args: unknown[]) => void) & { _: IArguments[] };
type Page = Window & { smartsupp?: Stub; _smartsupp?: Record<string, unknown> };

const SRC = 'https://cdn.example/widget.js';
const fn = () => {};
const open: Window[] = [];

/**
 * A fresh page. Its inline scripts do not run by themselves (happy-dom wraps them in a function,
 * so a top-level `var` would not become a global): `runInline` runs them as a browser would.
 * The widget script the snippet asks for is never fetched.
 */
function page(html: string): Page {
  const w = new Window({
    url: 'https://shop.example/',
    settings: { disableJavaScriptFileLoading: true, handleDisabledFileLoadingAsSuccess: true },
  });
  open.push(w);
  w.document.write(html);
  return w as Page;
}

/** Runs the pasted one-liner the way a console or a tag manager would: no <script> element. */
function runSnippet(w: Page, js = buildSnippet(SRC)): void {
  (w as unknown as { eval(code: string): unknown }).eval(js);
}

/** Runs the page's inline scripts in document order, in the global scope. */
function runInline(w: Page): void {
  for (const s of Array.from(w.document.querySelectorAll('script:not([src])'))) {
    runSnippet(w, s.textContent ?? '');
  }
}

const queued = (w: Page) => w.smartsupp!._.map((args) => Array.from(args));
const injected = (w: Page) =>
  Array.from(w.document.querySelectorAll('script')).filter((s) => s.getAttribute('src') == SRC);

const PAGES: Record<string, string> = {
  'a script in the head': '<html><head><script>var a = 1;</script></head><body></body></html>',
  'a script only in the body': '<html><head></head><body><p>x</p><script>1</script></body></html>',
  'no script at all': '<html><head><title>t</title></head><body></body></html>',
};

afterEach(async () => {
  await Promise.all(open.splice(0).map((w) => w.happyDOM.close()));
});

describe('loader', () => {
  it('installs a stub that queues every call, in call order, with its arguments', () => {
    const w = page(PAGES['a script in the head']!);
    loader(w as never, w.document as never, SRC);
    w.smartsupp!('on', 'message_sent', fn);
    w.smartsupp!('name', 'Ada');
    w.smartsupp!(fn);
    expect(queued(w)).toEqual([['on', 'message_sent', fn], ['name', 'Ada'], [fn]]);
    expect(Object.prototype.toString.call(w.smartsupp!._[0])).toBe('[object Arguments]');
  });

  it('inserts one async utf-8 script with the src before the first script of the page', () => {
    const w = page(PAGES['a script only in the body']!);
    loader(w as never, w.document as never, SRC);
    const [c] = injected(w);
    expect(injected(w)).toHaveLength(1);
    expect(c!.async).toBe(true);
    expect(c!.getAttribute('charset')).toBe('utf-8');
    expect(c!.src).toBe(SRC);
    expect(w.document.scripts[0]).toBe(c);
    expect(c!.parentNode).toBe(w.document.body);
  });

  it('appends to the head on a page without any script', () => {
    const w = page(PAGES['no script at all']!);
    loader(w as never, w.document as never, SRC);
    expect(w.document.head.lastChild).toBe(injected(w)[0]);
  });

  it('appends to the root element of a document without a head', () => {
    const w = page(PAGES['no script at all']!);
    w.document.head.remove();
    loader(w as never, w.document as never, SRC);
    expect(w.document.documentElement.lastChild).toBe(injected(w)[0]);
  });

  it('does nothing when window.smartsupp already exists, so a second run is a no-op', () => {
    const w = page(PAGES['a script in the head']!);
    loader(w as never, w.document as never, SRC);
    const stub = w.smartsupp!;
    stub('name', 'Ada');
    loader(w as never, w.document as never, SRC);
    expect(w.smartsupp).toBe(stub);
    expect(queued(w)).toEqual([['name', 'Ada']]);
    expect(injected(w)).toHaveLength(1);
  });
});

describe('buildSnippet', () => {
  for (const [name, html] of Object.entries(PAGES)) {
    it(`does exactly what loader does on a page with ${name}`, () => {
      const byLoader = page(html);
      const bySnippet = page(html);
      loader(byLoader as never, byLoader.document as never, SRC);
      runSnippet(bySnippet);
      for (const w of [byLoader, bySnippet]) w.smartsupp!('name', 'Ada', { x: 1 });
      expect(bySnippet.document.documentElement.outerHTML).toBe(
        byLoader.document.documentElement.outerHTML,
      );
      expect(queued(bySnippet)).toEqual(queued(byLoader));
      expect(bySnippet.smartsupp!.length).toBe(byLoader.smartsupp!.length);
      expect(injected(bySnippet)[0]!.async).toBe(true);
    });
  }

  it('does exactly what loader does in a document without a head', () => {
    const [byLoader, bySnippet] = [
      page(PAGES['no script at all']!),
      page(PAGES['no script at all']!),
    ];
    byLoader.document.head.remove();
    bySnippet.document.head.remove();
    loader(byLoader as never, byLoader.document as never, SRC);
    runSnippet(bySnippet);
    expect(bySnippet.document.documentElement.outerHTML).toBe(
      byLoader.document.documentElement.outerHTML,
    );
  });

  it('leaves an existing window.smartsupp and its queue alone, like loader', () => {
    const w = page(PAGES['a script in the head']!);
    runSnippet(w);
    const stub = w.smartsupp!;
    stub('name', 'Ada');
    runSnippet(w);
    expect(w.smartsupp).toBe(stub);
    expect(queued(w)).toEqual([['name', 'Ada']]);
    expect(injected(w)).toHaveLength(1);
  });

  it('pasted in a page, sets _smartsupp and inserts the widget before the first script', () => {
    const html = buildSnippetHtml(SRC, { key: 'abc', orientation: 'left', offsetY: 40 });
    const w = page(`<html><head><title>t</title>${html}</head><body></body></html>`);
    runInline(w);
    expect(w._smartsupp).toEqual({ key: 'abc', orientation: 'left', offsetY: 40 });
    const [c, snippet] = Array.from(w.document.scripts);
    expect(c!.src).toBe(SRC);
    expect(snippet!.textContent).toContain('_smartsupp.key="abc"');
    expect(typeof w.smartsupp).toBe('function');
  });

  it('keeps an existing _smartsupp object and adds the keys to it', () => {
    const w = page(PAGES['no script at all']!);
    runSnippet(w, 'var _smartsupp = { color: "#112233" };');
    runSnippet(w, buildSnippet(SRC, { key: 'abc' }));
    expect(w._smartsupp).toEqual({ color: '#112233', key: 'abc' });
  });

  it('writes the key first, then the other keys in order, skipping undefined', () => {
    const js = buildSnippet(SRC, { lang: 'fr', key: 'K', hideWidget: undefined, zIndex: 5 });
    expect(
      js.startsWith('var _smartsupp=_smartsupp||{};_smartsupp.key="K";_smartsupp.lang="fr";'),
    ).toBe(true);
    expect(js).not.toContain('hideWidget');
  });

  it('escapes config values so quotes and </script> cannot break out of the page', () => {
    const hostile = {
      key: `a"b'c\\d`,
      lang: '</script><script>alert(1)</script>',
      privacyNoticeUrl: 'https://x.example/?a=1&b=<!--',
      color: '\u2028\u2029',
      'data-weird key': { nested: ['</SCRIPT>', 1, true, null] },
    };
    const html = buildSnippetHtml(SRC, hostile);
    const inner = html.slice(html.indexOf('>') + 1, html.lastIndexOf('</script>'));
    expect(inner).not.toMatch(/<\/script|<!--|<script/i);
    expect(inner).not.toMatch(/[\u2028\u2029]/);
    const w = page(`<html><head>${html}</head><body><p id="after">ok</p></body></html>`);
    // The HTML parser saw one script element holding the whole one-liner, then the page.
    expect(Array.from(w.document.scripts).map((s) => s.textContent.trim())).toEqual([inner.trim()]);
    expect(w.document.getElementById('after')!.textContent).toBe('ok');
    runInline(w);
    expect(w._smartsupp).toEqual(hostile);
    expect(w.document.scripts).toHaveLength(2);
  });

  it('escapes the src too', () => {
    const js = buildSnippet('https://cdn.example/w.js?a="</script>');
    expect(js).not.toMatch(/<\/script/i);
    const w = page(PAGES['no script at all']!);
    runSnippet(w, js);
    expect(w.document.scripts[0]!.getAttribute('src')).toBe(
      'https://cdn.example/w.js?a="</script>',
    );
  });

  it('refuses what the page cannot receive: __proto__ keys and values JSON cannot express', () => {
    expect(() => buildSnippet(SRC, JSON.parse('{"__proto__": {"polluted": true}}'))).toThrow(
      TypeError,
    );
    expect(() => buildSnippet(SRC, { renderTo: () => {} })).toThrow(/config\.renderTo/);
    expect(() => buildSnippet(SRC, { zIndex: 10n })).toThrow(TypeError);
  });

  it('fits the 400-byte budget with the published CDN URL and a placeholder key', () => {
    const js = buildSnippet(WIDGET_URL, { key: 'YOUR_KEY' });
    expect(new TextEncoder().encode(js + '\n').length).toBeLessThanOrEqual(400);
  });
});

describe('buildTagInstallHtml', () => {
  it('pasted in a page, sets _smartsupp and a stub that queues, then the widget in an async tag', () => {
    const html = buildTagInstallHtml(SRC, { key: 'abc', orientation: 'left', offsetY: 40 });
    const w = page(`<html><head><title>t</title>${html}</head><body></body></html>`);
    const [inline, tag] = Array.from(w.document.scripts);
    // The parser's own script element, not one a script inserts.
    expect(tag!.getAttribute('src')).toBe(SRC);
    expect(tag!.hasAttribute('async')).toBe(true);
    expect(inline!.hasAttribute('src')).toBe(false);
    runInline(w);
    expect(w._smartsupp).toEqual({ key: 'abc', orientation: 'left', offsetY: 40 });
    w.smartsupp!('name', 'Ada');
    w.smartsupp!('on', 'message_sent', fn);
    expect(queued(w)).toEqual([
      ['name', 'Ada'],
      ['on', 'message_sent', fn],
    ]);
    // Nothing inserted: the HTML holds the one script tag there is.
    expect(injected(w)).toHaveLength(1);
    expect(w.document.scripts).toHaveLength(2);
  });

  it('writes the config exactly as the snippet does', () => {
    const config = { lang: 'fr', key: 'K', hideWidget: undefined, zIndex: 5 };
    const snippet = buildSnippet(SRC, config);
    const config0 = snippet.slice(0, snippet.indexOf('window.smartsupp'));
    expect(config0).toBe(
      'var _smartsupp=_smartsupp||{};_smartsupp.key="K";_smartsupp.lang="fr";_smartsupp.zIndex=5;',
    );
    expect(buildTagInstallHtml(SRC, config)).toContain(config0 + 'window.smartsupp||');
  });

  it('leaves an existing window.smartsupp and its queue alone', () => {
    const w = page(PAGES['no script at all']!);
    runSnippet(w, buildSnippet(SRC));
    const stub = w.smartsupp!;
    stub('name', 'Ada');
    const html = buildTagInstallHtml(SRC, { key: 'abc' });
    runSnippet(w, html.slice(html.indexOf('>') + 1, html.indexOf('</script>')));
    expect(w.smartsupp).toBe(stub);
    expect(queued(w)).toEqual([['name', 'Ada']]);
  });

  it('escapes config values and the src so nothing breaks out of the page', () => {
    const hostile = { key: `a"b'c`, lang: '</script><script>alert(1)</script>', color: '\u2028' };
    const src = 'https://cdn.example/w.js?a="><script>alert(1)</script>&b=<!--';
    const html = buildTagInstallHtml(src, hostile);
    const w = page(`<html><head>${html}</head><body><p id="after">ok</p></body></html>`);
    expect(w.document.scripts).toHaveLength(2);
    expect(w.document.scripts[1]!.getAttribute('src')).toBe(src);
    expect(w.document.getElementById('after')!.textContent).toBe('ok');
    runInline(w);
    expect(w._smartsupp).toEqual(hostile);
  });

  it('puts a nonce on both tags, and refuses one that is not base64', () => {
    const html = buildTagInstallHtml(SRC, { key: 'abc' }, 'r4nd0m+/=_-');
    const w = page(`<html><head>${html}</head><body></body></html>`);
    expect(Array.from(w.document.scripts).map((s) => s.getAttribute('nonce'))).toEqual([
      'r4nd0m+/=_-',
      'r4nd0m+/=_-',
    ]);
    expect(() => buildTagInstallHtml(SRC, {}, '" onload="alert(1)')).toThrow(TypeError);
    expect(buildTagInstallHtml(SRC, {}, '')).not.toContain('nonce');
    expect(() => buildTagInstallHtml(SRC, JSON.parse('{"__proto__": {"p": 1}}'))).toThrow(
      TypeError,
    );
  });
});
