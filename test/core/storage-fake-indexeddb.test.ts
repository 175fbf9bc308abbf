import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it, vi } from 'vitest';
import { createConsentStore, createIdbStore } from '../../src/core/storage';

// The same store on fake-indexeddb, a complete IndexedDB implementation (versions, upgrades,
// transactions, structured clone, versionchange), where test/helpers/fake-idb.ts models only
// what the fault tests switch on and off.

const names = async (factory: IDBFactory) => (await factory.databases()).map((d) => d.name);

describe('IndexedDB store on fake-indexeddb', () => {
  it('reads back what was written and forgets what was deleted', async () => {
    const warn = vi.fn();
    const store = createIdbStore({ indexedDB: () => new IDBFactory(), warn });
    await store.set('a', { n: 1, list: [1, 2] });
    await store.set('b', 'two');
    expect(await store.get('a')).toEqual({ n: 1, list: [1, 2] });
    await store.del('b');
    expect(await store.get('b')).toBeUndefined();
    expect(warn).not.toHaveBeenCalled();
  });

  it('keeps the data for the next page in its own database and object store', async () => {
    const factory = new IDBFactory();
    await createIdbStore({ indexedDB: () => factory, warn: vi.fn() }).set('identity', {
      vid: 'v1',
    });
    const next = createIdbStore({ indexedDB: () => factory, warn: vi.fn() });
    expect(await next.get('identity')).toEqual({ vid: 'v1' });
    expect(await names(factory)).toEqual(['visitor-chat']);
    const db = await new Promise<IDBDatabase>((resolve) => {
      const req = factory.open('visitor-chat');
      req.onsuccess = () => resolve(req.result);
    });
    expect([...db.objectStoreNames]).toEqual(['kv']);
    db.close();
  });

  it('creates no database before the first read or write', async () => {
    const factory = new IDBFactory();
    createIdbStore({ indexedDB: () => factory, warn: vi.fn() });
    expect(await names(factory)).toEqual([]);
  });

  it('lets another tab delete the database instead of blocking it', async () => {
    const factory = new IDBFactory();
    const store = createIdbStore({ indexedDB: () => factory, warn: vi.fn() });
    await store.set('k', 1);
    const outcome = await new Promise((resolve) => {
      const req = factory.deleteDatabase('visitor-chat');
      req.onsuccess = () => resolve('deleted');
      req.onblocked = () => resolve('blocked');
    });
    expect(outcome).toBe('deleted');
    expect(await names(factory)).toEqual([]);
  });

  it('warns once and keeps the value in memory when it cannot be cloned', async () => {
    const warn = vi.fn();
    const store = createIdbStore({ indexedDB: () => new IDBFactory(), warn });
    const fn = () => {};
    await store.set('bad', { fn });
    expect(await store.get('bad')).toEqual({ fn });
    await store.set('later', 2);
    expect(await store.get('later')).toBe(2);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toMatch(/DataCloneError/);
  });

  it('behind a consent store, creates no database until consent, then writes what was kept', async () => {
    const factory = new IDBFactory();
    const store = createConsentStore(
      createIdbStore({ indexedDB: () => factory, warn: vi.fn() }),
      false,
    );
    await store.set('visitor', { customer: true });
    await store.del('messages');
    expect(await names(factory)).toEqual([]);
    await store.persist();
    expect(await names(factory)).toEqual(['visitor-chat']);
    const next = createIdbStore({ indexedDB: () => factory, warn: vi.fn() });
    expect(await next.get('visitor')).toEqual({ customer: true });
  });
});
