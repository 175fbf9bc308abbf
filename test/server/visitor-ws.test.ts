// @vitest-environment node
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { api, connect, hello, recordingLogger, serve, until, visit } from './helpers';

describe('visitor WebSocket: sessions', () => {
  it('welcomes a new visitor with a token, the rules and an empty conversation', async () => {
    const s = await serve();
    const { welcome, vid } = await visit(s.url);
    expect(welcome).toMatchObject({ t: 'welcome', v: 2, vid, blocked: false, messages: [] });
    expect(welcome.token).toMatch(/^[\w-]{40,}$/);
    expect(welcome.rules.map((r: { id: string }) => r.id)).toContain('pricing-20s');
    expect(welcome.online).toBe(false);
  });

  it('requires the token for a known visitor id: none gives a new visitor, a wrong one closes 4001', async () => {
    const s = await serve();
    const { vid, token } = await visit(s.url);
    const stranger = await connect(s.url);
    stranger.send(hello({ vid }));
    const fresh = await stranger.next('welcome');
    expect(fresh.vid).not.toBe(vid);
    expect(fresh.token).toEqual(expect.any(String));
    expect(fresh.messages).toEqual([]);
    stranger.close();
    const wrong = await connect(s.url);
    wrong.send(hello({ vid, token: token.slice(0, -2) + 'xx' }));
    expect((await wrong.closed).code).toBe(4001);
    const { welcome } = await visit(s.url, { vid, token });
    expect(welcome.vid).toBe(vid);
    expect(welcome.token).toBeUndefined();
  });

  it('closes 4001 on a second hello with a wrong token on the same connection', async () => {
    const s = await serve();
    const a = await visit(s.url);
    const b = await visit(s.url);
    b.c.send(hello({ vid: a.vid, token: 'not-the-token' }));
    expect((await b.c.closed).code).toBe(4001);
  });

  it('re-binds a connection on a second hello (logout)', async () => {
    const s = await serve();
    const a = await visit(s.url);
    const next = hello();
    a.c.send(next);
    expect((await a.c.next('welcome')).vid).toBe(next.vid);
    await until(async () => (await api(s, 'GET', '/api/visitors')).json.counts.all == 1);
  });

  it('closes 4004 for an unknown key and 4000 when the first frame is not hello', async () => {
    const s = await serve();
    const bad = await connect(s.url, { key: 'nope' });
    expect((await bad.closed).code).toBe(4004);
    const early = await connect(s.url);
    early.send({ t: 'hb', activeAt: 1 });
    expect((await early.closed).code).toBe(4000);
  });

  it('pings every interval and terminates a socket that stops answering', async () => {
    const s = await serve({ pingMs: 50 });
    const { c } = await visit(s.url);
    // A client that never answers pings: ws answers them by itself, so pause the socket.
    (c.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    await until(() => s.hub.visitors.values().next().value?.sockets.size == 0, 2000);
  });
});

describe('visitor WebSocket: limits and garbage', () => {
  it('closes 1009 on a frame over 16 KiB', async () => {
    const s = await serve();
    const { c } = await visit(s.url);
    c.send({ t: 'msg', cid: 'big', text: 'x'.repeat(20 * 1024), at: 1 });
    expect((await c.closed).code).toBe(1009);
  });

  it('survives garbage and random frames, refusing each with a logged reason', async () => {
    const log = recordingLogger();
    const s = await serve({ log, rate: { rate: 1000, burst: 1000 } });
    const { c } = await visit(s.url);
    const junk: unknown[] = [
      { t: 'msg', cid: 'c1' },
      { t: 'msg', cid: 'bad id!', text: 'x', at: 1 },
      { t: 'id', email: 5 },
      '{"t":"vars","vars":{"__proto__":{"polluted":1}}}',
      { t: 'vars', vars: [1] },
      { t: 'hb', activeAt: 'soon' },
      { t: 'page', url: 1 },
      { t: 'typing' },
    ];
    for (const f of junk) c.send(f);
    for (let i = 0; i < junk.length; i++) expect((await c.next('err')).code).toBe('bad_frame');
    expect(log.lines.filter((l) => l.includes('frame refused'))).toHaveLength(junk.length);
    for (let i = 0; i < 50; i++) {
      const g = await connect(s.url);
      const bytes = Array.from({ length: 1 + ((i * 37) % 300) }, (_, j) => (i * 31 + j * 7) % 256);
      g.send(
        i % 3 == 0
          ? Buffer.from(bytes)
          : i % 3 == 1
            ? String.fromCharCode(...bytes)
            : '{"t":{"toString":1,"valueOf":1}}',
      );
      expect([4000, 1007]).toContain((await g.closed).code);
    }
    // The process is alive and still answers.
    c.send({ t: 'msg', cid: 'fine', text: 'still here?', at: Date.now() });
    expect((await c.next('ack')).cid).toBe('fine');
    expect(log.lines.some((l) => l.startsWith('ERROR'))).toBe(false);
  });

  it('closes 4029 when a connection sends faster than its rate limit', async () => {
    const s = await serve({ rate: { rate: 20, burst: 40 } });
    const { c } = await visit(s.url);
    for (let i = 0; i < 60; i++) c.send({ t: 'hb', activeAt: Date.now() });
    expect((await c.closed).code).toBe(4029);
  });

  it('closes 1008 when the Origin is not allowed', async () => {
    const s = await serve({ allowedOrigins: ['https://shop.example.com'] });
    const bad = await connect(s.url, { origin: 'https://evil.example.com' });
    expect((await bad.closed).code).toBe(1008);
    const good = await connect(s.url, { origin: 'https://shop.example.com' });
    good.send(hello());
    expect((await good.next('welcome')).t).toBe('welcome');
  });
});

describe('visitor WebSocket: messages', () => {
  it('acks a message, de-duplicates a repeated cid and echoes it to the other tabs', async () => {
    const s = await serve();
    const tab1 = await visit(s.url);
    const tab2 = await visit(s.url, { vid: tab1.vid, token: tab1.token });
    tab1.c.send({ t: 'msg', cid: 'c-1', text: 'Hello', at: Date.now() });
    const ack = await tab1.c.next('ack');
    expect(ack).toMatchObject({ cid: 'c-1', id: expect.any(String) });
    const echo = await tab2.c.next('msg');
    expect(echo.m).toMatchObject({ id: ack.id, cid: 'c-1', from: 'visitor', text: 'Hello' });
    tab1.c.send({ t: 'msg', cid: 'c-1', text: 'Hello', at: Date.now() });
    expect(await tab1.c.next('ack')).toEqual(ack);
    const detail = await api(s, 'GET', '/api/visitors/' + tab1.vid);
    expect(detail.json.messages.filter((m: { from: string }) => m.from == 'visitor')).toHaveLength(
      1,
    );
    // A reload gets the open conversation back, oldest first.
    const again = await visit(s.url, { vid: tab1.vid, token: tab1.token });
    expect(again.welcome.messages[0]).toMatchObject({ id: ack.id, cid: 'c-1' });
  });

  it('has the bot answer with quick replies until a human is asked for, then stay quiet', async () => {
    const s = await serve();
    const { c, vid } = await visit(s.url);
    c.send({ t: 'msg', cid: 'a1', text: 'hi', at: Date.now() });
    const greet = await c.next('msg');
    expect(greet.m).toMatchObject({ from: 'bot', name: 'Acme bot' });
    expect(greet.m.replies.map((r: { label: string }) => r.label)).toContain('Talk to a human');
    c.send({ t: 'msg', cid: 'a2', text: 'Tell me about pricing', at: Date.now() });
    expect((await c.next('msg')).m.text).toMatch(/Standard/);
    c.send({ t: 'msg', cid: 'a3', text: 'Talk to a human', at: Date.now() });
    expect((await c.next('msg')).m.text).toMatch(/agent will reply/);
    c.send({ t: 'msg', cid: 'a4', text: 'hello?', at: Date.now() });
    await c.next('ack');
    await new Promise((r) => setTimeout(r, 50));
    expect(c.frames.filter((f) => f.t == 'msg')).toHaveLength(0);
    const list = await api(s, 'GET', '/api/visitors');
    expect(list.json.visitors[0]).toMatchObject({ id: vid, status: 'unserved', chatting: true });
  });

  it('keeps the bot quiet once an agent replied', async () => {
    const s = await serve();
    const { c, vid } = await visit(s.url);
    c.send({ t: 'msg', cid: 'b1', text: 'hi', at: Date.now() });
    await c.next('msg');
    await api(s, 'POST', `/api/visitors/${vid}/messages`, { text: 'Hi, Eva here', name: 'Eva' });
    expect((await c.next('msg')).m).toMatchObject({ from: 'agent', name: 'Eva' });
    c.send({ t: 'msg', cid: 'b2', text: 'pricing?', at: Date.now() });
    await c.next('ack');
    await new Promise((r) => setTimeout(r, 50));
    expect(c.frames.filter((f) => f.t == 'msg')).toHaveLength(0);
  });

  it('marks a visitor verified only for a valid userHash', async () => {
    const secret = 'site-secret';
    const s = await serve({ userHashSecret: secret });
    const { c, vid } = await visit(s.url);
    const email = 'ada@example.com';
    const good = createHmac('sha256', secret).update(email).digest('hex');
    c.send({ t: 'id', name: 'Ada', email, userHash: good });
    await until(async () => (await api(s, 'GET', '/api/visitors/' + vid)).json.verified);
    c.send({ t: 'id', email, userHash: good.replace(/^./, good[0] == 'a' ? 'b' : 'a') });
    expect((await c.next('err')).code).toBe('user_hash');
    const v = (await api(s, 'GET', '/api/visitors/' + vid)).json;
    expect(v).toMatchObject({ verified: false, customer: true, name: 'Ada' });
    // The id when there is no email.
    const other = await visit(s.url);
    other.c.send({
      t: 'id',
      name: 'Bob',
      userHash: createHmac('sha256', secret).update(other.vid).digest('hex'),
    });
    await until(async () => (await api(s, 'GET', '/api/visitors/' + other.vid)).json.verified);
  });
});
