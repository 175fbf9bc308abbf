/**
 * The chat UI for npm consumers (`visitor-chat/ui`): {@link mount} with every language table
 * as a dynamic import, so the site's bundler splits each language into a chunk of its own.
 *
 * @example
 * import { createWidget } from 'visitor-chat';
 * createWidget({ key, transport, ui: (w) => import('visitor-chat/ui').then((m) => m.mount(w)) });
 */
import { pickLanguage, tableOf } from '../core/language';
import type { Widget } from '../core/widget';
import * as form from './form-view';
import { mount as mountUI } from './index';
import { importTable } from './lang-imports';
import { SHELL_CSS } from './shell-styles';
import { createTables } from './tables';
import { warn } from './warn';

/**
 * Renders the widget's UI (see ui/index.tsx) in the visitor's language (`lang: 'auto'`: the first
 * of `navigator.languages` the UI speaks); the file layer's components are a dynamic import, a
 * chunk of their own in the site's bundle (the contact form is in this one). Returns a function
 * that removes the UI again.
 */
export function mount(widget: Widget): () => void {
  // Once per widget: a second call gives back the first one's unmount (two UIs would fight).
  const up = mounted.get(widget);
  if (up) {
    warn('mount: this widget has a UI already');
    return up;
  }
  const nav = typeof navigator == 'object' ? navigator : undefined;
  // Only while the language is still the browser's first one: a `language` command before wins.
  if (widget.state.config.lang == 'auto' && nav && widget.state.lang == nav.language)
    widget.exec(['language', pickLanguage(nav.languages || [])]);
  // A language without a table shows English: said, as the script tag's lang.js does (not the
  // browser's own under `lang: 'auto'`, which the pick above replaces). One switched to later is
  // said by the UI (App).
  const lang = widget.state.lang;
  if (!tableOf(lang) && !(widget.state.config.lang == 'auto' && lang == nav?.language))
    warn('language "' + lang + '" has no translation; showing English');
  const unmount = mountUI(widget, undefined, {
    shellCss: SHELL_CSS,
    tables: createTables(importTable),
    filesView: () => import('./files-view'),
    // In this bundle (≈ 2 kB minified): at hand the moment it could be needed, with no load of
    // its own that could fail (the script tag pays for that to keep ui.js within its budget).
    formView: () => Promise.resolve(form),
  });
  const off = () => {
    if (mounted.get(widget) != off) return;
    mounted.delete(widget);
    unmount();
  };
  mounted.set(widget, off);
  return off;
}

/** The UI each widget has, by its unmount function. */
const mounted = new WeakMap<Widget, () => void>();
