/**
 * The agent feed's retention log in a Redis Stream, for a cluster (DESIGN.md §8): every node
 * appends its batches to one stream (`vc:feed`, trimmed by age with MINID), every node reads it
 * back in the same order, so an event id from any node resumes on any other. One stream entry
 * is one batch (rows and their counts stay together); an event id is `<epoch>/<entry>/<index>`
 * (`*` for the index: the whole entry, as where a node stood when it started).
 * The epoch is a random name kept in Redis: after Redis lost its data it is new, and an id of
 * the old epoch gets `reset` instead of a silent gap, as does an id whose entry was trimmed.
 */
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { RETENTION_MS, type EventLog, type FeedEventInput, type LoggedEvent } from './event-log';
import type { Logger } from './log';
import { connectRedis, redisReason } from './redis-errors';

const STREAM = 'vc:feed';
const EPOCH = 'vc:feed:epoch';

/** Longest the reader hands entries over before it lets other work run. */
const TURN_MS = 4;

/** Parses `<epoch>/<entry>/<index>`; undefined when it is not one of ours. */
function parseId(id: string) {
  const m = /^([\w-]{1,40})\/(\d{1,15}-\d{1,15})\/(\*|\d{1,6})$/.exec(id);
  return m
    ? { epoch: m[1]!, entry: m[2]!, index: m[3] == '*' ? Infinity : Number(m[3]) }
    : undefined;
}

/** Creates the log; resolves once it reads the stream. */
export async function createRedisEventLog(o: {
  url: string;
  log: Logger;
  retentionMs?: number;
  onError?: () => void;
}): Promise<EventLog> {
  const retentionMs = o.retentionMs ?? RETENTION_MS;
  const options = { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true };
  const redis = new Redis(o.url, options);
  const reader = new Redis(o.url, { ...options, maxRetriesPerRequest: null });
  redis.on('error', () => {});
  reader.on('error', () => {});
  await connectRedis(redis, reader);
  const listeners = new Set<(batch: LoggedEvent[]) => void>();
  let closed = false;
  let warned = false;

  const failed = (what: string) => (e: unknown) => {
    o.onError?.();
    if (!warned) o.log.warn(`redis feed log: ${what} failed: ${redisReason(e)}`);
    warned = true;
  };

  /**
   * The epoch in Redis, made when missing (first node, or after Redis lost its data). One round
   * trip: the reader asks before every XREAD, and each round trip there is time an event
   * appended meanwhile waits to reach this node's feeds.
   */
  async function currentEpoch(): Promise<string> {
    const r = await redis
      .pipeline()
      .set(EPOCH, randomBytes(6).toString('base64url'), 'NX')
      .get(EPOCH)
      .exec();
    const failure = r?.find(([e]) => e)?.[0];
    if (!r || failure) throw failure ?? new Error('no answer');
    return r[1]![1] as string;
  }

  /** The newest entry id (`0-0` when none). */
  async function lastEntry(): Promise<string> {
    const r = (await redis.xrevrange(STREAM, '+', '-', 'COUNT', 1)) as [string, string[]][];
    return r[0]?.[0] ?? '0-0';
  }

  let epoch = await currentEpoch();
  /** Where this node's reader stands: every event up to it was handed to the listeners. */
  let last = { entry: await lastEntry(), index: Infinity };

  const toEvents = (entry: string, fields: string[]): LoggedEvent[] => {
    const i = fields.indexOf('events');
    let list: FeedEventInput[] = [];
    try {
      list = JSON.parse(fields[i + 1] ?? '[]');
    } catch {
      list = [];
    }
    return list.map((e, n) => ({ id: `${epoch}/${entry}/${n}`, event: e.event, data: e.data }));
  };

  const hand = (batch: LoggedEvent[]) => {
    if (batch.length) for (const l of listeners) l(batch);
  };

  /** Reads what every node appends, in stream order, and hands each batch to the listeners. */
  async function read() {
    while (!closed) {
      try {
        const now = await currentEpoch();
        if (now != epoch) {
          // Redis lost its data: what was in between is gone; the pages start again.
          epoch = now;
          last = { entry: '0-0', index: Infinity };
          hand([{ id: `${epoch}/0-0/*`, event: 'reset', data: '{}' }]);
        }
        const r = (await reader.xread(
          'COUNT',
          200,
          'BLOCK',
          2000,
          'STREAMS',
          STREAM,
          last.entry,
        )) as [string, [string, string[]][]][] | null;
        let turn = performance.now();
        for (const [entry, fields] of r?.[0]?.[1] ?? []) {
          const events = toEvents(entry, fields);
          last = { entry, index: events.length - 1 };
          hand(events);
          // A long read (a node catching up, a burst of rows) is handed over in turns, so the
          // requests and frames waiting meanwhile are answered between them.
          if (performance.now() - turn > TURN_MS) {
            await new Promise((go) => setImmediate(go));
            if (closed) return;
            turn = performance.now();
          }
        }
        warned = false;
      } catch (e) {
        if (closed) return;
        failed('reading')(e);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }
  void read();

  return {
    append(batch) {
      if (!batch.length) return;
      const minId = String(Date.now() - retentionMs);
      redis
        // Exact trimming: `max-deleted-entry-id` then says precisely what is gone.
        .xadd(STREAM, 'MINID', minId, '*', 'events', JSON.stringify(batch))
        .catch(failed('appending'));
    },
    async since(id) {
      const p = parseId(id);
      if (!p || p.epoch != (await currentEpoch())) return 'reset';
      // No gap only while the entry of `id` is still kept (trimming drops the oldest first);
      // `0-0` (a node that started on an empty stream) only while nothing was ever trimmed.
      if (p.entry == '0-0') {
        const info = (await redis.call('XINFO', 'STREAM', STREAM).catch(() => null)) as
          (string | number)[] | null;
        const field = (name: string) => Number(info?.[info.indexOf(name) + 1] ?? 0);
        if (info && field('entries-added') != field('length')) return 'reset';
      } else if (!(await redis.xrange(STREAM, p.entry, p.entry)).length) return 'reset';
      const out: LoggedEvent[] = [];
      // The rest of the entry `id` is in (unless it was all seen), then every later entry.
      let start = p.index == Infinity ? '(' + p.entry : p.entry;
      for (;;) {
        const r = (await redis.xrange(STREAM, start, '+', 'COUNT', 500)) as [string, string[]][];
        for (const [entry, fields] of r)
          out.push(...toEvents(entry, fields).slice(entry == p.entry ? p.index + 1 : 0));
        if (r.length < 500) break;
        start = '(' + r[r.length - 1]![0];
      }
      return out;
    },
    lastId: () => `${epoch}/${last.entry}/${last.index == Infinity ? '*' : last.index}`,
    subscribe(fn) {
      listeners.add(fn);
      return () => void listeners.delete(fn);
    },
    close() {
      closed = true;
      listeners.clear();
      redis.disconnect();
      reader.disconnect();
    },
  };
}
