/**
 * The cluster harness itself (test/helpers/cluster.ts), on what needs no Redis: three built
 * server processes on one Postgres behind the documented nginx. nginx spreads requests over the
 * nodes, what one node stores another reads, a node killed with kill -9 is passed over, and it
 * comes back on the same port; while Postgres is down every node's 503 reaches the client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../helpers/cluster';
import { nginxAvailable } from '../helpers/nginx';
import { postgresAvailable } from '../helpers/postgres';
import { visit } from '../server/helpers';

const runs = postgresAvailable() && nginxAvailable();
const health = async (base: string) => (await fetch(base + '/healthz')).json();

describe.runIf(runs)('three nodes on one Postgres behind nginx', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster({ nodes: 3, redis: false });
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('spreads requests over every node, each with its NODE_ID and Postgres', async () => {
    const seen = new Set<string>();
    // nginx picks a node by the hash of a random id (docs/nginx/): every node answers within a
    // few dozen requests; one missing from 100 is a chance of about 1 in 10^17.
    for (let i = 0; i < 100 && seen.size < 3; i++) {
      const h = await health(cluster.url);
      expect(h).toMatchObject({ ok: true, db: 'postgres' });
      seen.add(h.node);
    }
    expect([...seen].sort()).toEqual(['node-1', 'node-2', 'node-3']);
  });

  it('reads on one node what a visitor wrote through another', async () => {
    const [a, b] = cluster.nodes;
    const { c, vid } = await visit(a!.url);
    c.send({ t: 'msg', cid: 'h1', text: 'stored on node-1', at: Date.now() });
    await c.next('ack');
    const res = await fetch(`${b!.url}/api/visitors/${vid}`, {
      headers: { authorization: 'Bearer ' + cluster.agentToken },
    });
    expect(res.status).toBe(200);
    const detail = await res.json();
    expect(detail.messages.map((m: { text: string }) => m.text)).toContain('stored on node-1');
  });

  it('passes over a node killed with kill -9, and takes it back once it runs again', async () => {
    const victim = cluster.nodes[1]!;
    await victim.kill();
    expect(victim.running()).toBe(false);
    for (let i = 0; i < 6; i++) {
      const res = await fetch(cluster.url + '/healthz');
      expect(res.status).toBe(200);
      expect((await res.json()).node).not.toBe(victim.id);
    }
    await victim.start();
    expect(await health(victim.url)).toMatchObject({ ok: true, node: victim.id });
  });

  it("passes every node's 503 through while Postgres is down, and serves again once it is back", async () => {
    const { c, vid } = await visit(cluster.nodes[0]!.url);
    c.close();
    const write = () =>
      fetch(`${cluster.url}/api/visitors/${vid}/conversation`, {
        method: 'POST',
        headers: {
          authorization: 'Bearer ' + cluster.agentToken,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ text: 'while the database is down' }),
      });
    await cluster.stopPostgres();
    try {
      // More requests than nodes, health checks (GET) and writes (POST): each gets the answer
      // of a node, none an error page of nginx's own (502: no node left to ask).
      for (let i = 0; i < cluster.nodes.length + 2; i++) {
        const h = await fetch(cluster.url + '/healthz');
        expect(h.status).toBe(503);
        expect((await h.json()).down).toEqual(['postgres']);
        const res = await write();
        expect(res.status).toBe(503);
        expect((await res.json()).error).toBe('unavailable');
      }
    } finally {
      await cluster.startPostgres();
    }
    await expect.poll(async () => (await write()).status, { timeout: 20_000 }).toBe(201);
  });

  it('stops a node with SIGTERM: exit 0', async () => {
    const node = cluster.nodes[2]!;
    expect(await node.terminate()).toBe(0);
    expect(node.output()).toMatch(/SIGTERM: stopping/);
    await node.start();
    expect(node.running()).toBe(true);
  });
});
