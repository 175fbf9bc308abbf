// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { firstInOrder } from '../../demo/server/first-in-order';

const byNumber = (a: number, b: number) => a - b;

/** A fixed pseudo-random sequence (the same list every run). */
function numbers(n: number, seed: number): number[] {
  let x = seed;
  return Array.from({ length: n }, () => (x = (x * 1103515245 + 12345) % 2 ** 31) % 500);
}

describe('the first rows in order', () => {
  it('are what sorting the whole list and slicing it gives, for small and large pages', () => {
    for (const seed of [1, 7, 42])
      for (const k of [1, 5, 37, 100, 250, 999, 1000, 5000]) {
        const items = numbers(1000, seed);
        const before = items.slice();
        expect(firstInOrder(items, k, byNumber)).toEqual(items.slice().sort(byNumber).slice(0, k));
        // The input is left as it was.
        expect(items).toEqual(before);
      }
  });

  it('keep a total order stable whatever order the rows come in', () => {
    const rows = numbers(2000, 3).map((n, i) => ({ rank: n % 4, id: 'v' + i }));
    const cmp = (a: (typeof rows)[0], b: (typeof rows)[0]) =>
      a.rank - b.rank || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    const expected = rows.slice().sort(cmp).slice(0, 60);
    expect(firstInOrder(rows, 60, cmp)).toEqual(expected);
    expect(firstInOrder(rows.slice().reverse(), 60, cmp)).toEqual(expected);
  });

  it('are empty for an empty list or a page of none', () => {
    expect(firstInOrder([], 10, byNumber)).toEqual([]);
    expect(firstInOrder([3, 1, 2], 0, byNumber)).toEqual([]);
  });
});
