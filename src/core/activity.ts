/** What the page does right now, as seen by the visitor; read by the heartbeat and the hello. */
export interface ActivityTracker {
  /** ms timestamp of the last real interaction on a visible page, 0 if none */
  readonly lastActivityAt: number;
  stop(): void;
}

// The interactions docs/AGENT-API.md counts as activity. `focus` is captured, so focusing any
// field counts too.
const EVENTS = ['pointerdown', 'pointermove', 'keydown', 'scroll', 'wheel', 'touchstart', 'focus'];

/**
 * Tracks the last real interaction and the page's visibility with passive listeners and no
 * timers: each event costs one timestamp. `onPageShow` also runs on the first `pageshow`, with
 * `persisted` false; only `true` means a back/forward-cache restore.
 */
export function createActivityTracker(options: {
  window: Window;
  document: Document;
  now: () => number;
  onActivity?: () => void;
  onVisibility?: (visible: boolean) => void;
  onPageShow?: (persisted: boolean) => void;
}): ActivityTracker {
  const { window: w, document: d, now, onActivity, onVisibility, onPageShow } = options;
  // Passive: the browser never waits for us to scroll. Capture: a host's stopPropagation()
  // cannot hide activity from us. No prototype: a polluted Object.prototype.once or .signal
  // would reach the browser's options reader. Browsers without visibilityState count as visible.
  const opts = { __proto__: null, capture: true, passive: true } as AddEventListenerOptions;
  let last = 0;
  let visible = d.visibilityState != 'hidden';
  const show = (v: boolean) => {
    if (v != visible) {
      visible = v;
      onVisibility?.(v);
    }
  };
  const activity = () => {
    if (visible) {
      last = now();
      onActivity?.();
    }
  };
  // Never `unload`/`beforeunload`: they make the page ineligible for the back/forward cache.
  const listeners: [EventTarget, string, (e: Event) => void][] = [
    ...EVENTS.map((type): [EventTarget, string, () => void] => [w, type, activity]),
    [d, 'visibilitychange', () => show(d.visibilityState != 'hidden')],
    [w, 'pagehide', () => show(false)],
    [
      w,
      'pageshow',
      (e) => {
        show(true);
        onPageShow?.(!!(e as PageTransitionEvent).persisted);
      },
    ],
  ];
  for (const [t, type, fn] of listeners) t.addEventListener(type, fn, opts);
  return {
    get lastActivityAt() {
      return last;
    },
    stop() {
      for (const [t, type, fn] of listeners) t.removeEventListener(type, fn, opts);
    },
  };
}
