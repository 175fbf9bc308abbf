/**
 * A conversation as plain text (DESIGN.md §9): what `GET /v1/transcript` downloads and the
 * transcript email carries. Times in UTC ISO 8601, each line with its author's name, files by
 * name, size and URL.
 */
import type { Message } from '../../src/protocol';

/** What a transcript says about its conversation. */
export interface TranscriptInfo {
  /** The visitor's name, when known ("You" is not used: the file may be forwarded). */
  visitorName: string | null;
  openedAt: number;
  closedAt?: number | null;
  /** Base of the file URLs (`https://chat.example.com`). */
  base: string;
}

const AUTHORS: Record<Message['from'], string> = {
  visitor: 'Visitor',
  agent: 'Agent',
  bot: 'Bot',
  trigger: 'Auto message',
  system: 'System',
};

/** A size for people: `532 B`, `12.3 kB`, `4.1 MB`. */
export function humanSize(n: number): string {
  if (n < 1000) return n + ' B';
  if (n < 1e6) return (n / 1e3).toFixed(1) + ' kB';
  return (n / 1e6).toFixed(1) + ' MB';
}

const iso = (t: number) => new Date(t).toISOString();

/** `messages` as transcript lines (the body of a transcript or a notification). */
export function messageLines(
  messages: Message[],
  visitorName: string | null,
  base: string,
): string[] {
  const lines: string[] = [];
  for (const m of messages) {
    const who =
      m.from == 'visitor'
        ? visitorName || AUTHORS.visitor
        : m.name
          ? `${m.name} (${AUTHORS[m.from].toLowerCase()})`
          : AUTHORS[m.from];
    // Continuation lines are indented: a message cannot fake a line of its own.
    const text = m.text.replace(/\r\n?/g, '\n').split('\n').join('\n    ');
    lines.push(`[${iso(m.at)}] ${who}: ${text}`);
    for (const a of m.attachments ?? [])
      lines.push(
        `    Attachment: ${a.name} (${a.type.split(';')[0]}, ${humanSize(a.size)}) ${base}${a.url}`,
      );
  }
  return lines;
}

/** The transcript of `messages`, oldest first. */
export function transcriptText(messages: Message[], info: TranscriptInfo): string {
  const lines = [
    'Chat transcript',
    'Started: ' + iso(info.openedAt),
    ...(info.closedAt ? ['Ended: ' + iso(info.closedAt)] : []),
    '',
    ...messageLines(messages, info.visitorName, info.base),
  ];
  return lines.join('\n') + '\n';
}
