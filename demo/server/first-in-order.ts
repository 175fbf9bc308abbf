/**
 * The first rows of a list in order without sorting the whole list: a list request wants a page
 * (100 rows) of up to 10,000, and sorting all of them for every request was most of its cost.
 */

/**
 * The first `k` items of `items` by `cmp`, sorted: the same as sorting a copy and slicing it
 * when `cmp` is a total order. Keeps a sorted window of `k` and skips an item that sorts after
 * its last one; when `k` is a large share of the items, a plain sort is cheaper and is used.
 */
export function firstInOrder<T>(items: readonly T[], k: number, cmp: (a: T, b: T) => number): T[] {
  if (k <= 0) return [];
  if (k * 4 >= items.length) return items.slice().sort(cmp).slice(0, k);
  const top: T[] = [];
  for (const x of items) {
    if (top.length == k && cmp(x, top[k - 1]!) >= 0) continue;
    let lo = 0;
    let hi = top.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cmp(top[mid]!, x) <= 0) lo = mid + 1;
      else hi = mid;
    }
    top.splice(lo, 0, x);
    if (top.length > k) top.pop();
  }
  return top;
}
