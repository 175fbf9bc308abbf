/**
 * The script-tag entry: the one module with top-level effects.
 *
 * Before the page's `load` event only the presence kernel runs (identity, activity, page views,
 * the connection). The chat layer (`chat.js`: commands, outbox, rules, the launcher drawn without
 * Preact) loads after `load` on idle time — or at once when a message arrives or a command is
 * called after load, or `chat:send` is called before it — and then runs the commands the snippet queued in `smartsupp._`, in order.
 * The UI (`ui.js`, Preact) loads only when the chat is used (see chat.ts). Later `smartsupp(...)` calls run at once,
 * without replacing the `window.smartsupp` function object the page already holds.
 */
import { isRecord } from './protocol';
import { createChunkLoader } from './core/chunk';
import { afterLoadIdle } from './core/idle';
import { createKernel, type Kernel, type KernelOptions } from './core/kernel';
import type { Listener } from './core/commands';
import type { Widget } from './core/widget';
import type { Transport } from './transport/types';
import { createWebSocketTransport } from './transport/websocket';
import { installStub } from './loader';

interface Stub {
  (...args: unknown[]): void;
  _?: unknown[];
  vid?: string | null;
}

/** Set by the widget that runs: hands it the stub of a snippet that ran again (see boot). */
const BOOTED = '__visitorChat';
const w = window as unknown as {
  smartsupp?: Stub;
  _smartsupp?: unknown;
  [BOOTED]?: (stub: unknown) => void;
};
// Chunks sit next to this script: captured now, `currentScript` is null once we return.
const src = (document.currentScript as HTMLScriptElement | null)?.src;
const base = src || location.href;

(function boot() {
  try {
    let stub = w.smartsupp;
    // One widget a page. A snippet pasted twice without Smartsupp's `window.smartsupp ||` guard
    // put a new stub in place: the running widget takes it over, with the calls it queued.
    if (w[BOOTED]) {
      w[BOOTED](stub);
      console.warn('[visitor-chat] widget.js loaded twice: ignored');
      return;
    }
    // Loaded without the snippet: install the same stub the snippet would have.
    if (typeof stub != 'function') stub = installStub(window);
    let s = stub;
    let k: Kernel | undefined;
    // A chunk that fails to load says so (once) and is retried with backoff (core/chunk.ts).
    const chunk = createChunkLoader({
      base,
      import: (url) => import(/* @vite-ignore */ url),
      window,
      failed(name, e) {
        const message = name + ' failed to load, retrying: ' + e;
        if (!k) return;
        k.warn(message);
        // The page's `on('error', fn)` calls still wait in the queue (chat.js runs it): they hear
        // this one now (chat.js adding them again later is harmless: the emitter keeps one each).
        for (const a of s._ as ArrayLike<unknown>[])
          if (a[0] == 'on' && a[1] == 'error' && typeof a[2] == 'function')
            k.emitter.on('error', a[2] as Listener<'error'>);
        k.emitter.emit('error', { code: 'chunk_failed', message });
      },
    });
    // Own keys only (no prototype): a polluted Object.prototype must not configure the widget.
    const raw: Record<string, unknown> = Object.assign(
      Object.create(null),
      isRecord(w._smartsupp) && w._smartsupp,
    );
    // A Smartsupp snippet switches with one URL: the server may ride on this script's own URL
    // (never the page's: a link must not point a visitor's chat elsewhere).
    // A host without a scheme ('chat.example.com', '//chat.example.com') is that host over HTTPS,
    // not a path on this page's own server. A server that cannot be reached is named in the
    // console by the chat layer, as the widget used it.
    const server = (
      typeof raw.server == 'string'
        ? raw.server
        : (src && new URL(src).searchParams.get('server')) || ''
    ).replace(/^(?!\w+:\/\/|$)\/*/, 'https://');
    // The transport the server needs; the config's own `transport` is left for the kernel to check
    // (a name that is neither 'websocket' nor 'http' is warned about there: WebSocket is used).
    let link: Transport | Promise<Transport> | undefined;
    if (server && typeof raw.transport != 'object') {
      // The config has it too, wherever it came from: the file layer reads it there.
      const options = { url: (raw.server = server), key: String(raw.key), window };
      link =
        raw.transport == 'http'
          ? chunk<typeof import('./http')>('http.js').then((m) => m.createHttpTransport(options))
          : createWebSocketTransport(options);
    }
    let widget: Widget | undefined;
    let loading: Promise<void> | undefined;
    const loadChat = () =>
      (loading ||= chunk<typeof import('./chat')>('chat.js').then((m) => {
        const wd = (widget = m.startChat(k!, chunk));
        for (const args of q.splice(0)) wd.exec(args as ArrayLike<unknown>);
      }));
    // Still no prototype: the kernel reads options such as `storage` and `now` from it too.
    k = createKernel(Object.assign(raw, { window }) as unknown as KernelOptions, loadChat, link);
    s.vid = null;
    // Every change of the visitor id (boot, welcome, logout) goes through the state.
    k.subscribers.add((state) => (s.vid = state.vid));

    const q = Array.isArray(s._) ? s._ : (s._ = []);
    // A message sent before `load` does not wait in this queue, which leaving the page would
    // lose: the chat layer loads at once and its outbox keeps the message on the device.
    const urgent = (args: unknown) => (args as ArrayLike<unknown>)[0] == 'chat:send';
    // Later calls still do `o._.push(arguments)`: after load they run at once.
    q.push = (...items: unknown[]) => {
      for (const args of items) {
        if (widget) widget.exec(args as ArrayLike<unknown>);
        else {
          Array.prototype.push.call(q, args);
          if (document.readyState == 'complete' || urgent(args)) loadChat();
        }
      }
      return q.length;
    };
    if (q.some(urgent)) loadChat();
    afterLoadIdle(window, loadChat);
    // (A stub holds an array of calls: the snippet's makes one.)
    w[BOOTED] = (t) => {
      if (t && (t as Stub)._ != q) {
        const calls = (t as Stub)._!;
        (s = t as Stub)._ = q;
        // The state's subscribers run: `vid` is written on the new stub.
        k!.set({});
        q.push(...calls);
      }
    };
  } catch (e) {
    console.warn('[visitor-chat] failed to start: ' + String(e));
  }
})();
