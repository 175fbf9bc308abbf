// @vitest-environment node
/**
 * The connection registry (who is connected, across nodes): in memory for one node, and in
 * Redis for a cluster, where nodes die, pause and outlive a Redis restart. Short heartbeat
 * timings (beat 100 ms, TTL 400 ms) keep it quick; the waits are conditions with bounds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryConnections, type Connections } from '../../demo/server/connections';
import { createRedisConnections } from '../../demo/server/connections-redis';
import { quietLogger } from '../../demo/server/log';
import { redisAvailable, startRedis, type TestRedis } from '../helpers/redis';
import { until } from './helpers';

const timing = { beatMs: 100, ttlMs: 400 };
let redis: TestRedis | undefined;
const withRedis = redisAvailable();
beforeAll(async () => {
  if (withRedis) redis = await startRedis();
}, 30_000);
afterAll(async () => {
  await redis?.stop();
});

let nodes = 0;
const open: Connections[] = [];
async function node() {
  const c = await createRedisConnections({
    url: redis!.url,
    node: 'n' + ++nodes,
    log: quietLogger,
    timing,
  });
  open.push(c);
  return c;
}
afterAll(async () => {
  await Promise.all(open.map((c) => c.close()));
});

/** Records what a registry hears. */
function changes(c: Connections) {
  const seen: string[] = [];
  c.onChange((vid, online) => seen.push(`${vid} ${online ? 'online' : 'offline'}`));
  return seen;
}

describe('the memory connection registry', () => {
  it('counts a visitor online while any of its connections is open', async () => {
    const c = createMemoryConnections();
    const seen = changes(c);
    c.opened('a');
    c.opened('a');
    c.opened('b');
    expect(await c.onlineCount()).toBe(2);
    c.closed('a');
    expect(await c.isOnline('a')).toBe(true);
    c.closed('a');
    c.closed('a');
    expect(await c.isOnline('a')).toBe(false);
    expect(await c.onlineCount()).toBe(1);
    expect(seen).toEqual(['a online', 'b online', 'a offline']);
  });
});

describe.runIf(withRedis)('the Redis connection registry', () => {
  it('keeps a visitor with tabs on two nodes online until both are gone, and every node hears it', async () => {
    const a = await node();
    const b = await node();
    const onB = changes(b);
    const vid = 'two-tabs';
    a.opened(vid);
    b.opened(vid);
    await until(() => onB.includes(`${vid} online`));
    expect(await a.isOnline(vid)).toBe(true);
    a.closed(vid);
    await until(async () => (await b.isOnline(vid)) && (await a.onlineCount()) >= 1);
    expect(await b.isOnline(vid)).toBe(true);
    b.closed(vid);
    await until(() => onB.includes(`${vid} offline`));
    expect(await a.isOnline(vid)).toBe(false);
    expect(onB.filter((e) => e.startsWith(vid))).toEqual([`${vid} online`, `${vid} offline`]);
  });

  it('takes a node that stops beating for dead: its visitors go offline on the others within TTL + beat', async () => {
    const doomed = await createRedisConnections({
      url: redis!.url,
      node: 'doomed',
      log: quietLogger,
      timing,
    });
    open.push(doomed);
    const survivor = await node();
    const seen = changes(survivor);
    doomed.opened('lost-1');
    doomed.opened('lost-2');
    survivor.opened('kept');
    doomed.opened('kept');
    await until(async () => (await survivor.isOnline('lost-2')) && seen.length >= 3);
    // A kill -9: no goodbye, the heartbeat just stops.
    const stoppedAt = Date.now();
    doomed.freeze();
    await until(() => seen.includes('lost-1 offline') && seen.includes('lost-2 offline'), 5000);
    expect(Date.now() - stoppedAt).toBeLessThan(timing.ttlMs + 3 * timing.beatMs + 1000);
    expect(await survivor.isOnline('lost-1')).toBe(false);
    expect(await survivor.isOnline('kept')).toBe(true);
    expect(seen).not.toContain('kept offline');
  });

  it('fences a node whose registration the others removed (a long pause): it closes its sockets', async () => {
    const paused = await createRedisConnections({
      url: redis!.url,
      node: 'paused',
      log: quietLogger,
      timing,
    });
    open.push(paused);
    const other = await node();
    let fenced = 0;
    paused.onFenced(() => {
      fenced++;
      // What the server does: close the sockets, so the widgets reconnect (elsewhere).
      paused.closed('paused-visitor');
    });
    paused.opened('paused-visitor');
    await until(() => other.isOnline('paused-visitor'));
    const resume = paused.freeze();
    await until(async () => !(await other.isOnline('paused-visitor')), 5000);
    resume();
    await until(() => fenced == 1, 5000);
    // It goes on under a new registration: new connections count again.
    paused.opened('after-fence');
    await until(() => other.isOnline('after-fence'), 5000);
  });

  it('writes its connections back after a Redis restart', async () => {
    const a = await node();
    a.opened('survives-restart');
    await until(() => a.isOnline('survives-restart'));
    await redis!.restart();
    await until(
      async () => (await a.isOnline('survives-restart').catch(() => false)) === true,
      5000,
    );
    expect(await a.onlineCount()).toBeGreaterThanOrEqual(1);
  });
});
