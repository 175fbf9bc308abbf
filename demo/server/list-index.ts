/**
 * The Visitors list kept sorted, on every node: the online rows, one array per filter in list
 * order, the counts, and a search index (search-index.ts), all maintained as rows change. A page
 * is a slice (O(page)), the counts are read as they are, and a search counts its matches in the
 * search index (the texts under its rarest trigram, in slot order, tagged with their filters),
 * then reads only the rows of the page. A single node feeds it from its own changes (hub.ts), a cluster node from
 * the shared log (cluster-rows.ts); each entry carries an item, what a page answers: the row's
 * JSON as UTF-8 bytes in a cluster (a page is then a copy of bytes: see {@link listBytes}), the
 * live visitor on a single node.
 * Per row it holds only what it needs: at 100,000 rows every byte kept per row is heap the
 * garbage collector walks, and its pauses are what the list's slow answers waited for.
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
import { firstInOrder } from './first-in-order';
import { createSearchIndex } from './search-index';

/**
 * A row held by the index: the row, its item, its search text. What the list shows of it
 * ({@link rowKey}) is made again when asked, not kept: it is as large as the row's JSON.
 */
interface Entry<T> {
  row: ListRow;
  item: T;
  hay: string;
  /** Its slot in the search index. */
  slot: number;
}

/**
 * What the list shows of a row, as a string to compare (presence.ts `shownKey` for a row):
 * without the fields that move on their own (activity, last seen) or have their own event (typing).
 * Everything the order, the filters and the search read is in it.
 */
export function rowKey(row: ListRow): string {
  const { lastActivityAt: _a, lastSeenAt: _s, typing: _t, ...shown } = row;
  return JSON.stringify(shown);
}

/** A page of the list: which rows, from where. */
export interface ListPage {
  limit: number;
  offset: number;
}

/**
 * The body of `GET /api/visitors` (docs/AGENT-API.md): the page's rows (JSON strings, in list
 * order), the counts per filter (over online visitors, before `q`), then `total` (how many
 * matched), `offset` and `extra`.
 */
export function listBody(
  rows: string[],
  counts: Counts,
  total: number,
  offset: number,
  extra: Record<string, unknown>,
): string {
  return '{"visitors":[' + rows.join(',') + listTail(counts, total, offset, extra);
}

/** What follows the rows in a list body: `],"counts":…,"total":…,"offset":…,…}`. */
function listTail(counts: Counts, total: number, offset: number, extra: Record<string, unknown>) {
  const tail = JSON.stringify({ total, offset, ...extra });
  return '],"counts":' + JSON.stringify(counts) + ',' + tail.slice(1);
}

/**
 * The same body as {@link listBody} from rows already as UTF-8 bytes (a cluster node keeps each
 * row's JSON so): a page is one copy of its rows' bytes, with no string to join, measure
 * and encode again on every request.
 */
export function listBytes(
  rows: Uint8Array[],
  counts: Counts,
  total: number,
  offset: number,
  extra: Record<string, unknown>,
): Buffer {
  const parts: Uint8Array[] = [OPEN_LIST];
  rows.forEach((r, i) => {
    if (i) parts.push(COMMA);
    parts.push(r);
  });
  parts.push(Buffer.from(listTail(counts, total, offset, extra)));
  return Buffer.concat(parts);
}
const OPEN_LIST = Buffer.from('{"visitors":[');
const COMMA = Buffer.from(',');

/** The index; see {@link createListIndex}. */
export type ListIndex<T = string> = ReturnType<typeof createListIndex<T>>;

/**
 * Below this share of a filter's rows (1 in N), a search's matches are put in order by
 * selection; above it, walking the filter's sorted rows for the found ones is cheaper (it stops
 * once the page is full, after about N rows per row of the page).
 */
const WALK_SHARE = 32;

/**
 * How many texts the search index reads, in slot order, in the time the filter's rows take in
 * list order (spread over memory): when its search would read more, the filter's rows are
 * scanned instead (a small filter, a needle in most rows).
 */
const SLOT_ORDER_GAIN = 4;

/** Each filter as a bit, the tag the search index requires of a row of that filter. */
const FILTER_BIT = Object.fromEntries(FILTERS.map((f, i) => [f, 1 << i])) as Record<Filter, number>;

/** The filters `row` is in, as tags for the search index. */
function tagOf(row: ListRow): number {
  let tag = 0;
  for (const f of FILTERS) if (MATCH[f](row)) tag |= FILTER_BIT[f];
  return tag;
}

/** Creates an empty index; a page answers the items given with the rows. */
export function createListIndex<T = string>() {
  const entries = new Map<string, Entry<T>>();
  const sorted = Object.fromEntries(FILTERS.map((f) => [f, [] as Entry<T>[]])) as Record<
    Filter,
    Entry<T>[]
  >;
  const search = createSearchIndex<Entry<T>>();
  let counts = noCounts();

  /** Where `e` is (or would go) in `list`: the first entry not before it. */
  function position(list: Entry<T>[], e: Entry<T>): number {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareRows(list[mid]!.row, e.row) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Takes `e` out of the sorted lists and the counts (not out of `entries` or the search). */
  function unplace(e: Entry<T>) {
    countRow(counts, e.row, -1);
    for (const f of FILTERS) {
      if (!MATCH[f](e.row)) continue;
      const list = sorted[f];
      const i = position(list, e);
      // The order is total (ties broken by id), so the entry is where the search lands.
      if (list[i] === e) list.splice(i, 1);
      else {
        const j = list.indexOf(e);
        if (j >= 0) list.splice(j, 1);
      }
    }
  }

  function place(e: Entry<T>) {
    countRow(counts, e.row, 1);
    for (const f of FILTERS) if (MATCH[f](e.row)) sorted[f].splice(position(sorted[f], e), 0, e);
    search.tag(e.slot, tagOf(e.row));
  }

  function remove(id: string) {
    const old = entries.get(id);
    if (!old) return;
    entries.delete(id);
    unplace(old);
    search.remove(old.slot);
  }

  /** A new entry, in `entries` and the search, not yet placed. */
  function enter(row: ListRow, item: T): Entry<T> {
    const e: Entry<T> = { row, item, hay: searchText(row), slot: -1 };
    e.slot = search.add(e.hay, e, tagOf(row));
    entries.set(row.id, e);
    return e;
  }

  return {
    /**
     * Takes a row: an online row is put in place, an offline one removed. `key` is
     * {@link rowKey} of the row when the caller has it; a row with the same key as the one held
     * only replaces it (same place, same search text).
     */
    set(row: ListRow, item: T, key = rowKey(row)) {
      const old = entries.get(row.id);
      if (!row.online) return remove(row.id);
      if (old && rowKey(old.row) === key) {
        old.row = row;
        old.item = item;
        return;
      }
      if (old) {
        unplace(old);
        old.row = row;
        old.item = item;
        const hay = searchText(row);
        if (hay !== old.hay) search.update(old.slot, (old.hay = hay));
        place(old);
        return;
      }
      place(enter(row, item));
    },
    /**
     * Takes many rows at once (a node loading the list at start): the rows go in unsorted, then
     * each filter is sorted once, instead of one insertion each.
     */
    load(rows: { row: ListRow; item: T }[]) {
      for (const { row, item } of rows) {
        remove(row.id);
        if (!row.online) continue;
        const e = enter(row, item);
        countRow(counts, row, 1);
        for (const f of FILTERS) if (MATCH[f](row)) sorted[f].push(e);
      }
      for (const f of FILTERS) sorted[f].sort((a, b) => compareRows(a.row, b.row));
    },
    remove,
    /** The row of an online visitor. */
    get: (id: string): ListRow | undefined => entries.get(id)?.row,
    /** What the list shows of a visitor's row (see {@link rowKey}); undefined when not listed. */
    keyOf(id: string) {
      const e = entries.get(id);
      return e && rowKey(e.row);
    },
    has: (id: string) => entries.has(id),
    /** The ids of the rows held. */
    ids: () => entries.keys(),
    size: () => entries.size,
    /** The counts per filter (a copy). */
    counts: (): Counts => ({ ...counts }),
    /** Forgets every row (the shared log started again). */
    clear() {
      entries.clear();
      for (const f of FILTERS) sorted[f] = [];
      search.clear();
      counts = noCounts();
    },
    /**
     * The items of the rows of `filter` matching `needle` (lowercase, '' for all) from
     * `offset`, at most `limit`, in list order, and how many match in all.
     */
    page(filter: Filter, needle: string, offset: number, limit: number) {
      const list = sorted[filter];
      if (!needle)
        return { rows: list.slice(offset, offset + limit).map((e) => e.item), total: list.length };
      const end = offset + limit;
      if (search.cost(needle) > list.length * SLOT_ORDER_GAIN) {
        // The filter's rows in order, each against its text.
        const rows: T[] = [];
        let total = 0;
        for (const e of list)
          if (e.hay.includes(needle) && total++ >= offset && rows.length < limit) rows.push(e.item);
        return { rows, total };
      }
      const total = search.find(needle, FILTER_BIT[filter]);
      if (offset >= Math.min(end, total)) return { rows: [], total };
      let first: Entry<T>[];
      if (total * WALK_SHARE < list.length)
        first = firstInOrder(search.matches(), end, (a, b) => compareRows(a.row, b.row));
      else {
        first = [];
        for (const e of list) if (search.found(e.slot) && first.push(e) >= end) break;
      }
      return { rows: first.slice(offset).map((e) => e.item), total };
    },
  };
}
