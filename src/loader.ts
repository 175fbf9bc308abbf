/**
 * The paste-in snippet, twice: `loader` is its readable form (a pure function of its globals),
 * `buildSnippet` prints the minified one-liner a site owner pastes. test/loader.test.ts runs
 * both in the same documents and requires the same effects, so the two cannot drift apart.
 */

/**
 * Where the generated installs (dist/snippet.js, dist/snippet.html, dist/install.html, README)
 * load the widget from: the chat server, which serves `widget.js` and its chunks (the reference
 * server does, at `/widget.js`, to pages on any origin it allows). Put your server's host in.
 */
export const WIDGET_URL = 'https://chat.example.com/widget.js';

/**
 * Where jsDelivr would serve a release published to npm as `visitor-chat`. Not published yet: an
 * install must load `widget.js` from its chat server ({@link WIDGET_URL}).
 */
export const CDN_URL = 'https://cdn.jsdelivr.net/npm/visitor-chat/dist/widget.js';

/** The queue stub the snippet installs as `window.smartsupp`: it only records its calls. */
export interface SmartsuppStub {
  (...args: unknown[]): void;
  /** Calls made before the widget script ran, in call order. */
  _: IArguments[];
}

/** The globals the snippet reads and writes (not a global augmentation: main.ts owns that). */
type SnippetWindow = Window & { smartsupp?: SmartsuppStub };

/**
 * Installs the queue stub as `window.smartsupp` (the snippet's, and the script-tag entry's when
 * the page loaded the script without the snippet) and returns it.
 */
export function installStub(win: Window): SmartsuppStub {
  const o = ((win as SnippetWindow).smartsupp = function () {
    // `arguments`, not rest args: the queue holds what Smartsupp's own snippet pushes.
    o._.push(arguments);
  } as SmartsuppStub);
  o._ = [];
  return o;
}

/**
 * Installs the queue stub and starts loading the widget script, unless `w.smartsupp` exists.
 * Same shape as Smartsupp's snippet; additionally works on a page without any `<script>`.
 *
 * @example loader(window, document, 'https://chat.example.com/widget.js')
 */
export function loader(win: Window, d: Document, src: string): void {
  if ((win as SnippetWindow).smartsupp) return;
  installStub(win);
  // The first script in the page, as in Smartsupp's snippet; `d.scripts` is the short way.
  const s = d.scripts[0];
  const c = d.createElement('script');
  c.type = 'text/javascript';
  c.charset = 'utf-8';
  c.async = true;
  c.src = src;
  // A script injected by a tag manager or run from the console may find no <script> to sit before.
  (s ? s.parentNode! : d.head || d.documentElement).insertBefore(c, s || null);
}

/**
 * A JavaScript literal for `value` that is also safe inside an HTML `<script>` element:
 * `<` is escaped so `</script>` and `<!--` cannot end or confuse the element, and U+2028/U+2029
 * are escaped for older parsers.
 */
function literal(value: unknown, what: string): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    json = undefined;
  }
  if (json === undefined) throw new TypeError(`visitor-chat: ${what} cannot be written as JSON`);
  return json.replace(
    /[<>&\u2028\u2029]/g,
    (ch) => '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0'),
  );
}

/**
 * The one-liner a site owner pastes inside `<script>…</script>`: the `_smartsupp` config
 * (`key` first) then the queue stub that loads `src` async. Keys whose value is `undefined` are
 * left out; values that JSON cannot express (functions, elements…) throw a `TypeError`.
 *
 * @example buildSnippet('https://chat.example.com/widget.js', { key: 'YOUR_KEY', server: 'https://chat.example.com' })
 */
export function buildSnippet(src: string, config: Record<string, unknown> = {}): string {
  const js = configJs(config);
  // Byte budget (≤ 400 B with a CDN URL): Smartsupp's shape, `d.scripts[0]` for its
  // `getElementsByTagName('script')[0]`, `!0` for `true`, and `insertBefore(c, undefined)`, which
  // appends (WebIDL turns `undefined` into `null`), for the page without any script.
  return (
    js +
    'window.smartsupp||(function(d){var s,c,o=smartsupp=function(){o._.push(arguments)};o._=[];' +
    "s=d.scripts[0];c=d.createElement('script');c.type='text/javascript';c.charset='utf-8';" +
    'c.async=!0;c.src=' +
    literal(src, 'src') +
    ';(s?s.parentNode:d.head||d.documentElement).insertBefore(c,s)})(document);'
  );
}

/** `var _smartsupp=_smartsupp||{};` then one assignment per key (`key` first, undefined left out). */
function configJs(config: Record<string, unknown>): string {
  let js = 'var _smartsupp=_smartsupp||{};';
  const keys = Object.keys(config).filter((k) => k != 'key');
  if ('key' in config) keys.unshift('key');
  for (const k of keys) {
    if (config[k] === undefined) continue;
    // `_smartsupp.__proto__ = …` would replace the config object's prototype, not add a key.
    if (k == '__proto__') throw new TypeError('visitor-chat: "__proto__" is not a config key');
    const target = /^[A-Za-z_$][\w$]*$/.test(k) ? '.' + k : '[' + literal(k, 'a key') + ']';
    js += `_smartsupp${target}=${literal(config[k], `config.${k}`)};`;
  }
  return js;
}

/** `value` for a double-quoted HTML attribute. */
const attr = (value: string) => value.replace(/[&"<>]/g, (ch) => '&#' + ch.charCodeAt(0) + ';');

/**
 * The other install, for a page's HTML: the `_smartsupp` config and the queue stub in an inline
 * script (so `smartsupp(...)` calls queue from the start, as with the snippet), then `src` in an
 * `async` script tag. The HTML parser fetches it: lighter for the page than the snippet, whose
 * script element makes the script that inserts it wait for the fetch to start (README,
 * `npm run bench:host-page`), and the install Trusted Types allow. Not Smartsupp's shape:
 * keep the snippet where that matters. `nonce` goes on both tags (a CSP with nonces).
 *
 * @example buildTagInstallHtml('https://chat.example.com/widget.js', { key: 'YOUR_KEY', server: 'https://chat.example.com' })
 */
export function buildTagInstallHtml(
  src: string,
  config: Record<string, unknown> = {},
  nonce?: string,
): string {
  if (typeof src != 'string') throw new TypeError('visitor-chat: src must be a string');
  // '' is no nonce (a template's empty value); anything else must be a nonce's characters.
  if (nonce !== undefined && (typeof nonce != 'string' || !/^[\w+/=-]*$/.test(nonce)))
    throw new TypeError('visitor-chat: a nonce is base64 or base64url characters only');
  const n = nonce ? ` nonce="${nonce}"` : '';
  return (
    `<script${n}>\n${configJs(config)}` +
    'window.smartsupp||(function(){var o=smartsupp=function(){o._.push(arguments)};o._=[]})();' +
    `\n</script>\n<script${n} async src="${attr(src)}"></script>\n`
  );
}

/** `buildSnippet` wrapped in the `<script>` element, ready to paste into a page's HTML. */
export function buildSnippetHtml(src: string, config?: Record<string, unknown>): string {
  return `<script type="text/javascript">\n${buildSnippet(src, config)}\n</script>\n`;
}
