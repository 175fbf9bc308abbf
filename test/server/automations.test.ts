// @vitest-environment node
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseTrustProxy } from '../../demo/server/client-address';
import { addAutoMessage, api, serve, until, visit } from './helpers';

const pricing = {
  kind: 'auto-message',
  name: 'Pricing help',
  text: 'Questions about plans?',
  sender: 'Eva',
  frequency: 'visit',
  conditions: [
    { type: 'url', contains: '/pricing' },
    { type: 'timeOnPage', seconds: 5 },
  ],
};

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('automations: the agent API', () => {
  it('starts a new database with the demo examples, and empty with DEMO=0', async () => {
    const s = await serve();
    const list = (await api(s, 'GET', '/api/automations')).json.automations;
    expect(list.map((a: { id: string }) => a.id)).toEqual(
      expect.arrayContaining(['pricing-20s', 'returning-welcome', 'demo-trigger']),
    );
    expect(list[0]).toMatchObject({
      kind: 'auto-message',
      enabled: true,
      stats: { shown: 0, replied: 0, conversations: 0 },
    });
    const empty = await serve({ demo: false });
    expect((await api(empty, 'GET', '/api/automations')).json).toEqual({ automations: [] });
    expect((await visit(empty.url)).welcome.rules).toEqual([]);
  });

  it('creates, reads, replaces, switches and deletes an auto message', async () => {
    const s = await serve({ demo: false });
    const made = await api(s, 'POST', '/api/automations', pricing);
    expect(made.status).toBe(201);
    const a = made.json.automation;
    expect(a).toMatchObject({ ...pricing, enabled: true, stats: { shown: 0 } });
    expect(a.id).toMatch(/^[\w-]{12}$/);
    expect((await api(s, 'GET', '/api/automations/' + a.id)).json.automation).toEqual(a);
    // PUT replaces: what is left out is gone; the id and stats it got back may be sent again.
    const put = await api(s, 'PUT', '/api/automations/' + a.id, {
      ...a,
      text: 'Need a hand choosing?',
      sender: undefined,
    });
    expect(put.status).toBe(200);
    expect(put.json.automation.text).toBe('Need a hand choosing?');
    expect(put.json.automation).not.toHaveProperty('sender');
    const off = await api(s, 'PATCH', '/api/automations/' + a.id, { enabled: false });
    expect(off.json.automation).toMatchObject({ enabled: false, text: 'Need a hand choosing?' });
    expect((await api(s, 'GET', '/api/automations')).json.automations).toHaveLength(1);
    expect((await api(s, 'DELETE', '/api/automations/' + a.id)).status).toBe(200);
    expect((await api(s, 'GET', '/api/automations/' + a.id)).status).toBe(404);
    expect((await api(s, 'GET', '/api/automations')).json.automations).toEqual([]);
  });

  it('answers 400 naming the wrong field, 404 for an unknown id, and changes nothing', async () => {
    const s = await serve({ demo: false });
    const bad = async (body: unknown, method = 'POST', path = '/api/automations') => {
      const r = await api(s, method, path, body);
      expect(r.status).toBe(400);
      expect(r.json.error).toBe('bad_request');
      return r.json.message as string;
    };
    expect(await bad({ ...pricing, kind: 'popup' })).toMatch(/^kind must be/);
    expect(await bad({ ...pricing, text: '' })).toMatch(/^text must be/);
    expect(await bad({ ...pricing, frequency: 'daily' })).toMatch(/^frequency must be/);
    expect(await bad({ ...pricing, conditions: [{ type: 'url' }] })).toBe(
      'conditions[0]: url needs contains or regex',
    );
    expect(await bad({ ...pricing, conditions: [{ type: 'url', regex: '(' }] })).toMatch(
      /^conditions\[0\]: bad regex/,
    );
    expect(await bad({ ...pricing, conditions: [{ type: 'weather' }] })).toMatch(
      /^conditions\[0\]: unknown type/,
    );
    expect(await bad({ ...pricing, replies: [{ value: 'x' }] })).toMatch(/^replies/);
    expect(await bad({ ...pricing, delayMs: -1 })).toMatch(/^delayMs/);
    expect(await bad({ ...pricing, color: 'red' })).toBe('color is not a field of this kind');
    expect(await bad({ ...pricing, enabled: 'yes' })).toBe('enabled must be true or false');
    expect(await bad({ ...pricing, id: 'mine' })).toMatch(/^id is chosen by the server/);
    expect(await bad('[1, 2]')).toBe('the body must be a JSON object');
    expect(await bad('{not json')).toBe('the body must be a JSON object');
    const { id } = (await api(s, 'POST', '/api/automations', pricing)).json.automation;
    expect(await bad({ enabled: 'no' }, 'PATCH', '/api/automations/' + id)).toBe(
      'enabled must be true or false',
    );
    expect(await bad({ enabled: true, text: 'x' }, 'PATCH', '/api/automations/' + id)).toMatch(
      /^text cannot be patched/,
    );
    expect(await bad({ ...pricing, id: 'other' }, 'PUT', '/api/automations/' + id)).toMatch(
      /^id must be the id in the path/,
    );
    expect((await api(s, 'GET', '/api/automations/' + id)).json.automation).toMatchObject(pricing);
    for (const method of ['GET', 'PUT', 'PATCH', 'DELETE'])
      expect(
        (await api(s, method, '/api/automations/nope', method == 'GET' ? undefined : pricing))
          .status,
      ).toBe(404);
    const post = await api(s, 'POST', '/api/automations/' + id, pricing);
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD, PUT, PATCH, DELETE');
    for (const path of ['/api/automations', '/api/automations/' + id]) {
      const head = await api(s, 'HEAD', path);
      expect([head.status, head.json], path).toEqual([200, undefined]);
    }
    expect(
      (await api(s, 'GET', '/api/automations', undefined, 'wrong-token-0123456789')).status,
    ).toBe(401);
  });
});

describe('automations: live delivery to widgets', () => {
  it('sends a created, edited or switched auto message to a connected widget without a reload', async () => {
    const s = await serve({ demo: false });
    const { c } = await visit(s.url);
    const { id } = (await api(s, 'POST', '/api/automations', pricing)).json.automation;
    const created = await c.next('rules');
    expect(created.rules).toEqual([
      {
        id,
        text: pricing.text,
        name: 'Eva',
        frequency: 'visit',
        conditions: pricing.conditions,
      },
    ]);
    await api(s, 'PUT', '/api/automations/' + id, { ...pricing, text: 'Edited' });
    expect((await c.next('rules')).rules[0].text).toBe('Edited');
    await api(s, 'PATCH', '/api/automations/' + id, { enabled: false });
    expect((await c.next('rules')).rules).toEqual([]);
  });

  it('never gives a disabled auto message to a widget', async () => {
    const s = await serve({ demo: false });
    const { id } = (await api(s, 'POST', '/api/automations', { ...pricing, enabled: false })).json
      .automation;
    expect((await visit(s.url)).welcome.rules).toEqual([]);
    await api(s, 'PATCH', '/api/automations/' + id, { enabled: true });
    expect((await visit(s.url)).welcome.rules.map((r: { id: string }) => r.id)).toEqual([id]);
  });

  it('gives an auto message with `country` only to visitors in those countries', async () => {
    const s = await serve({ demo: false, trustProxy: parseTrustProxy('127.0.0.1, ::1') });
    // Addresses in the GeoLite2 test ranges: 81.2.69.160 is in the United Kingdom, 2a00:1450:4001::1 in Germany.
    const gb = { 'x-forwarded-for': '81.2.69.160' };
    const de = { 'x-forwarded-for': '2a00:1450:4001::1' };
    const everyone = (await api(s, 'POST', '/api/automations', pricing)).json.automation.id;
    const uk = (
      await api(s, 'POST', '/api/automations', {
        ...pricing,
        text: 'UK only',
        country: ['gb', 'IE'],
      })
    ).json.automation;
    expect(uk.country).toEqual(['GB', 'IE']);
    const rules = (w: { welcome: { rules?: unknown } }) =>
      (w.welcome.rules as { id: string }[]).map((r) => r.id);
    const inGb = await visit(s.url, {}, gb);
    expect(rules(inGb)).toEqual([everyone, uk.id]);
    // The widget is not told whom the rule is for.
    expect(inGb.welcome.rules[1]).not.toHaveProperty('country');
    const inDe = await visit(s.url, {}, de);
    expect(rules(inDe)).toEqual([everyone]);
    // A visitor whose country is unknown (a loopback address) does not get it either.
    expect(rules(await visit(s.url))).toEqual([everyone]);
    // A change reaches each online widget with the rules of its own country.
    await api(s, 'PUT', '/api/automations/' + uk.id, {
      ...pricing,
      text: 'DE now',
      country: ['DE'],
    });
    expect((await inGb.c.next('rules')).rules.map((r: { id: string }) => r.id)).toEqual([everyone]);
    expect((await inDe.c.next('rules')).rules.map((r: { text: string }) => r.text)).toEqual([
      pricing.text,
      'DE now',
    ]);
  });

  it('refuses a `country` that is not a list of two-letter codes, naming the field', async () => {
    const s = await serve({ demo: false });
    for (const country of [[], 'FR', ['FRA'], ['F1'], [7], Array(251).fill('FR')]) {
      const r = await api(s, 'POST', '/api/automations', { ...pricing, country });
      expect(r.status).toBe(400);
      expect(r.json.message).toMatch(
        /^country must be a list of 1 to 250 two-letter country codes/,
      );
    }
    // Two letters that no country has would make a rule that never shows: refused, by index.
    for (const [country, i] of [
      [['XX'], 0],
      [['FR', 'EU'], 1],
      [['zz'], 0],
    ] as const) {
      const r = await api(s, 'POST', '/api/automations', { ...pricing, country });
      expect(r.status).toBe(400);
      expect(r.json.message).toMatch(
        new RegExp(`^country\\[${i}\\]: \\w\\w is not a country code`),
      );
    }
    expect((await api(s, 'GET', '/api/automations')).json.automations).toEqual([]);
    // UK, the usual name, is not ISO's: visitors there are located as GB, so it is taken as GB.
    const uk = await api(s, 'POST', '/api/automations', {
      ...pricing,
      country: ['uk', 'IE', 'GB'],
    });
    expect(uk.status).toBe(201);
    expect(uk.json.automation.country).toEqual(['GB', 'IE']);
  });

  it('says what is wrong with an auto message text of spaces only or past 4000 characters, or conditions that never hold', async () => {
    const s = await serve({ demo: false });
    for (const text of ['   ', 'a'.repeat(4001)]) {
      const r = await api(s, 'POST', '/api/automations', { ...pricing, text });
      expect(r.status).toBe(400);
      expect(r.json.message).toBe('text must be a non-empty string of at most 4000');
    }
    // Conditions that can never all hold: refused, naming the condition.
    for (const [c, said] of [
      [{ type: 'visits', min: 5, max: 2 }, 'visits.min is above visits.max'],
      [{ type: 'schedule', from: 9, to: 9 }, 'schedule.from and schedule.to are the same hour'],
    ] as const) {
      const r = await api(s, 'POST', '/api/automations', {
        ...pricing,
        conditions: [pricing.conditions[0], c],
      });
      expect(r.status).toBe(400);
      expect(r.json.message).toBe(`conditions[1]: ${said}: the message would never show`);
    }
    const made = (await api(s, 'POST', '/api/automations', pricing)).json.automation;
    const put = await api(s, 'PUT', '/api/automations/' + made.id, { ...pricing, text: ' ' });
    expect(put.status).toBe(400);
    expect((await api(s, 'GET', '/api/automations')).json.automations).toHaveLength(1);
  });

  it('reaches the widgets of another node sharing the database, by its revision poll', async () => {
    // Two nodes on one database (Postgres in a cluster; one SQLite file serves one node only):
    // node b's automations read the store node a writes through.
    const { createAutomations } = await import('../../demo/server/automations');
    const { openSqliteStore } = await import('../../demo/server/store-sqlite');
    const store = openSqliteStore(':memory:');
    const log = { info() {}, warn() {}, error() {} };
    const sent: string[][] = [];
    const node = (onRules: (rulesFor: (c: string | null) => { text: string }[]) => void) =>
      createAutomations({ store, log, now: Date.now, pollMs: 20, onRules });
    const a = await node(() => {});
    const b = await node((rulesFor) => sent.push(rulesFor(null).map((r) => r.text)));
    try {
      sent.length = 0;
      await a.create(pricing);
      await until(async () => sent.some((texts) => texts.includes(pricing.text)), 5000);
      expect(b.all()).toHaveLength(1);
    } finally {
      a.close();
      b.close();
      await store.close();
    }
  });

  it('keeps what an agent deleted deleted after a restart (the examples are added once)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vc-automations-'));
    dirs.push(dir);
    const db = join(dir, 'chat.db');
    const first = await serve({ db });
    await api(first, 'DELETE', '/api/automations/pricing-20s');
    await first.close();
    const second = await serve({ db });
    const ids = (await api(second, 'GET', '/api/automations')).json.automations.map(
      (a: { id: string }) => a.id,
    );
    expect(ids).not.toContain('pricing-20s');
    expect(ids).toContain('demo-trigger');
  });
});

const twoSteps = {
  kind: 'bot',
  name: 'Helper',
  greeting: true,
  start: 'hello',
  steps: {
    hello: { text: 'Hi! Want news?', buttons: [{ label: 'Yes please', next: 'email' }] },
    email: { text: 'Your email?', ask: 'email', next: 'thanks' },
    thanks: { text: 'Thanks, an agent will follow up.', handover: true },
  },
};

describe('automations: chatbot flows', () => {
  it('walks a flow by its button, captures the email onto the visitor, then hands over', async () => {
    const s = await serve({ demo: false });
    const { id } = (await api(s, 'POST', '/api/automations', twoSteps)).json.automation;
    const { c, vid } = await visit(s.url);
    c.send({ t: 'msg', cid: 'm1', text: 'hello', at: Date.now() });
    const hi = (await c.next('msg')).m;
    expect(hi).toMatchObject({ from: 'bot', name: 'Helper', text: 'Hi! Want news?' });
    expect(hi.replies).toEqual([{ label: 'Yes please', value: 'Yes please' }]);
    c.send({ t: 'msg', cid: 'm2', text: 'Yes please', at: Date.now() });
    expect((await c.next('msg')).m.text).toBe('Your email?');
    c.send({ t: 'msg', cid: 'm3', text: 'nope', at: Date.now() });
    expect((await c.next('msg')).m.text).toMatch(/does not look like an email/);
    c.send({ t: 'msg', cid: 'm4', text: 'ada@example.com', at: Date.now() });
    expect((await c.next('msg')).m.text).toBe('Thanks, an agent will follow up.');
    const v = (await api(s, 'GET', '/api/visitors/' + vid)).json;
    expect(v).toMatchObject({ email: 'ada@example.com', customer: true });
    const customers = (await api(s, 'GET', '/api/visitors?filter=customers')).json.visitors;
    expect(customers.map((x: { id: string }) => x.id)).toContain(vid);
    // Handed over: the bot stays quiet.
    c.send({ t: 'msg', cid: 'm5', text: 'Yes please', at: Date.now() });
    await c.next('ack');
    expect(c.frames.filter((f) => f.t == 'msg' && f.m.from == 'bot')).toHaveLength(0);
    expect(id).toBeTruthy();
  });

  it('stops for good once an agent writes', async () => {
    const s = await serve({ demo: false });
    await api(s, 'POST', '/api/automations', twoSteps);
    const { c, vid } = await visit(s.url);
    c.send({ t: 'msg', cid: 'a1', text: 'hello', at: Date.now() });
    await c.next('msg');
    await api(s, 'POST', `/api/visitors/${vid}/messages`, { text: 'Eva here' });
    expect((await c.next('msg')).m.from).toBe('agent');
    c.send({ t: 'msg', cid: 'a2', text: 'Yes please', at: Date.now() });
    await c.next('ack');
    const detail = (await api(s, 'GET', '/api/visitors/' + vid)).json;
    expect(detail.messages.map((m: { from: string }) => m.from)).toEqual([
      'visitor',
      'bot',
      'agent',
      'visitor',
    ]);
  });

  it('says nothing when the flow is switched off, and nothing without a flow (DEMO=0)', async () => {
    const s = await serve({ demo: false });
    const { id } = (await api(s, 'POST', '/api/automations', twoSteps)).json.automation;
    await api(s, 'PATCH', '/api/automations/' + id, { enabled: false });
    const { c, vid } = await visit(s.url);
    c.send({ t: 'msg', cid: 'q1', text: 'hello', at: Date.now() });
    await c.next('ack');
    const detail = (await api(s, 'GET', '/api/visitors/' + vid)).json;
    expect(detail.messages.map((m: { from: string }) => m.from)).toEqual(['visitor']);
  });

  it('refuses a flow whose button leads nowhere, naming the button', async () => {
    const s = await serve({ demo: false });
    const r = await api(s, 'POST', '/api/automations', {
      ...twoSteps,
      steps: {
        ...twoSteps.steps,
        hello: { text: 'Hi', buttons: [{ label: 'Go', next: 'nowhere' }] },
      },
    });
    expect(r.status).toBe(400);
    expect(r.json.message).toBe(
      'steps.hello.buttons[0].next must be the id of a step of this flow',
    );
  });
});

describe('automations: figures', () => {
  const stats = async (s: Awaited<ReturnType<typeof serve>>, id: string) =>
    (await api(s, 'GET', '/api/automations/' + id)).json.automation.stats;

  it('counts an auto message shown, replied to and the conversation it started', async () => {
    const s = await serve({ demo: false });
    const { id } = (await api(s, 'POST', '/api/automations', pricing)).json.automation;
    const a = await visit(s.url);
    a.c.send({ t: 'am', rule: id, text: pricing.text });
    await until(async () => (await stats(s, id)).shown == 1);
    a.c.send({ t: 'msg', cid: 'r1', text: 'Yes, which plan?', at: Date.now() });
    await a.c.next('ack');
    a.c.send({ t: 'msg', cid: 'r2', text: 'Hello?', at: Date.now() });
    await a.c.next('ack');
    // Shown to a second visitor who never answers.
    const b = await visit(s.url);
    b.c.send({ t: 'am', rule: id, text: pricing.text });
    await until(async () => (await stats(s, id)).shown == 2);
    expect(await stats(s, id)).toEqual({ shown: 2, replied: 1, conversations: 1 });
    const list = (await api(s, 'GET', '/api/automations')).json.automations;
    expect(list[0].stats).toEqual({ shown: 2, replied: 1, conversations: 1 });
  });

  it("refuses an auto message the site does not have, and keeps the site's words for one it has", async () => {
    const s = await serve({ demo: false });
    const rule = await addAutoMessage(s, 'Need a hand choosing a plan?');
    const a = await visit(s.url);
    // A widget's word alone would put any text first in a conversation, labelled as the site's.
    a.c.send({ t: 'am', rule: 'made-up', text: 'OFFICIAL: send your card number' });
    expect(await a.c.next('err')).toMatchObject({
      code: 'bad_frame',
      message: 'am.rule: this visitor has no auto message "made-up"',
    });
    expect(s.hub.visitors.get(a.vid)!.pendingAm).toBeFalsy();
    a.c.send({ t: 'am', rule, text: 'OFFICIAL: send your card number' });
    await until(() => s.hub.visitors.get(a.vid)?.pendingAm != null);
    a.c.send({ t: 'msg', cid: 'r1', text: 'Which plan?', at: Date.now() });
    await a.c.next('ack');
    const messages = (await api(s, 'GET', `/api/visitors/${a.vid}`)).json.messages;
    expect(messages.map((m: { from: string; text: string }) => m.from + ': ' + m.text)).toEqual([
      'trigger: Need a hand choosing a plan?',
      'visitor: Which plan?',
    ]);
    const stats = (await api(s, 'GET', '/api/automations/' + rule)).json.automation.stats;
    expect(stats).toEqual({ shown: 1, replied: 1, conversations: 1 });
  });

  it('begins a conversation the visitor starts in answer to an auto message with it, for the agent', async () => {
    const s = await serve({ demo: false });
    const rule = await addAutoMessage(s, 'Need a hand choosing a plan?');
    const a = await visit(s.url);
    a.c.send({ t: 'am', rule, text: 'Need a hand choosing a plan?' });
    await until(() => s.hub.visitors.get(a.vid)?.pendingAm != null);
    a.c.send({ t: 'msg', cid: 'r1', text: 'Yes, which plan?', at: Date.now() });
    await a.c.next('ack');
    a.c.send({ t: 'msg', cid: 'r2', text: 'Hello?', at: Date.now() });
    await a.c.next('ack');
    const messages = (await api(s, 'GET', `/api/visitors/${a.vid}`)).json.messages;
    expect(messages.map((m: { from: string; text: string }) => m.from + ': ' + m.text)).toEqual([
      'trigger: Need a hand choosing a plan?',
      'visitor: Yes, which plan?',
      'visitor: Hello?',
    ]);
    // The widget shows it already: it was not sent back to it.
    expect(a.c.frames.filter((f) => f.t == 'msg' && f.m.from == 'trigger')).toEqual([]);
    // A visitor who was shown none starts with its own message.
    const b = await visit(s.url);
    b.c.send({ t: 'msg', cid: 'b1', text: 'Hi', at: Date.now() });
    await b.c.next('ack');
    const theirs = (await api(s, 'GET', `/api/visitors/${b.vid}`)).json.messages;
    expect(theirs.map((m: { from: string }) => m.from)).toEqual(['visitor']);
  });

  it('lets one flow greet: the flow marked last takes the greeting from the demo bot', async () => {
    const s = await serve();
    const greeters = async () =>
      (await api(s, 'GET', '/api/automations')).json.automations
        .filter((a: { greeting?: boolean }) => a.greeting)
        .map((a: { name: string }) => a.name);
    expect(await greeters()).toEqual(['Acme bot']);
    const made = await api(s, 'POST', '/api/automations', twoSteps);
    expect(made.status).toBe(201);
    expect(await greeters()).toEqual(['Helper']);
    // The demo bot keeps everything else: switched on, its steps, not greeting.
    const acme = (await api(s, 'GET', '/api/automations')).json.automations.find(
      (a: { name: string }) => a.name == 'Acme bot',
    );
    expect(acme).toMatchObject({ enabled: true, kind: 'bot' });
    expect(acme).not.toHaveProperty('greeting');
    const { c } = await visit(s.url);
    c.send({ t: 'msg', cid: 'g1', text: 'Hello, I have a question', at: Date.now() });
    expect((await c.next('msg')).m).toMatchObject({ name: 'Helper', text: 'Hi! Want news?' });
    // Marked again, the demo bot greets again, and the other one no longer does.
    const put = await api(s, 'PUT', '/api/automations/' + acme.id, { ...acme, greeting: true });
    expect(put.status).toBe(200);
    expect(await greeters()).toEqual(['Acme bot']);
  });

  it('counts a flow greeting, an answer to it and its hand-over', async () => {
    const s = await serve({ demo: false });
    const { id } = (await api(s, 'POST', '/api/automations', twoSteps)).json.automation;
    const { c } = await visit(s.url);
    c.send({ t: 'msg', cid: 'f1', text: 'hi', at: Date.now() });
    await c.next('msg');
    expect(await stats(s, id)).toEqual({ shown: 1, replied: 0, conversations: 0 });
    c.send({ t: 'msg', cid: 'f2', text: 'Yes please', at: Date.now() });
    await c.next('msg');
    c.send({ t: 'msg', cid: 'f3', text: 'ada@example.com', at: Date.now() });
    await c.next('msg');
    expect(await stats(s, id)).toEqual({ shown: 1, replied: 1, conversations: 1 });
  });
});

describe('automations poll during a database outage', () => {
  it('logs the outage once when it starts and once when it ends, not at every poll', async () => {
    const { createAutomations } = await import('../../demo/server/automations');
    const { openSqliteStore } = await import('../../demo/server/store-sqlite');
    const store = openSqliteStore(':memory:');
    let down = false;
    const revision = store.automationsRevision.bind(store);
    store.automationsRevision = () =>
      down ? Promise.reject(new Error('connect ECONNREFUSED')) : revision();
    const lines: string[] = [];
    const log = {
      info: (m: string) => lines.push('info ' + m),
      warn: (m: string) => lines.push('warn ' + m),
      error: (m: string) => lines.push('error ' + m),
    };
    const automations = await createAutomations({
      store,
      log,
      now: Date.now,
      pollMs: 10,
      onRules: () => {},
    });
    try {
      lines.length = 0;
      down = true;
      await new Promise((r) => setTimeout(r, 120));
      down = false;
      await until(async () => lines.some((l) => l.startsWith('info')), 2000);
      expect(lines).toEqual([
        'warn automations: reload failed (retrying every poll): Error: connect ECONNREFUSED',
        'info automations: reloading again',
      ]);
    } finally {
      automations.close();
      await store.close();
    }
  });
});
