import type { Warn } from './log';

/** Async key-value storage the core persists into. Values must be structured-clone safe. */
export interface KeyValueStore {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
  del(key: string): Promise<void>;
}

/** A store that lives only as long as the page: tests, consent mode, and the fallback. */
export function createMemoryStore(): KeyValueStore {
  const map = new Map<string, unknown>();
  return {
    get: async (key) => map.get(key),
    set: async (key, value) => void map.set(key, value),
    del: async (key) => void map.delete(key),
  };
}

/** Options of {@link createIdbStore}. */
export interface IdbStoreOptions {
  /**
   * A function returning the IndexedDB factory (`() => window.indexedDB` at the edge: called
   * inside the guarded open, since the getter itself throws where storage is blocked); returning
   * nothing means memory only.
   */
  indexedDB: () => IDBFactory | undefined;
  warn: Warn;
  /** How long an open or a transaction may take before we give up on IndexedDB (ms). */
  timeoutMs?: number;
  /** Our own database, never idb-keyval's shared default `keyval-store`. */
  dbName?: string;
}

/**
 * IndexedDB-backed store (database `visitor-chat`, object store `kv`). It never rejects: when
 * IndexedDB is missing, fails, or hangs, it warns once and keeps working on an in-memory mirror
 * of everything this page wrote or read, for the rest of the page.
 */
export function createIdbStore({
  indexedDB: factory,
  warn,
  timeoutMs = 1500,
  dbName = 'visitor-chat',
}: IdbStoreOptions): KeyValueStore {
  const mirror = new Map<string, unknown>();
  let failed = false;
  let opened: Promise<IDBDatabase> | undefined;

  const fallBack = (reason: unknown) => {
    if (!failed)
      warn(
        'storage unavailable (IndexedDB ' +
          (typeof reason == 'string' ? reason : 'failed: ' + ((reason as Error)?.name || reason)) +
          '); keeping data in memory for this page',
      );
    failed = true;
  };

  // Safari has shipped versions where open() or a transaction never settles; a bound on every
  // round trip keeps a hung IndexedDB from stalling the widget's boot.
  const within = <T>(start: (ok: (v: T) => void, ko: (e: unknown) => void) => void) => {
    let timer: ReturnType<typeof setTimeout>;
    return new Promise<T>((ok, ko) => {
      timer = setTimeout(ko, timeoutMs, 'timed out');
      start(ok, ko);
    }).finally(() => clearTimeout(timer));
  };

  // Opened on first use, so a consent-mode page creates no database before consent.
  const open = () =>
    (opened ||= within<IDBDatabase>((ok, ko) => {
      const indexedDB = factory();
      if (!indexedDB) return ko('missing');
      // on* handlers rather than addEventListener: fewer bytes, one listener per request.
      const req = indexedDB.open(dbName);
      req.onupgradeneeded = () => req.result.createObjectStore('kv');
      req.onsuccess = () => {
        const db = req.result;
        // Let a newer version in another tab upgrade; our next transaction then falls back.
        db.onversionchange = () => db.close();
        if (failed) db.close();
        ok(db);
      };
      req.onerror = () => ko(req.error);
    }));

  /** One transaction; `{ v }` on success, undefined once IndexedDB has failed. */
  const run = async (mode: IDBTransactionMode, use: (s: IDBObjectStore) => IDBRequest) => {
    try {
      const db = await open();
      if (!failed)
        return {
          v: await within<unknown>((ok, ko) => {
            const tx = db.transaction('kv', mode);
            const req = use(tx.objectStore('kv'));
            tx.oncomplete = () => ok(req.result);
            tx.onabort = tx.onerror = () => ko(tx.error || req.error);
          }),
        };
    } catch (e) {
      fallBack(e);
    }
  };

  return {
    async get(key) {
      const r = await run('readonly', (s) => s.get(key));
      // Keep what we read so a later failure loses nothing; our own writes are already mirrored.
      if (r && !mirror.has(key)) mirror.set(key, r.v);
      return r ? r.v : mirror.get(key);
    },
    async set(key, value) {
      mirror.set(key, value);
      await run('readwrite', (s) => s.put(value, key));
    },
    async del(key) {
      mirror.set(key, undefined);
      await run('readwrite', (s) => s.delete(key));
    },
  };
}

/**
 * Whether IndexedDB lists a database `name`, found without opening it (opening creates it, and
 * consent mode must create nothing); undefined where it cannot tell (no `databases()`, or it
 * failed).
 */
export async function hasDatabase(
  factory: () => IDBFactory | undefined,
  name: string,
): Promise<boolean | undefined> {
  try {
    return (await factory()?.databases?.())?.some((d) => d.name == name);
  } catch {}
}

/** What {@link createConsentStore} returns. */
export interface ConsentStore extends KeyValueStore {
  /** Turns persisting on and writes everything held in memory to the backing store. */
  persist(): Promise<void>;
  readonly persisting: boolean;
}

/**
 * Memory in front of a backing store, for consent mode: until `persist()`, nothing is read from
 * or written to the backing store (not even deletes, which would create an IndexedDB database).
 */
export function createConsentStore(backing: KeyValueStore, persisting: boolean): ConsentStore {
  // Deletes are kept as undefined so persist() can apply them, e.g. a logout before consent.
  const memory = new Map<string, unknown>();
  return {
    get persisting() {
      return persisting;
    },
    async get(key) {
      // Once persisting, the backing is the truth: other tabs write there too (the outbox
      // merges their entries), so this page's own copy must not hide theirs.
      return persisting ? backing.get(key) : memory.get(key);
    },
    async set(key, value) {
      memory.set(key, value);
      if (persisting) await backing.set(key, value);
    },
    async del(key) {
      memory.set(key, undefined);
      if (persisting) await backing.del(key);
    },
    async persist() {
      if (persisting) return;
      persisting = true;
      await Promise.all(
        [...memory].map(([k, v]) => (v === undefined ? backing.del(k) : backing.set(k, v))),
      );
    },
  };
}
