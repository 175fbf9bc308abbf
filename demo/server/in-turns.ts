/**
 * A walk over many items a slice at a time, with the event loop free between slices. A frame to
 * every visitor of a node (thousands of sockets, a write each) held every other request and
 * frame of that node for as long as all the writes took: the tail of the cluster's delivery.
 */

/** Visitors written to per turn: a few milliseconds of socket writes on a busy machine. */
const PER_TURN = 256;

/**
 * Calls `each` for every item of `items` (taken as they are now), `perTurn` of them at once, the
 * first slice at once and each next one after the work waiting meanwhile. Returns a function that
 * stops the walk (a newer walk of the same kind overtakes it).
 */
export function inTurns<T>(items: Iterable<T>, each: (item: T) => void, perTurn = PER_TURN) {
  const list = [...items];
  let i = 0;
  let stopped = false;
  const turn = () => {
    if (stopped) return;
    for (const end = Math.min(list.length, i + perTurn); i < end; i++) each(list[i]!);
    if (i < list.length) setImmediate(turn);
  };
  turn();
  return () => void (stopped = true);
}
