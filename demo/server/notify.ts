/**
 * Offline notifications (DESIGN.md §9): a visitor message stored while no agent is online (the
 * contact form's held message included) is emailed to NOTIFY_EMAIL with the visitor's details
 * and a link to the agent page. Messages of one conversation are batched: at most one email per
 * NOTIFY_INTERVAL_MS. Nothing here waits for SMTP: a failed send is logged and counted.
 */
import type { Message } from '../../src/protocol';
import type { Logger } from './log';
import type { Mailer } from './mailer';
import type { LiveVisitor } from './presence';
import { messageLines } from './transcript';

/** What the notifier needs. */
export interface NotifierOptions {
  mailer: Mailer;
  /** NOTIFY_EMAIL. */
  to: string;
  /** Least time between two emails about one conversation. */
  intervalMs: number;
  /**
   * How long the first message waits before its email goes, so what the visitor sends with it
   * (the contact form's name and email, a second line) is in it (default 2 s).
   */
  settleMs?: number;
  /** Whether an agent is online now (as the widgets are told). */
  agentsOnline(): boolean;
  /** The server's public base URL (PUBLIC_URL, else where it listens). */
  baseUrl(): string;
  log: Logger;
  now?: () => number;
}

/** A one-line text (a visitor's name in a subject cannot add a header). */
// oxlint-disable-next-line no-control-regex
const oneLine = (s: string) => s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();

/** The notifier; see {@link createNotifier}. */
export type Notifier = ReturnType<typeof createNotifier>;

/** Creates the notifier. */
export function createNotifier(o: NotifierOptions) {
  const now = o.now ?? Date.now;
  const settleMs = o.settleMs ?? 2000;
  const batches = new Map<
    string,
    { v: LiveVisitor; messages: Message[]; timer: ReturnType<typeof setTimeout> }
  >();
  /** When the last email about each conversation went. */
  const sentAt = new Map<string, number>();

  function body(v: LiveVisitor, messages: Message[]): string {
    const base = o.baseUrl();
    const who = [v.name, v.email && `<${v.email}>`, v.phone].filter(Boolean).join(' ');
    return [
      'A visitor wrote while no agent was online.',
      '',
      'Visitor: ' + (who || 'anonymous') + ` (id ${v.id})`,
      'Page: ' + (v.pageTitle ? `${v.pageTitle} — ` : '') + (v.pageUrl || 'unknown'),
      '',
      ...messageLines(messages, v.name, base),
      '',
      `Reply on the agent page: ${base}/agent`,
      '(Replies go through the agent page; answering this email reaches no one.)',
      '',
    ].join('\n');
  }

  function send(key: string) {
    const b = batches.get(key);
    if (!b) return;
    batches.delete(key);
    sentAt.set(key, now());
    const { v, messages } = b;
    const subject = oneLine(
      `New chat message from ${v.name || v.email || 'a visitor'}${messages.length > 1 ? ` (${messages.length})` : ''}`,
    ).slice(0, 200);
    // The message handling never waits for this; the mailer logs and counts a failure.
    void o.mailer.send('notification', { to: o.to, subject, text: body(v, messages) });
  }

  return {
    /** A message was stored: a visitor's, while no agent is online, goes into a batch. */
    messageStored(v: LiveVisitor, m: Message) {
      if (m.from != 'visitor' || o.agentsOnline()) return;
      const key = v.id + ' ' + (v.conversation?.id ?? '');
      const held = batches.get(key);
      if (held) return void held.messages.push(m);
      const t = now();
      for (const [k, at] of sentAt) if (t - at >= o.intervalMs) sentAt.delete(k);
      const wait = Math.max(settleMs, (sentAt.get(key) ?? -Infinity) + o.intervalMs - t);
      batches.set(key, { v, messages: [m], timer: setTimeout(() => send(key), wait) });
    },
    /** Sends what is batched now (the server is stopping) and stops. */
    close() {
      for (const [key, b] of batches) {
        clearTimeout(b.timer);
        send(key);
      }
    },
  };
}
