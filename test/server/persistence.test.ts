// @vitest-environment node
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../demo/server/store-sqlite';
import { MIGRATIONS } from '../../demo/server/migrations';
import Database from 'better-sqlite3';
import { api, connect, hello, recordingLogger, serve, until, visit } from './helpers';

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

  it('migrates a new database to the latest schema version, once', async () => {
    const file = join(dir, 'schema.db');
    const a = openSqliteStore(file);
    expect(a.version).toBe(MIGRATIONS.length);
    await a.close();
    const b = openSqliteStore(file);
    expect(b.version).toBe(MIGRATIONS.length);
    await b.close();
  });
});
