/**
 * The Visitors page's list state when a page answer (the next page while scrolling, the rows
 * above the end part) and the live feed cross on the network: the server builds the answer,
 * then a visitor changes and its feed event reaches the page before the answer does. The answer
 * says where it stands (`lastEventId`); a row it holds must never override what a later feed
 * event said (a visitor who left does not come back, a row does not show an older state, a
 * visitor who arrived is neither dropped nor doubled), and the counts stay right.
 */
import { describe, expect, it } from 'vitest';
import type { Api } from '../../demo/agent/api';
import { createStore } from '../../demo/agent/store';
import type { Counts, FeedEvent, Visitor, VisitorList } from '../../demo/agent/types';
import {
  compareRows,
  countRow,
  matchesNeedle,
  needleOf,
  noCounts,
} from '../../demo/shared/visitor-list';
import { seededRandom } from '../helpers/random';
import { visitor } from './fake-api';

const NAMES = ['Ada', 'Brad', 'Carl', 'Dana', 'Eve'];
const STATES = ['unserved', 'served', 'triggered', 'active', 'idle'] as const;

/**
 * The server: every visitor by id, a feed log with ids, and list answers built when asked
 * (current with the last logged event) but handed to the page only when the test says.
 */
function createServer(n: number) {
  const all = new Map<string, Visitor>();
  let made = 0;
  let eventSeq = 0;
  /** Events logged but not yet delivered to the page (the feed's own network). */
  const feed: FeedEvent[] = [];
  const add = (over: Partial<Visitor> = {}) => {
    const id = 'v' + String(made++).padStart(5, '0');
    const v = visitor({ id, visitStartedAt: 1_000_000 + made * 10, ...over });
    all.set(id, v);
    return v;
  };
  for (let i = 0; i < n; i++) add({ status: 'active', name: NAMES[i % NAMES.length]! });
  const list = (needle = '') =>
    [...all.values()].filter((v) => v.online && matchesNeedle(v, needle)).sort(compareRows);
  const counts = (): Counts => {
    const c = noCounts();
    for (const v of all.values()) countRow(c, v, 1);
    return c;
  };
  /** Changes a visitor on the server and logs its row and the counts as one batch. */
  const change = (v: Visitor) => {
    all.set(v.id, v);
    feed.push(
      { id: 'e' + ++eventSeq, type: 'visitor', data: structuredClone(v) },
      { id: 'e' + ++eventSeq, type: 'counts', data: counts() },
    );
  };
  /** Answers built and waiting to be delivered, oldest first. */
  const held: { answer: VisitorList; deliver: () => void }[] = [];
  let hold = false;
  const api = {
    list: (_f: string, q: string, page?: { limit: number; offset: number }) => {
      const rows = list(needleOf(q));
      const { limit = 500, offset = 0 } = page || {};
      const answer: VisitorList = structuredClone({
        visitors: rows.slice(offset, offset + limit),
        counts: counts(),
        total: rows.length,
        offset,
        lastEventId: 'e' + eventSeq,
      });
      if (!hold) return Promise.resolve(answer);
      return new Promise<VisitorList>((ok) => held.push({ answer, deliver: () => ok(answer) }));
    },
  } as unknown as Api;
  return {
    all,
    add,
    change,
    list,
    counts,
    api,
    feed,
    held,
    /** Answers from now on wait for `deliver` (true) or come at once (false). */
    holdAnswers(on: boolean) {
      hold = on;
    },
  };
}

type Server = ReturnType<typeof createServer>;

async function setup(n = 160, q = '') {
  const server = createServer(n);
  let now = 0;
  // Every feed batch is applied at once (the clock moves past APPLY_INTERVAL_MS each read).
  const store = createStore(server.api, () => (now += 1000));
  store.query.value = q;
  await store.load();
  /** Delivers the feed's waiting events to the page, one server batch at a time. */
  const deliverFeed = (count = Infinity) => {
    for (let i = 0; i < count && server.feed.length; i++)
      store.onFeedEvents(server.feed.splice(0, 2));
  };
  return { server, store, deliverFeed };
}

const ids = (rows: Visitor[]) => rows.map((v) => v.id);
const tick = () => new Promise((ok) => setTimeout(ok, 0));

/** Waits until the store has asked for a page (its request is held by the server). */
async function asked(server: Server, count = 1) {
  for (let i = 0; i < 50 && server.held.length < count; i++) await tick();
  expect(server.held.length).toBe(count);
}

/** The page holds the server's rows in order, each as the server has it now. */
function expectCurrent(server: Server, store: ReturnType<typeof createStore>, needle = '') {
  const truth = server.list(needle);
  const head = store.visitors.value;
  const tail = store.tail.value;
  expect(ids(head), 'the first part').toEqual(ids(truth.slice(0, head.length)));
  if (tail.length) expect(ids(tail), 'the end part').toEqual(ids(truth.slice(-tail.length)));
  for (const v of [...head, ...tail]) {
    const w = server.all.get(v.id)!;
    expect({ id: v.id, name: v.name, status: v.status, online: v.online }).toEqual({
      id: w.id,
      name: w.name,
      status: w.status,
      online: w.online,
    });
  }
  const all = ids([...head, ...tail]);
  expect(new Set(all).size, 'no row twice').toBe(all.length);
}

describe('a page answer built before a feed event the page applied first', () => {
  it('does not put back a visitor who left while the next page was on its way', async () => {
    const { server, store, deliverFeed } = await setup();
    expect(store.visitors.value).toHaveLength(50);
    server.holdAnswers(true);
    const more = store.loadMore();
    await asked(server);
    // One row of the coming page and one of the loaded rows it overlaps leave meanwhile.
    const gone = [server.list()[80]!, server.list()[45]!];
    for (const v of gone) server.change({ ...v, online: false });
    deliverFeed();
    expect(ids(store.visitors.value)).not.toContain(gone[1]!.id);
    server.held.shift()!.deliver();
    expect(await more).toBe(true);
    expect(ids(store.visitors.value)).not.toContain(gone[0]!.id);
    expect(ids(store.visitors.value)).not.toContain(gone[1]!.id);
    expectCurrent(server, store);
    expect(store.total.value).toBe(158);
    // Scrolling on to the end: still never shown, and every row once.
    server.holdAnswers(false);
    await store.loadUntil(1000);
    expect(ids(store.visitors.value)).toEqual(ids(server.list()));
  });

  it('does not show a row older than the feed said (a new name, a new page)', async () => {
    const { server, store, deliverFeed } = await setup();
    server.holdAnswers(true);
    const more = store.loadMore();
    await asked(server);
    const v = server.list()[90]!;
    // Still where it sorted (past the loaded rows, in the coming page): the page has no row of it.
    server.change({
      ...v,
      name: 'Zed',
      currentPage: { url: 'https://shop.example/cart', title: 'Cart' },
    });
    deliverFeed();
    server.held.shift()!.deliver();
    await more;
    const row = store.visitors.value.find((r) => r.id == v.id);
    expect(row?.name).toBe('Zed');
    expect(row?.currentPage?.title).toBe('Cart');
    expectCurrent(server, store);
  });

  it('keeps a row that moved past the loaded rows out until its page', async () => {
    const { server, store, deliverFeed } = await setup();
    server.holdAnswers(true);
    const more = store.loadMore();
    await asked(server);
    // A row of the coming page goes idle: it now sorts after every active row, past that page.
    const v = server.list()[70]!;
    server.change({ ...v, status: 'idle', active: false });
    deliverFeed();
    server.held.shift()!.deliver();
    await more;
    expect(ids(store.visitors.value)).not.toContain(v.id);
    expectCurrent(server, store);
  });

  it('neither drops nor doubles a visitor who arrived while the page was on its way', async () => {
    const { server, store, deliverFeed } = await setup();
    server.holdAnswers(true);
    const more = store.loadMore();
    await asked(server);
    // Sorts among the rows of the coming page (after the 50 loaded ones): nowhere to go yet.
    const rows = server.list();
    const arrived = server.add({
      status: 'active',
      name: 'Nia',
      visitStartedAt: (rows[99]!.visitStartedAt! + rows[100]!.visitStartedAt!) / 2,
    });
    server.change(arrived);
    deliverFeed();
    expect(ids(store.visitors.value)).not.toContain(arrived.id);
    server.held.shift()!.deliver();
    await more;
    expect(ids(store.visitors.value).filter((id) => id == arrived.id)).toHaveLength(1);
    expectCurrent(server, store);
    expect(store.total.value).toBe(161);
  });

  it('does not put back a visitor who left while the end part was on its way', async () => {
    const { server, store, deliverFeed } = await setup();
    server.holdAnswers(true);
    const end = store.loadEnd();
    await asked(server);
    const rows = server.list();
    const gone = rows[rows.length - 5]!;
    server.change({ ...gone, online: false });
    deliverFeed();
    server.held.shift()!.deliver();
    await end;
    expect(store.tail.value.length).toBeGreaterThan(0);
    expect(ids(store.tail.value)).not.toContain(gone.id);
    expectCurrent(server, store);
  });

  it('with a search: the visitor who left stays out and the total counts it out', async () => {
    // "ad" finds Ada and Brad: two visitors in five.
    const { server, store, deliverFeed } = await setup(300, 'ad');
    const total = server.list('ad').length;
    expect(store.total.value).toBe(total);
    server.holdAnswers(true);
    const more = store.loadMore();
    await asked(server);
    const gone = server.list('ad')[47]!;
    server.change({ ...gone, online: false });
    deliverFeed();
    server.held.shift()!.deliver();
    await more;
    expect(ids(store.visitors.value)).not.toContain(gone.id);
    expectCurrent(server, store, 'ad');
    expect(store.total.value).toBe(total - 1);
  });
});

describe('a page answer the server built after a feed event the page applies later', () => {
  it('ends with the rows as the feed says, each once', async () => {
    const { server, store, deliverFeed } = await setup();
    const v = server.list()[70]!;
    const w = server.list()[30]!;
    server.change({ ...v, online: false });
    server.change({ ...w, name: 'Zed', status: 'served' });
    server.holdAnswers(true);
    const more = store.loadMore();
    await asked(server);
    server.held.shift()!.deliver();
    await more;
    deliverFeed();
    expectCurrent(server, store);
    expect(ids(store.visitors.value)).not.toContain(v.id);
  });
});

describe('page answers and feed events crossing at random', () => {
  for (const seed of [11, 12, 13, 14]) {
    it(`the page holds the server's rows, each as the feed last said (seed ${seed})`, async () => {
      const rnd = seededRandom(seed);
      const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
      const { server, store, deliverFeed } = await setup(400);
      for (let round = 0; round < 60; round++) {
        server.holdAnswers(true);
        const r = rnd();
        const p = r < 0.5 ? store.loadMore() : r < 0.75 ? store.loadAbove() : store.loadEnd();
        for (let i = 0; i < 5 && !server.held.length; i++) await tick();
        const out = server.held.length > 0;
        // Changes on the server while the answer is on its way; some reach the page first.
        for (let k = Math.floor(rnd() * 6); k > 0; k--) {
          const x = rnd();
          if (x < 0.3) {
            const v = server.add({
              status: pick(STATES),
              name: pick(NAMES),
              visitStartedAt: 1_000_000 + rnd() * 4000,
            });
            server.change({ ...v, active: v.status != 'idle' });
          } else {
            const online = server.list();
            const old = pick(online);
            if (x < 0.6) server.change({ ...old, online: false });
            else {
              const status = pick(STATES);
              server.change({ ...old, status, active: status != 'idle', name: pick(NAMES) });
            }
          }
          if (rnd() < 0.7) deliverFeed();
        }
        if (out) server.held.shift()!.deliver();
        server.holdAnswers(false);
        await p;
        // Whatever the feed still carries arrives after the answer.
        deliverFeed();
        expectCurrent(server, store);
        expect(store.total.value).toBe(server.list().length);
      }
    });
  }
});

/** A new visitor who matches "ad" and sorts first (an unserved chat): among the loaded rows. */
const arrival = (server: Server) => {
  const v = server.add({ status: 'unserved', chatting: true, name: 'Ada' });
  server.change(v);
  return v;
};
/** A loaded row far above the coming page (the page's rows do not hold it) leaves. */
const leave = (server: Server) => {
  const v = server.list('ad')[5]!;
  server.change({ ...v, online: false });
  return v;
};

/**
 * A search's total moves with the feed's rows (there are no counts for a search): a page
 * answer's `total` is the server's as of its `lastEventId`, so a feed event on either side of
 * it is counted once, whichever of the two reaches the page first.
 */
describe("a search's total when a page answer and a feed event cross", () => {
  for (const [what, event] of [
    ['arrives', arrival],
    ['leaves', leave],
  ] as const) {
    it(`counts a matching visitor who ${what} after the answer was built, applied before it came`, async () => {
      const { server, store, deliverFeed } = await setup(300, 'ad');
      server.holdAnswers(true);
      const more = store.loadMore();
      await asked(server);
      event(server);
      deliverFeed();
      expect(store.total.value).toBe(server.list('ad').length);
      server.held.shift()!.deliver();
      await more;
      expectCurrent(server, store, 'ad');
      expect(store.total.value).toBe(server.list('ad').length);
    });

    it(`counts once a matching visitor who ${what} before the answer was built, applied after it came`, async () => {
      const { server, store, deliverFeed } = await setup(300, 'ad');
      server.holdAnswers(true);
      event(server);
      const more = store.loadMore();
      await asked(server);
      server.held.shift()!.deliver();
      await more;
      deliverFeed();
      expectCurrent(server, store, 'ad');
      expect(store.total.value).toBe(server.list('ad').length);
      // Later events count as ever.
      arrival(server);
      deliverFeed();
      expect(store.total.value).toBe(server.list('ad').length);
    });
  }

  it('counts each of events on both sides of the answer once (loadAbove, two answers)', async () => {
    const { server, store, deliverFeed } = await setup(300, 'ad');
    server.holdAnswers(true);
    leave(server);
    const end = store.loadEnd();
    await asked(server);
    arrival(server);
    deliverFeed(2);
    server.held.shift()!.deliver();
    await end;
    deliverFeed();
    expectCurrent(server, store, 'ad');
    expect(store.total.value).toBe(server.list('ad').length);
  });
});
