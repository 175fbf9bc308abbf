/**
 * The chat UI, loaded lazily by the core: Preact lives in this chunk only.
 *
 * @example
 * import { createWidget } from 'visitor-chat';
 * createWidget({ key, transport, ui: (w) => import('visitor-chat/ui').then((m) => m.mount(w)) });
 */
import { options, render } from 'preact';
import type { Widget } from '../core/widget';
import { App } from './App';
import { startNotifications } from './notify';
import { attachHost, type Shell } from './shell';
import { CSS } from './styles';
import { createTables, type Tables } from './tables';
import { tableChunk } from '../lang';

let hooked = false;

// The page's first `Intl.DateTimeFormat` starts ICU up: 50–120 ms in Chromium. Paid on idle time
// as soon as this chunk is here (prefetched on hover, or loaded for an incoming message), it is
// not paid by the render that opens the window (message times). Later formats take ~1 ms.
globalThis.requestIdleCallback?.(() => new Intl.DateTimeFormat());

/**
 * Renders the widget's UI into an open shadow root on a `<div data-visitor-chat>` host,
 * appended to `<body>` (or inside `config.renderTo`) — or into the launcher shell's root when
 * one is given (the script-tag build draws the launcher without this chunk; see ui/shell.ts).
 * Styles come from a constructable stylesheet, so no inline style is needed under a strict CSP.
 * Languages other than English come from `tables` (the shell's when there is one; without
 * either, English only: the npm entry, ui/npm.tsx, passes tables loaded by dynamic import).
 * Returns a function that removes the UI again (the widget itself keeps running).
 */
export function mount(widget: Widget, shell?: Shell, tables?: Tables): () => void {
  // A host page may have added enumerable keys to Object.prototype (a careless library, or an
  // attack). Preact reads props with for-in and `name in dom`, which walk it: an inherited
  // `dangerouslySetInnerHTML` or `style` would reach every element, and an inherited `class`
  // makes Preact set `dom.class` instead of the attribute. So every element's props get a null
  // prototype (and so does a style object); an element with a `ref` has its props copied by
  // jsx() with for-in, so what came from Object.prototype is dropped again; `class` is set as
  // `className`, a real DOM property. test/browser/hostile.test.ts proves it. (Not defended:
  // `on*` keys with a primitive value, which make Preact's own event code throw, and keys named
  // after attributes that are no DOM property, like `aria-label` or `for`, which Preact then
  // sets as properties.)
  if (!hooked) {
    hooked = true;
    const prev = options.vnode;
    const P = Object.prototype as Record<string, unknown>;
    const bare = (o: object) => Object.assign(Object.create(null), o);
    options.vnode = (v) => {
      if (v.type) {
        const p = (v.props = bare(v.props));
        if (typeof v.type == 'string') {
          // eslint-disable-next-line guard-for-in
          if (v.ref) for (const k in P) if (p[k] === P[k]) delete p[k];
          if ('class' in p) {
            p.className = p.class;
            delete p.class;
          }
          if (typeof p.style == 'object' && p.style) p.style = bare(p.style);
        }
      }
      prev?.(v);
    };
    // On a new element Preact diffs against an empty object that inherits the polluted keys: it
    // clears each one as an old prop (leaving `lang=""`, `value="0"`… attributes: removed
    // again) and skips a prop whose value equals the inherited one (set here). `__e` is the
    // vnode's element, as @preact/signals reads it.
    const prevDiffed = options.diffed;
    options.diffed = (v) => {
      const d = (v as { __e?: Element }).__e;
      const p = v.props as Record<string, unknown>;
      if (typeof v.type == 'string' && d)
        // eslint-disable-next-line guard-for-in
        for (const k in P) {
          const x = p[k];
          const a = k == 'className' ? 'class' : k;
          if (!(k in p)) {
            if (a != 'class' || !('className' in p)) d.removeAttribute(a);
          } else if (x === P[k] && typeof x == 'string') d.setAttribute(a, x);
        }
      prevDiffed?.(v);
    };
  }
  const doc = document;
  const win = doc.defaultView || window;
  // A press on the shell's launcher (or preview) that the hand-over cuts in two — down on the old
  // button, up on the new one — clicks nothing: the release over the widget opens it instead.
  // Deferred past the click, which may still reach the new launcher (a toggle) and open it.
  const pressed =
    shell &&
    doc.querySelector('[data-visitor-chat]')?.shadowRoot?.querySelector('.ln:active,.pvb:active');
  const taken = shell?.takeOver();
  if (pressed)
    doc.addEventListener(
      'pointerup',
      (e) => {
        if (e.composedPath().includes(taken!.host))
          setTimeout(() => void widget.open().catch(() => {}));
      },
      { once: true, capture: true },
    );
  const host = taken?.host || doc.createElement('div');
  host.setAttribute('data-visitor-chat', '');
  const root = taken?.root || host.attachShadow({ mode: 'open' });
  const sheet = new win.CSSStyleSheet();
  sheet.replaceSync(CSS);
  root.adoptedStyleSheets = [sheet];

  const chunk = taken?.chunk;
  const langs =
    tables || createTables(chunk ? (code) => tableChunk(chunk, code) : () => Promise.resolve({}));
  const stopNotifications = startNotifications(widget, win, langs);

  let attached = false;
  const attach = () => {
    if (attached) return;
    attached = true;
    const cfg = widget.state.config;
    if (!taken)
      attachHost(
        doc,
        host,
        Object.prototype.hasOwnProperty.call(cfg, 'renderTo') ? cfg.renderTo : undefined,
      );
    render(<App widget={widget} root={root} win={win} tables={langs} />, root);
    // The shell's launcher had the focus: the UI's launcher, drawn in its place, takes it.
    if (taken?.focused && !widget.state.open) root.querySelector<HTMLElement>('.ln')?.focus();
  };
  if (doc.body) attach();
  else doc.addEventListener('DOMContentLoaded', attach, { once: true });

  return () => {
    doc.removeEventListener('DOMContentLoaded', attach);
    stopNotifications();
    render(null, root);
    host.remove();
  };
}
