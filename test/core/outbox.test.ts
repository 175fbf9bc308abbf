import { describe, expect, it, vi } from 'vitest';
import { createOutbox } from '../../src/core/outbox';
import { createMemoryStore } from '../../src/core/storage';
import type { Message } from '../../src/protocol';

const msg = (cid: string, at: number): Message => ({
  id: cid,
  cid,
  from: 'visitor',
  text: cid,
  at,
});
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('outbox', () => {
  it('keeps every unacknowledged message across a reload, in send order', async () => {
    const store = createMemoryStore();
    const a = createOutbox(() => store, vi.fn());
    a.add(msg('a1', 1));
    a.add(msg('a2', 2));
    a.ack('a1');
    await settle();
    const reloaded = createOutbox(() => store, vi.fn());
    expect((await reloaded.load()).map((m) => m.cid)).toEqual(['a2']);
  });

  it('two tabs writing at once lose neither tab’s unsent messages', async () => {
    const store = createMemoryStore();
    const tab1 = createOutbox(() => store, vi.fn());
    const tab2 = createOutbox(() => store, vi.fn());
    tab1.add(msg('t1', 1));
    tab2.add(msg('t2', 2));
    tab1.add(msg('t1b', 3));
    await settle();
    await settle();
    const reloaded = createOutbox(() => store, vi.fn());
    expect((await reloaded.load()).map((m) => m.cid)).toEqual(['t1', 't2', 't1b']);
  });

  it('an ack seen by one tab removes the message from the shared list', async () => {
    const store = createMemoryStore();
    const tab1 = createOutbox(() => store, vi.fn());
    const tab2 = createOutbox(() => store, vi.fn());
    tab1.add(msg('x', 1));
    await settle();
    tab2.add(msg('y', 2));
    await settle();
    tab2.ack('x');
    tab1.ack('x');
    await settle();
    await settle();
    const reloaded = createOutbox(() => store, vi.fn());
    expect((await reloaded.load()).map((m) => m.cid)).toEqual(['y']);
  });

  it('clear (logout) wipes the shared list', async () => {
    const store = createMemoryStore();
    const tab1 = createOutbox(() => store, vi.fn());
    tab1.add(msg('x', 1));
    await settle();
    tab1.clear();
    await settle();
    expect(await createOutbox(() => store, vi.fn()).load()).toEqual([]);
  });

  it('drops invalid stored entries with a warning', async () => {
    const store = createMemoryStore();
    await store.set('outbox', [{ cid: 'no-text' }, msg('ok', 1)]);
    const warn = vi.fn();
    expect((await createOutbox(() => store, warn).load()).map((m) => m.cid)).toEqual(['ok']);
    expect(warn).toHaveBeenCalledWith('dropped an invalid stored outbox entry');
  });
});
