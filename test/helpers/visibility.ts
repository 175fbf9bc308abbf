/** Makes happy-dom's document report `state` and dispatches `visibilitychange`, as a browser tab switch would. */
export function setVisibility(document: Document, state: 'hidden' | 'visible'): void {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => state == 'hidden' });
  document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
}
