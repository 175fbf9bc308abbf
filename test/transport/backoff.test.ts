// @vitest-environment node
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay, createRetry, retryAfterMs } from '../../src/transport/backoff';

describe('backoffDelay', () => {
  it('is random × 1 s × 2^attempt', () => {
    expect(backoffDelay(0, () => 0.5)).toBe(500);
    expect(backoffDelay(3, () => 0.5)).toBe(4000);
    expect(backoffDelay(0, () => 0)).toBe(0);
  });

  it('caps the window at 30 s', () => {
    expect(backoffDelay(5, () => 0.5)).toBe(15000);
    expect(backoffDelay(6, () => 0.5)).toBe(15000);
    expect(backoffDelay(1000, () => 0.999)).toBeCloseTo(29970);
  });

  it('draws every delay from the whole window [0, min(30 s, 2^attempt s))', () => {
    for (let attempt = 0; attempt < 40; attempt++) {
      const top = Math.min(30000, 1000 * 2 ** attempt);
      const delays = Array.from({ length: 200 }, () => backoffDelay(attempt, Math.random));
      expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...delays)).toBeLessThan(top);
      // Full jitter: the draws spread over the window, not around its top.
      expect(Math.min(...delays)).toBeLessThan(top * 0.2);
      expect(Math.max(...delays)).toBeGreaterThan(top * 0.8);
    }
  });
});

describe('retryAfterMs', () => {
  it('reads seconds, capped at 5 minutes', () => {
    expect(retryAfterMs('30')).toBe(30000);
    expect(retryAfterMs('0')).toBe(0);
    expect(retryAfterMs('86400')).toBe(300000);
  });

  it('waits 60 s when the header is missing or unreadable', () => {
    expect(retryAfterMs(null)).toBe(60000);
    expect(retryAfterMs('')).toBe(60000);
    expect(retryAfterMs('soon')).toBe(60000);
    expect(retryAfterMs('-5')).toBe(60000);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:00 GMT')).toBe(60000);
  });
});

function fakeWindow() {
  const doc = Object.assign(new EventTarget(), { hidden: false });
  const win = Object.assign(new EventTarget(), { document: doc });
  const setHidden = (hidden: boolean) => {
    doc.hidden = hidden;
    doc.dispatchEvent(new Event('visibilitychange'));
  };
  return { win: win as unknown as Window, setHidden };
}

/** Times (from the start) at which `connect` ran while failing on every attempt. */
function schedule(random: () => number, attempts: number) {
  const times: number[] = [];
  const retry = createRetry(() => times.push(Date.now() - start), { random });
  const start = Date.now();
  for (let i = 0; i < attempts; i++) {
    retry.later();
    vi.runOnlyPendingTimers();
  }
  return { times, retry };
}

describe('createRetry', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('doubles the window on every failed attempt up to 30 s', () => {
    const { times } = schedule(() => 0.5, 8);
    const gaps = times.map((t, i) => t - (times[i - 1] || 0));
    expect(gaps).toEqual([500, 1000, 2000, 4000, 8000, 15000, 15000, 15000]);
  });

  it('starts from the first window again after reset()', () => {
    const connect = vi.fn();
    const retry = createRetry(connect, { random: () => 0.5 });
    retry.later();
    vi.runOnlyPendingTimers();
    retry.later();
    vi.runOnlyPendingTimers();
    retry.reset();
    retry.later();
    vi.advanceTimersByTime(499);
    expect(connect).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(1);
    expect(connect).toHaveBeenCalledTimes(3);
  });

  it('waits an explicit delay without growing the backoff', () => {
    const connect = vi.fn();
    const retry = createRetry(connect, { random: () => 0.5 });
    retry.later(30000);
    vi.advanceTimersByTime(29999);
    expect(connect).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    retry.later();
    vi.advanceTimersByTime(500);
    expect(connect).toHaveBeenCalledTimes(2);
  });

  it('connects now only while a retry is pending', () => {
    const connect = vi.fn();
    const retry = createRetry(connect, { random: () => 0.5 });
    retry.now();
    expect(connect).not.toHaveBeenCalled();
    retry.later();
    retry.now();
    expect(connect).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(60000);
    expect(connect).toHaveBeenCalledTimes(1);
  });

  it('retries at once on the online event', () => {
    const { win } = fakeWindow();
    const connect = vi.fn();
    const retry = createRetry(connect, { random: () => 0.5, window: win });
    win.dispatchEvent(new Event('online'));
    expect(connect).not.toHaveBeenCalled();
    retry.later(10000);
    win.dispatchEvent(new Event('online'));
    expect(connect).toHaveBeenCalledTimes(1);
  });

  it('retries at once when the page becomes visible; online while hidden waits for that', () => {
    const { win, setHidden } = fakeWindow();
    const connect = vi.fn();
    const retry = createRetry(connect, { window: win });
    setHidden(true);
    retry.later(10000);
    win.dispatchEvent(new Event('online'));
    expect(connect).not.toHaveBeenCalled();
    setHidden(false);
    expect(connect).toHaveBeenCalledTimes(1);
  });

  it('stop() cancels the pending retry and forgets the window', () => {
    const { win, setHidden } = fakeWindow();
    const connect = vi.fn();
    const retry = createRetry(connect, { window: win });
    const removed = vi.spyOn(win, 'removeEventListener');
    retry.later(1000);
    retry.stop();
    expect(removed).toHaveBeenCalledWith('online', expect.any(Function));
    win.dispatchEvent(new Event('online'));
    setHidden(false);
    vi.advanceTimersByTime(60000);
    expect(connect).not.toHaveBeenCalled();
  });
});
