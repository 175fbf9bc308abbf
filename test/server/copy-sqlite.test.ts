// @vitest-environment node
/** Moving a one-node install to Postgres: `copy-sqlite` copies everything, ids and tokens kept. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative as relativePath } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { copySqliteToPostgres, describeCopy } from '../../demo/server/copy-sqlite';
import { usePostgres } from '../helpers/postgres';
import { api, serve, visit } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'vc-copy-'));
const postgres = usePostgres();
const withPostgres = postgres.available;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('copy-sqlite, a file it cannot copy', () => {
  // Checked before Postgres is reached: nothing listens at this URL.
  const url = 'postgres://chat@127.0.0.1:1/chat';

  it('names the resolved path and says that it does not exist', async () => {
    const missing = join(dir, 'missing.db');
    await expect(copySqliteToPostgres(missing, url)).rejects.toThrow(
      `no SQLite file at ${missing}: it does not exist`,
    );
    const relative = relativePath(process.cwd(), missing);
    await expect(copySqliteToPostgres(relative, url)).rejects.toThrow(
      `no SQLite file at ${missing} (${JSON.stringify(relative)} from ${process.cwd()}): it does not exist`,
    );
  });

  it('says when the path is a directory or not a SQLite database', async () => {
    await expect(copySqliteToPostgres(dir, url)).rejects.toThrow(
      `${dir} is a directory, not a SQLite file`,
    );
    const text = join(dir, 'notes.txt');
    writeFileSync(
      text,
      'not a database, but long enough to have a header page of its own. '.repeat(10),
    );
    await expect(copySqliteToPostgres(text, url)).rejects.toThrow(
      `cannot read ${text} as a SQLite database (file is not a database)`,
    );
  });
});

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
    expect(report.rows).toMatchObject({ visitors: 2, conversations: 1, blocks: 1 });
    expect(report.rows.messages).toBe(before.messages.length);

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

  it("copies into a database a node has started on: its untouched examples give way to the file's automations, what was made there stays", async () => {
    type Automation = { id: string; [k: string]: unknown };
    const list = async (s: Awaited<ReturnType<typeof serve>>) =>
      (await api(s, 'GET', '/api/automations')).json!.automations as Automation[];
    const edit = async (s: Awaited<ReturnType<typeof serve>>, id: string, change: object) => {
      const a = (await list(s)).find((x) => x.id == id)!;
      expect((await api(s, 'PUT', '/api/automations/' + id, { ...a, ...change })).status).toBe(200);
    };
    const made = { kind: 'auto-message', frequency: 'visit', conditions: [] };
    // The one node: an example changed, one deleted, one made.
    const db = join(dir, 'examples.db');
    const old = await serve({ db });
    await visit(old.url);
    await edit(old, 'pricing-20s', { text: 'Changed on SQLite' });
    await api(old, 'DELETE', '/api/automations/demo-trigger');
    await api(old, 'POST', '/api/automations', { ...made, text: 'Made on SQLite' });
    const before = await list(old);
    expect(before).toHaveLength(4);
    await old.close();
    // A node started on the new database (its 4 examples), where an agent changed one and
    // made one before the copy.
    const databaseUrl = await postgres.server().freshDatabase();
    const first = await serve({ databaseUrl });
    expect((await list(first)).map((a) => a.id).sort()).toEqual(
      ['acme-bot', 'demo-trigger', 'pricing-20s', 'returning-welcome'].sort(),
    );
    await edit(first, 'acme-bot', { name: 'Changed in Postgres' });
    const own = (
      await api(first, 'POST', '/api/automations', { ...made, text: 'Made in Postgres' })
    ).json!.automation as Automation;
    await first.close();

    const report = await copySqliteToPostgres(db, databaseUrl);
    expect(report.automations).toEqual({
      examplesRemoved: 3,
      replaced: ['acme-bot'],
      kept: [own.id],
    });
    expect(report.rows.automations).toBe(4);
    expect(describeCopy(report)).toContain(`1 automations made in Postgres were kept: ${own.id}`);

    const moved = await serve({ databaseUrl });
    const after = await list(moved);
    // The file's automations as they were (the deleted example stays deleted), and the one
    // made in Postgres.
    expect(after.filter((a) => a.id != own.id)).toEqual(before);
    expect(after.find((a) => a.id == own.id)).toMatchObject({ text: 'Made in Postgres' });
    expect(after.map((a) => a.id)).not.toContain('demo-trigger');
  });

  it('refuses to copy into a database that already has visitors, changing nothing', async () => {
    const db = join(dir, 'twice.db');
    const s = await serve({ db });
    await visit(s.url);
    await s.close();
    const databaseUrl = await postgres.server().freshDatabase();
    await copySqliteToPostgres(db, databaseUrl);
    await expect(copySqliteToPostgres(db, databaseUrl)).rejects.toThrow(/already has visitors/);
  });
});
