/**
 * Items that each wake at a time, earliest first (a binary heap): what lets a single node's list
 * turn a visitor idle, or an HTTP visitor offline, the moment it happens without re-reading
 * every visitor per request. Each item holds one time: asking for a later time than the one
 * held keeps the earlier (its caller then asks again when it wakes); an earlier one replaces it.
 */

/** The set; see {@link createDeadlines}. */
export type Deadlines<T> = ReturnType<typeof createDeadlines<T>>;

/** Creates an empty set. */
export function createDeadlines<T>() {
  const times = new Map<T, number>();
  // Entries whose time is no longer the item's are skipped when they come up.
  const heap: { at: number; item: T }[] = [];

  function push(e: { at: number; item: T }) {
    let i = heap.push(e) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.at <= e.at) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = e;
  }

  function pop() {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= heap.length) break;
        const c = l + 1 < heap.length && heap[l + 1]!.at < heap[l]!.at ? l + 1 : l;
        if (heap[c]!.at >= last.at) break;
        heap[i] = heap[c]!;
        i = c;
      }
      heap[i] = last;
    }
    return top;
  }

  return {
    /** Wakes `item` at `at`, unless it already wakes at or before then. */
    at(item: T, at: number) {
      const held = times.get(item);
      if (held !== undefined && held <= at) return;
      times.set(item, at);
      push({ at, item });
    },
    /** Forgets `item`. */
    delete: (item: T) => void times.delete(item),
    /** Calls `fn` for every item due at `now` (each forgotten first, so `fn` may set it again). */
    due(now: number, fn: (item: T) => void) {
      while (heap.length && heap[0]!.at <= now) {
        const { at, item } = pop();
        if (times.get(item) !== at) continue;
        times.delete(item);
        fn(item);
      }
    },
    /** Items waiting. */
    size: () => times.size,
  };
}
