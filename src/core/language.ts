/**
 * The UI languages and how a language tag maps onto them. English is built into the UI; every
 * other language is a chunk of its own (`lang/<code>.js` next to the widget script, see
 * src/ui/lang/), loaded only when it is used.
 */

/** The codes of the UI's language tables. */
export const LANGUAGES =
  'en fr cs de es it pt pt-br pl nl sk hu ro ru uk tr sv da fi nb el bg hr ja zh ko ar he fa'.split(
    ' ',
  );

/**
 * The table a language tag uses, or `''` when there is none: `fr-CA` → `fr`, `pt-BR` → `pt-br`
 * (other Portuguese → `pt`), `zh-TW` → `zh`, `no`/`nn` → `nb`, `iw` → `he`; and Smartsupp's own
 * codes `cn` and `tw` (Chinese) → `zh`, `br` (Brazilian Portuguese, not Breton) → `pt-br`.
 */
export function tableOf(lang: string): string {
  const l = lang.toLowerCase().replace(/_/g, '-');
  if (/^pt-br\b/.test(l) || l == 'br') return 'pt-br';
  if (l == 'cn' || l == 'tw') return 'zh';
  const b = l.split('-')[0]!;
  const code = b == 'no' || b == 'nn' ? 'nb' : b == 'iw' ? 'he' : b;
  return LANGUAGES.includes(code) ? code : '';
}

/**
 * `lang: 'auto'`: the first of the browser's preferred languages (`navigator.languages`, in
 * order) that the UI speaks, as the browser spells it (`fr-CA` keeps its region for dates);
 * English when none is.
 */
export const pickLanguage = (preferred: readonly unknown[]): string =>
  (preferred.find((l) => typeof l == 'string' && tableOf(l)) as string | undefined) || 'en';
