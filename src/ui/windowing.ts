/**
 * The maths of the windowed message list (ui/MessageList.tsx): where each row starts, which rows
 * a scroll position shows, and where to scroll so that a row stays put. Pure functions over
 * numbers: the list measures rows it renders and estimates the others.
 */

/**
 * Where each row starts, from the top of the first: `offsets[i]` for row `i` and
 * `offsets[n]` for the total height. A row not measured yet counts as `estimate`.
 */
export function rowOffsets(
  keys: readonly string[],
  heights: ReadonlyMap<string, number>,
  estimate: number,
): Float64Array {
  const out = new Float64Array(keys.length + 1);
  for (let i = 0; i < keys.length; i++) out[i + 1] = out[i]! + (heights.get(keys[i]!) ?? estimate);
  return out;
}

/** The row under `y` (the last row at or past the end, 0 for an empty list). */
export function rowAt(offsets: Float64Array, y: number): number {
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
  offsets: Float64Array,
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
