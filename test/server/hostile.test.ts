// @vitest-environment node
/**
 * The reference server under hostile input (issue 6, "Hostile input", Server): seeded floods of
 * malformed frames and bodies, each refused with a logged reason; oversize frames; rate limits;
 * slow consumers; one visitor reaching another's conversation; the agent token; `Origin`.
 */
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MAX_FRAME } from '../../demo/server/visitor-ws';
import {
  api,
  connect,
  hello,
  mulberry32,
  pool,
  rawWs,
  recordingLogger,
  serve,
  tally,
  until,
  visit,
  wsFrame,
} from './helpers';
import { badFieldFrame, badFraming, firstFrame, httpJunk, killerFrame } from './junk';

/** Seed of every generated corpus: a failure replays exactly. */
const SEED = 0x6c6f67;

/** The log lines of refusals, by what refused them. */
function classify(line: string): string {
  let m = /: closed (\d+): /.exec(line);
  if (m) return 'close ' + m[1];
  if (/: frame refused: /.test(line)) return 'err';
  if (/Max payload size exceeded|payload length > 2\^53/.test(line)) return 'close 1009';
  if (/invalid UTF-8/i.test(line)) return 'close 1007';
  m = /^ws [^ ]+: Invalid WebSocket frame: /.exec(line);
  if (m) return 'close 1002';
  return 'other: ' + line.slice(0, 80);
}

/** A valid `hb` frame padded to exactly `size` bytes. */
function padded(size: number) {
  const head = '{"t":"hb","activeAt":1,"pad":"';
  return head + 'x'.repeat(size - head.length - 2) + '"}';
}

/** Every agent API route, for visitor `vid`. */
const agentRoutes = (vid: string): [string, string][] => [
  ['GET', '/api/visitors'],
  ['GET', '/api/visitors?filter=blocked'],
  ['GET', '/api/visitors/' + vid],
  ['POST', `/api/visitors/${vid}/conversation`],
  ['DELETE', `/api/visitors/${vid}/conversation`],
  ['POST', `/api/visitors/${vid}/messages`],
  ['POST', `/api/visitors/${vid}/block`],
  ['DELETE', `/api/visitors/${vid}/block`],
  ['POST', `/api/visitors/${vid}/typing`],
  ['GET', '/api/events'],
  ['GET', '/api/nope'],
  ['PUT', '/api'],
];

describe('hostile input: visitor WebSocket', () => {
  it('refuses 10,000 malformed or random frames, each with a logged reason, and keeps serving', async () => {
    const started = performance.now();
    const r = mulberry32(SEED);
    const log = recordingLogger();
    // The flood is about validation: the rate limit has its own test.
    const s = await serve({ log, rate: { rate: 1e9, burst: 1e9 } });
    const bystander = await visit(s.url);
    const stillServed = async (cid: string) => {
      bystander.c.send({ t: 'msg', cid, text: 'still there?', at: Date.now() });
      expect((await bystander.c.next('ack')).cid).toBe(cid);
    };

    // Bad framing on bare sockets, first frames that are never a good hello, frames that close
    // the connection after a good hello, and frames of known types with broken fields.
    // Each of the first three closes its connection, so they are fewer (one connection each).
    const framing = Array.from({ length: 100 }, () => badFraming(r));
    const first = Array.from({ length: 400 }, () => firstFrame(r, bystander.vid));
    const killers = Array.from({ length: 300 }, () => killerFrame(r));
    const fields = Array.from({ length: 9200 }, () => badFieldFrame(r));
    const total = framing.length + first.length + killers.length + fields.length;
    expect(total).toBe(10_000);
    const expected = [
      ...framing.map((j) => 'close ' + j.expect),
      ...first.map((j) => 'close ' + j.expect),
      ...killers.map((j) => 'close ' + j.expect),
      ...fields.map(() => 'err'),
    ];
    const seen: string[] = [];
    const mismatches: string[] = [];
    const check = (got: string, want: string, what: string) => {
      seen.push(got);
      if (got != want) mismatches.push(`${what}: got ${got}, want ${want}`);
    };

    await pool(framing, 16, async (j) => {
      const raw = await rawWs(s.url);
      raw.write(j.bytes);
      check('close ' + (await raw.closeCode), 'close ' + j.expect, j.kind);
      raw.sock.destroy();
    });
    await stillServed('after-framing');

    await pool(first, 16, async (j) => {
      const raw = await rawWs(s.url);
      raw.send(j.data, j.binary);
      check(
        'close ' + (await raw.closeCode),
        'close ' + j.expect,
        `${j.kind} ${String(j.data).slice(0, 60)}`,
      );
      if (raw.frames.length) mismatches.push(`${j.kind}: answered ${JSON.stringify(raw.frames)}`);
      raw.sock.destroy();
    });
    await stillServed('after-first');

    await pool(killers, 16, async (j) => {
      const raw = await rawWs(s.url);
      raw.send(hello());
      raw.send(j.data, j.binary);
      check(
        'close ' + (await raw.closeCode),
        'close ' + j.expect,
        `${j.kind} ${String(j.data).slice(0, 60)}`,
      );
      // Nothing but the welcome came back (or not even that: the hello is answered after the
      // store's write, and the killer frame may close the socket first).
      if (raw.frames.length > 1 || raw.frames.some((f) => f.t != 'welcome'))
        mismatches.push(`${j.kind}: answered ${JSON.stringify(raw.frames).slice(0, 200)}`);
      raw.sock.destroy();
    });
    await stillServed('after-killers');

    // Broken fields do not close the connection: one `err` each, in order, on one socket.
    const c = await connect(s.url);
    c.send(hello());
    await c.next('welcome');
    for (let i = 0; i < fields.length; i += 500) {
      const chunk = fields.slice(i, i + 500);
      for (const f of chunk) {
        expect(Buffer.byteLength(f)).toBeLessThanOrEqual(MAX_FRAME);
        c.send(f);
      }
      await until(() => c.frames.length >= 1 + i + chunk.length || c.ws.readyState != 1, 5000);
      for (let k = 0; k < chunk.length; k++) {
        const got = c.frames[1 + i + k];
        check(
          got?.t == 'err' && got.code == 'bad_frame' ? 'err' : JSON.stringify(got),
          'err',
          chunk[k]!.slice(0, 80),
        );
      }
    }
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    await stillServed('after-fields');

    expect(mismatches.slice(0, 10)).toEqual([]);
    expect(seen).toHaveLength(total);
    // Exactly one logged reason per frame, of the kind the frame got; nothing went wrong inside.
    await until(() => log.lines.length >= total);
    expect(log.lines).toHaveLength(total);
    expect(tally(log.lines, classify)).toEqual(tally(expected, (k) => k));
    expect(log.lines.filter((l) => l.startsWith('ERROR'))).toEqual([]);
    // Nothing leaked into prototypes.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 't')).toBe(false);
    // Still serving: an agent's message reaches the bystander.
    const sent = await api(s, 'POST', `/api/visitors/${bystander.vid}/messages`, {
      text: 'Hi from Eva',
    });
    expect(sent.status).toBe(201);
    await until(() =>
      bystander.c.frames.some(
        (f) => f.t == 'msg' && f.m.from == 'agent' && f.m.text == 'Hi from Eva',
      ),
    );
    const ms = performance.now() - started;
    console.log(
      `ws flood: ${total} frames, outcomes ${JSON.stringify(tally(seen, (k) => k))}, ${log.lines.length} log lines, ${Math.round(ms)} ms`,
    );
  }, 90_000);

  it('closes 1009 on a frame over 16 KiB, in whatever shape it comes, and logs it', async () => {
    const log = recordingLogger();
    const s = await serve({ log });
    // Exactly 16 KiB passes; one byte more does not.
    const { c } = await visit(s.url);
    c.send(padded(MAX_FRAME));
    c.send({ t: 'msg', cid: 'after-16k', text: 'ok', at: Date.now() });
    expect((await c.next('ack')).cid).toBe('after-16k');
    c.send(padded(MAX_FRAME + 1));
    expect((await c.closed).code).toBe(1009);
    // Before hello, binary, and a message in fragments that only add up to too much.
    const early = await rawWs(s.url);
    early.send(padded(MAX_FRAME + 1));
    expect(await early.closeCode).toBe(1009);
    const binary = await rawWs(s.url);
    binary.send(Buffer.alloc(MAX_FRAME + 1, 0x20), true);
    expect(await binary.closeCode).toBe(1009);
    const pieces = await rawWs(s.url);
    const part = Buffer.alloc(6000, 0x20);
    pieces.write(wsFrame(1, part, { fin: false }));
    pieces.write(wsFrame(0, part, { fin: false }));
    pieces.write(wsFrame(0, part));
    expect(await pieces.closeCode).toBe(1009);
    // Declared in the header only: refused before any payload is read.
    const declared = await rawWs(s.url);
    declared.write(wsFrame(1, Buffer.alloc(0), { length: 1n << 40n }));
    expect(await declared.closeCode).toBe(1009);
    await until(() => log.lines.length >= 5);
    expect(log.lines).toHaveLength(5);
    expect(log.lines.every((l) => /Max payload size exceeded/.test(l))).toBe(true);
    // The server is fine.
    expect((await visit(s.url)).welcome.t).toBe('welcome');
  });

  it('closes 4029 past the per-connection rate limit; other connections go on', async () => {
    const log = recordingLogger();
    // 10 frames of burst, then 1 a second: the hello takes one, 9 messages the rest.
    const s = await serve({ log, rate: { rate: 1, burst: 10 } });
    const tab1 = await visit(s.url);
    const tab2 = await visit(s.url, { vid: tab1.vid, token: tab1.token });
    const other = await visit(s.url);
    for (let i = 0; i < 10; i++)
      tab1.c.send({ t: 'msg', cid: 'r' + i, text: 'flood ' + i, at: Date.now() });
    expect((await tab1.c.closed).code).toBe(4029);
    const acks = tab1.c.frames.filter((f) => f.t == 'ack').map((f) => f.cid);
    expect(acks).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8']);
    expect(log.lines.filter((l) => /closed 4029: rate limit exceeded/.test(l))).toHaveLength(1);
    // The limit is the connection's: the same visitor's other tab and other visitors go on.
    tab2.c.send({ t: 'msg', cid: 'tab2', text: 'me again', at: Date.now() });
    expect((await tab2.c.next('ack')).cid).toBe('tab2');
    other.c.send({ t: 'msg', cid: 'o1', text: 'hello', at: Date.now() });
    expect((await other.c.next('ack')).cid).toBe('o1');
    // The refused frame was not stored.
    const detail = (await api(s, 'GET', '/api/visitors/' + tab1.vid)).json;
    const texts = detail.messages.filter((m: { from: string }) => m.from == 'visitor');
    expect(texts.map((m: { cid: string }) => m.cid)).toEqual([...acks, 'tab2']);
  });

  it('terminates a consumer that stops reading once its unsent bytes pass the cap', async () => {
    const log = recordingLogger();
    const cap = 256 * 1024;
    const s = await serve({ log, maxBuffered: cap });
    const slow = await visit(s.url);
    const fine = await visit(s.url);
    const v = s.hub.visitors.get(slow.vid)!;
    const conn = [...v.sockets][0]!;
    // The client stops reading: the kernel buffers fill, then the server's own queue grows.
    (slow.c.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const text = 'x'.repeat(4000);
    let pushed = 0;
    let maxBuffered = 0;
    const started = performance.now();
    while (v.sockets.size && performance.now() - started < 4000) {
      await s.hub.agentMessage(v, text, 'Eva', true);
      pushed++;
      maxBuffered = Math.max(maxBuffered, conn.buffered!());
      if (pushed % 16 == 0) await new Promise((r) => setImmediate(r));
    }
    expect(v.sockets.size).toBe(0);
    const frameBytes = JSON.stringify({ t: 'msg', m: { ...v.lastMessage } }).length + 64;
    // Bounded: at most the cap plus the frame that crossed it.
    expect(maxBuffered).toBeGreaterThan(cap);
    expect(maxBuffered).toBeLessThanOrEqual(cap + frameBytes);
    expect(log.lines.filter((l) => /too slow \(\d+ bytes waiting\), dropped/.test(l))).toHaveLength(
      1,
    );
    // Others are still served.
    await s.hub.agentMessage(s.hub.visitors.get(fine.vid)!, 'for you', 'Eva', true);
    expect((await fine.c.next('msg')).m.text).toBe('for you');
    console.log(
      `slow consumer: ${pushed} frames (${Math.round((pushed * 4000) / 1024)} KiB) pushed, ` +
        `server-side unsent at most ${maxBuffered} bytes (cap ${cap}), terminated in ${Math.round(performance.now() - started)} ms`,
    );
  }, 15_000);
});

/** Request options of a client the proxy in front names `ip` (X-Forwarded-For). */
const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });

describe('hostile input: connections from one address', () => {
  it('holds at most connectionsPerAddress WebSockets and event streams together, then 1013 / 429', async () => {
    const log = recordingLogger();
    // Behind a proxy that names the client (TRUST_PROXY), as on the internet.
    const s = await serve({ log, connectionsPerAddress: 3, trustProxy: { hops: 1 } });
    const ip = '203.0.113.7';
    // Two sockets that never say hello and a visitor: the address holds 3.
    const idle = [await connect(s.url, from(ip)), await connect(s.url, from(ip))];
    const who = await visit(s.url, {}, from(ip).headers);
    const refused = await connect(s.url, from(ip));
    expect(await refused.closed).toEqual({
      code: 1013,
      reason: 'too many connections from this address',
    });
    const stream = await fetch(
      `${s.url}/v1/events?key=demo&vid=${who.vid}&token=${encodeURIComponent(who.token)}`,
      from(ip),
    );
    expect(stream.status).toBe(429);
    expect(stream.headers.get('retry-after')).toBe('30');
    expect((await stream.json()).error).toBe('too_many_connections');
    expect(
      log.lines.filter((l) => /closed 1013: 3 connections open from 203\.0\.113\.7/.test(l)),
    ).toHaveLength(1);
    // Another address has its own slots.
    expect((await visit(s.url, {}, from('203.0.113.8').headers)).welcome.t).toBe('welcome');
    // One goes: its slot is free again.
    idle[0]!.ws.close();
    await idle[0]!.closed;
    await until(async () => (await connect(s.url, from(ip))).ws.readyState == WebSocket.OPEN);
    // A loopback address (a proxy whose header is not believed, a local tool) is not limited.
    const local = [];
    for (let i = 0; i < 5; i++) local.push(await connect(s.url));
    expect(local.every((c) => c.ws.readyState == WebSocket.OPEN)).toBe(true);
  });

  it('counts waiting long-polls in the same slots: 429 past them, freed when answered or dropped', async () => {
    const s = await serve({ connectionsPerAddress: 3, trustProxy: { hops: 1 }, pollMs: 60_000 });
    const ip = '203.0.113.9';
    /** A visitor on the HTTP transport from `ip`, and its long-poll after a position. */
    const visitor = async () => {
      const h = hello();
      const first = await fetch(s.url + '/v1/frames?key=demo', {
        method: 'POST',
        headers: { 'content-type': 'text/plain', ...from(ip).headers },
        body: JSON.stringify({ vid: h.vid, frames: [h] }),
      });
      const token = encodeURIComponent((await first.json()).frames[0].token);
      const q = `${s.url}/v1/poll?key=demo&vid=${h.vid}&token=${token}&after=`;
      return {
        vid: h.vid,
        poll: (after: number, signal?: AbortSignal) => fetch(q + after, { ...from(ip), signal }),
      };
    };
    const a = await visitor();
    const b = await visitor();
    const waiting = (n: number) =>
      until(() => s.hub.visitors.get(a.vid)!.streams + s.hub.visitors.get(b.vid)!.streams == n);
    // Two polls wait (nothing to answer yet) and one socket is open: the address holds 3.
    const dropped = new AbortController();
    const held = b.poll(0, dropped.signal).catch(() => 'aborted');
    const answered = a.poll(0);
    const socket = await connect(s.url, from(ip));
    await waiting(2);
    const refused = await a.poll(0);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('30');
    expect((await refused.json()).error).toBe('too_many_connections');
    expect(await (await connect(s.url, from(ip))).closed).toMatchObject({ code: 1013 });
    // An answered poll gives its slot back...
    await api(s, 'POST', `/api/visitors/${a.vid}/block`);
    expect((await (await answered).json()).frames).toEqual([{ t: 'blocked' }]);
    await waiting(1);
    const again = a.poll(1);
    await waiting(2);
    // (A poll with frames to read answers at once and holds nothing: not refused when full.)
    expect((await (await a.poll(0)).json()).frames).toEqual([{ t: 'blocked' }]);
    // ...and so does one whose client went away.
    dropped.abort();
    expect(await held).toBe('aborted');
    await waiting(1);
    const more = a.poll(1);
    await waiting(2);
    expect((await b.poll(0)).status).toBe(429);
    socket.ws.close();
    await api(s, 'DELETE', `/api/visitors/${a.vid}/block`);
    expect((await (await again).json()).frames).toEqual([{ t: 'unblocked' }]);
    expect((await (await more).json()).frames).toEqual([{ t: 'unblocked' }]);
  });
});

describe('hostile input: visitor HTTP endpoint', () => {
  it('refuses 2,000 bad requests, each with its status and a logged reason', async () => {
    const started = performance.now();
    const r = mulberry32(SEED + 1);
    const log = recordingLogger();
    const s = await serve({ log, rate: { rate: 1e9, burst: 1e9 } });
    const other = await visit(s.url);
    other.c.send({ t: 'msg', cid: 'secret', text: 'my secret', at: Date.now() });
    await other.c.next('ack');
    const h = hello();
    const first = await fetch(s.url + '/v1/frames?key=demo', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ vid: h.vid, frames: [h] }),
    });
    const me = { vid: h.vid, token: (await first.json()).frames[0].token as string };
    const corpus = Array.from({ length: 2000 }, () => httpJunk(r, me, other.vid));
    const mismatches: string[] = [];
    const statuses: number[] = [];
    await pool(corpus, 16, async (j) => {
      let status = 0;
      let body: unknown;
      try {
        const res = await fetch(s.url + j.path, {
          method: j.method,
          headers: j.type ? { 'content-type': j.type } : {},
          body: j.body,
        });
        status = res.status;
        body = await res.json().catch(() => undefined);
      } catch (e) {
        // A 413 may close the connection before the upload is done.
        if (j.expect != 413) throw e;
        status = 413;
        body = { error: 'too_large', message: '(connection closed)' };
      }
      statuses.push(status);
      const ok =
        status == j.expect &&
        typeof (body as { error?: unknown })?.error == 'string' &&
        typeof (body as { message?: unknown })?.message == 'string';
      if (!ok)
        mismatches.push(
          `${j.kind}: ${status} ${JSON.stringify(body)} (${String(j.body).slice(0, 80)})`,
        );
    });
    expect(mismatches.slice(0, 10)).toEqual([]);
    // One logged reason per request, with the status it got; no token in any line.
    await until(() => log.lines.length >= corpus.length);
    expect(log.lines).toHaveLength(corpus.length);
    expect(tally(log.lines, (l) => /: (\d{3}) [a-z_]+: /.exec(l)?.[1] ?? l)).toEqual(
      tally(corpus, (j) => j.expect),
    );
    expect(log.lines.filter((l) => l.includes(me.token) || l.includes(other.token))).toEqual([]);
    // Nothing reached the other visitor's conversation, and it is still served.
    const detail = (await api(s, 'GET', '/api/visitors/' + other.vid)).json;
    expect(detail.messages.map((m: { text: string }) => m.text)).toEqual(
      expect.arrayContaining(['my secret']),
    );
    expect(detail.messages.filter((m: { from: string }) => m.from == 'visitor')).toHaveLength(1);
    other.c.send({ t: 'msg', cid: 'after', text: 'still here', at: Date.now() });
    expect((await other.c.next('ack')).cid).toBe('after');
    console.log(
      `http flood: ${corpus.length} requests, statuses ${JSON.stringify(tally(statuses, (x) => x))}, ${Math.round(performance.now() - started)} ms`,
    );
  }, 90_000);

  it('closes an event stream whose reader stopped once its unsent bytes pass the cap', async () => {
    const log = recordingLogger();
    const cap = 128 * 1024;
    const s = await serve({ log, maxBuffered: cap });
    const h = hello();
    const res = await fetch(s.url + '/v1/frames?key=demo', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ vid: h.vid, frames: [h] }),
    });
    const token = (await res.json()).frames[0].token as string;
    const { createConnection } = await import('node:net');
    const sock = createConnection({ host: '127.0.0.1', port: s.port });
    sock.on('error', () => {});
    sock.write(
      `GET /v1/events?key=demo&vid=${h.vid}&token=${encodeURIComponent(token)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    );
    sock.pause();
    const v = s.hub.visitors.get(h.vid)!;
    await until(() => v.streams == 1);
    const text = 'x'.repeat(4000);
    let pushed = 0;
    const started = performance.now();
    while (v.streams && performance.now() - started < 4000) {
      await s.hub.agentMessage(v, text, 'Eva', true);
      if (++pushed % 16 == 0) await new Promise((r) => setImmediate(r));
    }
    sock.destroy();
    expect(v.streams).toBe(0);
    const line = log.lines.find((l) =>
      /event stream too slow \((\d+) bytes waiting\), closed/.test(l),
    );
    expect(line).toBeDefined();
    const waiting = Number(/\((\d+) bytes/.exec(line!)![1]);
    expect(waiting).toBeGreaterThan(cap);
    expect(waiting).toBeLessThanOrEqual(cap + 8192);
  }, 15_000);
});

describe('hostile input: agent API', () => {
  it('answers 401 JSON on every route without the right Bearer token, and does nothing', async () => {
    const log = recordingLogger();
    const s = await serve({ log });
    const { c, vid } = await visit(s.url);
    const t = s.agentToken;
    const auth: (string | undefined)[] = [
      undefined,
      '',
      'Bearer',
      'Bearer ',
      'Bearer wrong-token-0123456789',
      'Bearer ' + t + 'x',
      'Bearer ' + t.slice(0, -1),
      'Bearer  ' + t,
      'Bearer ' + t + ' extra',
      'Basic ' + t,
      'Token ' + t,
      t,
      'Bearer ' + Buffer.from(t).toString('base64'),
      'Bearer ' + t.toUpperCase(),
    ];
    let n = 0;
    for (const [method, path] of agentRoutes(vid))
      for (const a of auth) {
        const res = await fetch(s.url + path + (path.includes('?') ? '&' : '?') + 'token=' + t, {
          method,
          headers: {
            ...(a === undefined ? {} : { authorization: a }),
            'content-type': 'application/json',
          },
          body: method == 'POST' ? JSON.stringify({ text: 'hijack', on: true }) : undefined,
        });
        n++;
        expect(res.status, `${method} ${path} with ${a}`).toBe(401);
        expect(res.headers.get('content-type')).toMatch(/^application\/json/);
        expect(res.headers.get('www-authenticate')).toBe('Bearer');
        expect(await res.json()).toMatchObject({
          error: 'unauthorized',
          message: expect.any(String),
        });
      }
    expect(log.lines).toHaveLength(n);
    expect(log.lines.every((l) => / 401 unauthorized: /.test(l))).toBe(true);
    expect(log.lines.filter((l) => l.includes(t))).toEqual([]);
    // Nothing happened: no message, no block, no typing, no agent online.
    await new Promise((r) => setTimeout(r, 50));
    expect(c.frames.map((f) => f.t)).toEqual(['welcome']);
    const v = (await api(s, 'GET', '/api/visitors/' + vid)).json;
    expect(v).toMatchObject({ blocked: false, chatting: false, messages: [] });
  }, 30_000);

  it('refuses 600 bad bodies, ids, methods and queries with 4xx JSON and a logged reason', async () => {
    const rand = mulberry32(SEED + 2);
    const log = recordingLogger();
    const s = await serve({ log });
    const { c, vid } = await visit(s.url);
    const pick = <T>(list: T[]) => list[Math.floor(rand() * list.length)]!;
    const text = (): unknown =>
      pick([
        undefined,
        null,
        1,
        true,
        [],
        {},
        ['hi'],
        '',
        '   ',
        '\n\t',
        'x'.repeat(4001 + Math.floor(rand() * 100)),
      ]);
    const body = (): string =>
      pick([
        () =>
          pick([
            '',
            '{',
            'null',
            '1',
            '"text"',
            '[]',
            '[{"text":"hi"}]',
            'text=hi',
            '{"text":"hi",}',
          ]),
        () => JSON.stringify({ text: text(), name: pick([undefined, 'Eva']) }),
        () => JSON.stringify({ text: 'hi', name: pick([1, null, [], {}, 'n'.repeat(201)]) }),
        () => `{"__proto__":{"text":"hi"},"constructor":{"prototype":{"text":"hi"}}}`,
        () => `{"text":${pick(['1e999', '{"toString":"hi"}', '["hi"]'])}}`,
      ])();
    type Req = { method: string; path: string; body?: string; expect: number };
    const make = (): Req => {
      const n = Math.floor(rand() * 10);
      if (n < 5)
        return {
          method: 'POST',
          path: `/api/visitors/${vid}/${pick(['conversation', 'messages'])}`,
          body: body(),
          expect: 400,
        };
      if (n == 5)
        return {
          method: 'POST',
          path: `/api/visitors/${vid}/typing`,
          body: pick(['{}', '{"on":"true"}', '{"on":1}', 'null', '[true]', '{"on":null}', '']),
          expect: 400,
        };
      if (n == 6) {
        const q = pick([
          'filter=nope',
          'filter=__proto__',
          'filter=constructor',
          'limit=0',
          'limit=-1',
          'limit=1e999',
          'limit=abc',
          'limit=100001',
          'q=' + 'x'.repeat(201),
        ]);
        return { method: 'GET', path: '/api/visitors?' + q, expect: 400 };
      }
      if (n == 7) {
        const id = pick([
          'nobody',
          '__proto__',
          'constructor',
          'hasOwnProperty',
          '%E0%A4%A',
          '..%2F..%2Fetc',
          'x'.repeat(101),
          '%00',
        ]);
        const [method, action] = pick([
          ['GET', ''],
          ['POST', '/block'],
          ['DELETE', '/block'],
          ['POST', '/messages'],
        ]);
        return {
          method: method!,
          path: `/api/visitors/${id}${action}`,
          body: '{"text":"x"}',
          expect: 404,
        };
      }
      if (n == 8)
        return {
          method: 'GET',
          path: `/api/visitors/${vid}/${pick(['__proto__', 'constructor', 'hasOwnProperty', 'tostring', 'nothing'])}`,
          expect: 404,
        };
      return {
        method: pick(['PUT', 'PATCH', 'DELETE']),
        path: pick([
          `/api/visitors/${vid}/typing`,
          `/api/visitors/${vid}/messages`,
          '/api/visitors',
          '/api/events',
        ]),
        body: '{}',
        expect: 405,
      };
    };
    const corpus = Array.from({ length: 600 }, make);
    const mismatches: string[] = [];
    await pool(corpus, 8, async (q) => {
      const res = await fetch(s.url + q.path, {
        method: q.method,
        headers: { authorization: 'Bearer ' + s.agentToken, 'content-type': 'application/json' },
        body: q.method == 'GET' ? undefined : q.body,
      });
      const json = await res.json().catch(() => undefined);
      if (
        res.status != q.expect ||
        typeof json?.error != 'string' ||
        typeof json?.message != 'string'
      )
        mismatches.push(
          `${q.method} ${q.path} ${q.body?.slice(0, 60)}: ${res.status} ${JSON.stringify(json)}`,
        );
    });
    expect(mismatches.slice(0, 10)).toEqual([]);
    await until(() => log.lines.length >= corpus.length);
    expect(log.lines).toHaveLength(corpus.length);
    expect(tally(log.lines, (l) => /: (\d{3}) [a-z_]+: /.exec(l)?.[1] ?? l)).toEqual(
      tally(corpus, (q) => q.expect),
    );
    // Nothing was written to the visitor, nothing leaked into prototypes, and the API still works.
    await new Promise((r) => setTimeout(r, 50));
    expect(c.frames.filter((f) => f.t == 'msg')).toEqual([]);
    expect(({} as Record<string, unknown>).text).toBeUndefined();
    const v = (await api(s, 'GET', '/api/visitors/' + vid)).json;
    expect(v).toMatchObject({ chatting: false, messages: [] });
    expect((await api(s, 'POST', `/api/visitors/${vid}/conversation`, { text: 'Hi' })).status).toBe(
      201,
    );
  }, 30_000);
});

describe('hostile input: one visitor cannot reach another', () => {
  it('over WebSocket: an id without its token is a new visitor, a wrong token closes 4001', async () => {
    const log = recordingLogger();
    const s = await serve({ log });
    const victim = await visit(s.url);
    victim.c.send({ t: 'msg', cid: 'v1', text: 'my card ends 4242', at: Date.now() });
    await victim.c.next('ack');
    await api(s, 'POST', `/api/visitors/${victim.vid}/messages`, { text: 'Your order #77' });
    await until(() => victim.c.frames.some((f) => f.t == 'msg' && f.m.text == 'Your order #77'));

    // Knowing the id is not enough: a new visitor under a new id, none of the victim's messages.
    const thief = await visit(s.url, { vid: victim.vid });
    expect(thief.welcome.vid).not.toBe(victim.vid);
    expect(thief.welcome.messages).toEqual([]);
    // Neither on a second hello of a connection that already has a visitor.
    thief.c.send(hello({ vid: victim.vid }));
    const again = await thief.c.next('welcome');
    expect(again.vid).not.toBe(victim.vid);
    expect(again.messages).toEqual([]);
    // What the thief writes goes to its own conversation only.
    thief.c.send({ t: 'msg', cid: 't1', text: 'send me the card', at: Date.now() });
    await thief.c.next('ack');
    // Wrong tokens: its own, empty-looking, the victim's with a changed character.
    const victimToken = victim.token;
    for (const token of [
      thief.token,
      victimToken.slice(0, -1) + (victimToken.endsWith('A') ? 'B' : 'A'),
      'x'.repeat(43),
    ]) {
      const c = await connect(s.url);
      c.send(hello({ vid: victim.vid, token }));
      expect((await c.closed).code).toBe(4001);
      expect(c.frames).toEqual([]);
    }
    expect(log.lines.filter((l) => /closed 4001: invalid visitor token/.test(l))).toHaveLength(3);
    // The agent's next message goes to the victim alone.
    await api(s, 'POST', `/api/visitors/${victim.vid}/messages`, { text: 'Shipped today' });
    await until(() => victim.c.frames.some((f) => f.t == 'msg' && f.m.text == 'Shipped today'));
    await new Promise((r) => setTimeout(r, 50));
    const seen = JSON.stringify(thief.c.frames);
    for (const secret of ['card ends 4242', 'order #77', 'Shipped today'])
      expect(seen).not.toContain(secret);
    expect(JSON.stringify(victim.c.frames)).not.toContain('send me the card');
    const v = (await api(s, 'GET', '/api/visitors/' + victim.vid)).json;
    expect(v.messages.map((m: { text: string }) => m.text)).not.toContain('send me the card');
  });

  it('over HTTP: batches, streams and polls need the token of the id', async () => {
    const s = await serve({ pollMs: 50 });
    const victim = await visit(s.url);
    victim.c.send({ t: 'msg', cid: 'v1', text: 'my card ends 4242', at: Date.now() });
    await victim.c.next('ack');
    const post = async (body: unknown) => {
      const res = await fetch(s.url + '/v1/frames?key=demo', {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify(body),
      });
      return { status: res.status, json: await res.json() };
    };
    const h = hello();
    const mine = await post({ vid: h.vid, frames: [h] });
    const thief = { vid: h.vid, token: mine.json.frames[0].token as string };
    const msg = { t: 'msg', cid: 'h1', text: 'send me the card', at: 1 };
    // Writing as the victim: no token, the thief's token, a wrong one.
    for (const token of [undefined, thief.token, 'x'])
      expect((await post({ vid: victim.vid, token, frames: [msg] })).status).toBe(401);
    // A hello without the token: a new visitor; with a wrong one: 401.
    const fresh = await post({ vid: victim.vid, frames: [hello({ vid: victim.vid })] });
    expect(fresh.status).toBe(200);
    expect(fresh.json.frames[0].vid).not.toBe(victim.vid);
    expect(fresh.json.frames[0].messages).toEqual([]);
    expect(
      (await post({ vid: victim.vid, frames: [hello({ vid: victim.vid, token: thief.token })] }))
        .status,
    ).toBe(401);
    // Reading as the victim: streams and polls.
    for (const path of ['/v1/events', '/v1/poll'])
      for (const token of ['', thief.token, 'x']) {
        const res = await fetch(
          `${s.url}${path}?key=demo&vid=${victim.vid}&token=${encodeURIComponent(token)}`,
        );
        expect(res.status, `${path} ${token}`).toBe(401);
        expect(await res.text()).not.toContain('card ends 4242');
      }
    const v = (await api(s, 'GET', '/api/visitors/' + victim.vid)).json;
    expect(v.messages.map((m: { text: string }) => m.text)).not.toContain('send me the card');
  });
});

describe('hostile input: Origin', () => {
  const allowed = 'https://shop.example.com';
  const refused = [
    'https://evil.example.com',
    'null',
    'https://shop.example.com.evil.com',
    'https://evilshop.example.com',
    'http://shop.example.com',
    'https://shop.example.com:8443',
    'https://shop.example.com/',
    'HTTPS://SHOP.EXAMPLE.COM',
    '',
  ];

  it('closes a WebSocket from a refused Origin with 1008 and logs it', async () => {
    const log = recordingLogger();
    const s = await serve({ log, allowedOrigins: [allowed] });
    for (const origin of refused) {
      const raw = await rawWs(s.url, '/v1/ws?key=demo', { origin });
      raw.send(hello());
      expect(await raw.closeCode, origin).toBe(1008);
      expect(raw.frames).toEqual([]);
    }
    expect(log.lines.filter((l) => /origin .* refused/.test(l))).toHaveLength(refused.length);
    expect(log.lines).toHaveLength(refused.length);
    const good = await connect(s.url, { origin: allowed });
    good.send(hello());
    expect((await good.next('welcome')).t).toBe('welcome');
    expect(s.hub.visitors.size).toBe(1);
    // The server's own pages (the demo site it prints) are not in the list and are allowed.
    const own = await connect(s.url, { origin: new URL(s.url).origin });
    own.send(hello());
    expect((await own.next('welcome')).t).toBe('welcome');
  });

  it('refuses the HTTP endpoints to a refused Origin with 403 and logs it', async () => {
    const log = recordingLogger();
    const s = await serve({ log, allowedOrigins: [allowed], pollMs: 50 });
    const h = hello();
    const requests = (origin: string): (RequestInit & { path: string })[] => [
      {
        path: '/v1/frames?key=demo',
        method: 'POST',
        headers: { origin, 'content-type': 'text/plain' },
        body: JSON.stringify({ vid: h.vid, frames: [h] }),
      },
      { path: `/v1/events?key=demo&vid=${h.vid}`, headers: { origin } },
      { path: `/v1/poll?key=demo&vid=${h.vid}`, headers: { origin } },
      { path: '/v1/frames?key=demo', method: 'OPTIONS', headers: { origin } },
    ];
    let n = 0;
    for (const origin of refused.filter(Boolean))
      for (const { path, ...init } of requests(origin)) {
        const res = await fetch(s.url + path, init);
        n++;
        expect(res.status, `${init.method ?? 'GET'} ${path} from ${origin}`).toBe(403);
        expect(res.headers.get('access-control-allow-origin')).toBeNull();
        expect(await res.json()).toMatchObject({ error: 'origin' });
      }
    expect(log.lines).toHaveLength(n);
    expect(log.lines.every((l) => / 403 origin: /.test(l))).toBe(true);
    expect(s.hub.visitors.size).toBe(0);
    const [frames] = requests(allowed);
    const ok = await fetch(s.url + frames!.path, frames);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(allowed);
    const own = new URL(s.url).origin;
    const h2 = hello();
    const mine = await fetch(s.url + '/v1/frames?key=demo', {
      method: 'POST',
      headers: { origin: own, 'content-type': 'text/plain' },
      body: JSON.stringify({ vid: h2.vid, frames: [h2] }),
    });
    expect(mine.status).toBe(200);
  });
});

describe('hostile input: every other refusal is logged too', () => {
  it('logs an unknown key, a blocked visitor writing, a wrong userHash, bad HTTP and bad upgrades', async () => {
    const log = recordingLogger();
    const s = await serve({ log, userHashSecret: 'site-secret' });
    const lines = () => log.lines.length;
    // An unknown key in the URL: 4004 at the upgrade.
    const bad = await rawWs(s.url, '/v1/ws?key=nope');
    expect(await bad.closeCode).toBe(4004);
    await until(() => lines() == 1);
    expect(log.lines[0]).toMatch(/closed 4004: unknown account key/);
    // A blocked visitor's messages: one line each, then 4003.
    const { c, vid } = await visit(s.url);
    await api(s, 'POST', `/api/visitors/${vid}/block`);
    await c.next('blocked');
    for (let i = 0; i < 21; i++) c.send({ t: 'msg', cid: 'b' + i, text: 'let me in', at: 1 });
    expect((await c.closed).code).toBe(4003);
    expect(c.frames.filter((f) => f.t == 'err' && f.code == 'blocked')).toHaveLength(21);
    expect(log.lines.filter((l) => /message refused: the visitor is blocked/.test(l))).toHaveLength(
      21,
    );
    expect(log.lines.filter((l) => /closed 4003: /.test(l))).toHaveLength(1);
    // A userHash that does not match.
    const other = await visit(s.url);
    other.c.send({ t: 'id', email: 'ada@example.com', userHash: 'ab'.repeat(32) });
    expect((await other.c.next('err')).code).toBe('user_hash');
    expect(log.lines.filter((l) => /userHash does not match/.test(l))).toHaveLength(1);
    // An upgrade elsewhere, and a request Node cannot parse.
    const before = lines();
    const { createConnection } = await import('node:net');
    // Each answered with a status line (a proxy in front would answer 502 to a bare close).
    const answers: string[] = [];
    for (const request of [
      'GET /nope HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
      'BREW /pot HTCPCP/1.0\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n',
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    ]) {
      const sock = createConnection({ host: '127.0.0.1', port: s.port });
      let got = '';
      sock.on('error', () => {});
      sock.on('data', (d) => (got += d));
      sock.write(request);
      await new Promise((r) => sock.on('close', r));
      answers.push(got.split('\r\n')[0]!);
    }
    expect(answers).toEqual([
      'HTTP/1.1 404 Not Found',
      'HTTP/1.1 400 Bad Request',
      'HTTP/1.1 400 Bad Request',
      'HTTP/1.1 431 Request Header Fields Too Large',
    ]);
    await until(() => lines() >= before + 4);
    expect(log.lines.slice(before)).toEqual([
      expect.stringMatching(/upgrade of \/nope refused: 404/),
      expect.stringMatching(/bad request refused: HPE_/),
      expect.stringMatching(/bad request refused: HPE_/),
      expect.stringMatching(/bad request refused: HPE_HEADER_OVERFLOW/),
    ]);
    expect(log.lines.filter((l) => l.startsWith('ERROR'))).toEqual([]);
  });
});
