// @vitest-environment node
/** Moving a one-node install to Postgres: `copy-sqlite` copies everything, ids and tokens kept. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative as relativePath } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { copySqliteToPostgres, describeCopy } from '../../demo/server/copy-sqlite';
import { usePostgres } from '../helpers/postgres';
import { download, PDF, PNG, upload } from './file-helpers';
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
    await expect(copySqliteToPostgres(missing, url, dir)).rejects.toThrow(
      `no SQLite file at ${missing}: it does not exist`,
    );
    const relative = relativePath(process.cwd(), missing);
    await expect(copySqliteToPostgres(relative, url, dir)).rejects.toThrow(
      `no SQLite file at ${missing} (${JSON.stringify(relative)} from ${process.cwd()}): it does not exist`,
    );
  });

  it('says when the path is a directory or not a SQLite database', async () => {
    await expect(copySqliteToPostgres(dir, url, dir)).rejects.toThrow(
      `${dir} is a directory, not a SQLite file`,
    );
    const text = join(dir, 'notes.txt');
    writeFileSync(
      text,
      'not a database, but long enough to have a header page of its own. '.repeat(10),
    );
    await expect(copySqliteToPostgres(text, url, dir)).rejects.toThrow(
      `cannot read ${text} as a SQLite database (file is not a database)`,
    );
  });

  it('refuses a file a server is running on, saying to stop it first; copies once it stopped', async () => {
    const db = join(dir, 'running.db');
    const s = await serve({ db });
    await visit(s.url);
    try {
      await expect(copySqliteToPostgres(db, url, s.settings.uploadDir)).rejects.toThrow(
        `a visitor-chat server is running on ${db}: stop it first, then copy (what it writes meanwhile would not be copied)`,
      );
    } finally {
      await s.close();
    }
    // Stopped: the copy goes on to Postgres (which does not answer at this URL).
    await expect(copySqliteToPostgres(db, url, s.settings.uploadDir)).rejects.toThrow(
      /DATABASE_URL/,
    );
  });
});

describe('copy-sqlite, a DATABASE_URL it cannot use', () => {
  it('says what is wrong with the URL or the connection, naming DATABASE_URL', async () => {
    const db = join(dir, 'ready.db');
    await (await serve({ db })).close();
    await expect(
      copySqliteToPostgres(db, 'postgres://chat:pa#ss@127.0.0.1:1/chat', dir),
    ).rejects.toThrow(/^DATABASE_URL cannot be read as a URL \(Invalid URL\): percent-encode/);
    await expect(copySqliteToPostgres(db, 'postgres://chat@127.0.0.1:1/chat', dir)).rejects.toThrow(
      /^DATABASE_URL: cannot connect to or set up Postgres \(connect ECONNREFUSED 127\.0\.0\.1:1\)/,
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
    const report = await copySqliteToPostgres(db, databaseUrl, old.settings.uploadDir);
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

    const report = await copySqliteToPostgres(db, databaseUrl, old.settings.uploadDir);
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

  it("copies the uploaded files' bytes into Postgres, served whole there, and names the files whose bytes are missing", async () => {
    const db = join(dir, 'files.db');
    const uploads = join(dir, 'uploads');
    const old = await serve({ db, uploadDir: uploads });
    const who = await visit(old.url);
    // Over one 256 KiB chunk of Postgres: stored as two.
    const TEXT = Buffer.from('A line of the order history.\n'.repeat(12_000));
    const png = (await upload(old, who, PNG, 'shot.png')).json.file;
    const text = (await upload(old, who, TEXT, 'history.txt')).json.file;
    const lost = (await upload(old, who, PDF, 'lost.pdf')).json.file;
    const files = [{ id: png.id }, { id: text.id }, { id: lost.id }];
    who.c.send({ t: 'msg', cid: 'f1', text: 'files', at: Date.now(), attachments: files });
    await who.c.next('ack');
    await old.close();
    rmSync(join(uploads, lost.id));

    const databaseUrl = await postgres.server().freshDatabase();
    const report = await copySqliteToPostgres(db, databaseUrl, uploads);
    expect(report.rows.files).toBe(3);
    expect(report.files).toEqual({
      dir: uploads,
      copied: 2,
      bytes: PNG.length + TEXT.length,
      missing: [lost.id],
    });
    expect(describeCopy(report)).toEqual(
      expect.arrayContaining([
        `uploaded files: 2 (${PNG.length + TEXT.length} bytes) from ${uploads}`,
        `1 uploaded files were not in ${uploads} (their messages keep the attachment, which answers 404 as before): ${lost.id}`,
      ]),
    );

    const moved = await serve({ databaseUrl, uploadDir: join(dir, 'unused') });
    const back = await visit(moved.url, { vid: who.vid, token: who.token, visits: 2 });
    const sent = back.welcome.messages.find((m: { cid?: string }) => m.cid == 'f1');
    expect(sent.attachments).toEqual([png, text, lost]);
    const got = await download(moved, png.url, who);
    expect(got.status).toBe(200);
    expect(got.body.equals(PNG)).toBe(true);
    const long = await download(moved, text.url, who);
    expect(long.status).toBe(200);
    expect(long.body.equals(TEXT)).toBe(true);
    expect((await download(moved, lost.url, who)).status).toBe(404);
  });

  it('refuses to copy files from an upload directory that does not exist, changing nothing', async () => {
    const db = join(dir, 'nodir.db');
    const uploads = join(dir, 'nodir-uploads');
    const old = await serve({ db, uploadDir: uploads });
    const who = await visit(old.url);
    await upload(old, who, PNG, 'shot.png');
    await old.close();
    const databaseUrl = await postgres.server().freshDatabase();
    const elsewhere = join(dir, 'not-there');
    await expect(copySqliteToPostgres(db, databaseUrl, elsewhere)).rejects.toThrow(
      `${db} has 1 uploaded files, but their directory ${elsewhere} does not exist: set UPLOAD_DIR to the old node's (to copy without their bytes, to an empty directory)`,
    );
    // Nothing copied: the right directory then works.
    expect((await copySqliteToPostgres(db, databaseUrl, uploads)).files.copied).toBe(1);
  });

  it('refuses to copy into a database that already has visitors, changing nothing', async () => {
    const db = join(dir, 'twice.db');
    const s = await serve({ db });
    await visit(s.url);
    await s.close();
    const databaseUrl = await postgres.server().freshDatabase();
    await copySqliteToPostgres(db, databaseUrl, s.settings.uploadDir);
    await expect(copySqliteToPostgres(db, databaseUrl, s.settings.uploadDir)).rejects.toThrow(
      /already has visitors/,
    );
  });
});
