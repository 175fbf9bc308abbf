/**
 * Hostile strings for every text sink (widget and agent page). Each vector that would run script
 * calls `__pwn(<its id>)`, so a page that defines `window.__pwn` records in `window.__pwned` the
 * id of every vector that executed: the proof is `__pwned` staying undefined. The DOM checks of
 * the browser tests ({@link DOM_AUDIT}) catch what a flag cannot: a `javascript:` link nobody
 * clicked, an `on*` attribute nobody fired, an element that should never have been created.
 */

/** One hostile string. */
export interface Vector {
  /** Stable id, also the argument of its `__pwn` call. */
  id: number;
  /** What it tries. */
  what: string;
  text: string;
}

const P = (id: number) => `__pwn(${id})`;

/** `[what, template]`; `$` in a template becomes the vector's `__pwn(id)` call. */
const RAW: [string, string][] = [
  ['img onerror', '<img src=x onerror=$>'],
  ['script element', '<script>$</script>'],
  ['attribute breakout + svg onload', '"><svg onload=$>'],
  ['single-quote breakout', "'><svg/onload=$>"],
  ['javascript: scheme', 'javascript:$'],
  ['mixed-case scheme', 'JaVaScRiPt:$'],
  ['tab before scheme', '\tjavascript:$'],
  ['tab inside scheme', 'java\tscript:$'],
  ['newline inside scheme', 'java\nscript:$'],
  ['space before scheme', ' javascript:$'],
  ['javascript: with comment', 'javascript://%0a$'],
  ['data: HTML', 'data:text/html,<script>$</script>'],
  ['data: base64 HTML', 'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=='],
  ['data: SVG', 'data:image/svg+xml,<svg onload=$>'],
  ['vbscript: scheme', 'vbscript:msgbox(1)'],
  ['file: scheme', 'file:///etc/passwd'],
  ['entity-encoded tag', '&lt;img src=x onerror=$&gt;'],
  ['hex-entity tag', '&#x3C;img src=x onerror=$&#x3E;'],
  ['entity-encoded scheme', '&#106;avascript:$'],
  ['percent-encoded scheme', '%6Aavascript:$'],
  ['template injection', "{{constructor.constructor('$')()}}"],
  ['template literal', '${$}'],
  ['anchor with javascript:', '<a href="javascript:$">click me</a>'],
  ['iframe srcdoc', '<iframe srcdoc="<script>parent.$</script>"></iframe>'],
  ['mXSS math/style', '<math><mtext><table><mglyph><style><img src=x onerror=$>'],
  ['mXSS noscript', '<noscript><p title="</noscript><img src=x onerror=$>">'],
  ['details ontoggle', '<details open ontoggle=$>'],
  ['autofocus onfocus', '<input autofocus onfocus=$>'],
  ['formaction', '<form><button formaction=javascript:$>go</button></form>'],
  ['object data', '<object data="javascript:$"></object>'],
  ['base href', '<base href="javascript:$//">'],
  ['meta refresh', '<meta http-equiv="refresh" content="0;url=javascript:$">'],
  ['svg xlink:href', '<svg><a xlink:href="javascript:$"><text>x</text></a></svg>'],
  ['markdown link', '[click](javascript:$)'],
  ['attribute injection', '" onmouseover="$" x="'],
  ['http link then HTML', 'https://example.com/"><img src=x onerror=$>'],
  ['www link then HTML', 'www.example.com/<img/src/onerror=$>'],
  ['mailto with HTML', 'mailto:a@example.com?body=<script>$</script>'],
  ['tel with HTML', 'tel:+1<svg onload=$>'],
  ['zero-width in scheme', 'java\u200bscript:$'],
  ['RTL override URL', '\u202ehttps://moc.elpmaxe\u202c <img src=x onerror=$>'],
  ['RTL/zero-width name', 'Eva\u200d\u202e<svg onload=$>\u202c\ufeff'],
  ['NUL byte', 'a\u0000<script>$</script>'],
  ['style import', "<style>@import 'javascript:$';</style>"],
  ['CSS expression', '<div style="background:url(javascript:$)">x</div>'],
  ['prototype words', '__proto__ constructor prototype toString'],
  ['very long', 'A'.repeat(3000) + '<img src=x onerror=$>'],
];

/** The corpus, ids from 1. */
export const XSS: Vector[] = RAW.map(([what, t], i) => ({
  id: i + 1,
  what,
  text: t.split('$').join(P(i + 1)),
}));

/** Vectors at most `max` characters long (sinks with a length cap refuse the longer ones). */
export const upTo = (max: number) => XSS.filter((v) => v.text.length <= max);

/** Link schemes the widget and the agent page may render. */
export const SAFE_SCHEMES = ['http:', 'https:', 'mailto:', 'tel:'];

/**
 * Script that, evaluated in a page (or with a root), lists everything under `root` (a document or
 * shadow root, descending into open shadow roots) that must never be there: elements that run or
 * load content, `on*` attributes, `style`/`srcdoc`/`formaction` attributes from content, and
 * `href`/`src`/`action`/`xlink:href` values whose scheme is not http(s), mailto or tel.
 * The page's own elements listed in `allow` (CSS selectors) are skipped.
 */
export function auditDom(root: Document | ShadowRoot, allow: string[] = []): string[] {
  const BAD_TAGS =
    /^(script|iframe|frame|object|embed|img|base|meta|link|style|form|math|noscript|details|template)$/i;
  const SAFE = /^(https?|mailto|tel):$/;
  const out: string[] = [];
  const visit = (r: Document | ShadowRoot) => {
    for (const el of Array.from(r.querySelectorAll('*'))) {
      const name = el.tagName.toLowerCase();
      if (allow.some((s) => el.matches(s))) continue;
      if (BAD_TAGS.test(name)) out.push('element <' + name + '>');
      for (const a of Array.from(el.attributes)) {
        const n = a.name.toLowerCase();
        if (n.startsWith('on')) out.push('<' + name + '> has ' + n + '=' + a.value.slice(0, 40));
        if (n == 'srcdoc' || n == 'formaction') out.push('<' + name + '> has ' + n);
        if (/^(href|src|action|xlink:href|data)$/.test(n)) {
          let scheme = '';
          try {
            scheme = new URL(a.value, 'http://base.invalid/').protocol;
          } catch {
            scheme = 'unparsable';
          }
          if (!SAFE.test(scheme)) out.push('<' + name + '> ' + n + '=' + a.value.slice(0, 60));
        }
      }
      if (el.shadowRoot) visit(el.shadowRoot);
    }
  };
  visit(root);
  return out;
}

/**
 * Page script for the browser tests: defines `__pwn` (what every vector calls), and records
 * `window.__pwned`; also watches for dialogs opened by `alert` as a second signal.
 */
export const PWN_RECORDER = `window.__pwn = function (id) {
  (window.__pwned = window.__pwned || []).push(id);
};`;
