import type { PageInfo } from '../protocol';

/** Page views of this tab: the first load, single-page-app navigations and manual ones. */
export interface PageTracker {
  current(): PageInfo;
  /** Records a page view by hand (the `page` command, which validates `page` first); fields default to the current location and title. */
  record(page?: Partial<PageInfo>): void;
  stop(): void;
}

/** The page as the hello reports it, capped so a data-heavy URL cannot exceed the frame limit. */
export const pageInfo = (url: string, title: string, referrer: string): PageInfo => ({
  url: url.slice(0, 2048),
  title: title.slice(0, 512),
  referrer: referrer.slice(0, 2048),
});

/**
 * Reports the first page view at once — or, given the view already reported (`initial`, the
 * hello's), only a change since — then every URL change made through `history`, `popstate` or
 * `hashchange`, with the previous URL as referrer. Never throws into the host.
 */
export function createPageTracker(options: {
  window: Window;
  document: Document;
  onPage: (page: PageInfo) => void;
  initial?: PageInfo;
}): PageTracker {
  const { window: w, document: d, onPage, initial } = options;
  const h = w.history;
  const loc = w.location;
  let cur: PageInfo;
  // The location last reported, kept apart from cur.url so a manual view of a virtual URL
  // does not make the real location look new.
  let seen: string;
  let timer = 0;
  let live = true;

  const report = (url: string, title: string, referrer: string) => {
    seen = loc.href;
    cur = pageInfo(url, title, referrer);
    try {
      onPage(cur);
    } catch {
      // The caller's problem; it must not break the host's navigation.
    }
  };
  const check = () => {
    timer = 0;
    if (live && loc.href != seen) report(loc.href, d.title, cur.url);
  };
  // Deferred one task: SPA routers usually set document.title just after pushState.
  const later = () => {
    try {
      if (live && !timer && loc.href != seen) timer = w.setTimeout(check, 0);
    } catch {
      // A host that broke setTimeout loses SPA page views, not its navigation.
    }
  };

  if (initial) {
    cur = initial;
    seen = initial.url;
    check();
  } else report(loc.href, d.title, d.referrer);
  const restore = (['pushState', 'replaceState'] as const).map((name) => {
    const orig = h[name];
    // A plain function so the host's `this` and arguments pass through; a throw from the
    // original reaches the host unchanged and reports nothing.
    const wrapped = function (this: History, ...args: Parameters<History['pushState']>) {
      const r = orig.apply(this, args);
      later();
      return r;
    };
    try {
      h[name] = wrapped;
    } catch {
      // A frozen history: only popstate and hashchange are seen.
    }
    return () => {
      // Another script may have wrapped ours since; unwrapping would drop its wrapper.
      if (h[name] === wrapped) h[name] = orig;
    };
  });
  w.addEventListener('popstate', later);
  w.addEventListener('hashchange', later);

  return {
    current: () => cur,
    record(page = {}) {
      // The `page` command has validated `page` (own string fields only) before it gets here.
      const url = page.url || loc.href;
      const title = page.title ?? d.title;
      // Repeating the current page (an automatic view followed by the `page` command) would
      // count one view twice.
      if (url != cur.url || title != cur.title) report(url, title, page.referrer ?? cur.url);
    },
    stop() {
      live = false;
      w.clearTimeout(timer);
      w.removeEventListener('popstate', later);
      w.removeEventListener('hashchange', later);
      for (const fn of restore) fn();
    },
  };
}
