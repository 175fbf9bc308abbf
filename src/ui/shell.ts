/**
 * The launcher shell: what the chat layer (chat.js) draws without Preact, so a page view where
 * nobody chats never loads the UI chunk (ui.js). It draws the launcher with its unread badge and
 * the auto-message preview's bubble, in the same `[data-visitor-chat]` open shadow root, with the
 * same classes and rules (ui/shell-styles.ts) as the UI; ui/index.tsx's `mount` takes the root
 * over when the UI is needed. Elements are created one by one (no markup is parsed: strict CSP
 * and Trusted Types hold), texts set with `textContent`.
 */
import { clean } from './clean';
import { CLOSE_PATH } from './icon-paths';
import { base, fill, isRtl, pick, SHELL_EN } from './shell-strings';
import { SHELL_CSS } from './shell-styles';
import type { LangModule } from '../chat';
import type { ChunkLoader } from '../core/chunk';
import type { Warn } from '../core/log';
import { isInline, rootClass, themeVars } from './theme';
import type { AutoMessage } from '../core/state';
import type { Widget } from '../core/widget';

/** A drawn shell, until the UI takes its shadow root over. */
export interface Shell {
  /**
   * Stops drawing and empties the shadow root for the UI; `focused` says whether the shell's
   * launcher had the keyboard focus (the UI's launcher takes it then).
   */
  takeOver(): { host: HTMLElement; root: ShadowRoot; focused: boolean; chunk: ChunkLoader };
}

const SVG = 'http://www.w3.org/2000/svg';
const noop = () => {};

/** Appends the host where the config says (`renderTo`), else at the end of `<body>`. */
export function attachHost(doc: Document, host: HTMLElement, renderTo: unknown) {
  const target = typeof renderTo == 'string' ? doc.getElementById(renderTo) : renderTo;
  if (renderTo && !target)
    console.warn(
      '[visitor-chat] renderTo "' + String(renderTo) + '" not found; using the page corner',
    );
  ((target as HTMLElement | null) || doc.body).append(host);
}

/**
 * Draws the shell for `widget` into a new host on `doc` and keeps it in step with the widget's
 * state. `prefetch` starts loading the UI chunk: called when the pointer comes over the
 * launcher, it gets focus or a touch starts, so the click that follows finds it loaded. The
 * visitor's language, when it is not English, comes through `chunk` (`lang.js`, then the
 * language's table; English until then: the launcher's texts are labels for screen readers);
 * the UI loads its tables with the same `chunk`.
 */
export function createShell(
  widget: Widget,
  doc: Document,
  prefetch: () => void,
  chunk: ChunkLoader,
  /** Says a language has no table (the widget's warning function). */
  warn?: Warn,
): Shell {
  const win = doc.defaultView || window;
  const make = <K extends keyof HTMLElementTagNameMap>(tag: K, cls: string) => {
    const el = doc.createElement(tag);
    el.className = cls;
    return el;
  };
  const icon = (d: string, stroke?: boolean) => {
    const svg = doc.createElementNS(SVG, 'svg');
    const path = doc.createElementNS(SVG, 'path');
    const attrs: Record<string, string> = stroke
      ? { fill: 'none', stroke: 'currentColor', 'stroke-width': '2.2', 'stroke-linecap': 'round' }
      : { fill: 'currentColor' };
    for (const [k, v] of Object.entries({
      viewBox: '0 0 24 24',
      'aria-hidden': 'true',
      focusable: 'false',
      ...attrs,
    }))
      svg.setAttribute(k, v);
    path.setAttribute('d', d);
    svg.append(path);
    return svg;
  };
  const button = (cls: string, onClick: () => void) => {
    const b = make('button', cls);
    b.type = 'button';
    b.addEventListener('click', onClick);
    return b;
  };

  const host = doc.createElement('div');
  host.setAttribute('data-visitor-chat', '');
  const root = host.attachShadow({ mode: 'open' });
  const sheet = new win.CSSStyleSheet();
  sheet.replaceSync(SHELL_CSS);
  root.adoptedStyleSheets = [sheet];

  const box = make('div', '');
  const launcher = button('ln', () => void widget.open().catch(noop));
  // A speech bubble in CSS: no SVG on a page where nobody chats (the first SVG element a page
  // creates costs about a millisecond of script on a first page view, bench/host-page-profile.mjs).
  launcher.append(make('span', 'ic'));
  const badge = make('span', 'bd');
  badge.setAttribute('aria-hidden', 'true');
  for (const type of ['pointerenter', 'focus', 'touchstart'])
    launcher.addEventListener(type, prefetch, { passive: true });
  box.addEventListener('keydown', (e) => {
    if (e.key == 'Escape' && widget.state.autoMessage && !widget.state.open) {
      dismiss();
      e.stopPropagation();
    }
  });
  // The preview goes with its buttons: the focus goes to the launcher, not to the page.
  const dismiss = () => {
    widget.dismissAutoMessage();
    launcher.focus();
  };
  let preview: HTMLElement | undefined;
  let shown: AutoMessage | null = null;
  let over = false;
  const langs: Record<string, Awaited<ReturnType<LangModule['load']>> | 0> = Object.create(null);

  function drawPreview(m: AutoMessage, t: typeof SHELL_EN) {
    const pv = make('div', 'pv');
    const open = button('pvb', () => void widget.open().catch(noop));
    const name = make('span', 'nm');
    name.textContent = m.name || t.agent;
    const text = make('span', 'pvt');
    text.dir = 'auto';
    text.textContent = m.text;
    open.append(name, text);
    const x = button('pvx', dismiss);
    x.setAttribute('aria-label', t.dismiss);
    x.append(icon(CLOSE_PATH, true));
    pv.append(open, x);
    return pv;
  }

  function draw() {
    // Own keys only: a polluted Object.prototype must not name the agent or colour the launcher.
    const s = clean(widget.state);
    if (!s.visible) return box.remove();
    const lang = s.lang;
    if (base(lang) != 'en' && !(lang in langs)) {
      langs[lang] = 0;
      // Drawn again in the visitor's language once it is here; English until then.
      chunk<LangModule>('lang.js')
        .then((m) => m.load(lang, chunk, widget, warn))
        .then((l) => {
          langs[lang] = l;
          shown = null;
          if (!over) draw();
        }, noop);
    }
    const l = langs[lang];
    const t = pick(SHELL_EN, l ? l.t : undefined, s.translations);
    box.className = rootClass(s, isInline(host));
    box.dir = isRtl(s.lang) ? 'rtl' : 'ltr';
    box.lang = s.lang;
    const vars = themeVars(s);
    for (const k of Object.keys(vars)) box.style.setProperty(k, vars[k]!);
    launcher.setAttribute(
      'aria-label',
      t.open +
        (s.unread
          ? ', ' + (l ? l.count(t.unread, s.unread, lang) : fill(t.unread, { n: s.unread }))
          : ''),
    );
    launcher.setAttribute('aria-expanded', String(s.open));
    badge.textContent = s.unread > 99 ? '99+' : String(s.unread);
    if (s.unread > 0) launcher.append(badge);
    else badge.remove();
    const auto = s.open ? null : s.autoMessage;
    if (auto !== shown) {
      preview?.remove();
      preview = auto ? drawPreview(auto, t) : undefined;
      if (preview) box.prepend(preview);
      shown = auto;
    }
    if (!box.parentNode) root.append(box);
  }

  // Placed first: where it went (renderTo, or the corner when not found) decides the layout.
  const cfg = widget.state.config;
  attachHost(
    doc,
    host,
    Object.prototype.hasOwnProperty.call(cfg, 'renderTo') ? cfg.renderTo : undefined,
  );
  box.append(launcher);
  draw();
  const stop = widget.subscribe(draw);

  return {
    takeOver() {
      stop();
      over = true;
      const focused = root.activeElement == launcher;
      root.replaceChildren();
      return { host, root, focused, chunk };
    },
  };
}
