/**
 * Two server processes on one Postgres and one Redis, with the default heartbeat: the node a
 * visitor is on is killed without warning (kill -9); its visitor is offline on the other node
 * within 15 s, reconnects there, and the conversation carries on with nothing lost or doubled.
 */
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usePostgres } from '../helpers/postgres';
import { redisAvailable, startRedis, type TestRedis } from '../helpers/redis';
import { api, until, visit, type Frame } from '../server/helpers';
import { startNode, type NodeProcess } from './node-process';

const AGENT_TOKEN = 'cluster-agent-token-0123456789';
const postgres = usePostgres();
const withRedis = redisAvailable();
let redis: TestRedis | undefined;
const nodes: NodeProcess[] = [];
beforeAll(async () => {
  if (withRedis) redis = await startRedis();
}, 30_000);
afterAll(async () => {
  for (const n of nodes) if (n.proc.exitCode == null && n.proc.signalCode == null) n.proc.kill();
  await Promise.all(nodes.map((n) => n.exited));
  await redis?.stop();
});

async function node(databaseUrl: string, id: string) {
  const n = await startNode({
    DATABASE_URL: databaseUrl,
    REDIS_URL: redis!.url,
    NODE_ID: id,
    AGENT_TOKEN,
  });
  nodes.push(n);
  return { ...n, agentToken: AGENT_TOKEN } as NodeProcess & { agentToken: string };
}

describe.runIf(postgres.available && withRedis)('a node killed without warning', () => {
  it('has its visitor offline on the other node within 15 s; the visitor carries on there, nothing lost or doubled', async () => {
    const databaseUrl = await postgres.server().freshDatabase();
    const a = await node(databaseUrl, 'node-a');
    const b = await node(databaseUrl, 'node-b');
    const health = await (await fetch(b.url + '/healthz')).json();
    expect(health).toMatchObject({ ok: true, node: 'node-b', db: 'postgres', presence: 'redis' });
    const count = async () =>
      ((await api(b as never, 'GET', '/api/visitors')).json as Frame).counts.all as number;

    const { c, vid, token } = await visit(a.url);
    c.send({ t: 'msg', cid: 'k1', text: 'acknowledged before the crash', at: Date.now() });
    const acked = await c.next('ack', 5000);
    await until(async () => (await count()) == 1, 10_000);

    a.proc.kill('SIGKILL');
    const killedAt = Date.now();
    expect(await a.exited).toBe('SIGKILL');
    await until(async () => (await count()) == 0, 20_000);
    const convergence = Date.now() - killedAt;
    expect(convergence).toBeLessThan(15_000);

    // The widget reconnects (through the balancer: to node B) and sends its outbox again.
    const again = await visit(b.url, { vid, token });
    expect(again.welcome.messages.map((m: Frame) => m.id)).toContain(acked.id);
    again.c.send({ t: 'msg', cid: 'k1', text: 'acknowledged before the crash', at: Date.now() });
    expect((await again.c.next('ack', 5000)).id).toBe(acked.id);
    again.c.send({ t: 'msg', cid: 'k2', text: 'after the crash', at: Date.now() });
    await again.c.next('ack', 5000);
    await until(async () => (await count()) == 1, 10_000);
    const reply = await api(b as never, 'POST', `/api/visitors/${vid}/messages`, {
      text: 'still here',
    });
    expect(reply.status).toBe(201);
    const detail = (await api(b as never, 'GET', '/api/visitors/' + vid)).json as Frame;
    const mine = detail.messages.filter((m: Frame) => m.from != 'bot').map((m: Frame) => m.text);
    expect(mine).toEqual(['acknowledged before the crash', 'after the crash', 'still here']);
    again.c.close();
  }, 60_000);

  it('takes a known visitor back under its own id on the other node right after the kill, before it is taken for dead', async () => {
    const databaseUrl = await postgres.server().freshDatabase();
    const a = await node(databaseUrl, 'node-c');
    const b = await node(databaseUrl, 'node-d');
    const { c, vid, token, welcome } = await visit(a.url);
    expect(typeof welcome.token).toBe('string');
    // A closed conversation, then an open one with messages both ways: the state a node loads.
    c.send({ t: 'msg', cid: 'o1', text: 'an older question', at: Date.now() });
    await c.next('ack', 5000);
    expect((await api(a as never, 'DELETE', `/api/visitors/${vid}/conversation`)).status).toBe(200);
    const opened = await api(a as never, 'POST', `/api/visitors/${vid}/conversation`, {
      text: 'Can I help?',
    });
    expect(opened.status).toBe(201);
    c.send({ t: 'msg', cid: 'o2', text: 'yes please', at: Date.now() });
    await c.next('ack', 5000);

    // Incarnations the others took for dead (`vc:dead:<inc>`, connections-redis.ts).
    const raw = new Redis(redis!.url);
    const dead = async () => (await raw.keys('vc:dead:*')).length;
    try {
      const deadBefore = await dead();
      a.proc.kill('SIGKILL');
      expect(await a.exited).toBe('SIGKILL');
      // At once, while node B still counts node A alive: the widget's hello with its id and token.
      const again = await visit(b.url, { vid, token });
      expect(again.welcome.vid).toBe(vid);
      expect(again.welcome.token).toBeUndefined();
      const mine = again.welcome.messages.filter((m: Frame) => m.from != 'bot');
      expect(mine.map((m: Frame) => m.text)).toEqual(['Can I help?', 'yes please']);
      // Node B then takes node A for dead and its visitors offline: this one, connected to B,
      // is listed online once that is done.
      await until(async () => (await dead()) > deadBefore, 20_000);
      await until(
        async () =>
          ((await api(b as never, 'GET', '/api/visitors?q=' + vid)).json as Frame).visitors.some(
            (v: Frame) => v.id == vid && v.online,
          ),
        10_000,
      );
      const reply = await api(b as never, 'POST', `/api/visitors/${vid}/messages`, {
        text: 'here',
      });
      expect(reply.status).toBe(201);
      expect((await again.c.next('msg', 5000)).m.text).toBe('here');
      again.c.close();
    } finally {
      raw.disconnect();
    }
  }, 60_000);
});
