import { IDBFactory } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createIdbStore } from '../../src/core/storage';
import { createWidget, type Widget } from '../../src/core/widget';
import { createMemoryTransport } from '../../src/transport/memory';

// Consent mode on the widget's own IndexedDB storage (fake-indexeddb on `window.indexedDB`):
// before `marketingConsent` not even an empty database may be created, yet a visitor who
// consented on an earlier page is found again.

const original = Object.getOwnPropertyDescriptor(window, 'indexedDB');
const widgets: Widget[] = [];
afterEach(() => {
  widgets.splice(0).forEach((w) => w.destroy());
  if (original) Object.defineProperty(window, 'indexedDB', original);
  else delete (window as { indexedDB?: unknown }).indexedDB;
});

/** Puts `factory` where the widget finds IndexedDB. */
function useIndexedDB(factory: IDBFactory) {
  Object.defineProperty(window, 'indexedDB', { configurable: true, value: factory });
}

/** An IndexedDB that cannot list its databases (Firefox before 126, older engines). */
function withoutDatabases(factory: IDBFactory): IDBFactory {
  return {
    open: (name: string) => factory.open(name),
    deleteDatabase: (name: string) => factory.deleteDatabase(name),
    cmp: (a: unknown, b: unknown) => factory.cmp(a, b),
  } as IDBFactory;
}

async function start(config: Record<string, unknown> = {}) {
  const logger = { warn: vi.fn() };
  const w = createWidget({
    key: 'demo',
    consentModeEnabled: true,
    transport: createMemoryTransport(),
    logger,
    ui: false,
    ...config,
  });
  widgets.push(w);
  await w.ready();
  return { w, logger };
}

const names = async (factory: IDBFactory) => (await factory.databases()).map((d) => d.name);

/** Waits until the consent and the visitor `vid` are on the device (opening the database made). */
const consentStored = (factory: IDBFactory, vid: string | null) =>
  vi.waitFor(async () => {
    expect(await names(factory)).toEqual(['visitor-chat']);
    const store = createIdbStore({ indexedDB: () => factory, warn: () => {} });
    expect(await store.get('consent')).toMatchObject({ marketing: true });
    expect(await store.get('identity')).toMatchObject({ vid });
  });

/** A page on which the visitor gave consent, now closed; returns that visitor's id. */
async function consentedEarlier(factory: IDBFactory) {
  useIndexedDB(factory);
  const earlier = await start();
  await earlier.w.run('marketingConsent', true);
  const vid = earlier.w.state.vid;
  await consentStored(factory, vid);
  earlier.w.destroy();
  return vid;
}

describe('consent mode on IndexedDB', () => {
  it('creates no database before marketingConsent, even while chatting', async () => {
    const factory = new IDBFactory();
    useIndexedDB(factory);
    const { w, logger } = await start();
    await w.send('hello');
    await w.run('name', 'Ada');
    expect(await names(factory)).toEqual([]);
    await w.run('marketingConsent', true);
    await vi.waitFor(async () => expect(await names(factory)).toEqual(['visitor-chat']));
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('finds the visitor who consented on an earlier page (the browser lists the database)', async () => {
    const factory = new IDBFactory();
    const vid = await consentedEarlier(factory);

    const next = await start();
    expect(next.w.state.vid).toBe(vid);
    expect(next.w.state.consent.marketing).toBe(true);
  });

  it('opens nothing where the browser cannot list databases: a new visitor in memory', async () => {
    const factory = new IDBFactory();
    const vid = await consentedEarlier(factory);

    useIndexedDB(withoutDatabases(factory));
    const next = await start();
    expect(next.w.state.vid).not.toBe(vid);
    expect(next.w.state.consent.marketing).toBe(false);
  });

  it('with marketingConsent in the config, uses the device from the start (no databases() needed)', async () => {
    const factory = new IDBFactory();
    const vid = await consentedEarlier(factory);

    useIndexedDB(withoutDatabases(factory));
    const next = await start({ marketingConsent: true });
    expect(next.w.state.vid).toBe(vid);
    expect(next.w.state.consent.marketing).toBe(true);
  });

  it('creates nothing on a first visit where the browser cannot list databases', async () => {
    const factory = new IDBFactory();
    useIndexedDB(withoutDatabases(factory));
    const { w } = await start();
    await w.send('hello');
    expect(await names(factory)).toEqual([]);
  });
});
