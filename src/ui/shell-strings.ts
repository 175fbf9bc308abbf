/**
 * The few strings the launcher shows before the UI chunk has loaded (the shell in chat.js), and
 * the language helpers both use. ui/i18n.ts builds the full English table on top of these, so
 * each string is written once; other languages are chunks of their own (ui/lang/).
 */

/** English strings of the launcher shell. */
export const SHELL_EN = {
  open: 'Open chat',
  // Count-neutral, so the shell needs no plural rules for English (see ui/shell.ts).
  unread: 'unread messages: {n}',
  agent: 'Support',
  dismiss: 'Dismiss',
};

/** The primary subtag of a language code: `fr-CA` → `fr`. */
export const base = (lang: string) => lang.toLowerCase().split(/[-_]/)[0]!;

/**
 * `en` with a language's table on top (a key it lacks stays English), then the `translations`
 * command's overrides (only known keys, only strings).
 */
export function pick<T extends Record<string, string>>(
  en: T,
  table: Partial<T> | undefined,
  overrides: Record<string, string>,
): T {
  const out: T = { ...en, ...table };
  for (const k of Object.keys(overrides))
    if (Object.prototype.hasOwnProperty.call(en, k) && typeof overrides[k] == 'string')
      (out as Record<string, string>)[k] = overrides[k];
  return out;
}

/** True for right-to-left languages (Arabic, Hebrew, Persian, Urdu). */
export const isRtl = (lang: string) => /^(ar|he|iw|fa|ur)$/.test(base(lang));

/** Replaces `{key}` placeholders: `fill('{n} left', { n: 3 })` → `'3 left'`. */
export const fill = (text: string, values: Record<string, string | number>) =>
  text.replace(/\{(\w+)\}/g, (all, k: string) => (k in values ? String(values[k]) : all));

const plurals: Record<string, Intl.PluralRules> = Object.create(null);

/**
 * A count in words, by the language's plural rules (`Intl.PluralRules`): `text` is one form
 * (`'{n} left'`) or forms by plural category, `'one:{n} message|other:{n} messages'` (`other`
 * stands in for a category the text leaves out). `{n}` is filled with `n`.
 */
export function count(text: string, n: number, lang: string): string {
  let cat = 'other';
  try {
    // Made once per language: a new one costs a fifth of a millisecond, and the launcher's
    // label counts the unread messages again on each one that arrives.
    cat = (plurals[lang] ||= new Intl.PluralRules(lang)).select(n);
  } catch {
    // Not a valid language tag: `other` it is.
  }
  const forms = text.split('|');
  const form = forms.find((f) => !f.indexOf(cat + ':')) || forms.find((f) => !f.indexOf('other:'));
  return fill(form ? form.slice(form.indexOf(':') + 1) : text, { n });
}
