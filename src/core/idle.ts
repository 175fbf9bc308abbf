/**
 * Runs `fn` (idempotent) after the page's `load` event, on idle time (at most 2 s later), so the
 * page's own work goes first; 50 ms after `load` where `requestIdleCallback` is missing (Safari).
 */
export function afterLoadIdle(win: Window, fn: () => void): void {
  const idle = () =>
    win.requestIdleCallback ? win.requestIdleCallback(fn, { timeout: 2000 }) : setTimeout(fn, 50);
  if (win.document.readyState == 'complete') idle();
  else win.addEventListener('load', idle);
}
