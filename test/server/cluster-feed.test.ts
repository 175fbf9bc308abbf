// @vitest-environment node
/**
 * The agent feed across two nodes sharing Postgres and a Redis feed log: an agent on node B sees
 * what a visitor does on node A, and a feed that reconnects to the other node with
 * `Last-Event-ID` resumes with no gap.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisEventLog } from '../../demo/server/event-log-redis';
import { quietLogger } from '../../demo/server/log';
import { usePostgres } from '../helpers/postgres';
import { redisAvailable, startRedis, type TestRedis } from '../helpers/redis';
import { serve, sse, visit } from './helpers';

const postgres = usePostgres();
const withRedis = redisAvailable();
let redis: TestRedis | undefined;
beforeAll(async () => {
  if (withRedis) redis = await startRedis();
}, 30_000);
afterAll(async () => {
  await redis?.stop();
});

async function twoNodes() {
  const databaseUrl = await postgres.server().freshDatabase();
  const node = async () =>
    serve({
      databaseUrl,
      events: await createRedisEventLog({ url: redis!.url, log: quietLogger }),
    });
  return [await node(), await node()] as const;
}

describe.runIf(postgres.available && withRedis)('the agent feed across nodes', () => {
  it("shows on node B what a visitor does on node A, and resumes on A from B's ids", async () => {
    const [a, b] = await twoNodes();
    const auth = { authorization: 'Bearer ' + b.agentToken };
    const onB = await sse(b.url + '/api/events', auth);
    const { c, vid } = await visit(a.url);
    c.send({ t: 'msg', cid: 'x1', text: 'one', at: Date.now() });
    await c.next('ack');
    const first = await onB.next('message', (d) => d.message.text == 'one', 5000);
    expect(first.visitorId).toBe(vid);
    onB.close();
    // While no feed is open, two more messages; then a feed on node A resumes after "one".
    c.send({ t: 'msg', cid: 'x2', text: 'two', at: Date.now() });
    await c.next('ack');
    c.send({ t: 'msg', cid: 'x3', text: 'three', at: Date.now() });
    await c.next('ack');
    const onA = await sse(a.url + '/api/events', { ...auth, 'last-event-id': first._id });
    await onA.next('message', (d) => d.message.text == 'three', 5000);
    const texts = onA.events
      .filter((e) => e.event == 'message')
      .map((e) => JSON.parse(e.data).message.text)
      .filter((t: string) => ['one', 'two', 'three'].includes(t));
    expect(texts).toEqual(['two', 'three']);
  });
});
