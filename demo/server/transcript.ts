/**
 * A conversation as plain text (DESIGN.md §9): what `GET /v1/transcript` downloads and the
 * transcript email carries. Times in UTC ISO 8601, each line with its author's name, files by
 * name, size and URL; the words in the visitor's language (transcript-words.ts).
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
}

/** A size for people: `532 B`, `12.3 kB`, `4.1 MB`. */
export function humanSize(n: number): string {
  if (n < 1000) return n + ' B';
  if (n < 1e6) return (n / 1e3).toFixed(1) + ' kB';
  return (n / 1e6).toFixed(1) + ' MB';
}

const iso = (t: number) => new Date(t).toISOString();

/** `messages` as transcript lines (the body of a transcript or a notification), in `words`. */
export function messageLines(
  messages: Message[],
  visitorName: string | null,
  base: string,
  words: TranscriptWords = EN,
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
    lines.push(`[${iso(m.at)}] ${who}: ${text}`);
    for (const a of m.attachments ?? [])
      lines.push(
        `    ${words.attachment}: ${a.name} (${a.type.split(';')[0]}, ${humanSize(a.size)}) ${base}${a.url}`,
      );
  }
  return lines;
}

/** The transcript of `messages`, oldest first. */
export function transcriptText(messages: Message[], info: TranscriptInfo): string {
  const w = info.words || EN;
  const lines = [
    w.title,
    w.started + ': ' + iso(info.openedAt),
    ...(info.closedAt ? [w.ended + ': ' + iso(info.closedAt)] : []),
    '',
    ...messageLines(messages, info.visitorName, info.base, w),
  ];
  return lines.join('\n') + '\n';
}
