import { parseMessage, type Message } from '../protocol';
import type { KeyValueStore } from './storage';
import type { Warn } from './log';

const KEY = 'outbox';

/** Visitor messages not yet acknowledged by the server, persisted, in send order. */
export interface Outbox {
  /** Adds what an earlier page or another tab left unacknowledged; all in the order written. */
  load(): Promise<Message[]>;
  add(message: Message): void;
  /** Removes an acknowledged message; returns it, or undefined if unknown (a duplicate ack). */
  ack(cid: string): Message | undefined;
  pending(): readonly Message[];
  clear(): void;
}

/**
 * Creates the outbox. Every change is written through to `store` so a reload or crash loses
 * nothing; stored entries are validated on load (bad ones are dropped with a warning).
 *
 * Other tabs of the same visitor share the stored list: a save merges what they stored (minus
 * what this page saw acknowledged) instead of overwriting it, so two tabs writing at once do
 * not drop each other's unsent messages.
 */
export function createOutbox(
  getStore: () => KeyValueStore,
  warn: Warn,
  /** Runs a save alone among the tabs (a Web Lock), so two tabs saving at once both keep theirs. */
  exclusive: (save: () => Promise<void>) => Promise<void> = (save) => save(),
): Outbox {
  let list: Message[] = [];
  const acked = new Set<string>();
  let saving = Promise.resolve();
  const parse = (raw: unknown): Message[] => {
    const out: Message[] = [];
    for (const item of Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]) {
      const m = parseMessage(item);
      if (typeof m == 'string' || !m.cid) warn('dropped an invalid stored outbox entry');
      else out.push(m);
    }
    return out;
  };
  const save = (wipe?: boolean) => {
    // One save at a time, in order; each reads what other tabs stored and keeps it.
    saving = saving
      .then(() =>
        exclusive(async () => {
          const store = getStore();
          const mine = new Set(list.map((m) => m.cid));
          const others = wipe
            ? []
            : parse(await store.get(KEY)).filter((m) => !mine.has(m.cid) && !acked.has(m.cid!));
          // In any order: a load puts them in the order written.
          await store.set(KEY, others.concat(list));
        }),
      )
      .catch(() => {});
  };
  return {
    async load() {
      const stored = parse(await getStore().get(KEY));
      const known = new Set(list.map((m) => m.cid));
      // Oldest first, whichever tab wrote it: the order the server must store them in.
      return (list = stored
        .filter((m) => !known.has(m.cid) && !acked.has(m.cid!))
        .concat(list)
        .sort((a, b) => a.at - b.at));
    },
    add(message) {
      list = list.concat(message);
      save();
    },
    ack(cid) {
      const found = list.find((m) => m.cid === cid);
      acked.add(cid);
      if (found) {
        list = list.filter((m) => m !== found);
        save();
      }
      return found;
    },
    pending: () => list,
    clear() {
      list = [];
      save(true);
    },
  };
}
