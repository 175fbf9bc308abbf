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
import { CSS } from './styles';

let hooked = false;

/**
 * Renders the widget's UI into an open shadow root on a `<div data-visitor-chat>` host,
 * appended to `<body>` (or inside `config.renderTo`). Styles come from a constructable
 * stylesheet, so no inline style is needed under a strict CSP. Returns a function that
 * removes the UI again (the widget itself keeps running).
 */
export function mount(widget: Widget): () => void {
  // Preact reads props with for-in, which also walks Object.prototype: on a host page where a
  // library added enumerable keys to it, an inherited `class` or `dangerouslySetInnerHTML` would
  // reach every element (a prototype-pollution gadget). Props get a null prototype instead.
  if (!hooked) {
    hooked = true;
    const prev = options.vnode;
    options.vnode = (v) => {
      if (v.type) v.props = Object.assign(Object.create(null), v.props);
      prev?.(v);
    };
  }
  const doc = document;
  const win = doc.defaultView || window;
  const host = doc.createElement('div');
  host.setAttribute('data-visitor-chat', '');
  const root = host.attachShadow({ mode: 'open' });
  const sheet = new win.CSSStyleSheet();
  sheet.replaceSync(CSS);
  root.adoptedStyleSheets = [sheet];

  const stopNotifications = startNotifications(widget, win);

  let attached = false;
  const attach = () => {
    if (attached) return;
    attached = true;
    const cfg = widget.state.config;
    const to = Object.prototype.hasOwnProperty.call(cfg, 'renderTo') ? cfg.renderTo : undefined;
    const target = typeof to == 'string' ? doc.getElementById(to) : to;
    if (to && !target)
      console.warn('[visitor-chat] renderTo "' + to + '" not found; using the page corner');
    (target || doc.body).append(host);
    render(<App widget={widget} root={root} win={win} />, root);
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
