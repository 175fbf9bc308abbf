/**
 * Runs `fn` after the page's `load` event, on idle time (at most 2 s later), so the page's own
 * work goes first; 50 ms after `load` where `requestIdleCallback` is missing (Safari). `load`
 * fires once; a script that dispatches another one runs `fn` again, so `fn` must be idempotent
 * (both callers are: main.ts's loadChat, widget.ts's startUI). No `{ once: true }`: its bytes
 * bought nothing before `load`.
 */
export function afterLoadIdle(win: Window, fn: () => void): void {
  const idle = () =>
    win.requestIdleCallback ? win.requestIdleCallback(fn, { timeout: 2000 }) : setTimeout(fn, 50);
  if (win.document.readyState == 'complete') idle();
  else win.addEventListener('load', idle);
}
