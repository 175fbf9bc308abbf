// @vitest-environment node
/**
 * Several nodes in one process on one Postgres and one Redis (REDIS_URL): any node serves any
 * request with what one node gives. A visitor on node A, the agent API and feed on node B: the
 * same list, counts and search; messages both ways; typing; blocking; the HTTP transport split
 * over nodes; a node that stops beating, a fenced node, a Redis restart. Short heartbeat timings
 * (beat 100 ms, TTL 400 ms) keep it quick; every wait is a bounded condition.
 */
import Redis from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { usePostgres } from '../helpers/postgres';
import { redisAvailable, startRedis, type TestRedis } from '../helpers/redis';
import { addAutoMessage, api, hello, serve, sse, until, visit, type Frame } from './helpers';

const postgres = usePostgres();
const withRedis = redisAvailable();
const timing = { beatMs: 100, ttlMs: 400 };
let redis: TestRedis | undefined;
afterEach(async () => {
  await redis?.stop();
  redis = undefined;
});

let databaseUrl = '';

/** Starts a node of the current cluster. */
const node = (name: string) =>
  serve({ databaseUrl, redisUrl: redis!.url, nodeId: name, presenceTiming: timing });

/** Starts `n` nodes on a fresh database and a fresh Redis. */
async function cluster(n: number) {
  databaseUrl = await postgres.server().freshDatabase();
  redis = await startRedis();
  const nodes = [];
  for (let i = 0; i < n; i++) nodes.push(await node('node-' + 'abc'[i]));
  return nodes;
}

type Node = Awaited<ReturnType<typeof cluster>>[number];

/** The list as node `s` answers it. */
async function list(s: Node, query = '') {
  const r = await api(s, 'GET', '/api/visitors' + query);
  expect(r.status).toBe(200);
  return r.json as Frame;
}

const ids = (l: Frame) => l.visitors.map((v: Frame) => v.id);

/** The log entry of a feed event id (`<epoch>/<entry>/<index>`). */
const entry = (id: string) => id.split('/').slice(0, 2).join('/');

/** `POST /v1/frames` to node `s`. */
async function post(s: Node, body: unknown) {
  const r = await fetch(s.url + '/v1/frames?key=demo', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(r.status).toBe(200);
  return (await r.json()) as { frames: Frame[] };
}

describe.runIf(postgres.available && withRedis)('a cluster of nodes', () => {
  it('lists a visitor of node A on node B, with the same counts, search and order as node A', async () => {
    const [a, b] = await cluster(2);
    const feed = await sse(b.url + '/api/events', { authorization: 'Bearer ' + b.agentToken });
    const one = await visit(a.url, { profile: { name: 'Ada Lovelace' } });
    const two = await visit(b.url, {
      page: { url: 'http://shop.test/cart', title: 'Cart', referrer: '' },
    });
    await until(
      async () => (await list(b)).counts.all == 2 && (await list(a)).counts.all == 2,
      10_000,
    );
    const [onA, onB] = [await list(a), await list(b)];
    expect(ids(onB)).toEqual(ids(onA));
    expect(onB.counts).toEqual(onA.counts);
    expect(onB.counts).toMatchObject({ all: 2, customers: 1 });
    expect(ids(await list(b, '?q=lovelace'))).toEqual([one.vid]);
    expect(ids(await list(a, '?q=cart'))).toEqual([two.vid]);
    expect((await list(b, '?filter=customers')).total).toBe(1);
    expect((await list(a, '?limit=1&offset=1')).visitors).toHaveLength(1);
    const detail = await api(b, 'GET', '/api/visitors/' + one.vid);
    expect(detail.json).toMatchObject({ id: one.vid, name: 'Ada Lovelace', online: true });
    // The row that moved the counts and those counts came in one entry of the shared log.
    const row = await feed.next('visitor', (d) => d.id == one.vid, 10_000);
    const counts = feed.events.filter((e) => e.event == 'counts').map((e) => entry(e.id));
    expect(counts).toContain(entry(row._id));

    // A node that starts now loads the same list.
    const late = await node('node-late');
    expect(ids(await list(late))).toEqual(ids(onA));
    expect((await list(late)).counts).toEqual(onA.counts);

    // The visitor of A leaves: offline on B too, and the counts follow.
    one.c.close();
    await until(async () => (await list(b)).counts.all == 1, 10_000);
    expect(ids(await list(b))).toEqual([two.vid]);
  }, 30_000);

  it('carries messages both ways, typing and blocking between a visitor on A and an agent on B', async () => {
    const [a, b] = await cluster(2);
    const feed = await sse(b.url + '/api/events', { authorization: 'Bearer ' + b.agentToken });
    const { c, vid } = await visit(a.url);
    await feed.next('visitor', (d) => d.id == vid, 10_000);

    c.send({ t: 'msg', cid: 'm1', text: 'Hello from A', at: Date.now() });
    const ack = await c.next('ack');
    const seen = await feed.next('message', (d) => d.message.text == 'Hello from A', 10_000);
    expect(seen.message.id).toBe(ack.id);

    const reply = await api(b, 'POST', `/api/visitors/${vid}/messages`, { text: 'Hi from B' });
    expect(reply.status).toBe(201);
    let got = await c.next('msg', 10_000);
    // The bot greets first (no agent had replied yet).
    while (got.m.from == 'bot') got = await c.next('msg', 10_000);
    expect(got.m).toMatchObject({ from: 'agent', text: 'Hi from B', id: reply.json.message.id });

    await api(b, 'POST', `/api/visitors/${vid}/typing`, { on: true });
    expect(await c.next('typing', 10_000)).toMatchObject({ on: true });
    c.send({ t: 'typing', on: true });
    await feed.next('typing', (d) => d.visitorId == vid && d.on, 10_000);

    const blocked = await api(b, 'POST', `/api/visitors/${vid}/block`);
    expect(blocked.status).toBe(200);
    // Node B answers with the visitor as it is: online (on node A), blocked.
    expect(blocked.json.visitor).toMatchObject({ online: true, active: true, blocked: true });
    await c.next('blocked', 10_000);
    await until(async () => (await list(a, '?filter=blocked')).total == 1, 10_000);
    // Node A knows it too: a message from the blocked visitor is refused there.
    c.send({ t: 'msg', cid: 'm2', text: 'still here?', at: Date.now() });
    expect(await c.next('err', 10_000)).toMatchObject({ code: 'blocked' });
    expect((await api(b, 'DELETE', `/api/visitors/${vid}/block`)).status).toBe(200);
    await c.next('unblocked', 10_000);

    // One conversation across both nodes, each message once.
    const detail = await api(a, 'GET', '/api/visitors/' + vid);
    const texts = detail.json.messages
      .filter((m: Frame) => m.from != 'bot')
      .map((m: Frame) => m.text);
    expect(texts).toEqual(['Hello from A', 'Hi from B']);
  }, 30_000);

  it('answers an agent action on node B with the visitor as the cluster sees it (online on A)', async () => {
    const [a, b] = await cluster(2);
    const { c, vid } = await visit(a.url);
    await until(async () => (await list(b)).counts.all == 1, 10_000);
    const blocked = await api(b, 'POST', `/api/visitors/${vid}/block`);
    expect(blocked.status).toBe(200);
    expect(blocked.json.visitor).toMatchObject({ id: vid, online: true, blocked: true });
    await c.next('blocked', 10_000);
    const unblocked = await api(b, 'DELETE', `/api/visitors/${vid}/block`);
    expect(unblocked.json.visitor).toMatchObject({ id: vid, online: true, blocked: false });
  });

  it('opens a proactive chat from node B into a visitor on node A, who answers in it', async () => {
    const [a, b] = await cluster(2);
    const { c, vid } = await visit(a.url);
    await until(async () => (await list(b)).counts.all == 1, 10_000);
    const opened = await api(b, 'POST', `/api/visitors/${vid}/conversation`, {
      text: 'Need help?',
    });
    expect(opened.status).toBe(201);
    expect((await c.next('msg', 10_000)).m.text).toBe('Need help?');
    c.send({ t: 'msg', cid: 'p1', text: 'Yes please', at: Date.now() });
    await c.next('ack');
    await until(async () => (await list(b, '?filter=chatting')).total == 1, 10_000);
    const detail = await api(b, 'GET', '/api/visitors/' + vid);
    expect(detail.json.messages.map((m: Frame) => m.text)).toEqual(['Need help?', 'Yes please']);
  }, 30_000);

  it('begins a conversation started on node B with the auto message shown on node A, once', async () => {
    const [a, b] = await cluster(2);
    const rule = await addAutoMessage(a, 'Need a hand choosing a plan?');
    const first = await visit(a.url);
    const { vid, token } = first;
    first.c.send({ t: 'am', rule, text: 'Need a hand choosing a plan?' });
    await until(() => a.hub.visitors.get(vid)?.pendingAm != null, 10_000);
    await until(async () => (await list(b, '?filter=auto-message')).total == 1, 10_000);
    first.c.close();
    await until(async () => (await list(b)).counts.all == 0, 10_000);
    const said = async (s: Node) =>
      (await api(s, 'GET', '/api/visitors/' + vid)).json.messages
        .filter((m: Frame) => m.from != 'bot')
        .map((m: Frame) => m.from + ': ' + m.text);

    // The same visit goes on through node B.
    const second = await visit(b.url, { vid, token });
    second.c.send({ t: 'msg', cid: 'c1', text: 'Yes, which one?', at: Date.now() });
    await second.c.next('ack', 10_000);
    expect(await said(b)).toEqual([
      'trigger: Need a hand choosing a plan?',
      'visitor: Yes, which one?',
    ]);

    // Answered: a conversation started later in the visit, back on node A, begins without it.
    second.c.send({ t: 'end' });
    await until(async () => !(await api(a, 'GET', '/api/visitors/' + vid)).json.chatting, 10_000);
    second.c.close();
    const third = await visit(a.url, { vid, token });
    third.c.send({ t: 'msg', cid: 'c2', text: 'One more thing', at: Date.now() });
    await third.c.next('ack', 10_000);
    expect(await said(a)).toEqual(['visitor: One more thing']);
    third.c.close();
  }, 30_000);

  it('serves an HTTP visitor whose frames go to node B and whose event stream comes from node C', async () => {
    const [a, b, c] = await cluster(3);
    const h = hello();
    const first = await post(b, { vid: h.vid, frames: [h] });
    const token = first.frames[0]!.token as string;
    const stream = await sse(`${c.url}/v1/events?key=demo&vid=${h.vid}&token=${token}`);
    await until(async () => (await list(a)).counts.all == 1, 10_000);
    const answer = await post(b, {
      vid: h.vid,
      token,
      frames: [{ t: 'msg', cid: 'h1', text: 'over HTTP', at: Date.now() }],
    });
    expect(answer.frames.find((f) => f.t == 'ack')).toBeTruthy();
    const reply = await api(a, 'POST', `/api/visitors/${h.vid}/messages`, { text: 'reply to C' });
    expect(reply.status).toBe(201);
    const got = await stream.next(
      'message',
      (d) => d.t == 'msg' && d.m.text == 'reply to C',
      10_000,
    );
    expect(got.m.id).toBe(reply.json.message.id);
  }, 30_000);

  it('answers a visitor with the bot once, whichever node the agent feeds are on', async () => {
    const [a, b] = await cluster(2);
    const feedA = await sse(a.url + '/api/events', { authorization: 'Bearer ' + a.agentToken });
    const feedB = await sse(b.url + '/api/events', { authorization: 'Bearer ' + b.agentToken });
    const { c, vid } = await visit(a.url);
    c.send({ t: 'msg', cid: 'b1', text: 'hi', at: Date.now() });
    await c.next('ack');
    await feedB.next('message', (d) => d.visitorId == vid && d.message.from == 'bot', 10_000);
    await feedA.next('message', (d) => d.visitorId == vid && d.message.from == 'bot', 10_000);
    const detail = await api(b, 'GET', '/api/visitors/' + vid);
    expect(detail.json.messages.filter((m: Frame) => m.from == 'bot')).toHaveLength(1);
  }, 30_000);

  it('takes a node that stops beating for dead: its visitor goes offline on the others, and the node, fenced, closes its sockets', async () => {
    const [a, b] = await cluster(2);
    const { c, vid, token } = await visit(a.url);
    c.send({ t: 'msg', cid: 'f1', text: 'before the pause', at: Date.now() });
    await c.next('ack');
    await until(async () => (await list(b)).counts.all == 1, 10_000);
    // A long pause (or a partition): node A's heartbeat stops, its socket stays open.
    const resume = a.cluster!.connections.freeze();
    const stoppedAt = Date.now();
    await until(async () => (await list(b)).counts.all == 0, 15_000);
    expect(Date.now() - stoppedAt).toBeLessThan(15_000);
    resume();
    // Back, node A finds its registration gone: it closes its sockets so the widget moves.
    expect((await c.closed).code).toBe(1012);
    const again = await visit(b.url, { vid, token });
    expect(again.welcome.messages.map((m: Frame) => m.cid)).toContain('f1');
    // The outbox sends the message again: it is acknowledged once, with the same id.
    again.c.send({ t: 'msg', cid: 'f1', text: 'before the pause', at: Date.now() });
    const ack = await again.c.next('ack');
    expect(ack.id).toBe(again.welcome.messages.find((m: Frame) => m.cid == 'f1').id);
    await until(async () => (await list(a)).counts.all == 1, 10_000);
    const detail = await api(a, 'GET', '/api/visitors/' + vid);
    expect(detail.json.messages.filter((m: Frame) => m.cid == 'f1')).toHaveLength(1);
  }, 40_000);

  it('lists a visitor again when an offline row from an older view reaches the node that holds it', async () => {
    const [a, b] = await cluster(2);
    const feed = await sse(b.url + '/api/events', { authorization: 'Bearer ' + b.agentToken });
    const { c, vid } = await visit(a.url);
    await until(async () => ids(await list(b)).includes(vid), 10_000);
    // The race after a kill -9: the dead node's reaper took the visitor out of the presence set,
    // another node wrote its offline row (accepted: the visitor was in no node's set), and only
    // then did the node the widget reconnected to register its connection. The offline row
    // reaches that node after the reconnect, and nothing about the visitor changes afterwards.
    const raw = new Redis(redis!.url);
    try {
      await raw.srem('vc:online', vid);
      const row = (await list(b)).visitors.find((v: Frame) => v.id == vid);
      const json = JSON.stringify({ ...row, online: false, active: false });
      await b.cluster!.rows.write([{ vid, online: false, mask: 0, json }]);
      await raw.sadd('vc:online', vid);
    } finally {
      raw.disconnect();
    }
    await feed.next('visitor', (d) => d.id == vid && !d.online, 10_000);
    // Node A still holds the visitor: it lists it again, on every node.
    await feed.next('visitor', (d) => d.id == vid && d.online, 10_000);
    await until(
      async () => ids(await list(b)).includes(vid) && ids(await list(a)).includes(vid),
      10_000,
    );
    expect((await list(b)).counts.all).toBe(1);
    c.close();
    await until(async () => (await list(b)).counts.all == 0, 10_000);
  }, 30_000);

  it('unlists everywhere a visitor who leaves while Redis holds no row for it', async () => {
    // After Redis lost its data, a node's list keeps its rows until their nodes write them back
    // (cluster-rows.ts); a visitor who leaves before its node did must still go from every list.
    const [a, b] = await cluster(2);
    const one = await visit(a.url);
    await until(async () => (await list(b)).counts.all == 1, 10_000);
    const client = new Redis(redis!.url);
    try {
      expect(await client.hdel('vc:rows', one.vid)).toBe(1);
    } finally {
      client.disconnect();
    }
    one.c.close();
    await until(async () => (await list(b)).counts.all == 0, 10_000);
    expect(ids(await list(a))).toEqual([]);
  }, 30_000);

  it('brings a widget what it missed while Redis was down of a conversation its node had not heard of, and the close', async () => {
    const [a, b] = await cluster(2);
    const one = await visit(a.url);
    await api(b, 'POST', `/api/visitors/${one.vid}/conversation`, { text: 'Before' });
    expect((await one.c.next('msg')).m.text).toBe('Before');
    // Node B tells the others a visitor changed a moment after the agent's frame: when Redis goes
    // down in that moment, node A delivered the message but never heard of the conversation.
    const held = a.hub.visitors.get(one.vid)!;
    await until(() => held.conversation != null, 5000);
    held.conversation = null;
    await redis!.pause();
    const r = await api(b, 'POST', `/api/visitors/${one.vid}/messages`, { text: 'While down' });
    expect(r.status).toBe(201);
    expect((await api(b, 'DELETE', `/api/visitors/${one.vid}/conversation`)).status).toBe(200);
    await redis!.resume();
    expect((await one.c.next('msg', 15_000)).m.text).toBe('While down');
    expect((await one.c.next('msg', 15_000)).m.from).toBe('system');
    await one.c.next('closed', 15_000);
  }, 40_000);

  it('brings a widget every message written while Redis was down, more than a history page, in order', async () => {
    const [a, b] = await cluster(2);
    const one = await visit(a.url);
    await api(b, 'POST', `/api/visitors/${one.vid}/conversation`, { text: 'Before' });
    expect((await one.c.next('msg')).m.text).toBe('Before');
    await redis!.pause();
    const texts = Array.from({ length: 120 }, (_, i) => 'While down ' + i);
    for (const text of texts)
      expect((await api(b, 'POST', `/api/visitors/${one.vid}/messages`, { text })).status).toBe(
        201,
      );
    await redis!.resume();
    for (const text of texts) expect((await one.c.next('msg', 15_000)).m.text).toBe(text);
  }, 40_000);

  it('brings a widget its block made through another node while Redis was down, once Redis is back', async () => {
    const [a, b] = await cluster(2);
    const one = await visit(a.url);
    await redis!.pause();
    expect((await api(b, 'POST', `/api/visitors/${one.vid}/block`)).status).toBe(200);
    await redis!.resume();
    await one.c.next('blocked', 15_000);
  }, 40_000);

  it('brings a widget what another node could not publish while its own link to Redis stayed up', async () => {
    const [a, b] = await cluster(2);
    const one = await visit(a.url);
    await api(b, 'POST', `/api/visitors/${one.vid}/conversation`, { text: 'Before' });
    expect((await one.c.next('msg')).m.text).toBe('Before');
    // Every publish fails (node B's link, say), while node A's subscription stays up: node A
    // hears of nothing coming back, so only node B saying which visitors it missed helps.
    const publish = Redis.prototype.publish;
    Redis.prototype.publish = (() => Promise.reject(new Error('link down'))) as never;
    try {
      const r = await api(b, 'POST', `/api/visitors/${one.vid}/messages`, { text: 'Unpublished' });
      expect(r.status).toBe(201);
      await new Promise((r) => setTimeout(r, 300));
      expect(one.c.frames.filter((f) => f.t == 'msg')).toHaveLength(1);
    } finally {
      Redis.prototype.publish = publish;
    }
    expect((await one.c.next('msg', 15_000)).m.text).toBe('Unpublished');
  }, 40_000);

  it('does not bring a widget again, after Redis was down, a conversation closed before it connected', async () => {
    const [a, b] = await cluster(2);
    const first = await visit(b.url);
    await api(b, 'POST', `/api/visitors/${first.vid}/conversation`, { text: 'Earlier' });
    expect((await api(b, 'DELETE', `/api/visitors/${first.vid}/conversation`)).status).toBe(200);
    first.c.close();
    const again = await visit(a.url, { vid: first.vid, token: first.token, visits: 2 });
    expect(again.welcome.messages ?? []).toEqual([]);
    let back = false;
    a.cluster!.bus.onBack(() => (back = true));
    await redis!.restart(500);
    await until(() => back, 15_000);
    // The node's catch-up runs on the same signal; then a message sent now is the next frame.
    await new Promise((r) => setTimeout(r, 1000));
    await api(b, 'POST', `/api/visitors/${first.vid}/conversation`, { text: 'Now' });
    expect((await again.c.next('msg', 15_000)).m.text).toBe('Now');
    expect(again.c.frames.filter((f) => f.t == 'closed')).toEqual([]);
  }, 40_000);

  it("unlists everywhere a visitor who leaves while the nodes' subscriptions are reconnecting", async () => {
    const [a, b] = await cluster(2);
    const one = await visit(a.url);
    await until(async () => (await list(b)).counts.all == 1, 10_000);
    // As right after a Redis restart: the commands go through, the subscriptions are not back
    // yet. The node the visitor leaves did not hear its own "offline", so nobody unlisted it.
    const killer = new Redis(redis!.url);
    try {
      const end = Date.now() + 1000;
      const killing = (async () => {
        while (Date.now() < end) {
          await killer.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
          await new Promise((r) => setTimeout(r, 5));
        }
      })();
      await new Promise((r) => setTimeout(r, 100));
      one.c.close();
      await killing;
    } finally {
      killer.disconnect();
    }
    await until(
      async () => (await list(a)).counts.all == 0 && (await list(b)).counts.all == 0,
      10_000,
    );
  }, 30_000);

  it('shows the whole list again after Redis restarts', async () => {
    const [a, b] = await cluster(2);
    const one = await visit(a.url);
    const two = await visit(b.url);
    await until(async () => (await list(a)).counts.all == 2, 10_000);
    // Down for a while: /healthz says so and /metrics counts the failed calls.
    const restarting = redis!.restart(1500);
    const health = await until(async () => {
      const r = await fetch(a.url + '/healthz');
      return r.status == 503 && ((await r.json()) as Frame);
    }, 10_000);
    expect(health).toMatchObject({ ok: false, presence: 'redis', down: ['redis'] });
    await restarting;
    const restartedAt = Date.now();
    await until(async () => {
      const [onA, onB] = [await list(a), await list(b)];
      return onA.counts.all == 2 && onB.counts.all == 2 && ids(onA).length == 2;
    }, 15_000);
    expect(Date.now() - restartedAt).toBeLessThan(15_000);
    expect(ids(await list(b)).sort()).toEqual([one.vid, two.vid].sort());
    await until(async () => (await fetch(a.url + '/healthz')).status == 200, 10_000);
    const metrics = await fetch(a.url + '/metrics', {
      headers: { authorization: 'Bearer ' + a.agentToken },
    });
    const errors = /^visitor_chat_redis_errors_total (\d+)/m.exec(await metrics.text());
    expect(Number(errors?.[1])).toBeGreaterThan(0);
    // And it goes on: a visitor leaving is seen everywhere.
    one.c.close();
    await until(async () => (await list(b)).counts.all == 1, 10_000);
  }, 40_000);
});
