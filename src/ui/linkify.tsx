import type { ComponentChild } from 'preact';

/** Candidate links: explicit http(s)/mailto/tel URLs, `www.` hosts and bare email addresses. */
const CANDIDATE = /\b(?:https?:\/\/|mailto:|tel:|www\.)[^\s<>"]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+/gi;
/** Punctuation that ends a sentence rather than the URL: `(see https://a.b/c).` */
const TRAILING = /[.,;:!?)\]}'"]+$/;

/**
 * The link target for a candidate, or `null` unless it parses as an `http:`, `https:`,
 * `mailto:` or `tel:` URL. `javascript:`, `data:` and anything else never become links.
 */
export function safeHref(raw: string): string | null {
  const s = /^www\./i.test(raw)
    ? 'https://' + raw
    : /^[a-z][\w+.-]*:/i.test(raw)
      ? raw
      : 'mailto:' + raw;
  try {
    const url = new URL(s);
    return /^(https?|mailto|tel):$/.test(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * Splits agent or bot text into text and `<a>` children: the text is never parsed as HTML,
 * and only safe schemes become links (opened in a new tab, without an opener or referrer).
 */
export function linkify(text: string): ComponentChild[] {
  const out: ComponentChild[] = [];
  let last = 0;
  for (const m of text.matchAll(CANDIDATE)) {
    const raw = m[0].replace(TRAILING, '');
    const href = raw && safeHref(raw);
    if (!href) continue;
    out.push(
      text.slice(last, m.index),
      <a href={href} target="_blank" rel="noopener noreferrer">
        {raw}
      </a>,
    );
    last = m.index + raw.length;
  }
  out.push(text.slice(last));
  return out;
}
