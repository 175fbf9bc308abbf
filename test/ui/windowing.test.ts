import { describe, expect, it, vi } from 'vitest';
import {
  alignRows,
  bottomTop,
  isAtBottom,
  rowAt,
  rowOffsets as offsetsOf,
  visibleRows,
} from '../../src/ui/windowing';

const keys = (n: number) => Array.from({ length: n }, (_, i) => 'k' + i);
/** Offsets of rows keyed `keys`, measured as in `heights`, others estimated. */
const rowOffsets = (list: string[], heights: Map<string, number>, estimate: number) =>
  offsetsOf(alignRows(undefined, list, (k) => k, heights).heights, estimate);

describe('windowing maths', () => {
  it('puts each row after the measured or estimated heights before it', () => {
    const heights = new Map([
      ['k0', 10],
      ['k2', 30],
    ]);
    expect(Array.from(rowOffsets(keys(4), heights, 20))).toEqual([0, 10, 30, 60, 80]);
    expect(Array.from(rowOffsets([], heights, 20))).toEqual([0]);
  });

  it('carries keys and heights over for the same items, and looks up the others by key', () => {
    const a = { id: 'a' };
    const b = { id: 'b' };
    const c = { id: 'c' };
    const keyOf = vi.fn((x: { id: string }) => x.id);
    const measured = new Map([
      ['a', 10],
      ['c', 30],
    ]);
    const first = alignRows(undefined, [a, b], keyOf, measured);
    expect(first.keys).toEqual(['a', 'b']);
    expect(Array.from(first.heights)).toEqual([10, 0]);
    first.heights[1] = 20;
    keyOf.mockClear();
    // Appended: only the new item is keyed and looked up.
    const appended = alignRows(first, [a, b, c], keyOf, measured);
    expect(keyOf).toHaveBeenCalledTimes(1);
    expect(Array.from(appended.heights)).toEqual([10, 20, 30]);
    // Prepended: every index moved, so every row comes from the measured map.
    const prepended = alignRows(appended, [c, a, b], keyOf, measured);
    expect(prepended.keys).toEqual(['c', 'a', 'b']);
    expect(Array.from(prepended.heights)).toEqual([30, 10, 0]);
  });

  it('reads only the appended items of a long list, whatever its length', () => {
    const items = Array.from({ length: 10_000 }, (_, i) => ({ id: 'm' + i }));
    const measured = new Map([['m9999', 40]]);
    const before = alignRows(undefined, items, (x) => x.id, measured);
    let reads = 0;
    const live = [...items, { id: 'new' }];
    const counted = new Proxy(live, {
      get: (target, key, receiver) => {
        if (typeof key == 'string' && /^\d+$/.test(key)) reads++;
        return Reflect.get(target, key, receiver);
      },
    });
    const after = alignRows(before, counted, (x) => x.id, new Map([['new', 25]]));
    expect(reads).toBeLessThan(5);
    expect(after.keys).toHaveLength(10_001);
    expect(after.keys.at(-1)).toBe('new');
    expect(after.keys[5000]).toBe('m5000');
    expect(after.heights[9999]).toBe(40);
    expect(after.heights[10_000]).toBe(25);
    // The rows carried over are the old arrays, extended: nothing of the old length is copied.
    expect(after.kept).toBe(10_000);
    expect(after.keys).toBe(before.keys);
    expect(after.heights).toBe(before.heights);
    // Anything but an append (an older page) starts new arrays; the old rows stay as they were.
    const older = alignRows(after, [{ id: 'older' }, ...live], (x) => x.id, new Map());
    expect(older.kept).toBe(0);
    expect(older.keys.slice(0, 2)).toEqual(['older', 'm0']);
    expect(after.keys[0]).toBe('m0');
  });

  it('adds up only the rows from a given one, onto offsets already right before it', () => {
    const heights = [10, 0, 30, 0, 50];
    const whole = offsetsOf(heights, 20);
    expect(whole).toEqual([0, 10, 30, 60, 80, 130]);
    // The first three rows' offsets as an earlier render left them, then two rows more.
    const earlier = offsetsOf(heights.slice(0, 3), 20);
    const grown = offsetsOf(heights, 20, earlier, 3);
    expect(grown).toBe(earlier);
    expect(grown).toEqual(whole);
    // Rows before `from` are not read again: a wrong earlier offset is kept as it is.
    expect(offsetsOf(heights, 20, [0, 10, 30, 61], 3)).toEqual([0, 10, 30, 61, 81, 131]);
  });

  it('finds the row under a position, clamped to the list', () => {
    const o = rowOffsets(keys(4), new Map(), 10);
    expect([-5, 0, 9.9, 10, 35, 40, 1e9].map((y) => rowAt(o, y))).toEqual([0, 0, 0, 1, 3, 3, 3]);
    expect(rowAt(rowOffsets([], new Map(), 10), 50)).toBe(0);
  });

  it('renders the rows in view plus a margin, the same number at 1,000 or 10,000 rows', () => {
    const small = rowOffsets(keys(1000), new Map(), 50);
    const big = rowOffsets(keys(10000), new Map(), 50);
    const [s1, e1] = visibleRows(small, bottomTop(small[1000]!, 500), 500, 500);
    const [s2, e2] = visibleRows(big, bottomTop(big[10000]!, 500), 500, 500);
    expect([s1, e1]).toEqual([980, 1000]);
    expect(e2 - s2).toBe(e1 - s1);
    expect(visibleRows(big, 5000, 500, 500)).toEqual([90, 121]);
    expect(visibleRows(rowOffsets([], new Map(), 50), 0, 500, 500)).toEqual([0, 0]);
  });

  it('renders at least one row, and the whole of a short list', () => {
    const o = rowOffsets(keys(3), new Map(), 40);
    expect(visibleRows(o, 0, 500, 500)).toEqual([0, 3]);
    const tall = rowOffsets(['k0'], new Map([['k0', 5000]]), 40);
    expect(visibleRows(tall, 2000, 500, 500)).toEqual([0, 1]);
  });

  it('tells the bottom of the list and whether a scroller is there', () => {
    expect(bottomTop(1000, 400)).toBe(600);
    expect(bottomTop(300, 400)).toBe(0);
    expect(isAtBottom(600, 400, 1000)).toBe(true);
    expect(isAtBottom(580, 400, 1000)).toBe(true);
    expect(isAtBottom(500, 400, 1000)).toBe(false);
  });
});
