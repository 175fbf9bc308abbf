/**
 * The script-tag entry: the one module with top-level effects. It boots the widget from
 * `window._smartsupp`, runs the commands the snippet queued in `smartsupp._` in order, then
 * makes later `smartsupp(...)` calls run at once — without replacing the `window.smartsupp`
 * function object the page already holds (Smartsupp's loader does the same).
 */
import { createWidget } from './core/widget';

interface Stub {
  (...args: unknown[]): void;
  _?: unknown[] & { push(args: unknown): number };
  vid?: string | null;
}

const w = window as unknown as { smartsupp?: Stub; _smartsupp?: unknown };
const BOOTED = '__visitorChat';

(function boot() {
  try {
    let stub = w.smartsupp;
    if (stub && (stub as unknown as Record<string, unknown>)[BOOTED]) {
      console.warn('[visitor-chat] the widget script was loaded twice; the second copy does nothing');
      return;
    }
    if (typeof stub != 'function') {
      // Loaded without the snippet: install the same stub the snippet would have.
      const o: Stub = function () {
        // eslint-disable-next-line prefer-rest-params
        o._!.push(arguments);
      };
      o._ = [] as unknown as Stub['_'];
      stub = w.smartsupp = o;
    }
    const raw = w._smartsupp;
    const widget = createWidget({
      ...(typeof raw == 'object' && raw !== null ? raw : {}),
      key: (raw as { key?: string } | undefined)?.key as string,
      window,
    });
    Object.defineProperty(stub, BOOTED, { value: true });
    stub.vid = null;
    widget.subscribe((s) => (stub!.vid = s.vid));
    let queue = stub._;
    if (!Array.isArray(queue)) queue = stub._ = [] as unknown as Stub['_'];
    for (const args of queue!.splice(0)) widget.exec(args as ArrayLike<unknown>);
    // Later calls still do `o._.push(arguments)`: run them at once instead of queueing.
    queue!.push = (args: unknown) => (widget.exec(args as ArrayLike<unknown>), 0);
  } catch (e) {
    console.warn('[visitor-chat] failed to start: ' + String(e));
  }
})();
