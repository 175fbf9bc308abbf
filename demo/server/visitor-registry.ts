/**
 * The visitors this node holds in memory: loaded from the store on first use (one load per id
 * however many requests ask at once), one operation at a time per visitor (store calls are
 * async; two tabs writing at once must not both open a conversation), activity written in
 * batches, and the sweep that re-derives presence and forgets visitors long gone.
 */
import type { Logger } from './log';
import { changed, refresh, type Conn, type LiveVisitor, type PresenceOptions } from './presence';
import type { Store, StoredConversation, StoredVisitor } from './store';

/** Offline visitors are dropped from memory after this long (they stay in the database). */
const EVICT_MS = 3_600_000;

/** What the registry needs. */
export interface RegistryOptions {
  store: Store;
  log: Logger;
  presence: PresenceOptions;
  now: () => number;
  /** A visitor's presence changed in the sweep (the hub tells the agent feed). */
  onChange(v: LiveVisitor): void;
  /** Whether a visitor has a change still to be told (it is not evicted then). */
  isPending(v: LiveVisitor): boolean;
  /** A visitor was dropped from memory. */
  onEvict(v: LiveVisitor): void;
}

/** The registry; see {@link createRegistry}. */
export type Registry = ReturnType<typeof createRegistry>;

/** Creates the registry. */
export function createRegistry(o: RegistryOptions) {
  const { store, log } = o;
  const visitors = new Map<string, LiveVisitor>();
  const loading = new Map<string, Promise<LiveVisitor | undefined>>();
  const locks = new Map<string, Promise<unknown>>();
  let flushing: Promise<void> | undefined;

  /** Holds `s` in memory as a live visitor (or returns the one already held). */
  function adopt(
    s: StoredVisitor,
    conversation: StoredConversation | null,
    lastMessage: LiveVisitor['lastMessage'],
  ): LiveVisitor {
    const held = visitors.get(s.id);
    if (held) return held;
    const v: LiveVisitor = Object.assign(s, {
      conversation,
      lastMessage,
      sockets: new Set<Conn>(),
      http: null,
      httpSeenAt: 0,
      streams: 0,
      connectedAt: 0,
      typing: false,
      online: false,
      active: false,
      row: null,
      json: null,
      dirty: false,
      here: false,
      sentId: 0,
      sent: new Set<number>(),
    });
    visitors.set(v.id, v);
    return v;
  }

  async function load(id: string): Promise<LiveVisitor | undefined> {
    const s = await store.loadState(id);
    return s && adopt(s.visitor, s.conversation ?? null, s.lastMessage);
  }

  return {
    visitors,
    /** A visitor by id, from memory or the store; undefined when unknown. */
    get(id: string): Promise<LiveVisitor | undefined> {
      const v = visitors.get(id);
      if (v) return Promise.resolve(v);
      let p = loading.get(id);
      if (!p) {
        p = load(id).finally(() => loading.delete(id));
        loading.set(id, p);
      }
      return p;
    },
    /**
     * Holds a new visitor before it is stored, so its first hello can fill it in and store it
     * whole with `insert` (one write instead of an insert and a save). Nobody else can act as it
     * meanwhile: its token has not left the server yet.
     */
    fresh: (s: StoredVisitor): LiveVisitor => adopt(s, null, null),
    /** Stores a visitor held by `fresh`; when that fails it is no longer held. */
    async insert(v: LiveVisitor) {
      try {
        await store.insertVisitor(v);
        v.dirty = false;
      } catch (e) {
        if (visitors.get(v.id) === v) visitors.delete(v.id);
        throw e;
      }
    },
    /**
     * Runs `fn` after every earlier operation on the visitor `id` finished (failed ones too).
     * Never call it from inside another `serial` of the same id: that waits for itself.
     */
    serial<T>(id: string, fn: () => Promise<T> | T): Promise<T> {
      const prev = locks.get(id) ?? Promise.resolve();
      const run = prev.then(fn, fn);
      const tail = run.catch(() => {});
      locks.set(id, tail);
      void tail.then(() => {
        if (locks.get(id) === tail) locks.delete(id);
      });
      return run;
    },
    /**
     * Reads the visitor again from the store, in place (a cluster: another node changed it).
     * Activity this node has not written yet is kept; an open conversation object stays the same
     * object (a pending bot answer checks it). Call it inside `serial`.
     */
    async reload(v: LiveVisitor): Promise<void> {
      const state = await store.loadState(v.id);
      if (!state) return;
      const { visitor: s, conversation, lastMessage } = state;
      const activity = Math.max(v.lastActivityAt, s.lastActivityAt);
      const seen = Math.max(v.lastSeenAt, s.lastSeenAt);
      Object.assign(v, s, { lastActivityAt: activity, lastSeenAt: seen });
      if (conversation && v.conversation?.id == conversation.id)
        Object.assign(v.conversation, conversation);
      else v.conversation = conversation ?? null;
      v.lastMessage = lastMessage;
      changed(v);
    },
    /** Writes the visitor; when that fails it stays dirty, so the next batch writes it. */
    async save(v: LiveVisitor) {
      v.dirty = true;
      await store.saveVisitor(v);
      v.dirty = false;
    },
    /** Writes batched activity to the store (one batch at a time). */
    flushDirty(): Promise<void> {
      if (flushing) return flushing;
      const dirty: LiveVisitor[] = [];
      for (const v of visitors.values()) if (v.dirty) dirty.push(v);
      for (const v of dirty) v.dirty = false;
      flushing = store
        .saveVisitors(dirty)
        .catch((e) => {
          for (const v of dirty) v.dirty = true;
          log.error('writing activity failed: ' + String(e));
        })
        .finally(() => (flushing = undefined));
      return flushing;
    },
    /** Re-derives presence (online → offline, active → idle) and forgets old offline visitors. */
    sweep() {
      const t = o.now();
      for (const v of visitors.values()) {
        if (refresh(v, t, o.presence)) o.onChange(v);
        else if (!v.online && !v.dirty && !o.isPending(v) && t - v.lastSeenAt > EVICT_MS) {
          visitors.delete(v.id);
          o.onEvict(v);
        }
      }
    },
  };
}
