/**
 * The Visitors list kept sorted, for a cluster node: the online rows as the feed's `visitor`
 * events carry them, one array per filter in list order, and the counts, all maintained as rows
 * change. A page is a slice (O(page)), the counts are read as they are; only a search scans
 * (the rows of one filter, in order, against cached lowercase text).
 */
import {
  FILTERS,
  MATCH,
  compareRows,
  countRow,
  noCounts,
  searchText,
  type Counts,
  type Filter,
  type ListRow,
} from '../shared/visitor-list';

/** A row held by the index: the row, its JSON as the feed carried it, what the list shows of it. */
interface Entry {
  row: ListRow;
  json: string;
  key: string;
  hay: string | null;
}

/**
 * What the list shows of a row, as a string to compare (presence.ts `shownKey` for a row):
 * without the fields that move on their own (activity, last seen) or have their own event (typing).
 */
export function rowKey(row: ListRow): string {
  const { lastActivityAt: _a, lastSeenAt: _s, typing: _t, ...shown } = row;
  return JSON.stringify(shown);
}

/** The index; see {@link createListIndex}. */
export type ListIndex = ReturnType<typeof createListIndex>;

/** Creates an empty index. */
export function createListIndex() {
  const entries = new Map<string, Entry>();
  const sorted = Object.fromEntries(FILTERS.map((f) => [f, [] as Entry[]])) as Record<
    Filter,
    Entry[]
  >;
  let counts = noCounts();

  /** Where `e` is (or would go) in `list`: the first entry not before it. */
  function position(list: Entry[], e: Entry): number {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareRows(list[mid]!.row, e.row) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  function remove(id: string) {
    const old = entries.get(id);
    if (!old) return;
    entries.delete(id);
    countRow(counts, old.row, -1);
    for (const f of FILTERS) {
      if (!MATCH[f](old.row)) continue;
      const list = sorted[f];
      const i = position(list, old);
      // The order is total (ties broken by id), so the entry is where the search lands.
      if (list[i] === old) list.splice(i, 1);
      else {
        const j = list.indexOf(old);
        if (j >= 0) list.splice(j, 1);
      }
    }
  }

  return {
    /** Takes a row as the feed carried it: an online row is put in place, an offline one removed. */
    set(row: ListRow, json: string) {
      remove(row.id);
      if (!row.online) return;
      const e: Entry = { row, json, key: rowKey(row), hay: null };
      entries.set(row.id, e);
      countRow(counts, row, 1);
      for (const f of FILTERS) if (MATCH[f](row)) sorted[f].splice(position(sorted[f], e), 0, e);
    },
    /**
     * Takes many rows at once (a node loading the list at start): the rows go in unsorted, then
     * each filter is sorted once, instead of one insertion each.
     */
    load(rows: { row: ListRow; json: string }[]) {
      for (const { row, json } of rows) {
        remove(row.id);
        if (!row.online) continue;
        const e: Entry = { row, json, key: rowKey(row), hay: null };
        entries.set(row.id, e);
        countRow(counts, row, 1);
        for (const f of FILTERS) if (MATCH[f](row)) sorted[f].push(e);
      }
      for (const f of FILTERS) sorted[f].sort((a, b) => compareRows(a.row, b.row));
    },
    remove,
    /** The row of an online visitor. */
    get: (id: string): ListRow | undefined => entries.get(id)?.row,
    /** What the list shows of a visitor's row (see {@link rowKey}); undefined when not listed. */
    keyOf: (id: string) => entries.get(id)?.key,
    has: (id: string) => entries.has(id),
    size: () => entries.size,
    /** The counts per filter (a copy). */
    counts: (): Counts => ({ ...counts }),
    /** Forgets every row (the shared log started again). */
    clear() {
      entries.clear();
      for (const f of FILTERS) sorted[f] = [];
      counts = noCounts();
    },
    /**
     * The rows of `filter` matching `needle` (lowercase, '' for all) from `offset`, at most
     * `limit`, as JSON strings, and how many match in all.
     */
    page(filter: Filter, needle: string, offset: number, limit: number) {
      const list = sorted[filter];
      if (!needle) {
        const rows = list.slice(offset, offset + limit).map((e) => e.json);
        return { rows, total: list.length };
      }
      const rows: string[] = [];
      let total = 0;
      for (const e of list) {
        if (!(e.hay ??= searchText(e.row)).includes(needle)) continue;
        if (total >= offset && rows.length < limit) rows.push(e.json);
        total++;
      }
      return { rows, total };
    },
  };
}
