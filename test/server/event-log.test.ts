// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { createMemoryEventLog, type LoggedEvent } from '../../demo/server/event-log';

const ev = (data: string) => ({ event: 'message' as const, data });

describe('the in-memory event log', () => {
  it('gives every event an id and replays what followed an id, in order', () => {
    const log = createMemoryEventLog({ boot: 'b1' });
    const heard: LoggedEvent[][] = [];
    log.subscribe((batch) => heard.push(batch));
    log.append([ev('"a"'), ev('"b"')]);
    log.append([ev('"c"')]);
    expect(heard.map((b) => b.map((e) => e.data))).toEqual([['"a"', '"b"'], ['"c"']]);
    const ids = heard.flat().map((e) => e.id);
    expect(new Set(ids).size).toBe(3);
    expect(log.lastId()).toBe(ids[2]);
    expect(log.since(ids[0]!)).toEqual(heard.flat().slice(1));
    expect(log.since(ids[2]!)).toEqual([]);
  });

  it('answers reset for an id it never gave, from another process, or beyond its newest', () => {
    const log = createMemoryEventLog({ boot: 'b1' });
    log.append([ev('1')]);
    expect(log.since('nonsense')).toBe('reset');
    expect(log.since('b0-1')).toBe('reset');
    expect(log.since('b1-7')).toBe('reset');
    expect(log.since('b1--1')).toBe('reset');
    // Before any event, the starting id resumes with nothing missed.
    const empty = createMemoryEventLog({ boot: 'b2' });
    expect(empty.since(empty.lastId())).toEqual([]);
  });

  it('keeps events for the retention window, then answers reset for ids before it', () => {
    let now = 0;
    const log = createMemoryEventLog({ boot: 'b', retentionMs: 600_000, now: () => now });
    log.append([ev('old')]);
    const old = log.lastId();
    now = 300_000;
    log.append([ev('mid')]);
    const mid = log.lastId();
    now = 599_999;
    expect(log.since(old)).toHaveLength(1);
    now = 900_001;
    log.append([ev('new')]);
    // "old" is gone, so resuming after it would miss "mid": reset. After "mid": no gap.
    expect(log.since(old)).toBe('reset');
    expect((log.since(mid) as LoggedEvent[]).map((e) => e.data)).toEqual(['new']);
  });

  it('stays within its memory bound by dropping the oldest events first', () => {
    const log = createMemoryEventLog({ boot: 'b', maxChars: 1000 });
    const first = log.lastId();
    for (let i = 0; i < 5000; i++) log.append([ev('x'.repeat(100))]);
    const kept = log.since(log.lastId());
    expect(kept).toEqual([]);
    expect(log.since(first)).toBe('reset');
    // Only about maxChars of data remain replayable.
    let oldestKept = '';
    for (let back = 1; back < 20; back++) {
      const id = 'b-' + (5000 - back);
      if (log.since(id) != 'reset') oldestKept = id;
    }
    expect(oldestKept).not.toBe('');
    expect((log.since(oldestKept) as LoggedEvent[]).length).toBeLessThanOrEqual(10);
  });

  it('stops telling a listener once it unsubscribed', () => {
    const log = createMemoryEventLog();
    let n = 0;
    const off = log.subscribe(() => n++);
    log.append([ev('1')]);
    off();
    log.append([ev('2')]);
    expect(n).toBe(1);
  });
});
