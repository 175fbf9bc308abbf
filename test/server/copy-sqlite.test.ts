// @vitest-environment node
/** Moving a one-node install to Postgres: `copy-sqlite` copies everything, ids and tokens kept. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { copySqliteToPostgres } from '../../demo/server/copy-sqlite';
import { usePostgres } from '../helpers/postgres';
import { api, serve, visit } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'vc-copy-'));
const postgres = usePostgres();
const withPostgres = postgres.available;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.runIf(withPostgres)('copy-sqlite', () => {
  it('copies a SQLite database into Postgres: the same visitors, tokens, messages and ids', async () => {
    const db = join(dir, 'old.db');
    const old = await serve({ db });
    const { c, vid, token } = await visit(old.url, { profile: { name: 'Ada' } });
    c.send({ t: 'msg', cid: 'c1', text: 'Before the move', at: Date.now() });
    const ack = await c.next('ack');
    await api(old, 'POST', `/api/visitors/${vid}/messages`, { text: 'Welcome, Ada' });
    const quiet = await visit(old.url);
    await api(old, 'POST', `/api/visitors/${quiet.vid}/block`);
    const before = (await api(old, 'GET', '/api/visitors/' + vid)).json!;
    await old.close();

    const databaseUrl = await postgres.server().freshDatabase();
    const report = await copySqliteToPostgres(db, databaseUrl);
    expect(report).toMatchObject({ visitors: 2, conversations: 1, blocks: 1 });
    expect(report.messages).toBe(before.messages.length);

    const moved = await serve({ databaseUrl });
    const back = await visit(moved.url, { vid, token, visits: 2 });
    expect(back.welcome.messages).toEqual(before.messages);
    expect(back.welcome.messages.find((m: { cid?: string }) => m.cid == 'c1').id).toBe(ack.id);
    const after = (await api(moved, 'GET', '/api/visitors/' + vid)).json!;
    expect(after).toMatchObject({ name: 'Ada', chatting: true });
    // The copied page views, then the one of this new visit.
    expect(after.pages.slice(0, -1)).toEqual(before.pages);
    expect((await api(moved, 'GET', '/api/visitors/' + quiet.vid)).json).toMatchObject({
      blocked: true,
    });
    // New rows get ids after the copied ones.
    back.c.send({ t: 'msg', cid: 'c2', text: 'After the move', at: Date.now() });
    const next = await back.c.next('ack');
    const ids = before.messages.map((m: { id: string }) => Number(m.id));
    expect(Number(next.id)).toBeGreaterThan(Math.max(...ids));
  });

  it('refuses to copy into a database that already has visitors, changing nothing', async () => {
    const db = join(dir, 'twice.db');
    const s = await serve({ db });
    await visit(s.url);
    await s.close();
    const databaseUrl = await postgres.server().freshDatabase();
    await copySqliteToPostgres(db, databaseUrl);
    await expect(copySqliteToPostgres(db, databaseUrl)).rejects.toThrow(/already has visitors/);
    await expect(copySqliteToPostgres(join(dir, 'missing.db'), databaseUrl)).rejects.toThrow();
  });
});
