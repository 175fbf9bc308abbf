import { parseMessage, type Message } from '../protocol';
import type { KeyValueStore } from './storage';
import type { Warn } from './log';

const KEY = 'outbox';

/** Visitor messages not yet acknowledged by the server, persisted, in send order. */
export interface Outbox {
  /** Loads what an earlier page left unacknowledged. */
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
 */
export function createOutbox(getStore: () => KeyValueStore, warn: Warn): Outbox {
  let list: Message[] = [];
  const save = () => void getStore().set(KEY, list);
  return {
    async load() {
      const raw = await getStore().get(KEY);
      if (raw === undefined) return list;
      const loaded: Message[] = [];
      for (const item of Array.isArray(raw) ? raw : [raw]) {
        const m = parseMessage(item);
        if (typeof m == 'string' || !m.cid) warn('dropped an invalid stored outbox entry');
        else if (!list.some((x) => x.cid === m.cid)) loaded.push(m);
      }
      list = loaded.concat(list);
      return list;
    },
    add(message) {
      list = list.concat(message);
      save();
    },
    ack(cid) {
      const found = list.find((m) => m.cid === cid);
      if (found) {
        list = list.filter((m) => m !== found);
        save();
      }
      return found;
    },
    pending: () => list,
    clear() {
      list = [];
      save();
    },
  };
}
