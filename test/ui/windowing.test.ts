import { describe, expect, it } from 'vitest';
import { bottomTop, isAtBottom, rowAt, rowOffsets, visibleRows } from '../../src/ui/windowing';

const keys = (n: number) => Array.from({ length: n }, (_, i) => 'k' + i);

describe('windowing maths', () => {
  it('puts each row after the measured or estimated heights before it', () => {
    const heights = new Map([
      ['k0', 10],
      ['k2', 30],
    ]);
    expect(Array.from(rowOffsets(keys(4), heights, 20))).toEqual([0, 10, 30, 60, 80]);
    expect(Array.from(rowOffsets([], heights, 20))).toEqual([0]);
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
