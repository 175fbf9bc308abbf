// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { api, hello, serve, sse, until, visit } from './helpers';
import type { RunningServer } from '../../demo/server/server';

async function post(
  s: RunningServer,
  body: unknown,
  opts: { key?: string; type?: string; origin?: string } = {},
) {
  const headers: Record<string, string> = {
    'content-type': opts.type ?? 'text/plain;charset=UTF-8',
  };
  if (opts.origin) headers.origin = opts.origin;
  const res = await fetch(`${s.url}/v1/frames?key=${opts.key ?? 'demo'}`, {
    method: 'POST',
    headers,
    body: typeof body == 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

/** Says hello over HTTP; resolves the visitor id, token and welcome. */
async function httpHello(s: RunningServer) {
  const h = hello();
  const r = await post(s, { vid: h.vid, frames: [h] });
  expect(r.status).toBe(200);
  const welcome = r.json.frames[0];
  return { vid: h.vid, token: welcome.token as string, welcome };
}

describe('visitor HTTP transport', () => {
  it('answers hello with welcome and msg with ack in the same response', async () => {
    const s = await serve();
    const h = hello();
    const r = await post(s, {
      vid: h.vid,
      frames: [h, { t: 'msg', cid: 'h1', text: 'Hello over HTTP', at: Date.now() }],
    });
    expect(r.status).toBe(200);
    expect(r.json.frames.map((f: { t: string }) => f.t)).toEqual(['welcome', 'ack']);
    const token = r.json.frames[0].token;
    const again = await post(s, {
      vid: h.vid,
      token,
      frames: [{ t: 'msg', cid: 'h1', text: 'Hello over HTTP', at: Date.now() }],
    });
    expect(again.json.frames[0]).toEqual(r.json.frames[1]);
    const list = (await api(s, 'GET', '/api/visitors')).json;
    expect(list.visitors[0]).toMatchObject({ id: h.vid, online: true, chatting: true });
  });

  it('streams server frames over SSE with ids, and resumes after Last-Event-ID', async () => {
    const s = await serve();
    const { vid, token } = await httpHello(s);
    const q = `key=demo&vid=${vid}&token=${encodeURIComponent(token)}`;
    const stream = await sse(`${s.url}/v1/events?${q}`);
    expect(stream.res.status).toBe(200);
    await until(() => s.hub.visitors.get(vid)!.streams == 1);
    await post(s, {
      vid,
      token,
      frames: [{ t: 'msg', cid: 'e1', text: 'pricing', at: Date.now() }],
    });
    // The echo of its own message, then the bot's answer.
    expect((await stream.next('message', (f) => f.t == 'msg' && f.m.from == 'visitor')).m.cid).toBe(
      'e1',
    );
    const bot = await stream.next('message', (f) => f.t == 'msg' && f.m.from == 'bot');
    expect(bot._id).toMatch(/^\d+$/);
    await api(s, 'POST', `/api/visitors/${vid}/block`);
    const blocked = await stream.next('message', (f) => f.t == 'blocked');
    stream.close();
    const resumed = await sse(`${s.url}/v1/events?${q}`, { 'last-event-id': bot._id });
    expect((await resumed.next('message')).t).toBe('blocked');
    expect(Number(blocked._id)).toBeGreaterThan(Number(bot._id));
  });

  it('long-polls: answers at once when frames wait, else when one arrives', async () => {
    const s = await serve({ pollMs: 300 });
    const { vid, token } = await httpHello(s);
    const q = `${s.url}/v1/poll?key=demo&vid=${vid}&token=${encodeURIComponent(token)}`;
    const empty = await (await fetch(q)).json();
    expect(empty).toEqual({ frames: [], seq: 0 });
    const waiting = fetch(q + '&after=0').then((r) => r.json());
    await until(() => s.hub.visitors.get(vid)!.streams == 1);
    await api(s, 'POST', `/api/visitors/${vid}/block`);
    const got = await waiting;
    expect(got.frames).toEqual([{ t: 'blocked' }]);
    expect(got.seq).toBe(1);
    const next = fetch(q + '&after=' + got.seq).then((r) => r.json());
    await api(s, 'DELETE', `/api/visitors/${vid}/block`);
    expect((await next).frames).toEqual([{ t: 'unblocked' }]);
  });

  it('answers the statuses of the protocol table', async () => {
    const s = await serve({ allowedOrigins: ['https://shop.example.com'] });
    const { vid, token } = await httpHello(s);
    expect((await post(s, '{nope')).json).toMatchObject({ error: 'bad_request' });
    expect((await post(s, { vid, token, frames: [{ t: 'zap' }] })).status).toBe(400);
    expect((await post(s, { vid, token, frames: [] })).status).toBe(400);
    expect(
      (await post(s, { vid, token, frames: [{ t: 'hb', activeAt: 1 }] }, { type: 'image/png' }))
        .status,
    ).toBe(400);
    expect((await post(s, { vid: 'unknown', frames: [{ t: 'hb', activeAt: 1 }] })).status).toBe(
      400,
    );
    expect(
      (await post(s, { vid, token: 'bad', frames: [{ t: 'hb', activeAt: 1 }] })).json,
    ).toMatchObject({
      error: 'invalid_token',
    });
    expect((await post(s, { vid, frames: [hello({ vid, token: 'bad' })] })).status).toBe(401);
    // No token at all: a new visitor under a new id, never the old one.
    const fresh = await post(s, { vid, frames: [hello({ vid })] });
    expect(fresh.status).toBe(200);
    expect(fresh.json.frames[0].vid).not.toBe(vid);
    expect((await post(s, { vid, frames: [] }, { key: 'nope' })).json.error).toBe('unknown_key');
    expect(
      (
        await post(s, {
          vid,
          token,
          frames: [{ t: 'msg', cid: 'x', text: 'a'.repeat(3999), at: 1 }],
        })
      ).status,
    ).toBe(200);
    const big = {
      t: 'vars',
      vars: Object.fromEntries(Array.from({ length: 20 }, (_, i) => ['k' + i, 'v'.repeat(900)])),
    };
    expect((await post(s, { vid, token, frames: [big] })).json.error).toBe('too_large');
    const huge = await post(s, { vid, token, frames: Array.from({ length: 10 }, () => big) });
    expect(huge.status).toBe(413);
    expect(
      (
        await post(
          s,
          { vid, token, frames: [{ t: 'hb', activeAt: 1 }] },
          { origin: 'https://evil.example.com' },
        )
      ).json,
    ).toMatchObject({ error: 'origin' });
    const ok = await post(
      s,
      { vid, token, frames: [{ t: 'hb', activeAt: 1 }] },
      { origin: 'https://shop.example.com' },
    );
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://shop.example.com');
    const events = await fetch(`${s.url}/v1/events?key=demo&vid=${vid}&token=bad`);
    expect(events.status).toBe(401);
  });

  it('answers 429 with Retry-After past the rate limit', async () => {
    const s = await serve({ rate: { rate: 20, burst: 40 } });
    const { vid, token } = await httpHello(s);
    const frames = Array.from({ length: 30 }, () => ({ t: 'hb', activeAt: 1 }));
    expect((await post(s, { vid, token, frames })).status).toBe(200);
    const r = await post(s, { vid, token, frames });
    expect(r.status).toBe(429);
    expect(r.json.error).toBe('rate_limited');
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('lets a batch larger than the bucket through once it is full, and tells when', async () => {
    const s = await serve({ rate: { rate: 20, burst: 40 } });
    const { vid, token } = await httpHello(s);
    const frames = Array.from({ length: 60 }, () => ({ t: 'hb', activeAt: 1 }));
    // The hello took a token: the bucket is not full yet, and Retry-After says when it is.
    const first = await post(s, { vid, token, frames });
    expect(first.status).toBe(429);
    await new Promise((r) => setTimeout(r, Number(first.headers.get('retry-after')) * 1000));
    expect((await post(s, { vid, token, frames })).status).toBe(200);
  });

  it('takes no rate budget from a visitor for requests with a wrong token', async () => {
    const s = await serve({ rate: { rate: 20, burst: 40 } });
    const { vid, token } = await httpHello(s);
    const hb = [{ t: 'hb', activeAt: 1 }];
    for (let i = 0; i < 45; i++) {
      expect((await post(s, { vid, token: 'stolen-vid-wrong-token', frames: hb })).status).toBe(
        401,
      );
      expect((await post(s, { vid, frames: [hello({ vid, token: 'wrong' })] })).status).toBe(401);
    }
    const q = `key=demo&vid=${vid}&token=wrong`;
    for (let i = 0; i < 45; i++)
      expect((await fetch(`${s.url}/v1/poll?${q}&after=0`)).status).toBe(401);
    expect((await post(s, { vid, token, frames: hb })).status).toBe(200);
  });

  it('answers 400 to a frame nested too deeply to measure, and stays up', async () => {
    const s = await serve();
    const { vid, token } = await httpHello(s);
    const deep = '['.repeat(20_000) + ']'.repeat(20_000);
    const r = await post(s, `{"vid":"${vid}","token":"${token}","frames":[${deep}]}`);
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ error: 'bad_request', message: 'frame is nested too deeply' });
    expect((await post(s, { vid, token, frames: [{ t: 'hb', activeAt: 1 }] })).status).toBe(200);
  });

  it('keeps an HTTP visitor online for HEARTBEAT_MS + 60 s after its last request', async () => {
    let now = Date.now();
    const s = await serve({ now: () => now, heartbeatMs: 30_000 });
    const { vid } = await httpHello(s);
    now += 89_000;
    expect((await api(s, 'GET', '/api/visitors')).json.counts.all).toBe(1);
    now += 2000;
    expect((await api(s, 'GET', '/api/visitors')).json.counts.all).toBe(0);
    expect((await api(s, 'GET', '/api/visitors/' + vid)).json.online).toBe(false);
  });

  it('reaches a WebSocket tab and an HTTP tab of the same visitor', async () => {
    const s = await serve();
    const ws = await visit(s.url);
    const r = await post(s, { vid: ws.vid, frames: [hello({ vid: ws.vid, token: ws.token })] });
    expect(r.json.frames[0].t).toBe('welcome');
    const stream = await sse(
      `${s.url}/v1/events?key=demo&vid=${ws.vid}&token=${encodeURIComponent(ws.token)}`,
    );
    await until(() => s.hub.visitors.get(ws.vid)!.streams == 1);
    await api(s, 'POST', `/api/visitors/${ws.vid}/conversation`, { text: 'Hello both' });
    expect((await ws.c.next('msg')).m.text).toBe('Hello both');
    expect((await stream.next('message', (f) => f.t == 'msg')).m.text).toBe('Hello both');
  });
});
