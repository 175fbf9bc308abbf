// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { api, serve, sse, until, visit } from './helpers';

describe('agent API: errors', () => {
  it('answers 401 JSON without the token, with a wrong one, or with another scheme', async () => {
    const s = await serve();
    for (const token of [null, 'wrong-token', s.agentToken + 'x']) {
      const r = await api(s, 'GET', '/api/visitors', undefined, token);
      expect(r.status).toBe(401);
      expect(r.json).toMatchObject({ error: 'unauthorized', message: expect.any(String) });
    }
    const basic = await fetch(s.url + '/api/visitors', {
      headers: { authorization: 'Basic ' + s.agentToken },
    });
    expect(basic.status).toBe(401);
    expect((await api(s, 'GET', '/api/nope', undefined, null)).status).toBe(401);
  });

  it('answers 400 for a bad filter, bad JSON, a missing, empty or oversize text', async () => {
    const s = await serve();
    const { vid } = await visit(s.url);
    expect((await api(s, 'GET', '/api/visitors?filter=nope')).json.error).toBe('bad_request');
    const path = `/api/visitors/${vid}/conversation`;
    for (const body of [
      '{oops',
      '[]',
      {},
      { text: 5 },
      { text: '   ' },
      { text: 'x'.repeat(4001) },
    ]) {
      const r = await api(s, 'POST', path, body);
      expect(r.status, JSON.stringify(body).slice(0, 40)).toBe(400);
      expect(r.json).toMatchObject({ error: 'bad_request', message: expect.any(String) });
    }
    const huge = await api(s, 'POST', path, { text: 'x'.repeat(70_000) });
    expect(huge.status).toBe(413);
  });

  it('answers 404 for an unknown visitor or route and 405 for a wrong method', async () => {
    const s = await serve();
    const { vid } = await visit(s.url);
    expect((await api(s, 'GET', '/api/visitors/nobody')).json).toMatchObject({
      error: 'not_found',
    });
    expect((await api(s, 'POST', '/api/visitors/nobody/block')).status).toBe(404);
    expect((await api(s, 'GET', '/api/nothing')).status).toBe(404);
    expect((await api(s, 'GET', `/api/visitors/${vid}/nothing`)).status).toBe(404);
    expect((await api(s, 'GET', '/api/visitors/%E0%A4%A')).status).toBe(404);
    const wrong = await api(s, 'PUT', `/api/visitors/${vid}/block`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST, DELETE');
    const post = await api(s, 'POST', '/api/visitors');
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('answers HEAD as GET, headers only, on every route that reads', async () => {
    const s = await serve();
    const { vid } = await visit(s.url);
    for (const path of ['/api/visitors?filter=active', `/api/visitors/${vid}`, '/api/events']) {
      const get = await fetch(s.url + path, {
        headers: { authorization: 'Bearer ' + s.agentToken },
      });
      // The feed's stream stays open: its headers are all this needs.
      await get.body?.cancel();
      const head = await fetch(s.url + path, {
        method: 'HEAD',
        headers: { authorization: 'Bearer ' + s.agentToken },
      });
      expect(head.status, path).toBe(200);
      expect(head.headers.get('content-type'), path).toBe(get.headers.get('content-type'));
      expect(await head.text(), path).toBe('');
    }
    // What GET refuses, HEAD refuses too: the status without the body.
    expect((await api(s, 'HEAD', '/api/visitors?filter=nope')).status).toBe(400);
    expect((await api(s, 'HEAD', '/api/visitors/nobody')).status).toBe(404);
    expect((await api(s, 'HEAD', '/api/visitors', undefined, null)).status).toBe(401);
    expect((await api(s, 'HEAD', `/api/visitors/${vid}/block`)).headers.get('allow')).toBe(
      'POST, DELETE',
    );
  });

  it('refuses proactive conversations on the free plan with 403 plan_required', async () => {
    const s = await serve({ plan: 'free' });
    const { vid } = await visit(s.url);
    const r = await api(s, 'POST', `/api/visitors/${vid}/conversation`, { text: 'Hi!' });
    expect(r.status).toBe(403);
    expect(r.json).toMatchObject({ error: 'plan_required', message: expect.any(String) });
    expect((await api(s, 'GET', '/api/visitors')).json.plan).toBe('free');
  });

  it('on the free plan, writes into a conversation the visitor opened, and checks the body first', async () => {
    const s = await serve({ plan: 'free' });
    const { c, vid } = await visit(s.url);
    const path = `/api/visitors/${vid}/conversation`;
    expect((await api(s, 'POST', path, { text: '' })).status).toBe(400);
    c.send({ t: 'msg', cid: 'v1', text: 'Hello?', at: Date.now() });
    await until(async () => (await api(s, 'GET', '/api/visitors/' + vid)).json.chatting === true);
    const r = await api(s, 'POST', path, { text: 'Hi, how can I help?' });
    expect([r.status, r.json.opened, r.json.message?.text]).toEqual([
      200,
      false,
      'Hi, how can I help?',
    ]);
  });

  it('answers 409 no_conversation for a message without an open conversation', async () => {
    const s = await serve();
    const { vid } = await visit(s.url);
    const r = await api(s, 'POST', `/api/visitors/${vid}/messages`, { text: 'Hello?' });
    expect(r.status).toBe(409);
    expect(r.json.error).toBe('no_conversation');
    expect((await api(s, 'DELETE', `/api/visitors/${vid}/conversation`)).status).toBe(409);
  });
});

describe('agent API: conversations and blocking', () => {
  it('opens a proactive conversation that reaches the visitor socket, then writes into it', async () => {
    const s = await serve({ plan: 'standard' });
    const { c, vid } = await visit(s.url);
    const open = await api(s, 'POST', `/api/visitors/${vid}/conversation`, {
      text: 'Can I help?',
      name: 'Eva',
    });
    expect(open.status).toBe(201);
    expect(open.json).toMatchObject({ opened: true, visitor: { id: vid, chatting: true } });
    expect((await c.next('msg')).m).toMatchObject({
      id: open.json.message.id,
      from: 'agent',
      name: 'Eva',
      text: 'Can I help?',
    });
    // Opening again appends to the open conversation (200, opened: false).
    const again = await api(s, 'POST', `/api/visitors/${vid}/conversation`, {
      text: 'Still there?',
    });
    expect(again.status).toBe(200);
    expect(again.json.opened).toBe(false);
    await c.next('msg');
    const sent = await api(s, 'POST', `/api/visitors/${vid}/messages`, {
      text: 'Plans start at $0',
    });
    expect(sent.status).toBe(201);
    expect((await c.next('msg')).m).toMatchObject({ from: 'agent', text: 'Plans start at $0' });
    const detail = await api(s, 'GET', '/api/visitors/' + vid);
    expect(detail.json.messages.map((m: { text: string }) => m.text)).toEqual([
      'Can I help?',
      'Still there?',
      'Plans start at $0',
    ]);
    expect(detail.json).toMatchObject({ status: 'served', pages: [{ url: 'http://shop.test/' }] });
    // Closing (ours) ends with a system message; the next hello has no conversation.
    expect((await api(s, 'DELETE', `/api/visitors/${vid}/conversation`)).status).toBe(200);
    expect((await c.next('msg')).m.from).toBe('system');
    expect((await api(s, 'GET', '/api/visitors/' + vid)).json.chatting).toBe(false);
  });

  it('blocks live: the socket gets blocked, its messages are refused, presence goes on', async () => {
    const s = await serve();
    const { c, vid } = await visit(s.url);
    const blocked = await api(s, 'POST', `/api/visitors/${vid}/block`);
    expect(blocked.status).toBe(200);
    expect(blocked.json.visitor).toMatchObject({ id: vid, blocked: true });
    expect((await c.next('blocked')).t).toBe('blocked');
    c.send({ t: 'msg', cid: 'x1', text: 'let me in', at: Date.now() });
    expect(await c.next('err')).toMatchObject({ code: 'blocked' });
    c.send({ t: 'page', url: 'http://shop.test/pricing', title: 'Pricing', referrer: '' });
    const list = await until(async () => {
      const r = (await api(s, 'GET', '/api/visitors?filter=blocked')).json;
      return r.visitors[0]?.currentPage.title == 'Pricing' && r;
    });
    expect(list.counts).toMatchObject({ all: 1, blocked: 1 });
    expect(list.visitors[0]).toMatchObject({ id: vid, online: true, blocked: true });
    const r = await api(s, 'POST', `/api/visitors/${vid}/conversation`, { text: 'hi' });
    expect(r.status).toBe(409);
    await api(s, 'DELETE', `/api/visitors/${vid}/block`);
    expect((await c.next('unblocked')).t).toBe('unblocked');
    c.send({ t: 'msg', cid: 'x2', text: 'thanks', at: Date.now() });
    expect((await c.next('ack')).cid).toBe('x2');
    expect((await api(s, 'GET', '/api/visitors?filter=blocked')).json.counts.blocked).toBe(0);
  });

  it('says with a write the feed event its row is current with; the feed after it holds no older row', async () => {
    const s = await serve();
    const { vid } = await visit(s.url);
    const blocked = await api(s, 'POST', `/api/visitors/${vid}/block`);
    expect(blocked.json.visitor).toMatchObject({ id: vid, blocked: true });
    const at = blocked.json.lastEventId;
    expect(at).toEqual(expect.any(String));
    const feed = await sse(s.url + '/api/events', {
      authorization: 'Bearer ' + s.agentToken,
      'last-event-id': at,
    });
    const row = await feed.next('visitor', (v) => v.id == vid);
    expect(row.blocked).toBe(true);
    const unblocked = await api(s, 'DELETE', `/api/visitors/${vid}/block`);
    expect(unblocked.json.visitor.blocked).toBe(false);
    expect(unblocked.json.lastEventId).toEqual(expect.any(String));
    expect(unblocked.json.lastEventId).not.toBe(at);
    // The unblock's own row comes after it, in order.
    expect((await feed.next('visitor', (v) => v.id == vid)).blocked).toBe(false);
    const sent = await api(s, 'POST', `/api/visitors/${vid}/conversation`, { text: 'hi' });
    expect(sent.json).toMatchObject({ opened: true, lastEventId: expect.any(String) });
  });

  it("refuses to write into a blocked visitor's open conversation, messages and files alike", async () => {
    const s = await serve();
    const { c, vid } = await visit(s.url);
    expect((await api(s, 'POST', `/api/visitors/${vid}/conversation`, { text: 'hi' })).status).toBe(
      201,
    );
    await api(s, 'POST', `/api/visitors/${vid}/block`);
    await c.next('blocked');
    const msg = await api(s, 'POST', `/api/visitors/${vid}/messages`, { text: 'still there?' });
    expect(msg.status).toBe(409);
    expect(msg.json).toEqual({
      error: 'blocked',
      message: 'unblock the visitor before writing to it',
    });
    const file = await fetch(`${s.url}/api/visitors/${vid}/files`, {
      method: 'POST',
      headers: { authorization: 'Bearer ' + s.agentToken, 'x-filename': 'a.txt' },
      body: 'hello',
    });
    expect(file.status).toBe(409);
    expect((await file.json()).error).toBe('blocked');
    const texts = (await api(s, 'GET', '/api/visitors/' + vid)).json.messages.map(
      (m: { text: string }) => m.text,
    );
    expect(texts).toEqual(['hi']);
    await api(s, 'DELETE', `/api/visitors/${vid}/block`);
    expect((await api(s, 'POST', `/api/visitors/${vid}/messages`, { text: 'back' })).status).toBe(
      201,
    );
  });

  it('welcomes a blocked visitor as blocked after a reload', async () => {
    const s = await serve();
    const { vid, token } = await visit(s.url);
    await api(s, 'POST', `/api/visitors/${vid}/block`);
    expect((await visit(s.url, { vid, token })).welcome.blocked).toBe(true);
  });

  it('streams visitor, message and typing events to the agent feed', async () => {
    const s = await serve();
    const feed = await sse(s.url + '/api/events', { authorization: 'Bearer ' + s.agentToken });
    expect(feed.res.status).toBe(200);
    expect(feed.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const { c, vid } = await visit(s.url, { profile: { name: 'Ada' } });
    expect(await feed.next('visitor', (v) => v.id == vid)).toMatchObject({
      id: vid,
      name: 'Ada',
      online: true,
    });
    c.send({ t: 'typing', on: true });
    expect(await feed.next('typing')).toMatchObject({ visitorId: vid, on: true });
    c.send({ t: 'msg', cid: 'f1', text: 'Hi there', at: Date.now() });
    expect(await feed.next('message')).toMatchObject({
      visitorId: vid,
      message: { from: 'visitor', text: 'Hi there', cid: 'f1' },
    });
    expect(await feed.next('visitor', (v) => v.status == 'unserved')).toMatchObject({
      chatting: true,
      lastMessage: { text: expect.any(String) },
    });
    c.close();
    expect(await feed.next('visitor', (v) => v.id == vid && !v.online)).toMatchObject({
      online: false,
    });
    const denied = await fetch(s.url + '/api/events');
    expect(denied.status).toBe(401);
  });

  it('tells visitors when agents come online (welcome.online and status frames)', async () => {
    const s = await serve();
    const { c } = await visit(s.url);
    const feed = await sse(s.url + '/api/events', { authorization: 'Bearer ' + s.agentToken });
    expect(await c.next('status')).toEqual({ t: 'status', online: true });
    const later = await visit(s.url);
    expect(later.welcome.online).toBe(true);
    feed.close();
  });

  it('tells every visitor of a busy node, those past the first few hundred included', async () => {
    const s = await serve();
    const all: Awaited<ReturnType<typeof visit>>[] = [];
    for (let i = 0; i < 600; i += 50)
      all.push(...(await Promise.all(Array.from({ length: 50 }, () => visit(s.url)))));
    const feed = await sse(s.url + '/api/events', { authorization: 'Bearer ' + s.agentToken });
    const heard = await Promise.all(all.map(({ c }) => c.next('status')));
    expect(heard.every((f) => f.online === true)).toBe(true);
    feed.close();
  }, 30_000);
});
