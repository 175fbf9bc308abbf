/**
 * Two server processes on one Postgres and one Redis, with the default heartbeat: the node a
 * visitor is on is killed without warning (kill -9); its visitor is offline on the other node
 * within 15 s, reconnects there, and the conversation carries on with nothing lost or doubled.
 */
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
});
