// @vitest-environment node
/**
 * The agent feed's retention log in a Redis Stream: what one node appends every node hears in
 * the same order, an id from one node resumes on another, and a gap (trimmed, or Redis lost its
 * data) is answered with `reset`, never skipped silently.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventLog, LoggedEvent } from '../../demo/server/event-log';
import { createRedisEventLog } from '../../demo/server/event-log-redis';
import { quietLogger } from '../../demo/server/log';
import { redisAvailable, startRedis, type TestRedis } from '../helpers/redis';
import { until } from './helpers';

let redis: TestRedis | undefined;
const withRedis = redisAvailable();
beforeAll(async () => {
  if (withRedis) redis = await startRedis();
}, 30_000);
const logs: EventLog[] = [];
afterAll(async () => {
  for (const l of logs) l.close();
  await redis?.stop();
});

async function node(retentionMs?: number) {
  const l = await createRedisEventLog({ url: redis!.url, log: quietLogger, retentionMs });
  logs.push(l);
  const heard: LoggedEvent[][] = [];
  l.subscribe((b) => heard.push(b));
  return { l, heard };
}

const ev = (n: number) => ({ event: 'typing' as const, data: JSON.stringify({ n }) });

describe.runIf(withRedis)('the Redis feed log', () => {
  it('hands every node the batches of every node, whole and in one order', async () => {
    const a = await node();
    const b = await node();
    a.l.append([ev(1), ev(2)]);
    await until(() => b.heard.length == 1, 10_000);
    b.l.append([ev(3)]);
    await until(() => a.heard.length == 2 && b.heard.length == 2, 10_000);
    const ids = (h: LoggedEvent[][]) => h.map((batch) => batch.map((e) => e.id));
    expect(ids(a.heard)).toEqual(ids(b.heard));
    expect(a.heard[0]!.map((e) => JSON.parse(e.data).n)).toEqual([1, 2]);
    expect(a.l.lastId()).toBe(b.heard[1]![0]!.id);
  });

  it('hands a long read over in turns, letting other work run between them, in order and whole', async () => {
    const a = await node();
    const b = await createRedisEventLog({ url: redis!.url, log: quietLogger });
    logs.push(b);
    const heard: number[] = [];
    let ranBetween = -1;
    b.subscribe((batch) => {
      for (const e of batch) {
        const n = JSON.parse(e.data).n as number;
        if (n == -1)
          // While this node is busy here, 20 batches are appended (by another client): its
          // next read brings them all at once.
          execFileSync('redis-cli', ['-u', redis!.url], {
            input: Array.from(
              { length: 20 },
              (_, k) => `XADD vc:feed * events '${JSON.stringify([ev(k)])}'\n`,
            ).join(''),
          });
        if (n == 0) setImmediate(() => (ranBetween = heard.length));
        heard.push(n);
      }
      // A busy listener: 20 batches take 40 ms.
      const end = performance.now() + 2;
      while (performance.now() < end);
    });
    a.l.append([ev(-1)]);
    await until(() => heard.length == 21, 10_000);
    expect(heard).toEqual(Array.from({ length: 21 }, (_, n) => n - 1));
    // Other work ran after a few of the 20, not after all of them.
    expect(ranBetween).toBeGreaterThan(1);
    expect(ranBetween).toBeLessThan(21);
  });

  it('resumes on another node from any id, mid-batch included, with no gap', async () => {
    const a = await node();
    const b = await node();
    const start = a.l.lastId();
    a.l.append([ev(10), ev(11)]);
    a.l.append([ev(12)]);
    await until(() => a.heard.length == 2 && b.heard.length == 2, 10_000);
    const all = a.heard.flat();
    expect(((await b.l.since(start)) as LoggedEvent[]).map((e) => e.data)).toEqual(
      all.map((e) => e.data),
    );
    expect(((await b.l.since(all[0]!.id)) as LoggedEvent[]).map((e) => e.id)).toEqual(
      all.slice(1).map((e) => e.id),
    );
    expect(await b.l.since(all[2]!.id)).toEqual([]);
  });

  it('answers reset for ids it cannot resume: unknown, trimmed, or from before Redis lost its data', async () => {
    const a = await node(50);
    expect(await a.l.since('not-an-id')).toBe('reset');
    a.l.append([ev(20)]);
    await until(() => a.heard.length == 1, 10_000);
    const old = a.heard[0]![0]!.id;
    await new Promise((r) => setTimeout(r, 100));
    // Appending trims what is older than the retention (50 ms here).
    for (let i = 0; i < 200; i++) a.l.append([ev(21 + i)]);
    await until(() => a.heard.length == 201, 10_000);
    expect(await a.l.since(old)).toBe('reset');

    const b = await node();
    const before = b.l.lastId();
    await redis!.restart();
    await until(() => b.heard.some((batch) => batch[0]!.event == 'reset'), 10_000);
    expect(await b.l.since(before)).toBe('reset');
    b.l.append([ev(500)]);
    await until(() => b.heard.some((batch) => batch[0]!.data == ev(500).data), 10_000);
  });
});
