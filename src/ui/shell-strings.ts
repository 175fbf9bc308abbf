/**
 * The few strings the launcher shows before the UI chunk has loaded (the shell in chat.js), and
 * the language helpers both use. ui/i18n.ts builds its full tables on top of these, so each
 * string is written once.
 */

/** English strings of the launcher shell. */
export const SHELL_EN = {
  open: 'Open chat',
  unread: 'unread messages: {n}',
  agent: 'Support',
  dismiss: 'Dismiss',
};

/** The shell's strings in other languages (missing keys fall back to English). */
export const SHELL_TABLES: Record<string, Partial<typeof SHELL_EN>> = {
  fr: { open: 'Ouvrir le chat', unread: 'messages non lus : {n}', dismiss: 'Fermer' },
  cs: {
    open: 'Otevřít chat',
    unread: 'nepřečtené zprávy: {n}',
    agent: 'Podpora',
    dismiss: 'Zavřít',
  },
};

/** The primary subtag of a language code: `fr-CA` → `fr`. */
export const base = (lang: string) => lang.toLowerCase().split(/[-_]/)[0]!;

/**
 * `en` with the table for `lang` on top, then the `translations` command's overrides (only
 * known keys, only strings).
 */
export function pick<T extends Record<string, string>>(
  en: T,
  tables: Record<string, Partial<T>>,
  lang: string,
  overrides: Record<string, string>,
): T {
  const out: T = { ...en, ...tables[base(lang)] };
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
