/**
 * A trigram index for the Visitors search (`?q=`): substring search over each row's lowercase
 * search text without reading every row. Every three consecutive UTF-16 units of a text (a
 * trigram) point to the texts that hold them; a needle of three or more units can only be in a
 * text that holds all of its trigrams, so the texts under its rarest trigram are the candidates,
 * and each is then checked with `includes`: the answer is exactly what a scan would find.
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

/** The index; see {@link createSearchIndex}. */
export type SearchIndex<T> = ReturnType<typeof createSearchIndex<T>>;

/** Creates an empty index of texts, each with the item it belongs to. */
export function createSearchIndex<T>() {
  const texts: (string | undefined)[] = [];
  const items: (T | undefined)[] = [];
  const free: number[] = [];
  const postings = new Map<number | string, Posting>();
  // Marks per slot against repeats in one pass (a posting may name a slot twice).
  let marks = new Uint32Array(64);
  let pass = 0;

  function nextPass() {
    if (marks.length < texts.length) {
      const grown = new Uint32Array(Math.max(texts.length, marks.length * 2));
      grown.set(marks);
      marks = grown;
    }
    if (++pass == 0xffffffff) {
      marks.fill(0);
      pass = 1;
    }
    return pass;
  }

  /** Drops the entries of `p` whose slot no longer holds trigram `g`, and repeats. */
  function clean(g: number | string, p: Posting) {
    const gram = textOf(g);
    const mark = nextPass();
    let n = 0;
    for (let i = 0; i < p.n; i++) {
      const s = p.slots[i]!;
      if (marks[s] === mark || !texts[s]?.includes(gram)) continue;
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
        const grown = new Int32Array(p.slots.length * 2);
        grown.set(p.slots.subarray(0, p.n));
        p.slots = grown;
      }
    }
    p.slots[p.n++] = slot;
  }

  return {
    /** Holds `text` for `item`; returns its slot. */
    add(text: string, item: T): number {
      const slot = free.pop() ?? texts.length;
      texts[slot] = text;
      items[slot] = item;
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
    /** Forgets `slot` (its postings are cleaned later). */
    remove(slot: number) {
      if (texts[slot] === undefined) return;
      texts[slot] = items[slot] = undefined;
      free.push(slot);
    },
    /** Forgets everything. */
    clear() {
      texts.length = items.length = free.length = 0;
      postings.clear();
    },
    /**
     * Calls `found` once for each item whose text contains `needle`, in no particular order;
     * false (and no call) when the needle is shorter than MIN_INDEXED: the caller scans then.
     */
    find(needle: string, found: (item: T) => void): boolean {
      if (needle.length < MIN_INDEXED) return false;
      let rarest: Posting | undefined;
      for (let i = 0; i + 2 < needle.length; i++) {
        const p = postings.get(gramAt(needle, i));
        if (!p || p.n == 0) return true;
        if (!rarest || p.n < rarest.n) rarest = p;
      }
      const mark = nextPass();
      for (let i = 0; i < rarest!.n; i++) {
        const s = rarest!.slots[i]!;
        if (marks[s] === mark) continue;
        marks[s] = mark;
        if (texts[s]?.includes(needle)) found(items[s]!);
      }
      return true;
    },
  };
}
