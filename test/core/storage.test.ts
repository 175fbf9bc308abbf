import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createConsentStore,
  createIdbStore,
  createMemoryStore,
  type KeyValueStore,
} from '../../src/core/storage';
import { createFakeIdb } from '../helpers/fake-idb';

afterEach(() => {
  vi.useRealTimers();
});

/** Writes, reads back, overwrites and deletes, asserting what a caller sees at each step. */
async function expectWorkingStore(store: KeyValueStore) {
  await store.set('a', { n: 1 });
  await store.set('b', 'two');
  expect(await store.get('a')).toEqual({ n: 1 });
  await store.set('a', { n: 2 });
  expect(await store.get('a')).toEqual({ n: 2 });
  await store.del('b');
  expect(await store.get('b')).toBeUndefined();
  expect(await store.get('never-set')).toBeUndefined();
}

describe('memory store', () => {
  it('reads back what was written and forgets what was deleted', async () => {
    await expectWorkingStore(createMemoryStore());
  });

  it('keeps each store separate', async () => {
    const one = createMemoryStore();
    await one.set('k', 1);
    expect(await createMemoryStore().get('k')).toBeUndefined();
  });
});

describe('IndexedDB store', () => {
  it('reads back what was written and forgets what was deleted', async () => {
    const warn = vi.fn();
    const idb = createFakeIdb();
    await expectWorkingStore(createIdbStore({ indexedDB: () => idb.indexedDB, warn }));
    expect(idb.databases.get('visitor-chat')?.get('kv')?.get('a')).toEqual({ n: 2 });
    expect(idb.databases.get('visitor-chat')?.get('kv')?.has('b')).toBe(false);
    expect(warn).not.toHaveBeenCalled();
  });

  it('persists across a reload', async () => {
    const idb = createFakeIdb();
    const before = createIdbStore({ indexedDB: () => idb.indexedDB, warn: vi.fn() });
    await before.set('identity', { vid: 'abc12345', visits: 2 });
    const after = createIdbStore({ indexedDB: () => idb.indexedDB, warn: vi.fn() });
    expect(await after.get('identity')).toEqual({ vid: 'abc12345', visits: 2 });
  });

  it('never uses the default keyval-store database', async () => {
    const idb = createFakeIdb();
    await createIdbStore({ indexedDB: () => idb.indexedDB, warn: vi.fn() }).set('k', 1);
    expect(idb.opened).toEqual(['visitor-chat']);
    expect([...idb.databases.keys()]).toEqual(['visitor-chat']);
    expect([...idb.databases.get('visitor-chat')!.keys()]).toEqual(['kv']);
  });

  it('uses the database name it is given', async () => {
    const idb = createFakeIdb();
    await createIdbStore({
      indexedDB: () => idb.indexedDB,
      warn: vi.fn(),
      dbName: 'site-chat',
    }).set('k', 1);
    expect(idb.opened).toEqual(['site-chat']);
    expect(idb.databases.get('site-chat')?.get('kv')?.get('k')).toBe(1);
  });

  it('opens no database until it is first used', async () => {
    const idb = createFakeIdb();
    const store = createIdbStore({ indexedDB: () => idb.indexedDB, warn: vi.fn() });
    await Promise.resolve();
    expect(idb.opened).toEqual([]);
    await store.get('k');
    expect(idb.opened).toEqual(['visitor-chat']);
  });

  it('keeps working on memory and warns once when IndexedDB is missing', async () => {
    const warn = vi.fn();
    await expectWorkingStore(createIdbStore({ indexedDB: () => undefined, warn }));
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(
      'storage unavailable (IndexedDB missing); keeping data in memory for this page',
    );
  });

  it('keeps working on memory and warns once when open throws', async () => {
    const warn = vi.fn();
    const idb = createFakeIdb();
    idb.switches.open = 'throw';
    await expectWorkingStore(createIdbStore({ indexedDB: () => idb.indexedDB, warn }));
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toContain('SecurityError');
    expect(idb.opened).toHaveLength(1);
  });

  it('keeps working on memory and warns once when open fails', async () => {
    const warn = vi.fn();
    const idb = createFakeIdb();
    idb.switches.open = 'error';
    await expectWorkingStore(createIdbStore({ indexedDB: () => idb.indexedDB, warn }));
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toContain('UnknownError');
  });

  it('keeps working on memory and warns once when open hangs past the timeout', async () => {
    vi.useFakeTimers();
    const warn = vi.fn();
    const idb = createFakeIdb();
    idb.switches.open = 'hang';
    const store = createIdbStore({ indexedDB: () => idb.indexedDB, warn });
    let settled = false;
    const write = store.set('k', 'v').then(() => (settled = true));

    await vi.advanceTimersByTimeAsync(1499);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await write;
    expect(warn).toHaveBeenCalledExactlyOnceWith(
      'storage unavailable (IndexedDB timed out); keeping data in memory for this page',
    );
    // Later calls answer at once from memory, without waiting on the hung open again.
    expect(await store.get('k')).toBe('v');
    await expectWorkingStore(store);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(idb.opened).toHaveLength(1);
  });

  it('honours a custom timeout', async () => {
    vi.useFakeTimers();
    const idb = createFakeIdb();
    idb.switches.open = 'hang';
    const warn = vi.fn();
    const read = createIdbStore({ indexedDB: () => idb.indexedDB, warn, timeoutMs: 200 }).get('k');
    await vi.advanceTimersByTimeAsync(200);
    expect(await read).toBeUndefined();
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('keeps working on memory when a transaction hangs past the timeout', async () => {
    vi.useFakeTimers();
    const warn = vi.fn();
    const idb = createFakeIdb();
    const store = createIdbStore({ indexedDB: () => idb.indexedDB, warn });
    await store.set('before', 1);
    idb.switches.hangTransactions = true;
    const write = store.set('after', 2);
    await vi.advanceTimersByTimeAsync(1500);
    await write;
    expect(warn.mock.calls).toEqual([
      ['storage unavailable (IndexedDB timed out); keeping data in memory for this page'],
    ]);
    expect(await store.get('before')).toBe(1);
    expect(await store.get('after')).toBe(2);
  });

  it('keeps what the page wrote and warns once when a write fails with QuotaExceededError', async () => {
    const warn = vi.fn();
    const idb = createFakeIdb();
    const store = createIdbStore({ indexedDB: () => idb.indexedDB, warn });
    await store.set('small', 1);
    idb.switches.failWrites = 'QuotaExceededError';
    await expect(store.set('big', 'x'.repeat(1000))).resolves.toBeUndefined();
    await store.set('more', 3);

    expect(warn).toHaveBeenCalledExactlyOnceWith(
      'storage unavailable (IndexedDB failed: QuotaExceededError); keeping data in memory for this page',
    );
    expect(await store.get('small')).toBe(1);
    expect(await store.get('big')).toBe('x'.repeat(1000));
    expect(await store.get('more')).toBe(3);
  });

  it('stays on memory for the rest of the page once IndexedDB has failed', async () => {
    const idb = createFakeIdb();
    const store = createIdbStore({ indexedDB: () => idb.indexedDB, warn: vi.fn() });
    idb.switches.failWrites = 'QuotaExceededError';
    await store.set('a', 1);
    idb.switches.failWrites = undefined;
    await store.set('b', 2);
    expect(await store.get('b')).toBe(2);
    expect(idb.databases.get('visitor-chat')?.get('kv')?.has('b')).toBe(false);
  });

  it('keeps values it read and wrote when the database is wiped under it', async () => {
    const warn = vi.fn();
    const idb = createFakeIdb();
    const earlier = createIdbStore({ indexedDB: () => idb.indexedDB, warn: vi.fn() });
    await earlier.set('stored', 'from a previous page');
    const store = createIdbStore({ indexedDB: () => idb.indexedDB, warn });
    expect(await store.get('stored')).toBe('from a previous page');
    await store.set('written', 'on this page');

    idb.wipe();
    await store.del('gone');
    expect(await store.get('stored')).toBe('from a previous page');
    expect(await store.get('written')).toBe('on this page');
    expect(warn).toHaveBeenCalledExactlyOnceWith(
      'storage unavailable (IndexedDB failed: InvalidStateError); keeping data in memory for this page',
    );
  });

  it('remembers a delete when the database fails afterwards', async () => {
    const idb = createFakeIdb();
    const store = createIdbStore({ indexedDB: () => idb.indexedDB, warn: vi.fn() });
    await store.set('k', 1);
    await store.del('k');
    idb.wipe();
    expect(await store.get('k')).toBeUndefined();
  });

  it('reads what another tab wrote while IndexedDB works', async () => {
    const idb = createFakeIdb();
    const tab1 = createIdbStore({ indexedDB: () => idb.indexedDB, warn: vi.fn() });
    const tab2 = createIdbStore({ indexedDB: () => idb.indexedDB, warn: vi.fn() });
    await tab1.set('k', 'first');
    await tab2.set('k', 'second');
    expect(await tab1.get('k')).toBe('second');
  });
});

/** A backing store that records every call made to it. */
function recordingBacking() {
  const inner = createMemoryStore();
  const calls: string[] = [];
  const store: KeyValueStore = {
    get: (k) => (calls.push('get ' + k), inner.get(k)),
    set: (k, v) => (calls.push('set ' + k), inner.set(k, v)),
    del: (k) => (calls.push('del ' + k), inner.del(k)),
  };
  return { store, inner, calls };
}

describe('consent store', () => {
  it('writes nothing to the backing until persist()', async () => {
    const backing = recordingBacking();
    const store = createConsentStore(backing.store, false);
    await store.set('identity', { vid: 'mem-only-1' });
    await store.del('outbox');
    expect(await store.get('identity')).toEqual({ vid: 'mem-only-1' });
    expect(await store.get('other')).toBeUndefined();
    expect(store.persisting).toBe(false);
    expect(backing.calls).toEqual([]);
  });

  it('does not read what an earlier consented page stored until persist()', async () => {
    const backing = recordingBacking();
    await backing.inner.set('identity', 'stored earlier');
    const store = createConsentStore(backing.store, false);
    expect(await store.get('identity')).toBeUndefined();
    await store.persist();
    expect(await store.get('identity')).toBe('stored earlier');
  });

  it('persist() flushes what was in memory', async () => {
    const backing = recordingBacking();
    await backing.inner.set('outbox', ['old']);
    const store = createConsentStore(backing.store, false);
    await store.set('identity', { vid: 'mem-only-1' });
    await store.set('unread', 3);
    await store.del('outbox');

    await store.persist();
    expect(store.persisting).toBe(true);
    expect(await backing.inner.get('identity')).toEqual({ vid: 'mem-only-1' });
    expect(await backing.inner.get('unread')).toBe(3);
    // A delete before consent (a logout) is applied too.
    expect(await backing.inner.get('outbox')).toBeUndefined();
  });

  it('writes through to the backing once persisting', async () => {
    const backing = recordingBacking();
    const store = createConsentStore(backing.store, false);
    await store.persist();
    await store.set('k', 'v');
    expect(await backing.inner.get('k')).toBe('v');
    await store.del('k');
    expect(await backing.inner.get('k')).toBeUndefined();
    expect(await store.get('k')).toBeUndefined();
  });

  it('reads and writes the backing from the start when created persisting', async () => {
    const backing = recordingBacking();
    await backing.inner.set('identity', 'stored');
    const store = createConsentStore(backing.store, true);
    expect(store.persisting).toBe(true);
    expect(await store.get('identity')).toBe('stored');
    await store.set('k', 1);
    expect(await backing.inner.get('k')).toBe(1);
  });

  it('creates no IndexedDB database before consent', async () => {
    const idb = createFakeIdb();
    const store = createConsentStore(
      createIdbStore({ indexedDB: () => idb.indexedDB, warn: vi.fn() }),
      false,
    );
    await store.set('identity', { vid: 'mem-only-1' });
    await store.get('identity');
    expect(idb.opened).toEqual([]);
    await store.persist();
    expect(idb.databases.get('visitor-chat')?.get('kv')?.get('identity')).toEqual({
      vid: 'mem-only-1',
    });
  });
});
