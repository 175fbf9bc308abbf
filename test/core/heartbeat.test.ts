import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createHeartbeat, type Heartbeat } from '../../src/core/heartbeat';
import type { HeartbeatFrame } from '../../src/protocol';

const INTERVAL = 30_000;
const T0 = 1_700_000_000_000;

let last: number;
let sent: { frame: HeartbeatFrame; final: boolean; at: number }[];
let hb: Heartbeat;

/** The visitor does something now: what the activity tracker and the core wire together. */
const interact = () => {
  last = Date.now();
  hb.poke();
};

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(T0);
  last = 0;
  sent = [];
  hb = createHeartbeat({
    intervalMs: INTERVAL,
    lastActivityAt: () => last,
    send: (frame, final) => sent.push({ frame, final, at: Date.now() }),
    now: Date.now,
    setTimeout,
    clearTimeout,
  });
});
afterEach(() => {
  hb.stop();
  vi.useRealTimers();
});

describe('heartbeat', () => {
  test('reports the first interaction at once', () => {
    interact();
    vi.advanceTimersByTime(0);
    expect(sent).toEqual([{ frame: { t: 'hb', activeAt: T0 }, final: false, at: T0 }]);
  });

  test('sends at most one frame per interval while the visitor interacts', () => {
    for (let s = 0; s < 95; s++) {
      interact();
      vi.advanceTimersByTime(1000);
    }
    expect(sent.map((s) => s.at - T0)).toEqual([0, 30_000, 60_000, 90_000]);
    // Each frame carries the latest interaction before it was sent.
    expect(sent.map((s) => s.frame.activeAt - T0)).toEqual([0, 29_000, 59_000, 89_000]);
  });

  test('sends nothing and leaves no timer while idle', () => {
    interact();
    vi.advanceTimersByTime(5_000);
    interact();
    vi.advanceTimersByTime(INTERVAL);
    expect(sent).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(60 * 60_000);
    expect(sent).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('does not re-send when the timer finds no new activity', () => {
    interact();
    vi.advanceTimersByTime(0);
    hb.poke();
    vi.advanceTimersByTime(INTERVAL);
    expect(sent).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('keeps a single timer however often it is poked', () => {
    interact();
    vi.advanceTimersByTime(0);
    for (let i = 0; i < 1000; i++) interact();
    expect(vi.getTimerCount()).toBe(1);
  });

  test('sends a last heartbeat when the page is hidden', () => {
    interact();
    vi.advanceTimersByTime(0);
    vi.advanceTimersByTime(4_000);
    interact();
    hb.hide();
    expect(sent.at(-1)).toEqual({
      frame: { t: 'hb', activeAt: T0 + 4_000, hidden: true },
      final: true,
      at: T0 + 4_000,
    });
    expect(vi.getTimerCount()).toBe(0);
  });

  test('sends no last heartbeat from a page nobody touched', () => {
    hb.hide();
    expect(sent).toEqual([]);
  });

  test('sends the last heartbeat once when visibilitychange and pagehide both hide the page', () => {
    interact();
    hb.hide();
    hb.hide();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.final).toBe(true);
  });

  test('sends nothing while hidden', () => {
    interact();
    hb.hide();
    vi.advanceTimersByTime(60 * 60_000);
    expect(sent).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('restarts on activity after the page is shown, one interval after the last frame', () => {
    interact();
    hb.hide();
    vi.advanceTimersByTime(5_000);
    interact();
    vi.advanceTimersByTime(INTERVAL - 5_000 - 1);
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sent[1]).toEqual({
      frame: { t: 'hb', activeAt: T0 + 5_000 },
      final: false,
      at: T0 + INTERVAL,
    });
    hb.hide();
    expect(sent[2]!.final).toBe(true);
  });

  test('does nothing once stopped', () => {
    interact();
    hb.stop();
    interact();
    hb.hide();
    vi.advanceTimersByTime(INTERVAL);
    expect(sent).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('does not repeat a frame whose send threw', () => {
    const send = vi.fn(() => {
      throw new Error('socket closed');
    });
    const h = createHeartbeat({
      intervalMs: INTERVAL,
      lastActivityAt: () => last,
      send,
      now: Date.now,
      setTimeout,
      clearTimeout,
    });
    last = Date.now();
    h.poke();
    expect(() => vi.advanceTimersByTime(0)).toThrow('socket closed');
    h.poke();
    vi.advanceTimersByTime(INTERVAL);
    expect(send).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});
