/**
 * The server process: SIGTERM stops it cleanly (sockets closed with 1012, what is pending
 * written, exit 0 within 10 s), and cluster settings it cannot use stop it with exit 2.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { api, visit } from '../server/helpers';
import { runNode, startNode } from './node-process';

const dir = mkdtempSync(join(tmpdir(), 'vc-signals-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const AGENT_TOKEN = 'signals-agent-token-0123456789';

describe('the server process', () => {
  it('on SIGTERM closes sockets with 1012, writes what is pending, and exits 0 within 10 s', async () => {
    const db = join(dir, 'sigterm.db');
    const node = await startNode({ DB: db, AGENT_TOKEN });
    const { c, vid, token } = await visit(node.url);
    c.send({ t: 'msg', cid: 't1', text: 'before the restart', at: Date.now() });
    const ack = await c.next('ack');
    // Activity is written in batches (every 5 s): this one is still pending at the signal.
    await new Promise((r) => setTimeout(r, 20));
    const activeAt = Date.now();
    c.send({ t: 'hb', activeAt });
    c.send({ t: 'typing', on: false });
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    node.proc.kill('SIGTERM');
    expect((await c.closed).code).toBe(1012);
    expect(await node.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(node.output()).toMatch(/SIGTERM: stopping/);

    const again = await startNode({ DB: db, AGENT_TOKEN });
    try {
      // activeAt 0: this hello adds no activity of its own.
      const back = await visit(again.url, { vid, token, activeAt: 0 });
      expect(back.welcome.messages.find((m: { cid?: string }) => m.cid == 't1').id).toBe(ack.id);
      const v = await api(
        { url: again.url, agentToken: AGENT_TOKEN } as Parameters<typeof api>[0],
        'GET',
        '/api/visitors/' + vid,
      );
      expect(v.json!.lastActivityAt).toBe(activeAt);
      back.c.close();
    } finally {
      again.proc.kill('SIGTERM');
      expect(await again.exited).toBe(0);
    }
  }, 40_000);

  it('refuses a second node on one SQLite file, saying why, while the first serves on; a restart waits for the node stopping', async () => {
    const db = join(dir, 'one-node.db');
    const first = await startNode({ DB: db, AGENT_TOKEN });
    const healthy = async (url: string) => (await fetch(url + '/healthz')).status;
    try {
      // A second `npm start` (or a process manager's cluster mode) on the same file.
      const second = await runNode({ DB: db, AGENT_TOKEN, PORT: '0' });
      expect(second.code).toBe(1);
      expect(second.out).toContain(
        `another visitor-chat server is using ${db}: waiting up to 10 s for it to stop`,
      );
      expect(second.out).toContain(
        `visitor-chat: cannot start: another visitor-chat server is using ${db}: one SQLite file serves one node.`,
      );
      expect(second.out).toContain('use Postgres and Redis (DATABASE_URL and REDIS_URL');
      expect(await healthy(first.url)).toBe(200);
      // A restart: the next node starts while this one stops, and takes the file once it has.
      let waiting!: () => void;
      const waits = new Promise<void>((ok) => (waiting = ok));
      const next = startNode({ DB: db, AGENT_TOKEN, PORT: '0' }, (out) => {
        if (out.includes('waiting up to 10 s for it to stop')) waiting();
      });
      await waits;
      first.proc.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      const again = await next;
      try {
        expect(await healthy(again.url)).toBe(200);
      } finally {
        again.proc.kill('SIGTERM');
        expect(await again.exited).toBe(0);
      }
    } finally {
      first.proc.kill('SIGTERM');
    }
  }, 60_000);

  it('exits 2 with a clear message when REDIS_URL comes without DATABASE_URL', async () => {
    const r = await runNode({ REDIS_URL: 'redis://127.0.0.1:6379', DB: join(dir, 'x.db') });
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/REDIS_URL needs DATABASE_URL/);
  });

  it('says which setting a misspelt name was meant to be, first, before what it causes', async () => {
    const r = await runNode({
      DATABSE_URL: 'postgres://127.0.0.1:1/chat',
      REDIS_URL: 'redis://127.0.0.1:6379',
      DB: join(dir, 'x.db'),
    });
    expect(r.code).toBe(2);
    expect(r.out).toMatch(
      /DATABSE_URL is not a setting; did you mean DATABASE_URL\? \(it is ignored\)[\s\S]*REDIS_URL needs DATABASE_URL/,
    );
  });

  it('refuses a database a newer release migrated, saying what to do', async () => {
    // An older node in a rolling upgrade, or a rollback without the backup (docs/DEPLOY.md).
    const file = join(dir, 'newer.db');
    const db = new Database(file);
    db.pragma('user_version = 999');
    db.close();
    const r = await runNode({ DB: file });
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      `cannot start: DB ${file}: the database is at schema version 999, newer than this server (`,
    );
    expect(r.out).toMatch(
      /\): a newer release migrated it; run that release or a newer one, or restore the backup taken before the upgrade/,
    );
    expect(r.out).not.toMatch(/cannot open the SQLite file/);
  });

  it('copy-sqlite needs DATABASE_URL, and an unknown command is refused', async () => {
    const copy = await runNode({ DB: join(dir, 'x.db') }, ['copy-sqlite']);
    expect(copy.code).toBe(2);
    expect(copy.out).toMatch(/copy-sqlite needs DATABASE_URL/);
    const other = await runNode({ DB: join(dir, 'x.db') }, ['serve-everything']);
    expect(other.code).toBe(2);
    expect(other.out).toMatch(/unknown command "serve-everything"/);
  });
});
