/**
 * A trigram index for the Visitors search (`?q=`): substring search over each row's lowercase
 * search text without reading every row. Every three consecutive UTF-16 units of a text (a
 * trigram) point to the texts that hold them; a needle of three or more units can only be in a
 * text that holds all of its trigrams, so the texts under its rarest trigram are the candidates,
 * and each is then checked with `includes`: the answer is exactly what a scan would find.
 *
 * A search counts what it finds over the slots themselves (a text, its tags, a mark: arrays in
 * slot order), never over the items: read in slot order the texts sit together in memory, while
 * the items of a list in list order are spread over it, and reading 100,000 of those was most of
 * a search's time. The caller then reads the items of the few matches a page needs.
 *
 * Postings are append-only (a text that changes adds its trigrams again; one that goes leaves
 * its slot behind) and are cleaned when they would grow: an entry whose slot no longer holds
 * that trigram, or that repeats, is dropped then, so a posting stays within about twice the
 * texts that hold its trigram.
 */

/** Shortest needle the index answers; shorter ones match too much to be worth indexing. */
export const MIN_INDEXED = 3;

/**
 * The key of the trigram starting at `i`: a small integer for three ASCII units (most of the
 * lowercase text), else the three units as a string.
 */
function gramAt(s: string, i: number): number | string {
  const a = s.charCodeAt(i);
  const b = s.charCodeAt(i + 1);
  const c = s.charCodeAt(i + 2);
  return (a | b | c) < 128 ? (a << 14) | (b << 7) | c : s.slice(i, i + 3);
}

/** A trigram's key as the three characters it stands for. */
const textOf = (g: number | string) =>
  typeof g == 'string' ? g : String.fromCharCode(g >> 14, (g >> 7) & 127, g & 127);

/** The slots that hold (or held) one trigram. */
interface Posting {
  slots: Int32Array;
  n: number;
}

/** `a`, or a copy at least `n` long (doubling, so growth is amortized). */
function grown(a: Uint32Array<ArrayBuffer>, n: number): Uint32Array<ArrayBuffer> {
  if (a.length >= n) return a;
  const b = new Uint32Array(Math.max(n, a.length * 2));
  b.set(a);
  return b;
}

/** The index; see {@link createSearchIndex}. */
export type SearchIndex<T> = ReturnType<typeof createSearchIndex<T>>;

/**
 * Creates an empty index of texts, each with the item it belongs to and tags (up to 32 bits the
 * caller gives it, e.g. the list filters a row is in) that a search can require.
 */
export function createSearchIndex<T>() {
  const texts: (string | undefined)[] = [];
  const items: (T | undefined)[] = [];
  const free: number[] = [];
  const postings = new Map<number | string, Posting>();
  let tags = new Uint32Array(64);
  // Per slot, the pass that last read it: against repeats in one pass (a posting may name a slot
  // twice) and, with `pass + 1`, a match of the last search (see `found`).
  let marks = new Uint32Array(64);
  let pass = 0;
  let lastFound = -1;
  // The slots the last search found, the first `nFound` of them.
  let hits = new Int32Array(64);
  let nFound = 0;

  /** A new pass; its marks are `pass` and `pass + 1`, above every earlier one. */
  function nextPass() {
    marks = grown(marks, texts.length);
    if (pass >= 0xfffffff0) {
      marks.fill(0);
      pass = 0;
      lastFound = -1;
    }
    return (pass += 2);
  }

  /** Drops the entries of `p` whose slot no longer holds trigram `g`, and repeats. */
  function clean(g: number | string, p: Posting) {
    const gram = textOf(g);
    const mark = nextPass();
    let n = 0;
    for (let i = 0; i < p.n; i++) {
      const s = p.slots[i]!;
      if (marks[s]! >= mark || !texts[s]?.includes(gram)) continue;
      marks[s] = mark;
      p.slots[n++] = s;
    }
    p.n = n;
  }

  function add(g: number | string, slot: number) {
    let p = postings.get(g);
    if (!p) postings.set(g, (p = { slots: new Int32Array(2), n: 0 }));
    // A trigram twice in one text: once is enough (nothing else was added in between).
    else if (p.n && p.slots[p.n - 1] === slot) return;
    if (p.n == p.slots.length) {
      clean(g, p);
      if (p.n * 2 > p.slots.length) {
        const bigger = new Int32Array(p.slots.length * 2);
        bigger.set(p.slots.subarray(0, p.n));
        p.slots = bigger;
      }
    }
    p.slots[p.n++] = slot;
  }

  /** The posting to read for `needle` (its rarest trigram's), or null when one is missing. */
  function rarest(needle: string): Posting | null {
    let best: Posting | null = null;
    for (let i = 0; i + 2 < needle.length; i++) {
      const p = postings.get(gramAt(needle, i));
      if (!p || p.n == 0) return null;
      if (!best || p.n < best.n) best = p;
    }
    return best;
  }

  return {
    /** Holds `text` for `item`, with `tag`; returns its slot. */
    add(text: string, item: T, tag = 0): number {
      const slot = free.pop() ?? texts.length;
      texts[slot] = text;
      items[slot] = item;
      tags = grown(tags, slot + 1);
      tags[slot] = tag;
      for (let i = 0; i + 2 < text.length; i++) add(gramAt(text, i), slot);
      return slot;
    },
    /**
     * The text of `slot` changed (its item stays): its trigrams are added again (those it had
     * already are then named twice, until their posting is cleaned).
     */
    update(slot: number, text: string) {
      if (texts[slot] === text) return;
      texts[slot] = text;
      for (let i = 0; i + 2 < text.length; i++) add(gramAt(text, i), slot);
    },
    /** Sets the tags of `slot`. */
    tag(slot: number, tag: number) {
      if (texts[slot] !== undefined) tags[slot] = tag;
    },
    /** Forgets `slot` (its postings are cleaned later). */
    remove(slot: number) {
      if (texts[slot] === undefined) return;
      texts[slot] = items[slot] = undefined;
      tags[slot] = 0;
      free.push(slot);
    },
    /** Forgets everything. */
    clear() {
      texts.length = items.length = free.length = nFound = 0;
      lastFound = -1;
      postings.clear();
    },
    /**
     * About how many texts a search of `needle` reads: those under its rarest trigram, or every
     * slot for a needle shorter than MIN_INDEXED (those match too much to be worth indexing).
     */
    cost(needle: string): number {
      if (needle.length < MIN_INDEXED) return texts.length;
      return rarest(needle)?.n ?? 0;
    },
    /**
     * How many texts with every bit of `tag` contain `needle`; `found` and `matches` then tell
     * which.
     */
    find(needle: string, tag: number): number {
      const mark = nextPass();
      const hit = mark + 1;
      lastFound = hit;
      nFound = 0;
      if (hits.length < texts.length) hits = new Int32Array(marks.length);
      if (needle.length < MIN_INDEXED) {
        for (let s = 0; s < texts.length; s++)
          if ((tags[s]! & tag) === tag && texts[s]?.includes(needle)) {
            marks[s] = hit;
            hits[nFound++] = s;
          }
        return nFound;
      }
      const p = rarest(needle);
      if (!p) return 0;
      for (let i = 0; i < p.n; i++) {
        const s = p.slots[i]!;
        if (marks[s]! >= mark || (tags[s]! & tag) !== tag) continue;
        if (texts[s]?.includes(needle)) {
          marks[s] = hit;
          hits[nFound++] = s;
        } else marks[s] = mark;
      }
      return nFound;
    },
    /** Whether the last search found `slot` (until the index changes). */
    found: (slot: number) => marks[slot] === lastFound,
    /** The items the last search found, in no particular order (until the index changes). */
    matches(): T[] {
      const out: T[] = [];
      for (let i = 0; i < nFound; i++) out.push(items[hits[i]!]!);
      return out;
    },
  };
}
