import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createActivityTracker, type ActivityTracker } from '../../src/core/activity';
import { setVisibility } from '../helpers/visibility';

const KINDS = ['pointerdown', 'pointermove', 'keydown', 'scroll', 'wheel', 'touchstart', 'focus'];

/** A pageshow/pagehide event; happy-dom's PageTransitionEvent ignores `persisted` in its init. */
const transition = (type: string, persisted = false) =>
  Object.defineProperty(new Event(type), 'persisted', { value: persisted });

let clock = 0;
let tracker: ActivityTracker | undefined;
const start = (extra: Partial<Parameters<typeof createActivityTracker>[0]> = {}) =>
  (tracker = createActivityTracker({ window, document, now: () => clock, ...extra }));

beforeEach(() => {
  clock = 1000;
  setVisibility(document, 'visible');
});
afterEach(() => {
  tracker?.stop();
  tracker = undefined;
  vi.useRealTimers();
});

describe('activity tracker', () => {
  test('reports no activity before the first interaction', () => {
    const t = start();
    expect(t.lastActivityAt).toBe(0);
  });

  test('stores a timestamp on pointer, key, scroll, wheel, touch and focus', () => {
    const t = start();
    for (const kind of KINDS) {
      clock += 10;
      window.dispatchEvent(new Event(kind));
      expect(t.lastActivityAt, kind).toBe(clock);
    }
  });

  test('sees focus and scroll on any element, though they do not bubble', () => {
    const t = start();
    const input = document.createElement('input');
    document.body.append(input);
    input.dispatchEvent(new Event('focus'));
    expect(t.lastActivityAt).toBe(1000);
    clock = 2000;
    input.dispatchEvent(new Event('scroll'));
    expect(t.lastActivityAt).toBe(2000);
    input.remove();
  });

  test('still sees activity when the host stops propagation', () => {
    const t = start();
    const button = document.createElement('button');
    document.body.append(button);
    button.addEventListener('pointerdown', (e) => e.stopPropagation());
    button.dispatchEvent(new Event('pointerdown', { bubbles: true }));
    expect(t.lastActivityAt).toBe(1000);
    button.remove();
  });

  test('calls onActivity on every interaction and starts no timer', () => {
    vi.useFakeTimers();
    const onActivity = vi.fn();
    start({ onActivity });
    for (const kind of KINDS) window.dispatchEvent(new Event(kind));
    expect(onActivity).toHaveBeenCalledTimes(KINDS.length);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('listeners are passive and capturing', () => {
    const add = vi.spyOn(window, 'addEventListener');
    start();
    for (const kind of KINDS) {
      const call = add.mock.calls.find(([type]) => type == kind);
      expect(call, kind).toBeDefined();
      expect(call![2]).toMatchObject({ passive: true, capture: true });
    }
  });

  test('ignores events while the page is hidden', () => {
    const onActivity = vi.fn();
    const t = start({ onActivity });
    setVisibility(document, 'hidden');
    clock = 5000;
    for (const kind of KINDS) window.dispatchEvent(new Event(kind));
    expect(t.lastActivityAt).toBe(0);
    expect(onActivity).not.toHaveBeenCalled();
    setVisibility(document, 'visible');
    window.dispatchEvent(new Event('keydown'));
    expect(t.lastActivityAt).toBe(5000);
  });

  test('starts hidden when created in a background tab', () => {
    setVisibility(document, 'hidden');
    const onVisibility = vi.fn();
    const t = start({ onVisibility });
    window.dispatchEvent(new Event('pointerdown'));
    expect(t.lastActivityAt).toBe(0);
    // Hidden from the start: turning visible is a change, and events count from then on.
    setVisibility(document, 'visible');
    expect(onVisibility.mock.calls).toEqual([[true]]);
    window.dispatchEvent(new Event('pointerdown'));
    expect(t.lastActivityAt).toBe(1000);
  });

  test('reports each visibility change once, from visibilitychange, pagehide and pageshow', () => {
    const onVisibility = vi.fn();
    const t = start({ onVisibility });
    setVisibility(document, 'hidden');
    window.dispatchEvent(transition('pagehide'));
    expect(onVisibility.mock.calls).toEqual([[false]]);
    window.dispatchEvent(new Event('keydown'));
    expect(t.lastActivityAt).toBe(0);
    window.dispatchEvent(transition('pageshow', true));
    setVisibility(document, 'visible');
    expect(onVisibility.mock.calls).toEqual([[false], [true]]);
    window.dispatchEvent(new Event('keydown'));
    expect(t.lastActivityAt).toBe(1000);
  });

  test('treats pagehide as hidden even while visibilityState still says visible', () => {
    const t = start();
    window.dispatchEvent(transition('pagehide'));
    window.dispatchEvent(new Event('keydown'));
    expect(t.lastActivityAt).toBe(0);
  });

  test('passes pageshow persisted so the caller can reconnect after a back/forward-cache restore', () => {
    const onPageShow = vi.fn();
    const t = start({ onPageShow });
    window.dispatchEvent(transition('pageshow', false));
    window.dispatchEvent(transition('pagehide'));
    window.dispatchEvent(transition('pageshow', true));
    expect(onPageShow.mock.calls).toEqual([[false], [true]]);
    window.dispatchEvent(new Event('touchstart'));
    expect(t.lastActivityAt).toBe(1000);
  });

  test('never listens to unload or beforeunload', () => {
    const onWindow = vi.spyOn(window, 'addEventListener');
    const onDocument = vi.spyOn(document, 'addEventListener');
    start();
    const types = [...onWindow.mock.calls, ...onDocument.mock.calls].map(([type]) => type);
    expect(types).toContain('pagehide');
    expect(types).not.toContain('unload');
    expect(types).not.toContain('beforeunload');
  });

  test('removes every listener on stop', () => {
    const spies = [window, document].map((target) => ({
      add: vi.spyOn(target, 'addEventListener'),
      remove: vi.spyOn(target, 'removeEventListener'),
    }));
    const onActivity = vi.fn();
    const onVisibility = vi.fn();
    const t = start({ onActivity, onVisibility });
    t.stop();
    for (const { add, remove } of spies) expect(remove.mock.calls).toEqual(add.mock.calls);
    window.dispatchEvent(new Event('keydown'));
    setVisibility(document, 'hidden');
    expect(t.lastActivityAt).toBe(0);
    expect(onActivity).not.toHaveBeenCalled();
    expect(onVisibility).not.toHaveBeenCalled();
  });
});
