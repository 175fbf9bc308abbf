/**
 * The chat UI, loaded lazily by the core: Preact lives in this chunk only.
 *
 * @example
 * import { createWidget } from 'visitor-chat';
 * createWidget({ key, transport, ui: (w) => import('visitor-chat/ui').then((m) => m.mount(w)) });
 */
import { render } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { Fragment, jsx } from 'preact/jsx-runtime';
import type { ChunkLoader } from '../core/chunk';
import type { Widget } from '../core/widget';
import { App } from './App';
import { hardenPreact } from './harden';
import { startNotifications } from './notify';
import { attachHost, type Shell } from './shell';
import { CSS } from './styles';
import { createTables, type Tables } from './tables';
import type { FilesView } from './use-files';
import type { FormLoader } from './use-form';
import { tableChunk } from '../lang';
import { warmFormats } from './time';

// The page's first `Intl.DateTimeFormat` starts ICU up: 50–270 ms in Chromium. Paid on idle time
// as soon as this chunk is here (prefetched on hover, or loaded for an incoming message), it is
// not paid by the click that opens the window (the time zone read, message times). The
// language is the launcher shell's, drawn in the visitor's (`mount` warms the widget's own).
if (typeof document == 'object')
  warmFormats(
    window,
    document.querySelector('[data-visitor-chat]')?.shadowRoot?.querySelector<HTMLElement>('[lang]')
      ?.lang || 'en',
  );

/** What the npm entry (ui/npm.tsx) gives {@link mount} in place of the launcher shell's parts. */
export interface OwnParts {
  /** The launcher's stylesheet (ui/shell-styles.ts; with the shell, its root has it already). */
  shellCss: string;
  /** Where languages other than English come from. */
  tables: Tables;
  /** The file layer's components (a chunk of their own). */
  filesView: () => Promise<FilesView>;
  /** Loads the contact form's module (the npm entry's is in its own bundle). */
  formView: FormLoader;
}

/**
 * Renders the widget's UI into an open shadow root on a `<div data-visitor-chat>` host,
 * appended to `<body>` (or inside `config.renderTo`) — or into the launcher shell's root when
 * one is given (the script-tag build draws the launcher without this chunk; see ui/shell.ts).
 * Styles come from constructable stylesheets, so no inline style is needed under a strict CSP.
 * With the shell, the launcher's stylesheet is the one the shell adopted, languages other than
 * English come through the shell's chunk loader, and so does the file layer (`files.js`, given
 * this chunk's Preact); without it, from `own` (the npm entry, ui/npm.tsx, gives every part;
 * the script tag, when `chat:open` came before the shell was drawn, gives the shell's stylesheet
 * and `loader`; without either, English only, no files and no contact form). The contact form
 * (`form.js`) comes the same way as the file layer. Returns a function that removes the UI again
 * (the widget itself keeps running).
 */
export function mount(
  widget: Widget,
  shell?: Shell,
  own?: Partial<OwnParts>,
  loader?: ChunkLoader,
): () => void {
  hardenPreact();
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
  const sheet = (css: string) => {
    const s = new win.CSSStyleSheet();
    s.replaceSync(css);
    return s;
  };
  // The shell's own sheet stays: the launcher's rules are not carried twice.
  root.adoptedStyleSheets = [
    ...(taken ? root.adoptedStyleSheets : [sheet(own?.shellCss || '')]),
    sheet(CSS),
  ];

  // `loader`: the script tag's chunk loader when the UI comes before the shell was drawn
  // (`chat:open` right after boot), so languages and the file layer still load.
  const chunk = taken?.chunk || loader;
  const langs =
    own?.tables ||
    createTables(chunk ? (code) => tableChunk(chunk, code) : () => Promise.resolve({}));
  const stopNotifications = startNotifications(widget, win, langs);
  warmFormats(win, widget.state.lang);
  // The chunks on this chunk's Preact (files.js, form.js) get it before they render.
  const parts = { jsx, Fragment, useState, useEffect, useRef, useLayoutEffect };
  const onPreact =
    chunk &&
    (<M extends { install(p: typeof parts): void }>(
      name: string,
      failing?: (now: () => void) => void,
    ) => chunk<M>(name, failing).then((m) => (m.install(parts), m)));
  const view =
    own?.filesView || (onPreact && (() => onPreact<typeof import('../files')>('files.js')));
  const form: FormLoader | undefined =
    own?.formView ||
    (onPreact && ((failing) => onPreact<typeof import('../form')>('form.js', failing)));

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
    render(
      <App widget={widget} root={root} win={win} tables={langs} filesView={view} formView={form} />,
      root,
    );
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
