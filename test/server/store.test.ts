// @vitest-environment node
/**
 * The Store interface, run against both implementations: SQLite always, Postgres when its
 * binaries are installed (CI installs them; elsewhere the suite says loudly that it skipped).
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { quietLogger } from '../../demo/server/log';
import { MIGRATIONS } from '../../demo/server/migrations';
import { PG_MIGRATIONS } from '../../demo/server/migrations-postgres';
import {
  attachmentOf,
  newStoredVisitor,
  type Store,
  type StoredVisitor,
} from '../../demo/server/store';
import { openPostgresStore } from '../../demo/server/store-postgres';
import { holdNodeLock, openSqliteStore } from '../../demo/server/store-sqlite';
import { usePostgres } from '../helpers/postgres';

const visitor = (id: string, over: Partial<StoredVisitor> = {}): StoredVisitor => ({
  ...newStoredVisitor(id, 'hash-' + id, 1_700_000_000_000, 1_700_000_000_500),
  visits: 1,
  ...over,
});

const page = (n: number) => ({ url: `http://shop.test/${n}`, title: `Page ${n}`, referrer: '' });

const postgres = usePostgres();

const temporary: string[] = [];
afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

/**
 * A store opened on a database made at schema version 5 holding what `sql` inserted (the same
 * statements on both engines), so the migrations after 5 run on those rows.
 */
async function atVersion5(engine: string, sql: string[]): Promise<Store> {
  if (engine == 'SQLite') {
    const dir = mkdtempSync(join(tmpdir(), 'vc-store-'));
    temporary.push(dir);
    const file = join(dir, 'v5.db');
    const db = new Database(file);
    for (const m of MIGRATIONS.slice(0, 5)) db.exec(m);
    db.pragma('user_version = 5');
    for (const q of sql) db.exec(q);
    db.close();
    return openSqliteStore(file);
  }
  const url = await postgres.server().freshDatabase();
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(
    'CREATE TABLE schema_version (version INTEGER NOT NULL, migrated_at BIGINT NOT NULL)',
  );
  for (const [i, m] of PG_MIGRATIONS.slice(0, 5).entries()) {
    await c.query(m);
    await c.query('INSERT INTO schema_version (version, migrated_at) VALUES ($1, 0)', [i + 1]);
  }
  for (const q of sql) await c.query(q);
  await c.end();
  return openPostgresStore(url, quietLogger);
}
const withPostgres = postgres.available;

const engines: [string, () => Promise<Store>][] = [
  ['SQLite', async () => openSqliteStore(':memory:')],
];
if (withPostgres)
  engines.push([
    'Postgres',
    async () => openPostgresStore(await postgres.server().freshDatabase(), quietLogger),
  ]);

describe.each(engines)('the %s store', (_name, open) => {
  it('keeps a visitor with every field, and writes one or many back', async () => {
    const s = await open();
    const v = visitor('v1', {
      name: 'Ada',
      variables: { plan: 'pro', seats: 3, trial: false },
      customer: true,
      device: 'mobile',
      lastActivityAt: 1_700_000_000_400,
    });
    await s.insertVisitor(v);
    expect(await s.loadVisitor('v1')).toEqual(v);
    expect(await s.loadVisitor('nobody')).toBeUndefined();
    await s.saveVisitor({ ...v, email: 'ada@test', verified: true, blockedAt: 5 });
    expect(await s.loadVisitor('v1')).toMatchObject({
      email: 'ada@test',
      verified: true,
      blockedAt: 5,
    });
    await s.insertVisitor(visitor('v2'));
    await s.saveVisitors([
      { ...v, pageViews: 7 },
      visitor('v2', { lastSeenAt: 1_800_000_000_000 }),
    ]);
    expect((await s.loadVisitor('v1'))!.pageViews).toBe(7);
    expect((await s.loadVisitor('v2'))!.lastSeenAt).toBe(1_800_000_000_000);
    await s.saveVisitors([]);
    await s.close();
  });

  it('stores text with NUL characters (which Postgres text refuses) without an error', async () => {
    const s = await open();
    // Postgres keeps U+FFFD in its place (store-postgres.ts, pgParams); SQLite keeps it.
    const nul = _name == 'Postgres' ? '\ufffd' : '\u0000';
    const v = visitor('nul', { name: 'Ada\u0000', variables: { note: 'a\u0000b' } });
    await s.insertVisitor(v);
    expect(await s.loadVisitor('nul')).toMatchObject({
      name: 'Ada' + nul,
      // (JSON text: the NUL is written as the escape \u0000, which any text column takes.)
      variables: { note: 'a\u0000b' },
    });
    await s.saveVisitors([{ ...v, email: 'x\u0000@test' }]);
    expect((await s.loadVisitor('nul'))!.email).toBe('x' + nul + '@test');
    const c = await s.createConversation('nul', 'visitor', 50);
    await s.addMessage(c.id, 'nul', { cid: 'n1', from: 'visitor', text: 'hi\u0000there', at: 60 });
    expect(await s.messageByCid('nul', 'n1')).toMatchObject({ text: 'hi' + nul + 'there' });
    await s.close();
  });

  it('reads a visitor with its open conversation and last message in one call, as three reads give', async () => {
    const s = await open();
    const v = visitor('st', { name: 'Ada', variables: { plan: 'pro' }, blockedAt: 9 });
    await s.insertVisitor(v);
    expect(await s.loadState('st')).toEqual({
      visitor: v,
      conversation: undefined,
      lastMessage: null,
    });
    expect(await s.loadState('nobody')).toBeUndefined();
    const first = await s.createConversation('st', 'visitor', 50);
    await s.addMessage(first.id, 'st', { cid: 'q', from: 'visitor', text: 'hi', at: 60 });
    await s.closeConversation(first.id, 70);
    const c = await s.createConversation('st', 'agent', 80);
    await s.saveConversation({ ...c, lastAgentAt: 90, bot: 'off' });
    await s.addMessage(c.id, 'st', {
      from: 'bot',
      name: 'Eva',
      text: 'Pick one',
      replies: [{ label: 'Yes', value: 'yes' }],
      at: 90,
    });
    const state = await s.loadState('st');
    expect(state).toEqual({
      visitor: await s.loadVisitor('st'),
      conversation: await s.openConversation('st'),
      lastMessage: await s.lastMessage('st'),
    });
    expect(state).toMatchObject({
      conversation: { id: c.id, lastAgentAt: 90, bot: 'off' },
      lastMessage: { from: 'bot', name: 'Eva', text: 'Pick one' },
    });
    await s.close();
  });

  it('refuses a second visitor with the same id', async () => {
    const s = await open();
    await s.insertVisitor(visitor('dup'));
    await expect(s.insertVisitor(visitor('dup'))).rejects.toThrow();
    await s.close();
  });

  it('records visits once and answers the last page views oldest first', async () => {
    const s = await open();
    await s.insertVisitor(visitor('p'));
    await s.addVisit('p', 1, 10, 'https://ref.test/');
    await s.addVisit('p', 1, 11, 'https://ref.test/');
    for (let i = 1; i <= 5; i++) await s.addPageView('p', 1, page(i), 100 + i);
    expect((await s.pages('p')).map((x) => x.title)).toEqual([
      'Page 1',
      'Page 2',
      'Page 3',
      'Page 4',
      'Page 5',
    ]);
    expect(await s.pages('p', 2)).toEqual([
      { url: 'http://shop.test/4', title: 'Page 4', referrer: '', at: 104 },
      { url: 'http://shop.test/5', title: 'Page 5', referrer: '', at: 105 },
    ]);
    await s.close();
  });

  it('keeps one open conversation per visitor, with its messages in order', async () => {
    const s = await open();
    await s.insertVisitor(visitor('c'));
    expect(await s.openConversation('c')).toBeUndefined();
    const c = await s.createConversation('c', 'visitor', 50);
    expect(c).toMatchObject({ openedBy: 'visitor', openedAt: 50, lastAgentAt: 0, bot: 'new' });
    await expect(s.createConversation('c', 'agent', 51)).rejects.toThrow();
    const m1 = await s.addMessage(c.id, 'c', { cid: 'a', from: 'visitor', text: 'hi', at: 60 });
    const m2 = await s.addMessage(c.id, 'c', {
      from: 'bot',
      name: 'Bot',
      text: 'Hello!',
      at: 61,
      replies: [{ label: 'Yes', value: 'yes' }],
    });
    expect(typeof m1.id).toBe('string');
    expect(Number(m2.id)).toBeGreaterThan(Number(m1.id));
    expect(await s.messages(c.id)).toEqual([m1, m2]);
    expect(await s.messages(c.id, 1)).toEqual([m2]);
    expect(await s.messageByCid('c', 'a')).toEqual(m1);
    expect(await s.messageByCid('c', 'zz')).toBeUndefined();
    expect(await s.lastMessage('c')).toEqual(m2);
    await s.saveConversation({ ...c, lastVisitorAt: 60, lastAgentAt: 70, bot: 'done' });
    expect(await s.openConversation('c')).toEqual({
      ...c,
      lastVisitorAt: 60,
      lastAgentAt: 70,
      bot: 'done',
    });
    await s.closeConversation(c.id, 80);
    expect(await s.openConversation('c')).toBeUndefined();
    expect((await s.lastConversation('c'))!.id).toBe(c.id);
    const next = await s.createConversation('c', 'agent', 90);
    expect((await s.lastConversation('c'))!.id).toBe(next.id);
    await s.close();
  });

  it('stores blocks, unblocks and auto-message shows, and answers a ping', async () => {
    const s = await open();
    await s.insertVisitor(visitor('b'));
    await s.block('b', 1);
    await s.unblock('b', 2);
    await s.addAutoMessageShow('b', 1, 'welcome', 'Hi there', 3);
    await expect(s.ping()).resolves.toBeUndefined();
    await s.close();
  });

  it('keeps automations, seeds a database once, and moves the revision with every write', async () => {
    const s = await open();
    const a = (id: string, at: number, enabled = true) => ({
      id,
      kind: 'auto-message',
      enabled,
      body: JSON.stringify({ text: id }),
      createdAt: at,
      updatedAt: at,
    });
    expect(await s.automationsRevision()).toBe(0);
    expect(await s.seedAutomations([a('seed-2', 2), a('seed-1', 1)])).toBe(true);
    expect(await s.seedAutomations([a('again', 3)])).toBe(false);
    expect((await s.listAutomations()).map((x) => x.id)).toEqual(['seed-1', 'seed-2']);
    const r0 = await s.automationsRevision();
    expect(r0).toBeGreaterThan(0);
    await s.saveAutomation({ ...a('seed-1', 99, false), body: '{"text":"new"}' });
    const r1 = await s.automationsRevision();
    expect(r1).toBeGreaterThan(r0);
    // A replaced automation keeps its place (createdAt) and takes the rest.
    expect((await s.listAutomations())[0]).toEqual({
      ...a('seed-1', 1, false),
      body: '{"text":"new"}',
      updatedAt: 99,
    });
    expect(await s.deleteAutomation('seed-2')).toBe(true);
    expect(await s.deleteAutomation('seed-2')).toBe(false);
    expect(await s.automationsRevision()).toBeGreaterThan(r1);
    expect((await s.listAutomations()).map((x) => x.id)).toEqual(['seed-1']);
    await s.close();
  });

  it('counts shows, replies and conversations per automation', async () => {
    const s = await open();
    await s.insertVisitor(visitor('f'));
    await s.insertVisitor(visitor('g'));
    const c = await s.createConversation('f', 'visitor', 5);
    await s.addAutoMessageShow('f', 1, 'am', 'Hi', 1);
    await s.showReplied('f', 1, 2, c.id);
    // A second answer counts nothing more.
    await s.showReplied('f', 1, 3, null);
    await s.addAutoMessageShow('g', 1, 'am', 'Hi', 4);
    await s.addAutoMessageShow('f', 1, 'bot', 'Hello', 6);
    await s.showReplied('f', 1, 7, null);
    await s.showHandedOver('f', 'bot', c.id);
    await s.showHandedOver('f', 'bot', c.id);
    expect(Object.fromEntries(await s.automationStats())).toEqual({
      am: { shown: 2, replied: 1, conversations: 1 },
      bot: { shown: 1, replied: 1, conversations: 1 },
    });
    await s.close();
  });

  it('lists the files no message carries, and not those a message carries', async () => {
    const s = await open();
    await s.insertVisitor(visitor('u'));
    const file = (id: string, at: number) => ({
      id,
      visitorId: 'u',
      author: 'visitor' as const,
      name: id + '.png',
      type: 'image/png',
      size: 3,
      at,
    });
    for (const [id, at] of [
      ['sent', 10],
      ['loose', 11],
      ['late', 50],
    ] as const)
      await s.addFile(file(id, at));
    expect(await s.unsentFilesBefore(40, 10)).toEqual(['sent', 'loose']);
    const c = await s.createConversation('u', 'visitor', 20);
    const [sent] = await s.files(['sent']);
    const m = { cid: 'f', from: 'visitor' as const, text: '', at: 30 };
    await s.addMessage(c.id, 'u', { ...m, attachments: [attachmentOf(sent!)] });
    expect(await s.unsentFilesBefore(40, 10)).toEqual(['loose']);
    expect(await s.unsentFilesBefore(100, 1)).toEqual(['loose']);
    expect(await s.unsentFilesBefore(100, 10)).toEqual(['loose', 'late']);
    // A message without files marks nothing.
    await s.addMessage(c.id, 'u', { ...m, cid: 'g' });
    expect(await s.unsentFilesBefore(100, 10)).toEqual(['loose', 'late']);
    await s.close();
  });

  it('marks the files of messages stored before the schema knew what was sent (migration 6)', async () => {
    const s = await atVersion5(_name, [
      `INSERT INTO visitors (id, token_hash, first_seen_at, last_seen_at, visit_started_at)
       VALUES ('old', 'h', 1, 1, 1)`,
      `INSERT INTO files (id, visitor_id, author, name, type, size, at) VALUES
       ('sent-1', 'old', 'visitor', 'a.png', 'image/png', 3, 1),
       ('sent-2', 'old', 'visitor', 'b.png', 'image/png', 3, 2),
       ('loose', 'old', 'visitor', 'c.png', 'image/png', 3, 3)`,
      `INSERT INTO conversations (visitor_id, opened_by, opened_at) VALUES ('old', 'visitor', 1)`,
      `INSERT INTO messages (conversation_id, visitor_id, author, text, at, attachments)
       VALUES ((SELECT id FROM conversations), 'old', 'visitor', '', 4,
       '[{"id":"sent-1","name":"a.png","size":3,"type":"image/png","url":"/v1/files/sent-1"},` +
        `{"id":"sent-2","name":"b.png","size":3,"type":"image/png","url":"/v1/files/sent-2"}]'),
       ((SELECT id FROM conversations), 'old', 'visitor', 'no files', 5, NULL)`,
    ]);
    expect(s.version).toBe(MIGRATIONS.length);
    expect(await s.unsentFilesBefore(100, 10)).toEqual(['loose']);
    await s.close();
  });

  it('reads the schema version the database is at (the one it migrated to)', async () => {
    const s = await open();
    expect(await s.schemaVersion()).toBe(s.version);
    await s.close();
  });

  it('marks a database seeded even with no examples (DEMO=0 stays empty)', async () => {
    const s = await open();
    expect(await s.seedAutomations([])).toBe(true);
    expect(
      await s.seedAutomations([
        { id: 'x', kind: 'bot', enabled: true, body: '{}', createdAt: 1, updatedAt: 1 },
      ]),
    ).toBe(false);
    expect(await s.listAutomations()).toEqual([]);
    await s.close();
  });
});

describe('one node per SQLite file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vc-node-lock-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const warned = () => {
    const lines: string[] = [];
    return { lines, log: { ...quietLogger, warn: (m: string) => lines.push(m) } };
  };

  it('refuses a second node on the file, after saying it waits, and leaves the file readable', async () => {
    const file = join(dir, 'chat.db');
    const first = openSqliteStore(file, quietLogger);
    await first.insertVisitor(visitor('v1'));
    const { lines, log } = warned();
    const started = Date.now();
    expect(() => holdNodeLock(file, 1000, log)).toThrow(
      `another visitor-chat server is using ${file}: one SQLite file serves one node. Stop that ` +
        'server, or give this one its own DB file; for more than one node, use Postgres and ' +
        'Redis (DATABASE_URL and REDIS_URL, docs/DEPLOY.md)',
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(lines).toEqual([
      `another visitor-chat server is using ${file}: waiting up to 1 s for it to stop`,
    ]);
    // The database itself stays readable and writable by others (a backup, the sqlite3 shell).
    const shell = new Database(file);
    expect(shell.prepare('SELECT count(*) AS n FROM visitors').get()).toEqual({ n: 1 });
    shell.close();
    // Once the first node has stopped, the next one starts on the file.
    await first.close();
    const next = openSqliteStore(file, quietLogger);
    expect(await next.loadVisitor('v1')).toBeTruthy();
    await next.close();
  });

  it('takes the same lock through another name of the file (a symbolic link)', async () => {
    const file = join(dir, 'linked.db');
    const first = openSqliteStore(file, quietLogger);
    symlinkSync(file, join(dir, 'link.db'));
    expect(() => holdNodeLock(join(dir, 'link.db'), 0, warned().log)).toThrow(
      /another visitor-chat server is using .*link\.db: one SQLite file serves one node/,
    );
    await first.close();
    holdNodeLock(join(dir, 'link.db'), 0, warned().log).release();
  });

  it('does not lock a database in memory', async () => {
    const a = openSqliteStore(':memory:', quietLogger);
    const b = openSqliteStore(':memory:', quietLogger);
    await a.close();
    await b.close();
  });
});

describe.runIf(withPostgres)('Postgres migrations', () => {
  it('migrate once when several nodes start together', async () => {
    const url = await postgres.server().freshDatabase();
    const stores = await Promise.all(
      Array.from({ length: 4 }, () => openPostgresStore(url, quietLogger)),
    );
    for (const s of stores) expect(s.version).toBe(PG_MIGRATIONS.length);
    const c = await stores[0]!;
    await c.insertVisitor(visitor('m'));
    await Promise.all(stores.map((s) => s.close()));
    const again = await openPostgresStore(url, quietLogger);
    expect(again.version).toBe(PG_MIGRATIONS.length);
    expect(await again.loadVisitor('m')).toBeDefined();
    await again.close();
  });

  it('are numbered in step with the SQLite ones', () => {
    expect(PG_MIGRATIONS.length).toBe(MIGRATIONS.length);
  });

  it('refuse a database newer than the server, which a running store reads', async () => {
    const url = await postgres.server().freshDatabase();
    const s = await openPostgresStore(url, quietLogger);
    const c = new (await import('pg')).default.Client({ connectionString: url });
    await c.connect();
    await c.query('INSERT INTO schema_version (version, migrated_at) VALUES (999, 0)');
    await c.end();
    expect(await s.schemaVersion()).toBe(999);
    expect(s.version).toBe(PG_MIGRATIONS.length);
    await s.close();
    await expect(openPostgresStore(url, quietLogger)).rejects.toThrow(/newer than this server/);
  });
});
