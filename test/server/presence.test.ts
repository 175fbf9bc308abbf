// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { anonymousLabel, compareRows, type ListRow } from '../../demo/shared/visitor-list';
import { api, serve, until, visit } from './helpers';

type V = { id: string };
const ids = (list: V[]) => list.map((v) => v.id).sort();

describe('presence, filters and search', () => {
  it('derives every filter over online visitors, with counts', async () => {
    let now = Date.now();
    const s = await serve({ now: () => now, activeWindowMs: 600_000 });
    // Arriving is activity: these three are idle only once the active window has passed.
    const idle = await visit(s.url, { activeAt: 0 });
    const customer = await visit(s.url, { profile: { email: 'ada@example.com' }, activeAt: 0 });
    const form = await visit(s.url, { activeAt: 0 });
    form.c.send({ t: 'id', form: true });
    await until(async () => (await api(s, 'GET', '/api/visitors')).json.counts.customers == 2);
    now += 600_001;
    const active = await visit(s.url, {
      page: { url: 'http://shop.test/pricing', title: 'Plans', referrer: '' },
    });
    const chatting = await visit(s.url);
    chatting.c.send({ t: 'msg', cid: 'm1', text: 'hi', at: Date.now() });
    await chatting.c.next('ack');
    const triggered = await visit(s.url, { visits: 2 });
    triggered.c.send({ t: 'am', rule: 'pricing-20s', text: 'Any questions?' });
    const blocked = await visit(s.url);
    await api(s, 'POST', `/api/visitors/${blocked.vid}/block`);
    const gone = await visit(s.url);
    gone.c.close();

    const all = await until(async () => {
      const r = (await api(s, 'GET', '/api/visitors')).json;
      return r.counts.autoMessage == 1 && r.counts.customers == 2 && r.counts.all == 7 && r;
    });
    expect(all.counts).toEqual({
      all: 7,
      active: 4,
      chatting: 1,
      customers: 2,
      autoMessage: 1,
      blocked: 1,
    });
    expect(all.visitors.map((v: V) => v.id)).not.toContain(gone.vid);
    const get = async (filter: string) =>
      ids((await api(s, 'GET', '/api/visitors?filter=' + filter)).json.visitors);
    expect(await get('active')).toEqual(
      ids([active, chatting, triggered, blocked].map((x) => ({ id: x.vid }))),
    );
    expect(await get('chatting')).toEqual([chatting.vid]);
    expect(await get('customers')).toEqual(ids([{ id: customer.vid }, { id: form.vid }]));
    expect(await get('auto-message')).toEqual([triggered.vid]);
    expect(await get('blocked')).toEqual([blocked.vid]);

    const byId = Object.fromEntries(all.visitors.map((v: V) => [v.id, v]));
    expect(byId[idle.vid]).toMatchObject({ status: 'idle', active: false, online: true });
    expect(byId[active.vid]).toMatchObject({
      status: 'active',
      currentPage: { url: 'http://shop.test/pricing', title: 'Plans' },
      visits: 1,
      pageViews: 1,
      device: 'desktop',
      language: 'en',
      returning: false,
    });
    expect(byId[chatting.vid]).toMatchObject({ status: 'unserved', chatting: true });
    expect(byId[triggered.vid]).toMatchObject({
      status: 'triggered',
      autoMessageReceived: true,
      returning: true,
      visits: 2,
    });
    expect(byId[customer.vid]).toMatchObject({ customer: true, email: 'ada@example.com' });
    // New chats first in the list.
    expect(all.visitors[0].id).toBe(chatting.vid);
    expect(all.total).toBe(7);
    // `limit` (ours) caps the rows, not the counts.
    const two = (await api(s, 'GET', '/api/visitors?limit=2')).json;
    expect(two.visitors.map((v: V) => v.id)).toEqual(all.visitors.slice(0, 2).map((v: V) => v.id));
    expect(two).toMatchObject({ total: 7, counts: { all: 7 } });
    expect((await api(s, 'GET', '/api/visitors?limit=0')).status).toBe(400);
    for (const key of [
      'id',
      'name',
      'email',
      'phone',
      'variables',
      'online',
      'active',
      'chatting',
      'customer',
      'verified',
      'autoMessageReceived',
      'blocked',
      'status',
      'visits',
      'pageViews',
      'currentPage',
      'referrer',
      'device',
      'browser',
      'os',
      'language',
      'firstSeenAt',
      'lastActivityAt',
      'lastMessage',
    ])
      expect(byId[idle.vid]).toHaveProperty(key);
  });

  it('searches name, email, phone, id, page URL and title, and variable values, case-insensitively', async () => {
    const s = await serve();
    const ada = await visit(s.url, {
      profile: { name: 'Ada Lovelace', email: 'ada@example.com', phone: '+44 20 7946 0000' },
      variables: { plan: 'Enterprise', orders: 12 },
    });
    const bob = await visit(s.url, {
      page: { url: 'http://shop.test/checkout', title: 'Secure Checkout', referrer: '' },
    });
    const search = async (q: string, filter = 'all') =>
      ids(
        (await api(s, 'GET', `/api/visitors?filter=${filter}&q=${encodeURIComponent(q)}`)).json
          .visitors,
      );
    await until(async () => (await search('lovelace')).length == 1);
    expect(await search('LOVELACE')).toEqual([ada.vid]);
    expect(await search('ADA@EXAMPLE')).toEqual([ada.vid]);
    expect(await search('7946')).toEqual([ada.vid]);
    expect(await search('enterprise')).toEqual([ada.vid]);
    expect(await search('12')).toContain(ada.vid);
    expect(await search(bob.vid.toUpperCase())).toContain(bob.vid);
    expect(await search(bob.vid)).toEqual([bob.vid]);
    expect(await search('/checkout')).toEqual([bob.vid]);
    expect(await search('secure check')).toEqual([bob.vid]);
    expect(await search('nobody-matches-this')).toEqual([]);
    expect(await search('ada', 'chatting')).toEqual([]);
    // The anonymous visitor by the label the agent page shows it under ("Visitor #3F2A1B").
    expect(await search(anonymousLabel(bob.vid))).toEqual([bob.vid]);
    expect(await search(anonymousLabel(ada.vid))).toEqual([]);
    // Variables set later are searchable too.
    bob.c.send({ t: 'vars', vars: { coupon: 'SPRING24' } });
    await until(async () => (await search('spring24')).length == 1);
  });

  it("moves a row's last activity with a heartbeat and keeps it findable, then shows a real change", async () => {
    let now = Date.now();
    const s = await serve({ now: () => now });
    const { c, vid } = await visit(s.url, {
      profile: { name: 'Grace Hopper' },
      page: { url: 'http://shop.test/compilers', title: 'Compilers', referrer: '' },
    });
    const find = async (q: string) =>
      (await api(s, 'GET', '/api/visitors?q=' + encodeURIComponent(q))).json.visitors as ListRow[];
    const [before] = await find('hopper');
    expect(before).toMatchObject({ id: vid, currentPage: { title: 'Compilers' } });
    now += 5000;
    c.send({ t: 'hb', activeAt: now });
    await until(async () => (await find('compilers'))[0]?.lastActivityAt == now);
    const [after] = await find('grace');
    expect(after).toEqual({ ...before, lastActivityAt: now, lastSeenAt: after!.lastSeenAt });
    // A change the list shows still reaches the row and the search after the heartbeat.
    c.send({ t: 'id', name: 'Grace Brewster Hopper' });
    await until(async () => (await find('brewster')).length == 1);
    expect((await find('brewster'))[0]).toMatchObject({ name: 'Grace Brewster Hopper' });
  });

  it('answers the list a page at a time, in the shared list order, with total and lastEventId', async () => {
    const s = await serve();
    const all = await Promise.all(Array.from({ length: 7 }, () => visit(s.url)));
    all[3]!.c.send({ t: 'msg', cid: 'p1', text: 'hi', at: Date.now() });
    await until(async () => (await api(s, 'GET', '/api/visitors')).json.counts.chatting == 1);
    const whole = (await api(s, 'GET', '/api/visitors')).json;
    expect(whole.visitors).toHaveLength(7);
    expect(whole.visitors.map((v: ListRow) => v.id)).toEqual(
      [...whole.visitors].sort(compareRows).map((v: ListRow) => v.id),
    );
    expect(whole.visitors[0].id).toBe(all[3]!.vid);
    expect(whole.lastEventId).toMatch(/\S/);
    const pages = [];
    for (let offset = 0; offset < 9; offset += 3) {
      const page = (await api(s, 'GET', `/api/visitors?limit=3&offset=${offset}`)).json;
      expect(page).toMatchObject({ total: 7, offset, counts: whole.counts });
      pages.push(...page.visitors.map((v: ListRow) => v.id));
    }
    expect(pages).toEqual(whole.visitors.map((v: ListRow) => v.id));
    for (const bad of [
      'offset=-1',
      'offset=abc',
      'limit=1.5',
      'limit=0',
      'offset=1e3',
      'limit=100001',
    ])
      expect(await api(s, 'GET', '/api/visitors?' + bad)).toMatchObject({
        status: 400,
        json: { error: 'bad_request', message: expect.stringMatching(/limit|offset/) },
      });
  });

  it('counts arriving on a page as activity: a new visitor is active, not idle', async () => {
    const s = await serve();
    const { vid } = await visit(s.url, { activeAt: 0 });
    expect((await api(s, 'GET', '/api/visitors/' + vid)).json).toMatchObject({
      active: true,
      status: 'active',
    });
  });

  it('clamps future activity to the server clock and goes idle after the active window', async () => {
    let now = Date.now();
    const s = await serve({ now: () => now, activeWindowMs: 600_000 });
    const { c, vid } = await visit(s.url, { activeAt: now + 3_600_000 });
    const v = (await api(s, 'GET', '/api/visitors/' + vid)).json;
    expect(v.lastActivityAt).toBeLessThanOrEqual(now);
    expect(v.active).toBe(true);
    now += 600_001;
    expect((await api(s, 'GET', '/api/visitors/' + vid)).json).toMatchObject({
      active: false,
      status: 'idle',
    });
    c.send({ t: 'hb', activeAt: now });
    await until(async () => (await api(s, 'GET', '/api/visitors/' + vid)).json.active);
  });
});
