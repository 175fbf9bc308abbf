// @vitest-environment node
/**
 * Files on Postgres (DATABASE_URL): the bytes live in the database, so a file uploaded through
 * one node is served by another; a large file is stored and read back in chunks; the sweep
 * deletes chunks of uploads that never got a row.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { usePostgres } from '../helpers/postgres';
import { download, PDF, PNG, sendFiles, upload } from './file-helpers';
import { serve, visit } from './helpers';

const postgres = usePostgres();

describe.runIf(postgres.available)('files on Postgres', () => {
  it('serves a file uploaded through another node, whole, and writes nothing to UPLOAD_DIR', async () => {
    const databaseUrl = await postgres.server().freshDatabase();
    const a = await serve({ databaseUrl, maxUploadBytes: 2 << 20 });
    const b = await serve({ databaseUrl, maxUploadBytes: 2 << 20 });
    const who = await visit(a.url);
    // Larger than one stored chunk (256 KiB), with bytes that are not text.
    const big = Buffer.concat([PDF, randomBytes(700 * 1024)]);
    const r = await upload(a, who, big, 'big.pdf');
    expect(r.status).toBe(201);
    const png = (await upload(a, who, PNG, 'p.png')).json.file;
    const back = await download(b, r.json.file.url, who);
    expect(back.status).toBe(200);
    expect(back.body.equals(big)).toBe(true);
    expect((await download(b, png.url, who)).body.equals(PNG)).toBe(true);
    const other = await visit(b.url);
    expect((await download(b, png.url, other)).status).toBe(404);
    expect(
      existsSync(a.settings.uploadDir) && readdirSync(a.settings.uploadDir).length,
    ).toBeFalsy();
  });

  it('keeps nothing of a refused upload and sweeps chunks no file row names', async () => {
    const databaseUrl = await postgres.server().freshDatabase();
    const s = await serve({
      databaseUrl,
      maxUploadBytes: 300 * 1024,
      now: () => Date.now() + 2 * 3_600_000,
    });
    const who = await visit(s.url);
    // Streamed (no Content-Length): a first chunk is stored before the cap is passed.
    const parts = [Buffer.concat([PDF, Buffer.alloc(280 * 1024, 0x20)]), Buffer.alloc(30 * 1024)];
    const over = new ReadableStream({
      pull(c) {
        const next = parts.shift();
        if (next) c.enqueue(new Uint8Array(next));
        else c.close();
      },
    }) as unknown as BodyInit;
    expect((await upload(s, who, over, 'over.pdf')).status).toBe(413);
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      expect((await db.query('SELECT count(*)::int AS n FROM file_chunks')).rows[0].n).toBe(0);
      const kept = (await upload(s, who, PNG, 'kept.png')).json.file;
      await db.query(
        "INSERT INTO file_chunks (file_id, n, data, at) VALUES ('cut-off', 0, '\\x00', 0)",
      );
      expect(await s.files.sweep()).toBe(1);
      const left = await db.query('SELECT DISTINCT file_id FROM file_chunks');
      expect(left.rows.map((r) => r.file_id)).toEqual([kept.id]);
    } finally {
      await db.end();
    }
  });

  it('deletes an upload no message carries after an hour, row and chunks, and keeps one sent', async () => {
    const databaseUrl = await postgres.server().freshDatabase();
    let now = Date.now();
    const s = await serve({ databaseUrl, now: () => now });
    const who = await visit(s.url);
    const sent = (await upload(s, who, PNG, 'sent.png')).json.file;
    const unsent = (await upload(s, who, PNG, 'unsent.png')).json.file;
    await sendFiles(who, [sent.id]);
    now += 50 * 60_000;
    expect(await s.files.sweep()).toBe(0);
    now += 20 * 60_000;
    expect(await s.files.sweep()).toBe(1);
    expect((await download(s, unsent.url, who)).status).toBe(404);
    expect((await download(s, sent.url, who)).status).toBe(200);
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const left = await db.query('SELECT DISTINCT file_id FROM file_chunks');
      expect(left.rows.map((r) => r.file_id)).toEqual([sent.id]);
    } finally {
      await db.end();
    }
  });
});
