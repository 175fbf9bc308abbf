import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createPageTracker, type PageTracker } from '../../src/core/pageviews';
import type { PageInfo } from '../../src/protocol';

const ORIGIN = location.origin;
const { pushState, replaceState } = History.prototype;
/** Changes the URL the way the browser's back button does: no wrapper involved. */
const goBack = (path: string) => {
  replaceState.call(history, null, '', path);
  window.dispatchEvent(new PopStateEvent('popstate'));
};

let pages: PageInfo[];
let tracker: PageTracker | undefined;
const start = (onPage = (p: PageInfo) => void pages.push(p)) =>
  (tracker = createPageTracker({ window, document, onPage }));

beforeEach(() => {
  vi.useFakeTimers();
  replaceState.call(history, null, '', '/start');
  document.title = 'Start';
  pages = [];
});
afterEach(() => {
  tracker?.stop();
  tracker = undefined;
  delete (history as Partial<History>).pushState;
  delete (history as Partial<History>).replaceState;
  delete (document as { referrer?: string }).referrer;
  vi.useRealTimers();
});

describe('page tracker', () => {
  test('given the view already reported (the hello), reports nothing while the URL is the same', () => {
    const initial = { url: ORIGIN + '/start', title: 'Start', referrer: '' };
    const t = (tracker = createPageTracker({
      window,
      document,
      initial,
      onPage: (p) => void pages.push(p),
    }));
    expect(pages).toEqual([]);
    expect(t.current()).toEqual(initial);
    history.pushState(null, '', '/next');
    vi.runAllTimers();
    expect(pages).toEqual([{ url: ORIGIN + '/next', title: 'Start', referrer: ORIGIN + '/start' }]);
  });

  test('given the view already reported, reports at once a navigation made since', () => {
    const initial = { url: ORIGIN + '/before', title: 'Before', referrer: 'https://r.example/' };
    createPageTracker({ window, document, initial, onPage: (p) => void pages.push(p) }).stop();
    expect(pages).toEqual([
      { url: ORIGIN + '/start', title: 'Start', referrer: ORIGIN + '/before' },
    ]);
  });

  test('reports the first page view', () => {
    Object.defineProperty(document, 'referrer', {
      configurable: true,
      value: 'https://search.example/?q=chat',
    });
    const t = start();
    const first = {
      url: ORIGIN + '/start',
      title: 'Start',
      referrer: 'https://search.example/?q=chat',
    };
    expect(pages).toEqual([first]);
    expect(t.current()).toEqual(first);
  });

  test('reports pushState/replaceState/popstate/hashchange navigations with the previous URL as referrer', () => {
    start();
    history.pushState({}, '', '/a');
    vi.runAllTimers();
    history.replaceState({}, '', '/b');
    vi.runAllTimers();
    goBack('/a');
    vi.runAllTimers();
    replaceState.call(history, null, '', '/a#faq');
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    vi.runAllTimers();
    expect(
      pages.slice(1).map((p) => [p.url.slice(ORIGIN.length), p.referrer.slice(ORIGIN.length)]),
    ).toEqual([
      ['/a', '/start'],
      ['/b', '/a'],
      ['/a', '/b'],
      ['/a#faq', '/a'],
    ]);
  });

  test('ignores replaceState to the same URL', () => {
    start();
    history.replaceState({ scroll: 120 }, '');
    history.replaceState({ scroll: 240 }, '', '/start');
    expect(vi.getTimerCount()).toBe(0);
    vi.runAllTimers();
    expect(pages).toHaveLength(1);
  });

  test('reports one page view for the router that pushes and replaces in the same task', () => {
    start();
    history.pushState({}, '', '/products');
    history.replaceState({}, '', '/products?page=1');
    window.dispatchEvent(new PopStateEvent('popstate'));
    vi.runAllTimers();
    expect(pages.map((p) => p.url.slice(ORIGIN.length))).toEqual(['/start', '/products?page=1']);
  });

  test('picks up the title set right after pushState', () => {
    start();
    history.pushState({}, '', '/pricing');
    document.title = 'Pricing';
    vi.runAllTimers();
    expect(pages[1]).toMatchObject({ url: ORIGIN + '/pricing', title: 'Pricing' });
  });

  test('restores history methods on stop', () => {
    const t = start();
    expect(history.pushState).not.toBe(pushState);
    t.stop();
    expect(history.pushState).toBe(pushState);
    expect(history.replaceState).toBe(replaceState);
    history.pushState({}, '', '/after');
    goBack('/start');
    vi.runAllTimers();
    expect(pages).toHaveLength(1);
  });

  test('leaves a wrapper installed after ours in place on stop, and inert', () => {
    const t = start();
    const ours = history.pushState;
    const theirs = function (this: History, ...args: Parameters<History['pushState']>) {
      return ours.apply(this, args);
    };
    history.pushState = theirs;
    t.stop();
    expect(history.pushState).toBe(theirs);
    history.pushState({}, '', '/later');
    vi.runAllTimers();
    expect(location.pathname).toBe('/later');
    expect(pages).toHaveLength(1);
  });

  test("keeps pushState's return value and this", () => {
    const seen: unknown[] = [];
    history.pushState = function (this: unknown, ...args: unknown[]) {
      seen.push(this, args);
      return 'host value' as unknown as undefined;
    };
    start();
    const other = {};
    expect(history.pushState({ id: 1 }, '', '/x')).toBe('host value');
    history.pushState.call(other, null, '');
    expect(seen).toEqual([history, [{ id: 1 }, '', '/x'], other, [null, '']]);
  });

  test('lets a throwing pushState throw to the host and reports nothing', () => {
    const error = new DOMException('cross-origin URL', 'SecurityError');
    history.pushState = () => {
      throw error;
    };
    start();
    expect(() => history.pushState({}, '', 'https://elsewhere.example/')).toThrow(error);
    vi.runAllTimers();
    expect(pages).toHaveLength(1);
  });

  test('never throws when the page callback throws', () => {
    const onPage = vi.fn(() => {
      throw new Error('boom');
    });
    expect(() => start(onPage)).not.toThrow();
    expect(() => history.pushState({}, '', '/next')).not.toThrow();
    expect(() => vi.runAllTimers()).not.toThrow();
    expect(onPage).toHaveBeenCalledTimes(2);
  });

  test('records a page view by hand with the current location and title by default', () => {
    const t = start();
    replaceState.call(history, null, '', '/checkout');
    document.title = 'Checkout';
    t.record();
    expect(pages[1]).toEqual({
      url: ORIGIN + '/checkout',
      title: 'Checkout',
      referrer: ORIGIN + '/start',
    });
    t.record({ title: 'Checkout: payment', referrer: 'https://ref.example/' });
    expect(pages[2]).toEqual({
      url: ORIGIN + '/checkout',
      title: 'Checkout: payment',
      referrer: 'https://ref.example/',
    });
  });

  test('does not count the page command after an automatic view twice', () => {
    const t = start();
    history.pushState({}, '', '/docs');
    t.record();
    vi.runAllTimers();
    t.record();
    expect(pages.map((p) => p.url.slice(ORIGIN.length))).toEqual(['/start', '/docs']);
  });

  test('does not mistake the real location for a new page after a virtual page view', () => {
    const t = start();
    t.record({ url: '/virtual/step-2', title: 'Step 2' });
    history.replaceState({}, '', '/start');
    vi.runAllTimers();
    expect(pages).toHaveLength(2);
    expect(t.current()).toEqual({
      url: '/virtual/step-2',
      title: 'Step 2',
      referrer: ORIGIN + '/start',
    });
  });

  test('truncates long manual fields', () => {
    const t = start();
    t.record({ url: 'https://x.example/' + 'a'.repeat(5000), title: 't'.repeat(1000) });
    expect(pages[1]!.url).toHaveLength(2048);
    expect(pages[1]!.title).toHaveLength(512);
  });

  test('removes its listeners and pending report on stop', () => {
    const t = start();
    history.pushState({}, '', '/pending');
    t.stop();
    expect(vi.getTimerCount()).toBe(0);
    goBack('/start');
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    vi.runAllTimers();
    expect(pages).toHaveLength(1);
  });
});
