/** Switches a test flips to make the fake IndexedDB misbehave. */
export interface FakeIdbSwitches {
  /** `hang`: open() never answers; `throw`: open() throws; `error`: open() fires onerror. */
  open: 'ok' | 'hang' | 'throw' | 'error';
  /** When set, every put/delete aborts its transaction with a DOMException of this name. */
  failWrites?: string;
  /** Transactions never complete (seen in Safari). */
  hangTransactions: boolean;
}

/** An in-memory IndexedDB, just enough for a key-value store, plus its switches and contents. */
export interface FakeIdb {
  indexedDB: IDBFactory;
  switches: FakeIdbSwitches;
  /** Database names passed to open(), in call order. */
  opened: string[];
  /** Contents: database name → object store name → key → value. */
  databases: Map<string, Map<string, Map<unknown, unknown>>>;
  /** Like the user clearing site data: the data goes and open connections are closed. */
  wipe(): void;
  /**
   * Like another tab calling `indexedDB.deleteDatabase(name)` (also on `indexedDB` itself):
   * `versionchange` goes to every open connection; when they all close, the database goes,
   * otherwise the delete is blocked (recorded in `blockedDeletes`) and nothing is deleted.
   */
  deleteDatabase(name: string): Promise<'deleted' | 'blocked'>;
  /** Deletes requested while a connection stayed open, in call order. */
  blockedDeletes: string[];
  /** Like another tab calling `objectStore.clear()`: the data goes, connections stay open. */
  clear(dbName?: string, storeName?: string): void;
}

type Handler = (() => void) | null;

interface FakeRequest {
  result: unknown;
  error: DOMException | null;
  onsuccess: Handler;
  onerror: Handler;
  onupgradeneeded?: Handler;
}

const request = (): FakeRequest => ({
  result: undefined,
  error: null,
  onsuccess: null,
  onerror: null,
});

/**
 * Creates a fake IDBFactory. Callbacks run on microtasks, so they still fire under vitest fake
 * timers (which leave queueMicrotask alone) yet are asynchronous, as in a browser.
 */
export function createFakeIdb(): FakeIdb {
  const switches: FakeIdbSwitches = { open: 'ok', hangTransactions: false };
  const opened: string[] = [];
  const databases: FakeIdb['databases'] = new Map();
  const connections: {
    name: string;
    closed: boolean;
    onclose: Handler;
    onversionchange: Handler;
  }[] = [];
  const blockedDeletes: string[] = [];

  const deleteDatabase = (name: string) =>
    new Promise<'deleted' | 'blocked'>((resolve) =>
      queueMicrotask(() => {
        const open = connections.filter((c) => c.name == name && !c.closed);
        for (const c of open) c.onversionchange?.();
        if (open.some((c) => !c.closed)) {
          blockedDeletes.push(name);
          return resolve('blocked');
        }
        databases.delete(name);
        resolve('deleted');
      }),
    );

  function connect(name: string) {
    const conn = {
      name,
      closed: false,
      onclose: null as Handler,
      onversionchange: null as Handler,
      createObjectStore(store: string) {
        databases.get(name)!.set(store, new Map());
      },
      close() {
        conn.closed = true;
      },
      transaction(storeName: string, mode: IDBTransactionMode) {
        if (conn.closed)
          throw new DOMException('The database connection is closing.', 'InvalidStateError');
        const target = databases.get(name)?.get(storeName);
        if (!target) throw new DOMException('No such object store.', 'NotFoundError');
        const ops: (() => boolean)[] = [];
        const tx = {
          error: null as DOMException | null,
          oncomplete: null as Handler,
          onerror: null as Handler,
          onabort: null as Handler,
          objectStore: () => store,
        };
        const op = (req: FakeRequest, write: boolean, apply: () => unknown) => {
          if (write && mode != 'readwrite') {
            throw new DOMException('The transaction is read-only.', 'ReadOnlyError');
          }
          ops.push(() => {
            if (write && switches.failWrites) {
              tx.error = req.error = new DOMException('fake failure', switches.failWrites);
              req.onerror?.();
              return false;
            }
            req.result = apply();
            req.onsuccess?.();
            return true;
          });
          return req;
        };
        const store = {
          get: (key: unknown) => op(request(), false, () => structuredClone(target.get(key))),
          put(value: unknown, key: unknown) {
            // Cloned now, as IndexedDB does: a non-cloneable value throws DataCloneError here.
            const copy = structuredClone(value);
            return op(request(), true, () => void target.set(key, copy));
          },
          delete: (key: unknown) => op(request(), true, () => void target.delete(key)),
        };
        queueMicrotask(() => {
          if (switches.hangTransactions) return;
          for (const run of ops) {
            if (!run()) {
              tx.onerror?.();
              tx.onabort?.();
              return;
            }
          }
          tx.oncomplete?.();
        });
        return tx;
      },
    };
    connections.push(conn);
    return conn;
  }

  const indexedDB = {
    open(name: string) {
      opened.push(name);
      if (switches.open == 'throw') throw new DOMException('denied', 'SecurityError');
      const req: FakeRequest = { ...request(), onupgradeneeded: null };
      if (switches.open == 'hang') return req;
      const fail = switches.open == 'error';
      queueMicrotask(() => {
        if (fail) {
          req.error = new DOMException('fake open failure', 'UnknownError');
          req.onerror?.();
          return;
        }
        const isNew = !databases.has(name);
        if (isNew) databases.set(name, new Map());
        req.result = connect(name);
        if (isNew) req.onupgradeneeded?.();
        req.onsuccess?.();
      });
      return req;
    },
    deleteDatabase(name: string) {
      const req = { ...request(), onblocked: null as Handler };
      void deleteDatabase(name).then((how) =>
        (how == 'deleted' ? req.onsuccess : req.onblocked)?.(),
      );
      return req;
    },
  };

  return {
    indexedDB: indexedDB as unknown as IDBFactory,
    switches,
    opened,
    databases,
    wipe() {
      databases.clear();
      for (const conn of connections) {
        conn.closed = true;
        conn.onclose?.();
      }
    },
    deleteDatabase,
    blockedDeletes,
    clear(dbName = 'visitor-chat', storeName = 'kv') {
      databases.get(dbName)?.get(storeName)?.clear();
    },
  };
}
