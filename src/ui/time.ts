import type { Strings } from './i18n';

/**
 * The formats made so far, by language and options. Each costs ICU work (the page's first one
 * starts ICU up: 50–270 ms in Chromium), and rows compare them by identity: one per kind.
 */
const made: Record<string, Intl.DateTimeFormat> = Object.create(null);

/** The options of a message's time (`14:05`, `2:05 PM`). */
const TIME: Intl.DateTimeFormatOptions = { hour: 'numeric', minute: '2-digit' };

/**
 * `Intl.DateTimeFormat` for `lang`, or for English when `lang` is not a valid tag; made once for
 * each language and options, then the same object.
 */
export function dateFormat(lang: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = lang + JSON.stringify(options);
  const make = (tag: string) => new Intl.DateTimeFormat(tag, options);
  try {
    return (made[key] ||= make(lang));
  } catch {
    return (made[key] = make('en'));
  }
}

/** The format of message times in `lang`. */
export const timeFormat = (lang: string) => dateFormat(lang, TIME);

/**
 * Makes on idle time what the chat window's first render needs: ICU (the page's first format
 * also reads the browser's time zone, which the core asks for when the chat opens) and the
 * message times' format for `lang`. Called once the visitor shows intent (ui.js is prefetched
 * from the launcher) or the UI mounts, so the click that opens the window does not start ICU —
 * and a page view where nobody touches the launcher does not either. Not in Safari (no
 * `requestIdleCallback`): its first format is not a long task.
 */
export const warmFormats = (win: Window, lang: string) =>
  win.requestIdleCallback?.(() => {
    try {
      timeFormat(lang);
    } catch {
      // A page that broke Intl: the render falls back (or fails) the same way later.
    }
  });

/** The local day `dayKey` last named: its key and where it starts and ends. */
let day = { key: '', from: 0, to: -1 };

/**
 * A key that is equal for two times on the same local day. The rows of a window are mostly of
 * one day: a time inside the last day named is answered without a Date.
 */
export function dayKey(at: number): string {
  if (at >= day.from && at < day.to) return day.key;
  const d = new Date(at);
  const key = d.toDateString();
  d.setHours(0, 0, 0, 0);
  const from = d.getTime();
  d.setDate(d.getDate() + 1);
  day = { key, from, to: d.getTime() };
  return key;
}

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
