import type { Strings } from './i18n';

/** `Intl.DateTimeFormat` for `lang`, or for English when `lang` is not a valid tag. */
export function dateFormat(lang: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  try {
    return new Intl.DateTimeFormat(lang, options);
  } catch {
    return new Intl.DateTimeFormat('en', options);
  }
}

/** A key that is equal for two times on the same local day. */
export const dayKey = (at: number) => new Date(at).toDateString();

/** "Today", "Yesterday" or the localised date (with the year when it is not this year's). */
export function dayLabel(at: number, now: number, t: Strings, lang: string): string {
  const day = dayKey(at);
  if (day == dayKey(now)) return t.today;
  const y = new Date(now);
  y.setDate(y.getDate() - 1);
  if (day == y.toDateString()) return t.yesterday;
  const sameYear = new Date(at).getFullYear() == new Date(now).getFullYear();
  return dateFormat(lang, {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: sameYear ? undefined : 'numeric',
  }).format(at);
}
