import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { createWidget, type Widget } from '../../src/core/widget';
import { createMemoryTransport, type MemoryTransport } from '../../src/transport/memory';
import type { Message } from '../../src/protocol';
import { createFakeIdb, type FakeIdb } from '../helpers/fake-idb';
import { createFakeLocks } from '../helpers/tabs';

/**
 * Issue 6, "Storage", at the level of the whole widget: `createWidget` with no `storage` option,
 * so it builds its own IndexedDB store from `window.indexedDB`, exactly as a site gets it. Each
 * test breaks IndexedDB one way (missing, throwing, hanging, over quota, wiped or deleted while
 * the page runs) and proves the widget still boots, has a visitor id, sends and receives, warns
 * exactly once, and throws nothing into the page. test/core/storage.test.ts covers the store on
 * its own; test/browser/storage-faults.test.ts does the same with the real script in Chromium.
 */

const original = Object.getOwnPropertyDescriptor(window, 'indexedDB');
/** Replaces `window.indexedDB` for one test (a value, or a getter that throws). */
function installIndexedDB(value: IDBFactory | undefined | (() => never)) {
  Object.defineProperty(window, 'indexedDB', {
    configurable: true,
    ...(typeof value == 'function' ? { get: value } : { value, writable: true }),
  });
}

/** Errors and unhandled rejections that reached the page (or Node, where happy-dom runs them). */
const thrown: unknown[] = [];
const onError = (e: ErrorEvent) => thrown.push(e.error ?? e.message);
const onRejection = (e: PromiseRejectionEvent) => thrown.push(e.reason);
const onNodeRejection = (reason: unknown) => thrown.push(reason);

const widgets: Widget[] = [];
beforeEach(() => {
  vi.useFakeTimers();
  thrown.length = 0;
  window.addEventListener('error', onError);
  window.addEventListener('unhandledrejection', onRejection);
  process.on('unhandledRejection', onNodeRejection);
});
afterEach(async () => {
  widgets.splice(0).forEach((w) => w.destroy());
  await vi.advanceTimersByTimeAsync(5000);
  vi.useRealTimers();
  window.removeEventListener('error', onError);
  window.removeEventListener('unhandledrejection', onRejection);
  process.off('unhandledRejection', onNodeRejection);
  if (original) Object.defineProperty(window, 'indexedDB', original);
  else delete (window as { indexedDB?: unknown }).indexedDB;
  expect(thrown).toEqual([]);
});

/** Lets microtasks and timers run for `ms` of fake time. */
const run = (ms = 50) => vi.advanceTimersByTimeAsync(ms);

/** A widget as a site gets it: its own storage from window.indexedDB, warnings captured. */
function boot(transport: MemoryTransport = createMemoryTransport()) {
  const logger = { warn: vi.fn() };
  let w: Widget | undefined;
  expect(() => {
    w = createWidget({ key: 'demo', transport, logger, ui: false });
  }).not.toThrow();
  widgets.push(w!);
  const received: string[] = [];
  w!.on('message_received', (m: Message) => received.push(m.text));
  return {
    w: w!,
    server: transport.server,
    received,
    warnings: () => logger.warn.mock.calls.map((c) => String(c[0])),
  };
}

/**
 * Boots (within the 1.5 s IndexedDB timeout), then proves the widget works: a visitor id, a
 * hello, a message sent and acknowledged, an agent message received.
 */
async function expectWorking(b: ReturnType<typeof boot>, text = 'hello') {
  const { w, server, received } = b;
  await run(2000);
  expect(w.state.ready).toBe(true);
  expect(w.state.vid).toMatch(/^[\w-]{8,64}$/);
  expect(server.received.filter((f) => f.t == 'hello').at(-1)).toMatchObject({ vid: w.state.vid });
  const before = received.length;
  await w.send(text);
  await run();
  expect(server.messages.filter((m) => m.from == 'visitor').map((m) => m.text)).toContain(text);
  expect(w.state.messages.find((m) => m.text == text)?.status).toBe('sent');
  server.say('reply to ' + text);
  await run();
  expect(received.slice(before)).toEqual(['reply to ' + text]);
  expect(w.state.messages.at(-1)).toMatchObject({ from: 'agent', text: 'reply to ' + text });
}

const FALLBACK =
  /^\[visitor-chat\] storage unavailable \(IndexedDB (.+)\); keeping data in memory for this page$/;

/** Exactly one warning, the storage fallback, naming `reason`. */
function expectOneWarning(warnings: string[], reason: string) {
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatch(FALLBACK);
  expect(FALLBACK.exec(warnings[0])![1]).toContain(reason);
}

describe('IndexedDB broken before the widget starts: it runs on memory', () => {
  const cases: Array<[string, (idb: FakeIdb) => IDBFactory | undefined | (() => never), string]> = [
    ['missing (old browser, some webviews)', () => undefined, 'missing'],
    [
      'open() throws (sandboxed iframe, storage blocked)',
      (idb) => ((idb.switches.open = 'throw'), idb.indexedDB),
      'SecurityError',
    ],
    [
      'open() fails (Firefox private mode)',
      (idb) => ((idb.switches.open = 'error'), idb.indexedDB),
      'UnknownError',
    ],
    [
      'open() never answers (Safari)',
      (idb) => ((idb.switches.open = 'hang'), idb.indexedDB),
      'timed out',
    ],
    [
      'transactions never complete (Safari)',
      (idb) => ((idb.switches.hangTransactions = true), idb.indexedDB),
      'timed out',
    ],
    [
      'every write over quota',
      (idb) => ((idb.switches.failWrites = 'QuotaExceededError'), idb.indexedDB),
      'QuotaExceededError',
    ],
  ];

  it.each(cases)('%s', async (_, breakIt, reason) => {
    installIndexedDB(breakIt(createFakeIdb()));
    const b = boot();
    await expectWorking(b);
    await expectWorking(b, 'and again');
    expectOneWarning(b.warnings(), reason);
  });

  // Firefox with storage blocked (and some hardened pages): the getter itself throws. The kernel
  // reads it inside the store's guarded open, so the widget still boots, on memory.
  it('window.indexedDB itself throws (a getter that throws SecurityError)', async () => {
    installIndexedDB(() => {
      throw new DOMException('The operation is insecure.', 'SecurityError');
    });
    const b = boot();
    await expectWorking(b);
    expectOneWarning(b.warnings(), 'SecurityError');
  });

  it('boots within the timeout when open() hangs: the visitor id comes after 1.5 s, not never', async () => {
    const idb = createFakeIdb();
    idb.switches.open = 'hang';
    installIndexedDB(idb.indexedDB);
    const b = boot();
    await run(1400);
    expect(b.w.state.vid).toBeNull();
    await run(200);
    expect(b.w.state.vid).not.toBeNull();
    expect(b.w.state.ready).toBe(true);
    expect(idb.opened).toEqual(['visitor-chat']);
  });
});

/** A widget that booted on a working IndexedDB and has sent one message. */
async function booted() {
  const idb = createFakeIdb();
  installIndexedDB(idb.indexedDB);
  const b = boot();
  await expectWorking(b, 'before');
  expect(b.warnings()).toEqual([]);
  const kv = idb.databases.get('visitor-chat')!.get('kv')!;
  expect(kv.get('identity')).toMatchObject({ vid: b.w.state.vid });
  return { ...b, idb, vid: b.w.state.vid };
}

describe('IndexedDB failing while the page runs: it goes on on memory', () => {
  it('quota exceeded as the conversation grows: warns once, keeps the visitor and the chat', async () => {
    const b = await booted();
    b.idb.switches.failWrites = 'QuotaExceededError';
    await expectWorking(b, 'after');
    await expectWorking(b, 'and after');
    expect(b.w.state.vid).toBe(b.vid);
    expect(b.w.state.messages.filter((m) => m.from == 'visitor').map((m) => m.text)).toEqual([
      'before',
      'after',
      'and after',
    ]);
    expectOneWarning(b.warnings(), 'QuotaExceededError');
  });

  it('the database deleted by another tab (versionchange): lets the delete through, goes on', async () => {
    const b = await booted();
    // Our connection closes on versionchange, so the other tab's delete is not blocked.
    expect(await b.idb.deleteDatabase('visitor-chat')).toBe('deleted');
    expect(b.idb.blockedDeletes).toEqual([]);
    await expectWorking(b, 'after');
    expect(b.w.state.vid).toBe(b.vid);
    expectOneWarning(b.warnings(), 'InvalidStateError');
  });

  it('site data cleared by the user (connections closed): goes on, warns once', async () => {
    const b = await booted();
    b.idb.wipe();
    await expectWorking(b, 'after');
    await expectWorking(b, 'and after');
    expect(b.w.state.vid).toBe(b.vid);
    expectOneWarning(b.warnings(), 'InvalidStateError');
  });

  it('the object store cleared under it: no warning (IndexedDB still works), nothing unsent lost', async () => {
    const b = await booted();
    b.idb.clear();
    await expectWorking(b, 'after');
    expect(b.w.state.vid).toBe(b.vid);
    // Written after the clear while offline, then the page reloads: the message is still sent.
    b.server.disconnect();
    await run();
    await b.w.send('unsent at reload');
    await run();
    b.w.destroy();
    const reloaded = boot();
    await run(2000);
    expect(reloaded.server.messages.map((m) => m.text)).toEqual(['unsent at reload']);
    expect(b.warnings()).toEqual([]);
    expect(reloaded.warnings()).toEqual([]);
  });

  it('a wipe while messages wait for the connection loses none of them', async () => {
    const b = await booted();
    b.server.disconnect();
    await run();
    await b.w.send('queued 1');
    await run();
    b.idb.wipe();
    await b.w.send('queued 2');
    await run();
    b.server.connect();
    await run();
    const texts = b.server.messages.filter((m) => m.from == 'visitor').map((m) => m.text);
    expect(texts).toEqual(['before', 'queued 1', 'queued 2']);
    expectOneWarning(b.warnings(), 'InvalidStateError');
  });
});

/** Two widgets of one visitor on one (fake) IndexedDB, both offline. */
async function twoTabs() {
  const idb = createFakeIdb();
  installIndexedDB(idb.indexedDB);
  const first = boot();
  await run(2000);
  const second = boot();
  await run(2000);
  expect(second.w.state.vid).toBe(first.w.state.vid);
  first.server.disconnect();
  second.server.disconnect();
  await run();
  return { idb, tabs: [first, second] };
}

/** Closes both tabs and opens the site again: what the reloaded page delivers. */
async function reload(tabs: Array<ReturnType<typeof boot>>) {
  for (const t of tabs) t.w.destroy();
  const again = boot();
  await run(2000);
  return again.server.messages.map((m) => m.text).sort();
}

describe('two tabs on one IndexedDB', () => {
  it('messages written by each tab in turn are all kept for the next page', async () => {
    const { tabs } = await twoTabs();
    await tabs[0].w.send('tab 1, first');
    await run();
    await tabs[1].w.send('tab 2');
    await run();
    await tabs[0].w.send('tab 1, second');
    await run();
    expect(await reload(tabs)).toEqual(['tab 1, first', 'tab 1, second', 'tab 2']);
  });

  // Each tab's save reads the stored list and writes it back merged with its own; two saves at
  // the same moment would both read the old list and the later write would drop the other
  // tab's message. The outbox saves under a Web Lock (`visitor-chat:outbox`) where there is one.
  it('messages written by both tabs at the same moment are all kept (Web Locks)', async () => {
    Object.defineProperty(navigator, 'locks', { configurable: true, value: createFakeLocks() });
    onTestFinished(() => void delete (navigator as { locks?: unknown }).locks);
    const { tabs } = await twoTabs();
    await Promise.all([tabs[0].w.send('tab 1'), tabs[1].w.send('tab 2')]);
    await run();
    expect(await reload(tabs)).toEqual(['tab 1', 'tab 2']);
  });
});
