/**
 * The agent feed's retention log: every `/api/events` event gets an id here, and a feed that
 * reconnects with `Last-Event-ID` is replayed what followed it (docs/PROTOCOL.md, "Agent live feed"). It is also the
 * bus the feeds listen on, so another implementation (Redis streams for a cluster) can put
 * every node's events in one order behind the same interface.
 */

/** Event names of the feed (docs/PROTOCOL.md, "Agent live feed"). */
export type FeedEventName = 'visitor' | 'counts' | 'message' | 'typing' | 'reset';

/** An event to log: its name and its data, already JSON. */
export interface FeedEventInput {
  event: FeedEventName;
  data: string;
}

/** A logged event: what was appended plus its id (opaque to readers, ordered within the log). */
export interface LoggedEvent extends FeedEventInput {
  id: string;
}

/** The retention log behind the agent feed. */
export interface EventLog {
  /**
   * Logs events that belong together (one flush of the hub: rows and the counts that go with
   * them) and hands them to every subscriber as one batch, in order.
   */
  append(events: FeedEventInput[]): void;
  /**
   * What followed `id`, oldest first; `'reset'` when `id` is unknown or older than the window
   * (the reader must then start again from a fresh list).
   */
  since(id: string): LoggedEvent[] | 'reset' | Promise<LoggedEvent[] | 'reset'>;
  /** The id of the newest event (one that means "nothing yet" before the first), for a list answer to say where it stands. */
  lastId(): string;
  /** Hears every appended batch; returns the unsubscribe function. */
  subscribe(listener: (batch: LoggedEvent[]) => void): () => void;
  close(): void;
}

/** How long events are kept by default: docs/PROTOCOL.md, "Agent live feed" asks for at least 10 minutes. */
export const RETENTION_MS = 15 * 60_000;

/** Memory bound of the in-memory log, in characters of event data (about that many bytes). */
export const MAX_RETAINED_CHARS = 32 * 1024 * 1024;

/**
 * The one-node log, in memory. Ids are `<boot>-<seq>`: `boot` is random per process, so an id
 * from before a restart is recognised as unknown (→ reset) instead of pointing into new events.
 * Events older than `retentionMs` are dropped, and the oldest go first if the data would
 * outgrow `maxChars` (a burst then shortens the window rather than the memory growing).
 */
export function createMemoryEventLog(
  o: { retentionMs?: number; maxChars?: number; now?: () => number; boot?: string } = {},
): EventLog {
  const retentionMs = o.retentionMs ?? RETENTION_MS;
  const maxChars = o.maxChars ?? MAX_RETAINED_CHARS;
  const now = o.now ?? Date.now;
  const boot = o.boot ?? Math.random().toString(36).slice(2, 10);
  /** Retained events, oldest first, from `head` on (a moving start instead of shift()). */
  let events: (LoggedEvent & { seq: number; at: number })[] = [];
  let head = 0;
  let chars = 0;
  let seq = 0;
  const listeners = new Set<(batch: LoggedEvent[]) => void>();

  function trim() {
    const oldest = now() - retentionMs;
    while (head < events.length && (events[head]!.at < oldest || chars > maxChars)) {
      chars -= events[head]!.data.length;
      head++;
    }
    // Compact now and then, so the array does not keep what was trimmed.
    if (head > 1024 && head > events.length / 2) {
      events = events.slice(head);
      head = 0;
    }
  }

  /** The sequence number in an id of this process, or -1. */
  function seqOf(id: string): number {
    const dash = id.lastIndexOf('-');
    if (dash < 0 || id.slice(0, dash) != boot) return -1;
    const n = Number(id.slice(dash + 1));
    return Number.isSafeInteger(n) && n >= 0 ? n : -1;
  }

  return {
    append(batch) {
      if (!batch.length) return;
      const at = now();
      const logged = batch.map((e) => {
        const x = { event: e.event, data: e.data, id: boot + '-' + ++seq, seq, at };
        events.push(x);
        chars += e.data.length;
        return x;
      });
      trim();
      const out = logged.map(({ id, event, data }) => ({ id, event, data }));
      for (const fn of listeners) fn(out);
    },
    since(id) {
      trim();
      const n = seqOf(id);
      if (n < 0 || n > seq) return 'reset';
      // Nothing lost only if the event right after `id` is still here (or none came yet).
      const first = head < events.length ? events[head]!.seq : seq + 1;
      if (n + 1 < first) return 'reset';
      const out: LoggedEvent[] = [];
      for (let i = head + (n + 1 - first); i < events.length; i++) {
        const e = events[i]!;
        out.push({ id: e.id, event: e.event, data: e.data });
      }
      return out;
    },
    lastId: () => boot + '-' + seq,
    subscribe(fn) {
      listeners.add(fn);
      return () => void listeners.delete(fn);
    },
    close() {
      listeners.clear();
      events = [];
      head = chars = 0;
    },
  };
}
