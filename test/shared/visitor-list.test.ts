import { describe, expect, it } from 'vitest';
import {
  compareRows,
  countMask,
  countRow,
  FILTERS,
  listed,
  anonymousLabel,
  displayName,
  matchesNeedle,
  needleOf,
  noCounts,
  sameCounts,
  type ListRow,
} from '../../demo/shared/visitor-list';
import { visitor } from '../agent/fake-api';

/** A row with fixed times, so only what a test sets decides the order. */
const row = (over: Partial<ListRow> = {}): ListRow =>
  visitor({ firstSeenAt: 1000, visitStartedAt: 1000, lastActivityAt: 1000, ...over });

describe('the list semantics shared by server and page', () => {
  it('lists an online row under every filter it matches and counts it once per filter', () => {
    const r = row({ chatting: true, customer: true, blocked: true, status: 'served' });
    expect(FILTERS.filter((f) => listed(r, f))).toEqual([
      'all',
      'active',
      'chatting',
      'customers',
      'blocked',
    ]);
    const c = noCounts();
    countRow(c, r, 1);
    expect(c).toEqual({ all: 1, active: 1, chatting: 1, customers: 1, autoMessage: 0, blocked: 1 });
    countRow(c, r, -1);
    expect(sameCounts(c, noCounts())).toBe(true);
  });

  it('gives an offline row no place in any filter and no share of the counts', () => {
    const r = row({ online: false, blocked: true });
    expect(FILTERS.filter((f) => listed(r, f))).toEqual([]);
    const c = noCounts();
    countRow(c, r, 1);
    expect(c).toEqual(noCounts());
    expect(countMask(r)).toBe(0);
  });

  it('tells by the count mask whether a change moves the counts', () => {
    expect(countMask(row())).toBe(
      countMask(row({ name: 'Ada', currentPage: { url: 'u', title: 't' } })),
    );
    expect(countMask(row())).not.toBe(countMask(row({ blocked: true })));
    expect(countMask(row())).not.toBe(countMask(row({ active: false, status: 'idle' })));
  });

  it('searches name, email, phone, id, page and variable values (labelled too), case-insensitively', () => {
    const r = row({
      id: 'AbC123',
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      phone: '+44 20',
      currentPage: { url: 'https://shop.example/Cart', title: 'Your Cart' },
      variables: { plan: 'Gold', orders: { label: 'Orders', value: 42 }, vip: true },
    });
    for (const q of [
      'lovelace',
      'ADA@',
      '+44',
      'abc1',
      '/cart',
      'your cart',
      'gold',
      '42',
      'true',
      '  Ada  ',
    ])
      expect(matchesNeedle(r, needleOf(q)), q).toBe(true);
    expect(matchesNeedle(r, needleOf('orders'))).toBe(false);
    expect(matchesNeedle(r, needleOf(''))).toBe(true);
    // Named, the visitor is not found by the label an anonymous one would show.
    expect(matchesNeedle(r, needleOf(anonymousLabel(r.id)))).toBe(false);
  });

  it('finds an anonymous visitor by the label the page shows, "Visitor #3F2A1B"', () => {
    const r = row({ id: 'anon-42', name: '  ' });
    const label = displayName(r);
    expect(label).toMatch(/^Visitor #[0-9A-F]{6}$/);
    for (const q of [label, label.slice('Visitor #'.length), label.slice(-6).toLowerCase()])
      expect(matchesNeedle(r, needleOf(q)), q).toBe(true);
    // Few share one: 10,000 ids like the widget's, not the 760 pairs of a 16-bit label.
    const seen = new Set<string>();
    let shared = 0;
    for (let i = 0; i < 10_000; i++) {
      const l = anonymousLabel('v' + i.toString(36) + 'x' + ((i * 7919) % 10007).toString(36));
      if (seen.has(l)) shared++;
      seen.add(l);
    }
    expect(shared).toBeLessThan(20);
  });

  it('orders by rank, then newest message or visit, then id', () => {
    const rows = [
      row({ id: 'idle', status: 'idle', active: false, visitStartedAt: 9000 }),
      row({ id: 'active-old', visitStartedAt: 2000 }),
      row({ id: 'active-new', visitStartedAt: 5000 }),
      row({ id: 'active-new-b', visitStartedAt: 5000 }),
      row({
        id: 'served',
        status: 'served',
        lastMessage: { id: 'm', from: 'agent', text: '', at: 8000 },
      }),
      row({ id: 'unserved', status: 'unserved' }),
      row({ id: 'triggered', status: 'triggered' }),
    ];
    expect(rows.sort(compareRows).map((r) => r.id)).toEqual([
      'unserved',
      'served',
      'triggered',
      'active-new',
      'active-new-b',
      'active-old',
      'idle',
    ]);
    // Activity alone (a heartbeat) never moves a row.
    expect(compareRows(row({ lastActivityAt: 1 }), row({ lastActivityAt: 9e12 }))).toBe(0);
  });
});
