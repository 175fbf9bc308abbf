// @vitest-environment node
/**
 * The server on Postgres (DATABASE_URL): a conversation survives a restart, and while Postgres
 * is down nothing is acknowledged that was not stored (visitor messages wait in the widget's
 * outbox, agent writes answer 503), and nothing is lost once it is back.
 */
import { describe, expect, it } from 'vitest';
import { PG_MIGRATIONS } from '../../demo/server/migrations-postgres';
import { unreachable } from '../../demo/server/store-postgres';
import { usePostgres } from '../helpers/postgres';
import { api, connect, hello, serve, until, visit } from './helpers';

const postgres = usePostgres();
const withPostgres = postgres.available;

describe.runIf(withPostgres)('the server on Postgres', () => {
  it('keeps visitors, conversations, blocks and tokens across a restart', async () => {
    const databaseUrl = await postgres.server().freshDatabase();
    const first = await serve({ databaseUrl });
    const { c, vid, token } = await visit(first.url, { profile: { name: 'Ada' } });
    c.send({ t: 'msg', cid: 'p1', text: 'Remember me', at: Date.now() });
    const ack = await c.next('ack');
    expect(
      (await api(first, 'POST', `/api/visitors/${vid}/messages`, { text: 'Hi Ada' })).status,
    ).toBe(201);
    await until(() => c.frames.some((f) => f.t == 'msg' && f.m.text == 'Hi Ada'));
    await api(first, 'POST', `/api/visitors/${vid}/block`);
    await first.close();

    const second = await serve({ databaseUrl });
    const thief = await connect(second.url);
    thief.send(hello({ vid, token: 'not-the-token' }));
    expect((await thief.closed).code).toBe(4001);
    const back = await visit(second.url, { vid, token, visits: 2 });
    expect(back.welcome).toMatchObject({ blocked: true, vid });
    const talk = back.welcome.messages.filter((m: { from: string }) => m.from != 'bot');
    expect(talk.map((m: { text: string }) => m.text)).toEqual(['Remember me', 'Hi Ada']);
    expect(talk[0].id).toBe(ack.id);
    const v = (await api(second, 'GET', '/api/visitors/' + vid)).json!;
    expect(v).toMatchObject({ name: 'Ada', blocked: true, chatting: true, visits: 2 });
    await api(second, 'DELETE', `/api/visitors/${vid}/block`);
    back.c.send({ t: 'msg', cid: 'p1', text: 'Remember me', at: Date.now() });
    expect((await back.c.next('ack')).id).toBe(ack.id);
  });

  it('while Postgres is down acknowledges nothing, answers agent writes 503, and loses nothing once it is back', async () => {
    const databaseUrl = await postgres.server().freshDatabase();
    const lines: string[] = [];
    const log = {
      info: (m: string) => lines.push(m),
      warn: (m: string) => lines.push(m),
      error: (m: string) => lines.push(m),
    };
    const s = await serve({ databaseUrl, log });
    expect(lines).toContain(`postgres: schema migrated from version 0 to ${PG_MIGRATIONS.length}`);
    const { c, vid, token } = await visit(s.url);
    c.send({ t: 'msg', cid: 'before', text: 'first', at: Date.now() });
    await c.next('ack');

    await postgres.server().pause();
    c.send({ t: 'msg', cid: 'during', text: 'while down', at: Date.now() });
    expect(await c.next('err', 15_000)).toMatchObject({ code: 'unavailable' });
    expect(c.frames.filter((f) => f.t == 'ack' && f.cid == 'during')).toEqual([]);
    const agent = await api(s, 'POST', `/api/visitors/${vid}/messages`, { text: 'lost?' });
    expect(agent.status).toBe(503);
    expect(agent.json).toMatchObject({ error: 'unavailable' });
    // A new connection cannot say hello yet: 1013 tells the widget to try again later.
    const other = await connect(s.url);
    other.send(hello({ vid, token }));
    expect((await other.closed).code).toBe(1013);
    const health = await fetch(s.url + '/healthz');
    expect(health.status).toBe(503);

    await postgres.server().resume();
    // The widget sends its outbox again (same cid) until it is acknowledged.
    const ack = await until(async () => {
      c.send({ t: 'msg', cid: 'during', text: 'while down', at: Date.now() });
      const f = await c.next(undefined, 5000).catch(() => undefined);
      return f?.t == 'ack' ? f : undefined;
    }, 30_000);
    expect(ack.cid).toBe('during');
    expect((await api(s, 'POST', `/api/visitors/${vid}/messages`, { text: 'back' })).status).toBe(
      201,
    );
    const detail = (await api(s, 'GET', '/api/visitors/' + vid)).json!;
    const talk = detail.messages.filter((m: { from: string }) => m.from != 'bot');
    expect(talk.map((m: { text: string }) => m.text)).toEqual(['first', 'while down', 'back']);
    expect((await fetch(s.url + '/healthz')).status).toBe(200);
    // The outage is said once as it starts and once as it ends, not for every failed call.
    const outage = lines.filter((l) => /^postgres: (not )?answering/.test(l));
    expect(outage).toHaveLength(2);
    expect(outage[0]).toMatch(/^postgres: not answering \(.+\)$/);
    expect(outage[1]).toBe('postgres: answering again');
  }, 90_000);
});

describe('what counts as Postgres not answering', () => {
  it('is a connection that could not be made or was lost, not a query refused', () => {
    const err = (message: string, code?: string) => Object.assign(new Error(message), { code });
    for (const e of [
      err('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
      err('read ECONNRESET', 'ECONNRESET'),
      err('terminating connection due to administrator command', '57P01'),
      err('the database system is starting up', '57P03'),
      err('connection failure', '08006'),
      err('Connection terminated unexpectedly'),
      err('timeout exceeded when trying to connect'),
    ])
      expect(unreachable(e), e.message).toBe(true);
    for (const e of [
      err('duplicate key value violates unique constraint', '23505'),
      err('syntax error at or near "x"', '42601'),
      err('value too long', '22001'),
      'a string',
      null,
    ])
      expect(unreachable(e), String(e)).toBe(false);
  });
});
