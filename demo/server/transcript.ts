/**
 * A conversation as plain text (DESIGN.md §9): what `GET /v1/transcript` downloads and the
 * transcript email carries. Each line with its time and its author's name, files by name, size
 * and URL; the words, times and numbers in the visitor's language (transcript-words.ts), times in
 * the visitor's time zone with its name (UTC when unknown). Notifications to the site owner
 * (notify.ts) keep UTC ISO 8601 times.
 */
import type { Message } from '../../src/protocol';
import { EN, type TranscriptWords } from './transcript-words';

/** What a transcript says about its conversation. */
export interface TranscriptInfo {
  /** The visitor's name, when known ("You" is not used: the file may be forwarded). */
  visitorName: string | null;
  openedAt: number;
  closedAt?: number | null;
  /** Base of the file URLs (`https://chat.example.com`). */
  base: string;
  /** The words, in the visitor's language (transcript-words.ts); English by default. */
  words?: TranscriptWords;
  /** The visitor's language (times and numbers), `en` by default. */
  lang?: string | null;
  /** The visitor's time zone (its widget's), UTC when unknown. */
  timeZone?: string | null;
}

/** A size for people: `532 B`, `12.3 kB`, `4.1 MB` (`12,3 kB` in German). */
export function humanSize(n: number, lang = 'en'): string {
  if (n < 1000) return n + ' B';
  const one = { minimumFractionDigits: 1, maximumFractionDigits: 1 };
  let f: Intl.NumberFormat;
  try {
    f = new Intl.NumberFormat(lang, one);
  } catch {
    f = new Intl.NumberFormat('en', one);
  }
  return n < 1e6 ? f.format(n / 1e3) + ' kB' : f.format(n / 1e6) + ' MB';
}

const iso = (t: number) => new Date(t).toISOString();

/**
 * Times for people, in `lang` and `timeZone`, the zone named ("7 Dec 2026, 04:49 CET"); UTC when
 * the zone is unknown, English for a language Intl does not know (both come from the widget).
 */
export function timeFormat(lang?: string | null, timeZone?: string | null): (t: number) => string {
  const opts: Intl.DateTimeFormatOptions = {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  };
  let f: Intl.DateTimeFormat;
  try {
    f = new Intl.DateTimeFormat(lang || 'en', { ...opts, timeZone: timeZone || 'UTC' });
  } catch {
    f = new Intl.DateTimeFormat('en', { ...opts, timeZone: 'UTC' });
  }
  return (t) => f.format(t);
}

/** `messages` as transcript lines (the body of a transcript or a notification), in `words`. */
export function messageLines(
  messages: Message[],
  visitorName: string | null,
  base: string,
  words: TranscriptWords = EN,
  time: (t: number) => string = iso,
  lang = 'en',
): string[] {
  const lines: string[] = [];
  const { authors } = words;
  for (const m of messages) {
    const role = authors[m.from];
    const who =
      m.from == 'visitor'
        ? visitorName || role
        : m.name
          ? `${m.name} (${words.lower === false ? role : role.toLowerCase()})`
          : role;
    // Continuation lines are indented: a message cannot fake a line of its own.
    const text = m.text.replace(/\r\n?/g, '\n').split('\n').join('\n    ');
    lines.push(`[${time(m.at)}] ${who}: ${text}`);
    for (const a of m.attachments ?? [])
      lines.push(
        `    ${words.attachment}: ${a.name} (${a.type.split(';')[0]}, ${humanSize(a.size, lang)}) ${base}${a.url}`,
      );
  }
  return lines;
}

/** The transcript of `messages`, oldest first. */
export function transcriptText(messages: Message[], info: TranscriptInfo): string {
  const w = info.words || EN;
  const time = timeFormat(info.lang, info.timeZone);
  const lines = [
    w.title,
    w.started + ': ' + time(info.openedAt),
    ...(info.closedAt ? [w.ended + ': ' + time(info.closedAt)] : []),
    '',
    ...messageLines(messages, info.visitorName, info.base, w, time, info.lang || 'en'),
  ];
  return lines.join('\n') + '\n';
}
