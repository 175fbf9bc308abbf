/**
 * The Visitors page when the answer to the agent's own action (Block, Unblock, a message) and
 * the live feed cross on the network: the server answers with the visitor as it was then and
 * says which feed event that row is current with (`lastEventId`); the feed's events for the
 * visitor after that id are newer, and whichever reaches the page first, the newest state wins.
 */
import { describe, expect, it } from 'vitest';
import type { Api, WriteAnswer } from '../../demo/agent/api';
import { createStore } from '../../demo/agent/store';
import type { Counts, FeedEvent, Message, Visitor } from '../../demo/agent/types';
import { countRow, noCounts } from '../../demo/shared/visitor-list';
import { visitor } from './fake-api';

/** One visitor on a server with a feed log; the write answers wait for the test. */
async function setup() {
  const others = [visitor({ id: 'v2', name: 'Bo' }), visitor({ id: 'v3', name: 'Cy' })];
  let state = visitor({ id: 'v1', name: 'Ada', status: 'unserved', chatting: true });
  let seq = 0;
  const counts = (): Counts => {
    const c = noCounts();
    for (const v of [state, ...others]) countRow(c, v, 1);
    return c;
  };
  const log: FeedEvent[] = [];
  const messages: Message[] = [];
  /**
   * Changes the visitor on the server: its row and the counts, logged as one batch, after the
   * new last message if any (the feed carries every message).
   */
  const change = (over: Partial<Visitor>) => {
    state = { ...state, ...over };
    if (over.lastMessage) messages.push(over.lastMessage);
    if (over.lastMessage)
      log.push({
        id: 'e' + ++seq,
        type: 'message',
        data: { visitorId: state.id, message: over.lastMessage },
      });
    log.push(
      { id: 'e' + ++seq, type: 'visitor', data: structuredClone(state) },
      { id: 'e' + ++seq, type: 'counts', data: counts() },
    );
    return 'e' + seq;
  };
  const answers: ((a: WriteAnswer) => void)[] = [];
  const held = () => new Promise<WriteAnswer>((ok) => answers.push(ok));
  const api = {
    list: async () => ({
      visitors: structuredClone([state, ...others].filter((v) => v.online)),
      counts: counts(),
      total: 3,
      lastEventId: 'e' + seq,
    }),
    get: async () => ({ ...structuredClone(state), messages: messages.slice(), pages: [] }),
    block: held,
    unblock: held,
    send: held,
  } as unknown as Api;
  let now = 0;
  // Every feed batch is applied at once (the clock moves past APPLY_INTERVAL_MS each read).
  const store = createStore(api, () => (now += 1000));
  await store.load();
  store.setFeedState('live');
  store.select('v1');
  await Promise.resolve();
  /** The server's answer to the action, as it would write it now. */
  const answer = (extra: Partial<WriteAnswer> = {}): WriteAnswer => ({
    ...extra,
    visitor: structuredClone(state),
    lastEventId: 'e' + seq,
  });
  const deliver = () => store.onFeedEvents(log.splice(0));
  const row = () => store.visitors.value.find((v) => v.id == 'v1');
  const truth = () => state;
  return { store, change, answers, answer, deliver, row, truth, counts };
}

describe('Block or Unblock answered after a feed event for the visitor', () => {
  it('does not put back a visitor who left after the block, with the counts the feed said', async () => {
    const { store, change, answers, answer, deliver, row, counts } = await setup();
    const toggle = store.toggleBlock();
    // The server blocks and answers; the visitor leaves; the feed says both before the answer.
    change({ blocked: true });
    const a = answer();
    change({ online: false, active: false });
    deliver();
    expect(row()).toBeUndefined();
    answers.shift()!(a);
    await toggle;
    expect(row()).toBeUndefined();
    expect(store.counts.value).toEqual(counts());
    expect(store.detail.value).toMatchObject({ blocked: true, online: false });
  });

  it('keeps the change the feed said after an unblock (the name the visitor gave)', async () => {
    const { store, change, answers, answer, deliver, row, counts } = await setup();
    change({ blocked: true });
    deliver();
    await Promise.resolve();
    expect(row()?.blocked).toBe(true);
    const toggle = store.toggleBlock();
    change({ blocked: false });
    const a = answer();
    change({ name: 'Grace', email: 'grace@shop.example' });
    deliver();
    answers.shift()!(a);
    await toggle;
    expect(row()).toMatchObject({ blocked: false, name: 'Grace' });
    expect(store.detail.value).toMatchObject({ blocked: false, name: 'Grace' });
    expect(store.counts.value).toEqual(counts());
  });

  it("keeps the feed's row when the answer is as old as an event the feed applied (the block's own)", async () => {
    const { store, change, answers, deliver, row, truth } = await setup();
    const toggle = store.toggleBlock();
    const at = change({ blocked: true });
    const a = { visitor: structuredClone(truth()), lastEventId: at };
    change({ status: 'idle', active: false });
    deliver();
    answers.shift()!(a);
    await toggle;
    expect(row()).toMatchObject({ blocked: true, status: 'idle' });
  });

  it('takes the answer when it is newer than what the feed applied (the block still on its way)', async () => {
    const { store, change, answers, answer, deliver, row, truth } = await setup();
    // A change from before the click comes first, then the server blocks.
    change({ name: 'Grace' });
    deliver();
    const toggle = store.toggleBlock();
    change({ blocked: true });
    answers.shift()!(answer());
    await toggle;
    expect(row()).toMatchObject({ blocked: true, name: 'Grace' });
    deliver();
    expect(row()).toEqual(truth());
  });

  it('takes the answer of a server that does not say lastEventId, as before', async () => {
    const { store, change, answers, deliver, row, truth } = await setup();
    const toggle = store.toggleBlock();
    change({ name: 'Grace' });
    deliver();
    answers.shift()!({ visitor: { ...truth(), blocked: true } });
    await toggle;
    expect(row()).toMatchObject({ blocked: true, name: 'Grace' });
  });
});

describe('a message answered after a feed event for the visitor', () => {
  it("keeps the visitor's reply the feed brought as the row's last message", async () => {
    const { store, change, answers, answer, deliver, row } = await setup();
    const sent = store.send('Hello');
    const mine: Message = { id: 'm1', from: 'agent', text: 'Hello', at: 1 };
    change({ status: 'served', lastMessage: mine });
    const a = answer({ message: mine });
    const reply: Message = { id: 'm2', from: 'visitor', text: 'Hi!', at: 2 };
    change({ status: 'unserved', lastMessage: reply });
    deliver();
    answers.shift()!(a);
    expect(await sent).toBe(true);
    expect(row()).toMatchObject({ status: 'unserved', lastMessage: { id: 'm2' } });
    expect(store.detail.value?.messages.map((m) => m.id)).toContain('m1');
  });
});
