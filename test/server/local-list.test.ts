// @vitest-environment node
/**
 * A single node answers `GET /api/visitors` from the list index it keeps as visitors change
 * (hub.ts, list-index.ts), not by reading every visitor per request: the answer is still the one
 * reading every visitor at that instant would give, as time passes (visitors going idle, HTTP
 * visitors going offline) and visitors come, change and go.
 */
import { describe, expect, it } from 'vitest';
import { isOnline, rowOf, visitorJson, type LiveVisitor } from '../../demo/server/presence';
import {
  FILTERS,
  compareRows,
  countRow,
  listed,
  matchesNeedle,
  noCounts,
  type Filter,
} from '../../demo/shared/visitor-list';
import { api, hello, mulberry32, serve, until, visit, type Client } from './helpers';

const ACTIVE_MS = 60_000;
const HEARTBEAT_MS = 30_000;

describe("a single node's list", () => {
  // Many connections and requests: 2 s alone, past vitest's 5 s default beside the whole suite.
  it('answers every filter, search and page as reading every visitor would, while time passes', async () => {
    let now = Date.now();
    // No sweep: every change must reach the list by itself.
    const s = await serve({
      now: () => now,
      activeWindowMs: ACTIVE_MS,
      heartbeatMs: HEARTBEAT_MS,
      sweepMs: 3_600_000,
    });
    const po = { activeWindowMs: ACTIVE_MS, heartbeatMs: HEARTBEAT_MS };
    const random = mulberry32(2024);
    const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)]!;
    const sockets: { c: Client; vid: string; token: string }[] = [];
    const http: string[] = [];
    const names = ['Ada', 'Grace', 'Alan', 'Barbara'];
    const pages = ['cart', 'shoes', 'pricing', 'home'];
    const post = (vid: string, frames: unknown[], token?: string) =>
      fetch(`${s.url}/v1/frames?key=demo`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain;charset=UTF-8' },
        body: JSON.stringify({ vid, token, frames }),
      }).then((r) => r.json());

    /** What reading every visitor gives now, as the list's ids, counts and total. */
    function expected(filter: Filter, needle: string, offset: number, limit: number) {
      const rows = [...s.hub.visitors.values()].filter((v) => v.online).map(rowOf);
      const counts = noCounts();
      for (const r of rows) countRow(counts, r, 1);
      const matched = rows.filter((r) => listed(r, filter) && matchesNeedle(r, needle));
      matched.sort(compareRows);
      return {
        ids: matched.slice(offset, offset + limit).map((r) => r.id),
        counts,
        total: matched.length,
      };
    }

    /** The list answers as reading every visitor would, for every filter and a few searches. */
    function agrees(): true | string {
      const queries: [Filter, string, number, number][] = [];
      for (const f of FILTERS)
        for (const q of ['', 'ada', 'shop.test/cart', 'r'])
          queries.push([f, q, 0, 500], [f, q, 2, 3]);
      for (const [filter, q, offset, limit] of queries) {
        const got = JSON.parse(String(s.hub.list(filter, q, { offset, limit })));
        // Nothing the list answered is stale: presence read now agrees with what it holds.
        for (const v of s.hub.visitors.values() as Iterable<LiveVisitor>)
          if (isOnline(v, now, po) != v.online) return `${v.id} online is stale`;
        const want = expected(filter, q, offset, limit);
        const ids = got.visitors.map((r: { id: string }) => r.id);
        if (JSON.stringify(ids) != JSON.stringify(want.ids))
          return `${filter} "${q}" ${offset}: ${ids} != ${want.ids}`;
        if (JSON.stringify(got.counts) != JSON.stringify(want.counts)) return 'counts differ';
        if (got.total != want.total) return `${filter} "${q}": total ${got.total} != ${want.total}`;
        for (const r of got.visitors)
          if (JSON.stringify(r) != visitorJson(s.hub.visitors.get(r.id)!))
            return `${r.id}: the row is not the visitor's current JSON`;
      }
      return true;
    }

    for (let step = 0; step < 120; step++) {
      const roll = random();
      if (roll < 0.2 || sockets.length < 3) {
        const v = await visit(s.url, {
          page: { url: `http://shop.test/${pick(pages)}`, title: pick(pages), referrer: '' },
          ...(random() < 0.4 && { profile: { name: pick(names) } }),
          activeAt: now,
        });
        sockets.push(v);
      } else if (roll < 0.3) {
        const h = hello({ activeAt: now });
        await post(h.vid, [h]);
        http.push(h.vid);
      } else if (roll < 0.36 && http.length) {
        await post(pick(http), [{ t: 'hb', activeAt: now }]);
      } else if (roll < 0.4) {
        // A tab on HTTP beside the socket: online past the socket's close, until its timeout.
        const v = pick(sockets);
        await post(v.vid, [{ t: 'chat', open: false }], v.token);
      } else if (roll < 0.5) {
        const i = Math.floor(random() * sockets.length);
        sockets[i]!.c.close();
        sockets.splice(i, 1);
      } else if (roll < 0.6) {
        const v = pick(sockets);
        v.c.send({ t: 'hb', activeAt: now });
      } else if (roll < 0.67) {
        const v = pick(sockets);
        // Answered with an ack, or an error when the visitor is blocked: the check below waits.
        v.c.send({ t: 'msg', cid: 'm' + step, text: 'hi', at: now });
      } else if (roll < 0.74) {
        const v = pick(sockets);
        v.c.send({ t: 'page', url: `http://shop.test/${pick(pages)}`, title: 'P', referrer: '' });
      } else if (roll < 0.8) {
        const v = pick(sockets);
        v.c.send({ t: 'id', name: pick(names) + ' ' + step });
      } else if (roll < 0.85) {
        const v = pick(sockets);
        await api(s, random() < 0.5 ? 'POST' : 'DELETE', `/api/visitors/${v.vid}/block`);
      } else now += Math.floor(random() * 40_000);
      if (step % 6 == 5) {
        let why: true | string = true;
        await until(() => (why = agrees()) === true, 5000).catch(() => {});
        expect(why).toBe(true);
      }
    }
    // Everyone idle, then the HTTP visitors gone, with no request in between.
    now += ACTIVE_MS;
    expect(agrees()).toBe(true);
    now += HEARTBEAT_MS + 60_000;
    expect(agrees()).toBe(true);
    expect(JSON.parse(String(s.hub.list('active', '', { offset: 0, limit: 10 }))).total).toBe(0);
  }, 30_000);
});
