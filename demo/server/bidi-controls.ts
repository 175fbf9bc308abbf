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
