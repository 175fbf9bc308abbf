/**
 * The maths of the windowed message list (ui/MessageList.tsx): where each row starts, which rows
 * a scroll position shows, and where to scroll so that a row stays put. Pure functions over
 * numbers: the list measures rows it renders and estimates the others.
 */

/** The rows of a list as last rendered: each item's key and measured height (0: not yet). */
export interface Rows<T> {
  items: readonly T[];
  keys: string[];
  heights: number[];
  /** How many leading rows were carried over from the previous rows at the same index. */
  kept: number;
}

/**
 * `items`' keys and measured heights, carried over from `prev` for every item that is the same
 * object at the same index, looked up in `measured` by key for the others (an older page
 * prepended, a message replaced). Items only appended since `prev` (a live message: the old
 * last item is the same object at the same index) extend `prev`'s own arrays, which the caller
 * gives up, and only the new items are looked at: a live message costs the same at 1,000
 * messages or 10,000.
 */
export function alignRows<T>(
  prev: Rows<T> | undefined,
  items: readonly T[],
  keyOf: (item: T) => string,
  measured: ReadonlyMap<string, number>,
): Rows<T> {
  const n = items.length;
  const was = prev?.items;
  const m = was ? was.length : 0;
  // The old last item at its old index: nothing came in above it (items are distinct objects).
  // A message replaced in place keeps its key (the client id survives the ack) and its height
  // is the one measured under that key: the old rows stand as they are.
  const kept = m && m <= n && items[m - 1] === was![m - 1] ? m : 0;
  const keys = kept ? prev!.keys : [];
  const heights = kept ? prev!.heights : [];
  for (let i = kept; i < n; i++) {
    const item = items[i]!;
    if (was && was[i] === item) {
      keys[i] = prev!.keys[i]!;
      heights[i] = prev!.heights[i]!;
    } else {
      keys[i] = keyOf(item);
      // Nothing measured yet (the window's first render): no lookup per row of a long chat.
      heights[i] = (measured.size && measured.get(keys[i]!)) || 0;
    }
  }
  return { items, keys, heights, kept };
}

/**
 * Where each row starts, from the top of the first: `offsets[i]` for row `i` and
 * `offsets[n]` for the total height. A row not measured yet (height 0) counts as `estimate`.
 * Given `into` (offsets already right for the rows before `from`), only the rows from `from`
 * on are added up, into it.
 */
export function rowOffsets(
  heights: readonly number[],
  estimate: number,
  into: number[] = [0],
  from = 0,
): number[] {
  const n = heights.length;
  into.length = n + 1;
  into[0] = 0;
  for (let i = from; i < n; i++) into[i + 1] = into[i]! + (heights[i]! || estimate);
  return into;
}

/** The row under `y` (the last row at or past the end, 0 for an empty list). */
export function rowAt(offsets: readonly number[], y: number): number {
  let lo = 0;
  let hi = offsets.length - 2;
  if (hi < 0) return 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (offsets[mid]! <= y) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * The rows to render, `[start, end)`: those that overlap the viewport at `top` (of height
 * `viewport`) widened by `margin` on each side. Bounded by the viewport, not by the list: the
 * cost of a render does not grow with the length of the conversation.
 */
export function visibleRows(
  offsets: readonly number[],
  top: number,
  viewport: number,
  margin: number,
): [start: number, end: number] {
  const n = offsets.length - 1;
  if (n <= 0) return [0, 0];
  const start = rowAt(offsets, top - margin);
  const end = Math.min(n, rowAt(offsets, top + viewport + margin) + 1);
  return [start, Math.max(end, start + 1)];
}

/** The scroll position (model coordinates) that shows the bottom of a list `total` high. */
export const bottomTop = (total: number, viewport: number) => Math.max(0, total - viewport);

/** True when a scroller is at (or within `slack` pixels of) its bottom. */
export const isAtBottom = (
  scrollTop: number,
  clientHeight: number,
  scrollHeight: number,
  slack = 24,
) => scrollHeight - scrollTop - clientHeight <= slack;
