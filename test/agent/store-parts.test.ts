/**
 * The Visitors page's list state against a server whose crowd keeps changing: the first rows
 * loaded, the last ones (End) and the gap between them, under random feed changes and page
 * loads. After every step the first part is the server's first rows and the end part its last
 * ones, each row as the server has it now; once the gap is loaded, the page holds the server's
 * whole list, in its order.
 */
import { describe, expect, it } from 'vitest';
import type { Api } from '../../demo/agent/api';
import { createStore } from '../../demo/agent/store';
import type { Counts, Visitor } from '../../demo/agent/types';
import {
  compareRows,
  countRow,
  matchesNeedle,
  needleOf,
  noCounts,
} from '../../demo/shared/visitor-list';
import { seededRandom } from '../helpers/random';
import { visitor } from './fake-api';

const STATES = ['unserved', 'served', 'triggered', 'active', 'idle'] as const;
/** Names, two of which a search for "ad" finds. */
const NAMES = ['Ada', 'Brad', 'Carl', 'Dana', 'Eve'];

/** The server: every visitor by id; its list is the online ones in the shared order. */
function createServer(n: number) {
  const all = new Map<string, Visitor>();
  let made = 0;
  const add = (over: Partial<Visitor> = {}) => {
    const id = 'v' + String(made++).padStart(5, '0');
    const v = visitor({ id, visitStartedAt: 1_000_000 + made, ...over });
    all.set(id, v);
    return v;
  };
  for (let i = 0; i < n; i++) add({ status: 'active', name: NAMES[i % NAMES.length]! });
  /** The list the page asked for: online, matching its search (`q`, set by the test). */
  let needle = '';
  const list = () =>
    [...all.values()].filter((v) => v.online && matchesNeedle(v, needle)).sort(compareRows);
  const counts = (): Counts => {
    const c = noCounts();
    for (const v of all.values()) countRow(c, v, 1);
    return c;
  };
  const api = {
    list: async (_f: string, q: string, page?: { limit: number; offset: number }) => {
      needle = needleOf(q);
      const rows = list();
      const { limit = 500, offset = 0 } = page || {};
      return { visitors: rows.slice(offset, offset + limit), counts: counts(), total: rows.length };
    },
  } as unknown as Api;
  return { all, add, list, counts, api };
}

describe('the Visitors list in two parts, under a changing crowd', () => {
  for (const [seed, q] of [
    [1, ''],
    [2, ''],
    [3, ''],
    [4, 'ad'],
    [5, 'ad'],
    [6, 'ad'],
  ] as const) {
    it(`keeps the first rows and the last rows the server's, and joins them into its list (seed ${seed}${q && ', searching "' + q + '"'})`, async () => {
      const rnd = seededRandom(seed);
      const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
      const server = createServer(600);
      let now = 0;
      const store = createStore(server.api, () => (now += 1000));
      store.query.value = q;
      await store.load();
      let event = 0;
      /**
       * The feed: the changed row, and in one batch with it, every other time, the counts (the
       * server sends them at most once a second: the total the page knows lags meanwhile).
       */
      let countsSent = true;
      const publish = (v: Visitor) => {
        countsSent = rnd() < 0.5;
        store.onFeedEvents([
          { id: String(++event), type: 'visitor', data: v },
          ...(countsSent
            ? [{ id: String(++event), type: 'counts' as const, data: server.counts() }]
            : []),
        ]);
      };
      const check = (step: string) => {
        const truth = server.list();
        const head = store.visitors.value;
        const tail = store.tail.value;
        const ids = (rows: Visitor[]) => rows.map((v) => v.id);
        expect(ids(head), step + ': the first part').toEqual(ids(truth.slice(0, head.length)));
        if (tail.length)
          expect(ids(tail), step + ': the end part').toEqual(ids(truth.slice(-tail.length)));
        expect(head.length + tail.length, step).toBeLessThanOrEqual(truth.length);
        // Each row as the server has it now (what the list shows of it: its state, last message).
        const stale = [...head, ...tail].filter((v) => {
          const w = server.all.get(v.id)!;
          return v.status != w.status || v.online != w.online || v.lastMessage !== w.lastMessage;
        });
        expect(ids(stale), step + ': rows not as the server has them').toEqual([]);
        // The total is the server's once the counts came (a search's counts only the page's rows).
        if (countsSent && !q) expect(store.total.value, step).toBe(truth.length);
      };

      for (let i = 0; i < 600; i++) {
        const r = rnd();
        let step: string;
        if (r < 0.04) {
          // The list asked for again (a filter or search change): its first rows only.
          step = 'the list again';
          await store.load();
        } else if (r < 0.1) {
          step = 'End';
          await store.loadEnd();
        } else if (r < 0.14) {
          step = 'the page above the end part';
          await store.loadAbove();
        } else if (r < 0.18) {
          step = 'the next page';
          await store.loadMore();
        } else if (r < 0.28) {
          const v = server.add({
            status: pick(STATES),
            name: pick(NAMES),
            visitStartedAt: 1_000_000 + rnd() * 700,
          });
          v.active = v.status != 'idle';
          step = 'arrives ' + v.id;
          publish(v);
        } else if (r < 0.36) {
          const online = [...server.all.values()].filter((v) => v.online);
          const v = { ...pick(online), online: false };
          server.all.set(v.id, v);
          step = 'leaves ' + v.id;
          publish(v);
        } else {
          // Any visitor online, matching the search or not: a rename moves it in or out.
          const old = pick([...server.all.values()].filter((v) => v.online));
          const status = pick(STATES);
          const v: Visitor = {
            ...old,
            status,
            active: status != 'idle',
            ...(rnd() < 0.2 && { name: pick(NAMES) }),
            ...(rnd() < 0.3 && {
              lastMessage: {
                id: 'm' + i,
                from: 'visitor',
                text: 'hi',
                at: 1_000_000 + rnd() * 900,
              },
            }),
          };
          server.all.set(v.id, v);
          step = `changes ${v.id} to ${status}`;
          publish(v);
        }
        check(`step ${i}, ${step}`);
      }

      // The gap loaded from both sides: one list, the server's.
      store.onFeedEvents([{ id: String(++event), type: 'counts', data: server.counts() }]);
      countsSent = true;
      await store.loadEnd();
      for (let i = 0; i < 40 && store.hasMore.value; i++)
        await (i % 2 ? store.loadMore() : store.loadAbove());
      check('all loaded');
      expect(store.tail.value).toEqual([]);
      expect(store.visitors.value.map((v) => v.id)).toEqual(server.list().map((v) => v.id));
    });
  }
});
