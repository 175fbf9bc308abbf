/**
 * Takes the bidirectional embedding, override and isolate controls (U+202A–U+202E,
 * U+2066–U+2069) out of what a visitor sends for agents to read: names, contact fields,
 * variables, pages, file names. An override turns the text after it around, so a name
 * `Eve…\u202Eexe.gnp` shows as "Eve…png.exe" on the agent page. The marks U+200E and U+200F
 * stay: they only set the direction of the neutral characters next to them, which right-to-left
 * names and titles need.
 */
import type { PageInfo } from '../../src/protocol';

const CONTROLS = /[\u202a-\u202e\u2066-\u2069]/g;

/** `s` without bidi embedding, override and isolate controls. */
export const withoutBidi = (s: string): string => s.replace(CONTROLS, '');

/** A page as the visitor reported it, without bidi controls in its URL, title and referrer. */
export const pageWithoutBidi = (p: PageInfo): PageInfo => ({
  url: withoutBidi(p.url),
  title: withoutBidi(p.title),
  referrer: withoutBidi(p.referrer),
});

/**
 * Invisible format characters (Unicode category Cf: zero-width space U+200B, word joiner U+2060,
 * invisible operators U+2061–U+2064, byte order mark U+FEFF, soft hyphen U+00AD, …) and the bidi
 * controls above. In a name, `Eva\u200b` and `Eva` look the same on the agent page, so two
 * visitors could be made to look alike. Some of them are kept where text needs them:
 * - the zero-width non-joiner and joiner (U+200C, U+200D) between two letters or marks of a
 *   script other than Latin, Greek and Cyrillic (Persian, Indic: they change how the letters
 *   join, so they show) or between emoji (👩‍💻, 🏳️‍🌈); elsewhere they show nothing and go;
 * - the direction marks (U+200E, U+200F, U+061C) in text with a right-to-left letter (see
 *   above); in other text they show nothing;
 * - tag characters after 🏴 (the flags of England, Scotland, Wales).
 */
const FORMAT = /\p{Cf}/gu;
const JOINS = /[\p{L}\p{M}\p{Extended_Pictographic}\p{Emoji_Modifier}]/u;
const NOT_JOINED = /[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}]/u;
const RTL =
  /(?=\p{L})[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc\u{10800}-\u{10fff}\u{1e800}-\u{1efff}]/u;
const MARKS = '\u200e\u200f\u061c';
const FLAG_TAG = /\u{1f3f4}[\u{e0020}-\u{e007e}]*$/u;

/** Whether a joiner between `a` and `b` (whole code points, or '') changes what shows. */
const joins = (a: string, b: string) =>
  JOINS.test(a) && JOINS.test(b) && !NOT_JOINED.test(a) && !NOT_JOINED.test(b);

/** `s` without invisible format characters and bidi controls, keeping those text needs. */
export function withoutInvisible(s: string): string {
  const rtl = RTL.test(s);
  return withoutBidi(s).replace(FORMAT, (c, i: number, all: string) => {
    if (c == '\u200c' || c == '\u200d') {
      // The code points either side (one before may be a surrogate pair: an emoji).
      const prev = Array.from(all.slice(Math.max(0, i - 2), i)).pop() ?? '';
      const next = Array.from(all.slice(i + 1, i + 3))[0] ?? '';
      return joins(prev, next) ? c : '';
    }
    if (MARKS.includes(c)) return rtl ? c : '';
    // A tag character right after 🏴 and tags before it.
    return c >= '\u{e0020}' && FLAG_TAG.test(all.slice(0, i)) ? c : '';
  });
}

/**
 * A visitor's name, email or phone as agents see it: {@link withoutInvisible}, runs of white
 * space made one space (the agent page shows `Eva  Nováková` as `Eva Nováková`), trimmed; ''
 * when nothing visible is left.
 */
export const profileField = (s: string): string => withoutInvisible(s).replace(/\s+/g, ' ').trim();
