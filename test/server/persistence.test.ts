// @vitest-environment node
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../demo/server/store-sqlite';
import { MIGRATIONS } from '../../demo/server/migrations';
import Database from 'better-sqlite3';
import {
  addAutoMessage,
  api,
  connect,
  hello,
  recordingLogger,
  serve,
  until,
  visit,
} from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'visitor-chat-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('persistence', () => {
  it('keeps visitors, conversations, blocks and tokens across a restart', async () => {
    const db = join(dir, 'restart.db');
    const first = await serve({ db });
    const { c, vid, token } = await visit(first.url, {
      profile: { name: 'Ada' },
      variables: { plan: 'pro' },
    });
    c.send({ t: 'msg', cid: 'p1', text: 'Remember me', at: Date.now() });
    const ack = await c.next('ack');
    c.send({ t: 'page', url: 'http://shop.test/pricing', title: 'Pricing', referrer: '' });
    c.send({ t: 'hb', activeAt: Date.now() });
    await api(first, 'POST', `/api/visitors/${vid}/block`);
    await c.next('blocked');
    await first.close();

    const second = await serve({ db });
    const thief = await connect(second.url);
    thief.send(hello({ vid, token: 'not-the-token' }));
    expect((await thief.closed).code).toBe(4001);
    const back = await visit(second.url, { vid, token, visits: 2 });
    expect(back.welcome).toMatchObject({ blocked: true, vid });
    expect(back.welcome.messages.find((m: { cid?: string }) => m.cid == 'p1')).toMatchObject({
      id: ack.id,
    });
    const v = (await api(second, 'GET', '/api/visitors/' + vid)).json;
    expect(v).toMatchObject({
      name: 'Ada',
      variables: { plan: 'pro' },
      blocked: true,
      chatting: true,
      visits: 2,
      pageViews: 3,
      customer: true,
    });
    expect(v.pages.map((p: { title: string }) => p.title)).toEqual(['Home', 'Pricing', 'Home']);
    // The de-duplication survives too.
    await api(second, 'DELETE', `/api/visitors/${vid}/block`);
    back.c.send({ t: 'msg', cid: 'p1', text: 'Remember me', at: Date.now() });
    expect((await back.c.next('ack')).id).toBe(ack.id);
  });

  it('keeps variable labels across a restart; the agent API adds them beside the values', async () => {
    const db = join(dir, 'labels.db');
    const first = await serve({ db });
    const { c, vid, token } = await visit(first.url, {
      variables: { spending: '1234.5', plan: 'pro' },
      variableLabels: { spending: 'Spending' },
    });
    c.send({ t: 'vars', vars: { orders: 3 }, labels: { orders: 'Orders' } });
    c.send({ t: 'vars', vars: { plan: 'max' } });
    const expected = {
      variables: { spending: '1234.5', plan: 'max', orders: 3 },
      variableLabels: { spending: 'Spending', orders: 'Orders' },
    };
    await until(
      async () => (await api(first, 'GET', '/api/visitors/' + vid)).json.variables.orders == 3,
    );
    expect((await api(first, 'GET', '/api/visitors/' + vid)).json).toMatchObject(expected);
    await first.close();

    const second = await serve({ db });
    const back = await visit(second.url, { vid, token, visits: 2 });
    expect((await api(second, 'GET', '/api/visitors/' + vid)).json).toMatchObject(expected);
    const list = (await api(second, 'GET', '/api/visitors')).json.visitors;
    expect(list.find((v: { id: string }) => v.id == vid)).toMatchObject(expected);
    back.c.close();
  });

  it('begins the conversation with the auto message shown before a restart, once', async () => {
    const db = join(dir, 'auto-message.db');
    const first = await serve({ db, demo: false });
    const rule = await addAutoMessage(first, 'Need a hand choosing a plan?');
    const { c, vid, token } = await visit(first.url);
    c.send({ t: 'am', rule, text: 'Need a hand choosing a plan?' });
    await until(() => first.hub.visitors.get(vid)?.pendingAm != null);
    await first.close();

    // The same visit, on the restarted server.
    const second = await serve({ db, demo: false });
    const back = await visit(second.url, { vid, token });
    back.c.send({ t: 'msg', cid: 'a1', text: 'Yes, which one?', at: Date.now() });
    await back.c.next('ack');
    const said = async () =>
      (await api(second, 'GET', '/api/visitors/' + vid)).json.messages.map(
        (m: { from: string; text: string }) => m.from + ': ' + m.text,
      );
    expect(await said()).toEqual([
      'trigger: Need a hand choosing a plan?',
      'visitor: Yes, which one?',
    ]);
    // Answered: a conversation started later in the visit, after another restart, begins with
    // the visitor's own message.
    back.c.send({ t: 'end' });
    await until(async () => !(await api(second, 'GET', '/api/visitors/' + vid)).json.chatting);
    back.c.close();
    await second.close();
    const third = await serve({ db, demo: false });
    const again = await visit(third.url, { vid, token });
    again.c.send({ t: 'msg', cid: 'a2', text: 'One more thing', at: Date.now() });
    await again.c.next('ack');
    const messages = (await api(third, 'GET', '/api/visitors/' + vid)).json.messages;
    expect(messages.map((m: { from: string }) => m.from)).toEqual(['visitor']);
    again.c.close();
    await third.close();
  });

  it('reads a stored pending auto message that fails validation as none', async () => {
    const db = join(dir, 'bad-am.db');
    const first = await serve({ db, demo: false });
    const { vid, token } = await visit(first.url);
    await first.close();
    const raw = new Database(db);
    raw
      .prepare('UPDATE visitors SET pending_am = ?, am_visit = 1 WHERE id = ?')
      .run('{"text":5}', vid);
    raw.close();

    const second = await serve({ db, demo: false });
    const back = await visit(second.url, { vid, token });
    expect(second.hub.visitors.get(vid)?.pendingAm).toBeNull();
    back.c.send({ t: 'msg', cid: 'b1', text: 'Hi', at: Date.now() });
    await back.c.next('ack');
    const messages = (await api(second, 'GET', '/api/visitors/' + vid)).json.messages;
    expect(messages.map((m: { from: string }) => m.from)).toEqual(['visitor']);
    back.c.close();
    await second.close();
  });

  it('reads stored variables that fail validation as none, and says so', async () => {
    const db = join(dir, 'bad-vars.db');
    const first = await serve({ db });
    const { vid, token } = await visit(first.url, { variables: { plan: 'pro' } });
    await first.close();
    const raw = new Database(db);
    raw.prepare('UPDATE visitors SET variables = ? WHERE id = ?').run('{"a":{"label":5}}', vid);
    raw.close();

    const log = recordingLogger();
    const second = await serve({ db, log });
    const back = await visit(second.url, { vid, token, visits: 2 });
    expect((await api(second, 'GET', '/api/visitors/' + vid)).json).toMatchObject({
      variables: {},
      variableLabels: {},
    });
    expect(log.lines).toContain(
      `visitor ${vid}: stored variables dropped (variables.a.label must be a non-empty string of at most 200)`,
    );
    back.c.close();
  });

  it('stops a running server when a newer release migrates its database under it', async () => {
    const db = join(dir, 'upgraded.db');
    const log = recordingLogger();
    const server = await serve({ db, log, schemaCheckMs: 50 });
    const closed: string[] = [];
    const close = server.close.bind(server);
    server.close = () => {
      closed.push('close');
      return close();
    };
    const { c } = await visit(server.url);
    // A database that says nothing new: the node keeps serving.
    await new Promise((r) => setTimeout(r, 200));
    expect(closed).toEqual([]);
    // The first node of a newer release migrates the file (here: only the version moves).
    const newer = new Database(db);
    newer.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    newer.close();
    const line = `sqlite: the database was migrated to schema version ${MIGRATIONS.length + 1} by a newer release (this server knows ${MIGRATIONS.length}): stopping`;
    await until(() => log.lines.includes('ERROR ' + line));
    expect(log.lines.filter((l) => l.includes('newer release'))).toHaveLength(1);
    // It stopped as on SIGTERM: its widgets were let go, and it no longer answers.
    expect(closed).toEqual(['close']);
    await c.closed;
    await until(async () => !(await fetch(server.url + '/healthz').catch(() => undefined)));
    // Its restart refuses the newer schema with the existing message.
    await expect(serve({ db })).rejects.toThrow(
      `DB ${db}: the database is at schema version ${MIGRATIONS.length + 1}, newer than this server (${MIGRATIONS.length})`,
    );
  });

  it('migrates a new database to the latest schema version, once, and says so in the log', async () => {
    const file = join(dir, 'schema.db');
    const info: string[] = [];
    const log = { ...recordingLogger(), info: (m: string) => info.push(m) };
    const a = openSqliteStore(file, log);
    expect(a.version).toBe(MIGRATIONS.length);
    await a.close();
    expect(info).toEqual([`sqlite: schema migrated from version 0 to ${MIGRATIONS.length}`]);
    const b = openSqliteStore(file, log);
    expect(b.version).toBe(MIGRATIONS.length);
    await b.close();
    expect(info).toHaveLength(1);
    // A database a version behind (as an older server left it) is taken up from there.
    const old = new Database(file);
    old.pragma(`user_version = ${MIGRATIONS.length - 1}`);
    old.exec('DROP INDEX files_unattached; ALTER TABLE files DROP COLUMN attached');
    old.close();
    await openSqliteStore(file, log).close();
    expect(info[1]).toBe(
      `sqlite: schema migrated from version ${MIGRATIONS.length - 1} to ${MIGRATIONS.length}`,
    );
  });
});
