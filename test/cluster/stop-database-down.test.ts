/**
 * SIGTERM on a Postgres node: exit 0 only when what was pending is written. A node told to stop
 * while its database does not answer cannot write the activity it batches (written every 5 s):
 * it says what it did not write, in one line, and exits 1, so a process manager and the operator
 * do not take the stop for a clean one. With the database up, the same stop exits 0 in 10 s.
 */
import { describe, expect, it } from 'vitest';
import { usePostgres } from '../helpers/postgres';
import { visit } from '../server/helpers';
import { startNode } from './node-process';

const pg = usePostgres();
const AGENT_TOKEN = 'stop-db-down-agent-token-0123456789';

/** A node on a fresh database with one visitor whose activity is pending (not written yet). */
async function nodeWithPendingActivity() {
  const node = await startNode({ DATABASE_URL: await pg.server().freshDatabase(), AGENT_TOKEN });
  const { c } = await visit(node.url);
  c.send({ t: 'hb', activeAt: Date.now() });
  c.send({ t: 'typing', on: false });
  await new Promise((r) => setTimeout(r, 100));
  return { node, c };
}

describe.runIf(pg.available)('SIGTERM on a Postgres node', () => {
  it('exits 0 within 10 s when the database answers', async () => {
    const { node, c } = await nodeWithPendingActivity();
    const started = Date.now();
    node.proc.kill('SIGTERM');
    expect((await c.closed).code).toBe(1012);
    expect(await node.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(node.output()).not.toMatch(/uncleanly/);
  }, 60_000);

  it('exits 1 with one line saying what was not written when Postgres is down', async () => {
    const { node, c } = await nodeWithPendingActivity();
    await pg.server().pause();
    try {
      const started = Date.now();
      node.proc.kill('SIGTERM');
      expect((await c.closed).code).toBe(1012);
      expect(await node.exited).toBe(1);
      expect(Date.now() - started).toBeLessThan(10_000);
      const lines = node.output().split('\n');
      expect(lines.filter((l) => /stopped uncleanly/.test(l))).toEqual([
        'visitor-chat: stopped uncleanly: the activity of 1 visitor (last seen, page views) was not written: the database did not answer',
      ]);
    } finally {
      await pg.server().resume();
    }
  }, 60_000);
});
