// @vitest-environment node
/**
 * The sorted list a cluster node keeps (list-index.ts) answers every filter, search and page as
 * sorting and filtering all rows would, however rows come, change and go.
 */
import { describe, expect, it } from 'vitest';
import { createListIndex, listBody, listBytes, rowKey } from '../../demo/server/list-index';
import {
  FILTERS,
  compareRows,
  countRow,
  listed,
  matchesNeedle,
  noCounts,
  searchText,
  type ListRow,
  type Status,
} from '../../demo/shared/visitor-list';
import { mulberry32 } from './helpers';

const STATUSES: Status[] = ['served', 'unserved', 'triggered', 'active', 'idle'];

function randomRow(random: () => number, id: string): ListRow {
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)]!;
  return {
    id,
    name: random() < 0.3 ? pick(['Ada', 'Grace', 'Alan', 'Edsger']) : null,
    online: random() < 0.85,
    active: random() < 0.5,
    chatting: random() < 0.3,
    customer: random() < 0.3,
    verified: false,
    autoMessageReceived: random() < 0.2,
    blocked: random() < 0.1,
    status: pick(STATUSES),
    visits: 1,
    pageViews: 1,
    currentPage: { url: 'http://shop.test/' + pick(['cart', 'home', 'shoes']), title: 'Page' },
    firstSeenAt: Math.floor(random() * 1000),
    visitStartedAt: Math.floor(random() * 1000),
    lastActivityAt: 0,
  };
}

/** A row's JSON as a cluster node keeps it. */
const bytes = (r: ListRow) => Buffer.from(JSON.stringify(r));

describe('the sorted list of a cluster node', () => {
  it('pages every filter and search as a full sort would, with the same counts', () => {
    const random = mulberry32(12);
    const index = createListIndex();
    const truth = new Map<string, ListRow>();
    for (let step = 0; step < 3000; step++) {
      const id = 'v' + Math.floor(random() * 300);
      const row = randomRow(random, id);
      index.set(row, JSON.stringify(row));
      if (row.online) truth.set(id, row);
      else truth.delete(id);
    }
    const counts = noCounts();
    for (const r of truth.values()) countRow(counts, r, 1);
    expect(index.counts()).toEqual(counts);
    expect(index.size()).toBe(truth.size);
    for (const filter of FILTERS)
      for (const needle of ['', 'ada', 'cart', 'v1'])
        for (const [offset, limit] of [
          [0, 500],
          [7, 13],
        ] as const) {
          const all = [...truth.values()]
            .filter((r) => listed(r, filter) && matchesNeedle(r, needle))
            .sort(compareRows);
          const page = index.page(filter, needle, offset, limit);
          expect(page.total).toBe(all.length);
          expect(page.rows.map((j) => JSON.parse(j).id)).toEqual(
            all.slice(offset, offset + limit).map((r) => r.id),
          );
        }
  });

  it('finds every search as a scan would while texts change, rows go and slots are reused', () => {
    const random = mulberry32(77);
    const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)]!;
    const words = [
      'Ada',
      'ada@x.io',
      'Łukasz',
      'İstanbul',
      'shoes',
      'cart',
      'Çay',
      'a\nb',
      '42',
      'ß',
    ];
    const texted = (id: string): ListRow => ({
      ...randomRow(random, id),
      name: random() < 0.5 ? pick(words) + ' ' + pick(words) : null,
      email: random() < 0.3 ? `${pick(words)}@${pick(words)}.test` : null,
      currentPage: {
        url: `https://shop.test/${pick(words)}/${Math.floor(random() * 50)}`,
        title: pick(words) + ' – ' + pick(words),
      },
      country:
        random() < 0.5
          ? pick([
              { code: 'DE', name: 'Germany' },
              { code: 'TR', name: 'Türkiye' },
            ])
          : null,
      variables: random() < 0.3 ? { plan: pick(words), n: Math.floor(random() * 100) } : null,
    });
    const index = createListIndex();
    const truth = new Map<string, ListRow>();
    const needles = [
      '',
      'a',
      'ad',
      'ada',
      'ada@',
      'shop.test/',
      'i̇stanbul',
      'łuk',
      'ü',
      '2\nde',
      'x.io\n',
      'https://',
      'nobody',
    ];
    for (let round = 0; round < 8; round++) {
      for (let step = 0; step < 400; step++) {
        const id = 'v' + Math.floor(random() * 150);
        const row = texted(id);
        index.set(row, JSON.stringify(row));
        if (row.online) truth.set(id, row);
        else truth.delete(id);
      }
      // Substrings of texts that are held, across field boundaries too.
      const held = [...truth.values()];
      const sample = Array.from({ length: 10 }, () => {
        const hay = searchText(pick(held));
        const at = Math.floor(random() * hay.length);
        return hay.slice(at, at + 1 + Math.floor(random() * 12));
      });
      for (const needle of [...needles, ...sample])
        for (const filter of FILTERS) {
          const all = held
            .filter((r) => listed(r, filter) && matchesNeedle(r, needle))
            .sort(compareRows)
            .map((r) => r.id);
          for (const [offset, limit] of [
            [0, 500],
            [3, 5],
          ] as const) {
            const page = index.page(filter, needle, offset, limit);
            expect(page.total).toBe(all.length);
            expect(page.rows.map((j) => JSON.parse(j).id)).toEqual(
              all.slice(offset, offset + limit),
            );
          }
        }
    }
  }, 30_000);

  it('answers short needles and needles in nearly every row as a scan would, on thousands of rows', () => {
    const random = mulberry32(2024);
    const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)]!;
    // Every row holds "shop.test" and "https://"; one or two letters are in many rows.
    const shopper = (id: string): ListRow => ({
      ...randomRow(random, id),
      online: random() < 0.95,
      name: random() < 0.4 ? pick(['Ada', 'Grace', 'Alan', 'Łukasz', 'Çay']) : null,
      currentPage: {
        url: `https://shop.test/products/${Math.floor(random() * 100)}`,
        title: `Product ${Math.floor(random() * 100)}`,
      },
    });
    const index = createListIndex();
    const truth = new Map<string, ListRow>();
    const put = (row: ListRow) => {
      index.set(row, JSON.stringify(row));
      if (row.online) truth.set(row.id, row);
      else truth.delete(row.id);
    };
    index.load(
      Array.from({ length: 4000 }, (_, i) => shopper('v' + i)).map((row) => {
        if (row.online) truth.set(row.id, row);
        return { row, item: JSON.stringify(row) };
      }),
    );
    const needles = ['a', 'e', '\n', 'ad', 'pr', 'ça', 'shop.test', 'https://', 'product', 'ada'];
    for (let round = 0; round < 4; round++) {
      const held = [...truth.values()];
      for (const filter of FILTERS) {
        const rows = held.filter((r) => listed(r, filter)).sort(compareRows);
        for (const needle of needles) {
          const all = rows.filter((r) => matchesNeedle(r, needle)).map((r) => r.id);
          for (const [offset, limit] of [
            [0, 200],
            [150, 100],
            [all.length - 3, 10],
          ] as const) {
            const page = index.page(filter, needle, Math.max(0, offset), limit);
            expect(page.total).toBe(all.length);
            expect(page.rows.map((j) => JSON.parse(j).id)).toEqual(
              all.slice(Math.max(0, offset), Math.max(0, offset) + limit),
            );
          }
        }
      }
      // Rows come, go, change text, and move between filters with the same text.
      for (let step = 0; step < 1500; step++) {
        const id = 'v' + Math.floor(random() * 4500);
        const old = truth.get(id);
        if (old && random() < 0.5)
          put({ ...old, blocked: !old.blocked, active: random() < 0.5, status: pick(STATUSES) });
        else put(shopper(id));
      }
    }
  }, 30_000);

  it('loads many rows at once in the order and counts one insertion at a time gives', () => {
    const random = mulberry32(5);
    const one = createListIndex();
    const bulk = createListIndex();
    const rows = Array.from({ length: 500 }, (_, i) => randomRow(random, 'r' + i));
    for (const row of rows) one.set(row, JSON.stringify(row));
    bulk.load(rows.map((row) => ({ row, item: JSON.stringify(row) })));
    expect(bulk.counts()).toEqual(one.counts());
    for (const filter of FILTERS)
      expect(bulk.page(filter, '', 0, 1000)).toEqual(one.page(filter, '', 0, 1000));
  });

  it("answers a row's new JSON at once when it changes, in its new place when what the list shows moved", () => {
    const index = createListIndex<Buffer>();
    const base = { ...randomRow(mulberry32(3), 'a'), online: true, status: 'idle' as Status };
    const a = { ...base, lastActivityAt: 1 };
    const b = { ...base, id: 'b', visitStartedAt: (base.visitStartedAt ?? 0) + 1 };
    index.set(a, bytes(a));
    index.set(b, bytes(b));
    const ids = () => index.page('all', '', 0, 10).rows.map((x) => JSON.parse(String(x)).id);
    const page = () => index.page('all', '', 0, 10).rows.map((x) => JSON.parse(String(x)));
    expect(ids()).toEqual(['b', 'a']);
    // Only the activity moved: same place, the new JSON answered.
    const later = { ...a, lastActivityAt: 99 };
    index.set(later, bytes(later));
    expect(page()[1]).toEqual(later);
    // A new name and status: the new JSON, the new place, the new key.
    const served = { ...a, name: 'Grace', status: 'served' as Status };
    index.set(served, bytes(served));
    expect(ids()).toEqual(['a', 'b']);
    expect(page()[0]).toEqual(served);
    expect(index.keyOf('a')).toBe(rowKey(served));
    expect(index.page('all', 'grace', 0, 10).total).toBe(1);
  });

  it('answers a page of rows kept as bytes with the same body as from strings', () => {
    const random = mulberry32(8);
    const rows = Array.from({ length: 40 }, (_, i) => ({
      ...randomRow(random, 'r' + i),
      name: i % 3 ? null : `Zoë – ${i}`,
    }));
    const text = createListIndex();
    const kept = createListIndex<Buffer>();
    for (const row of rows) {
      text.set(row, JSON.stringify(row));
      kept.set(row, bytes(row));
    }
    const extra = { plan: 'pro', lastEventId: 'e/1-0/2' };
    for (const [offset, limit] of [
      [0, 200],
      [5, 10],
      [100, 5],
    ]) {
      const t = text.page('all', '', offset!, limit!);
      const b = kept.page('all', '', offset!, limit!);
      expect(listBytes(b.rows, kept.counts(), b.total, offset!, extra).toString()).toBe(
        listBody(t.rows, text.counts(), t.total, offset!, extra),
      );
    }
  });

  it('forgets every row on clear', () => {
    const index = createListIndex();
    const row = randomRow(mulberry32(1), 'x');
    index.set({ ...row, online: true }, '{}');
    index.clear();
    expect(index.size()).toBe(0);
    expect(index.page('all', '', 0, 10)).toEqual({ rows: [], total: 0 });
    expect(index.counts()).toEqual(noCounts());
  });
});
