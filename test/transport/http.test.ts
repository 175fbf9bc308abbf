// @vitest-environment node
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHttpTransport } from '../../src/transport/http';
import type { ConnectionStatus } from '../../src/transport/types';
import { helloFrame } from '../helpers/hello-frame';

interface Call {
  url: string;
  init?: RequestInit;
  /** The parsed POST body. */
  body?: { vid: string; token?: string; frames: Array<{ t: string; [k: string]: unknown }> };
  resolve(res: Response): void;
  reject(e: unknown): void;
}

class FakeEventSource {
  static all: FakeEventSource[] = [];
  readyState = 0;
  onmessage: ((e: { data: string }) => void) | null = null;
  onerror: ((e: unknown) => void) | null = null;
  constructor(readonly url: string) {
    FakeEventSource.all.push(this);
  }
  close() {
    this.readyState = 2;
  }
}

const hello = helloFrame;
const msg = (cid: string) => ({ t: 'msg', cid, text: 'Hi ' + cid, at: 1 }) as const;
const welcome = (token = 'T', vid = 'V') => ({ t: 'welcome', v: 1, vid, token });
const answer = (status: number, body: unknown = {}, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers });

function setup(
  options: {
    EventSource?: unknown;
    sendBeacon?: (url: string, data: Blob) => boolean;
    window?: Window;
  } = {},
) {
  const calls: Call[] = [];
  const fetch = vi.fn(
    (url: string | URL | Request, init?: RequestInit) =>
      new Promise<Response>((resolve, reject) =>
        calls.push({
          url: String(url),
          init,
          body: typeof init?.body == 'string' ? JSON.parse(init.body) : undefined,
          resolve,
          reject,
        }),
      ),
  );
  const statuses: ConnectionStatus[] = [];
  const frames: unknown[] = [];
  const transport = createHttpTransport({
    url: 'https://chat.example.com/',
    key: 'demo',
    fetch: fetch as typeof globalThis.fetch,
    EventSource: ('EventSource' in options
      ? options.EventSource
      : FakeEventSource) as typeof EventSource,
    sendBeacon: options.sendBeacon,
    random: () => 0.5,
    window: options.window,
  });
  transport.open({ status: (s) => statuses.push(s), frame: (f) => frames.push(f) });
  const posts = () => calls.filter((c) => c.init?.method == 'POST');
  /** Sends hello, lets the batch go, answers it with a welcome. */
  async function welcomed(token = 'T') {
    transport.send(hello());
    await vi.advanceTimersByTimeAsync(50);
    posts()
      .at(-1)!
      .resolve(answer(200, { frames: [welcome(token)] }));
    await vi.advanceTimersByTimeAsync(0);
  }
  return { transport, statuses, frames, calls, posts, fetch, welcomed };
}

/** The visitor id rides in the query too (a load balancer routes by it). */
const FRAMES_URL = 'https://chat.example.com/v1/frames?key=demo&vid=V';

describe('HTTP transport', () => {
  beforeEach(() => {
    FakeEventSource.all = [];
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('reports open at once and batches the frames of 50 ms into one POST', async () => {
    const { transport, statuses, posts } = setup();
    expect(statuses).toEqual(['open']);
    expect(transport.send(hello())).toBe(true);
    expect(transport.send({ t: 'page', url: 'http://site/2', title: '', referrer: '' })).toBe(true);
    expect(transport.send({ t: 'hb', activeAt: 5 })).toBe(true);
    await vi.advanceTimersByTimeAsync(49);
    expect(posts()).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(posts()).toHaveLength(1);
    expect(posts()[0].url).toBe(FRAMES_URL);
    expect(posts()[0].body).toEqual({
      vid: 'V',
      frames: [hello(), expect.objectContaining({ t: 'page' }), { t: 'hb', activeAt: 5 }],
    });
  });

  it('passes the answer frames on one by one and listens for events with the welcome token', async () => {
    const { transport, frames, posts } = setup();
    transport.send(hello());
    await vi.advanceTimersByTimeAsync(50);
    posts()[0].resolve(answer(200, { frames: [welcome('T 1'), { t: 'status', online: false }] }));
    await vi.advanceTimersByTimeAsync(0);
    expect(frames).toEqual([welcome('T 1'), { t: 'status', online: false }]);
    expect(FakeEventSource.all.map((e) => e.url)).toEqual([
      'https://chat.example.com/v1/events?key=demo&vid=V&token=T%201',
    ]);
    FakeEventSource.all[0].onmessage!({ data: '{"t":"typing","on":true}' });
    expect(frames.at(-1)).toBe('{"t":"typing","on":true}');
  });

  it('asks for keepalive on every batch: a reload right after Enter does not cancel the message', async () => {
    // The page goes before the answer (the visitor pressed Enter and reloaded): a plain fetch is
    // cancelled with the page, and the outbox write may not have finished either.
    const { transport, posts, welcomed } = setup();
    await welcomed();
    transport.send(msg('c1'));
    await vi.advanceTimersByTimeAsync(50);
    expect(posts().map((c) => c.init?.keepalive)).toEqual([true, true]);
  });

  it('keeps one POST in flight at a time and sends the token in later ones', async () => {
    const { transport, posts } = setup();
    transport.send(hello());
    await vi.advanceTimersByTimeAsync(50);
    transport.send(msg('c1'));
    transport.send(msg('c2'));
    await vi.advanceTimersByTimeAsync(500);
    expect(posts()).toHaveLength(1);
    posts()[0].resolve(answer(200, { frames: [welcome()] }));
    await vi.advanceTimersByTimeAsync(50);
    expect(posts()).toHaveLength(2);
    expect(posts()[1].body).toEqual({ vid: 'V', token: 'T', frames: [msg('c1'), msg('c2')] });
  });

  it("starts a new POST at a hello queued after other frames (another tab's, relayed)", async () => {
    const { transport, posts, welcomed } = setup();
    await welcomed();
    transport.send(msg('c1'));
    transport.send(hello());
    transport.send(msg('c2'));
    await vi.advanceTimersByTimeAsync(50);
    posts()[1].resolve(answer(200, { frames: [] }));
    await vi.advanceTimersByTimeAsync(50);
    expect(
      posts()
        .slice(1)
        .map((p) => p.body!.frames.map((f) => f.t)),
    ).toEqual([['msg'], ['hello', 'msg']]);
  });

  it('splits a long queue into POSTs the server accepts (≤ 50 frames, ~30 KB), in order', async () => {
    const { transport, posts, welcomed } = setup();
    await welcomed();
    for (let i = 0; i < 120; i++) transport.send({ t: 'hb', activeAt: i });
    const long = 'é'.repeat(4000);
    for (let i = 0; i < 5; i++) transport.send({ t: 'msg', cid: 'L' + i, text: long, at: 1 });
    while (posts().length < 5) {
      const n = posts().length;
      while (posts().length == n) await vi.advanceTimersByTimeAsync(10);
      posts()[n].resolve(answer(200, { frames: [] }));
    }
    const batches = posts()
      .slice(1)
      .map((p) => p.body!.frames);
    expect(batches.map((b) => b.length)).toEqual([50, 50, 23, 2]);
    expect(batches.flat().map((f) => (f.t == 'hb' ? f.activeAt : f.cid))).toEqual([
      ...Array.from({ length: 120 }, (_, i) => i),
      'L0',
      'L1',
      'L2',
      'L3',
      'L4',
    ]);
    for (const p of posts())
      expect(new TextEncoder().encode(p.init!.body as string).length).toBeLessThan(64 * 1024);
  });

  it('sends final frames at once by sendBeacon, as text/plain JSON, with the frames still queued', async () => {
    const beacons: Array<[string, Blob]> = [];
    const { transport, posts, welcomed } = setup({
      sendBeacon: (url, data) => (beacons.push([url, data]), true),
    });
    await welcomed();
    transport.send({ t: 'chat', open: false });
    expect(transport.send({ t: 'hb', activeAt: 9, hidden: true }, true)).toBe(true);
    expect(beacons).toHaveLength(1);
    const [url, blob] = beacons[0];
    expect(url).toBe(FRAMES_URL);
    expect(blob.type).toBe('text/plain');
    expect(JSON.parse(await blob.text())).toEqual({
      vid: 'V',
      token: 'T',
      frames: [
        { t: 'chat', open: false },
        { t: 'hb', activeAt: 9, hidden: true },
      ],
    });
    await vi.advanceTimersByTimeAsync(1000);
    expect(posts()).toHaveLength(1);
  });

  it('falls back to fetch with keepalive when sendBeacon refuses', async () => {
    const { transport, posts, welcomed } = setup({ sendBeacon: () => false });
    await welcomed();
    transport.send({ t: 'hb', activeAt: 9, hidden: true }, true);
    expect(posts()).toHaveLength(2);
    expect(posts()[1].init).toMatchObject({ method: 'POST', keepalive: true });
    expect(posts()[1].body!.frames).toEqual([{ t: 'hb', activeAt: 9, hidden: true }]);
  });

  it('reports closed when a POST fails on the network, refuses frames, then opens again after the backoff', async () => {
    const { transport, statuses, posts } = setup();
    transport.send(hello());
    await vi.advanceTimersByTimeAsync(50);
    transport.send(msg('c1'));
    posts()[0].reject(new TypeError('Failed to fetch'));
    await vi.advanceTimersByTimeAsync(0);
    expect(statuses).toEqual(['open', 'closed']);
    expect(transport.send(msg('c2'))).toBe(false);
    await vi.advanceTimersByTimeAsync(499);
    expect(statuses).toEqual(['open', 'closed']);
    await vi.advanceTimersByTimeAsync(1);
    expect(statuses).toEqual(['open', 'closed', 'open']);
    // The frames queued on the failed "connection" are gone: the core resends after welcome.
    transport.send(hello());
    await vi.advanceTimersByTimeAsync(50);
    expect(posts()[1].body!.frames.map((f) => f.t)).toEqual(['hello']);
  });

  it('drops a "connection" whose POST hangs (a stalled network) once a msg is 15 s unanswered', async () => {
    const { transport, statuses, posts, welcomed } = setup();
    await welcomed();
    transport.send(msg('c1'));
    await vi.advanceTimersByTimeAsync(50);
    expect(posts()).toHaveLength(2);
    // No answer, no error: the core resends at its 15 s ack timeout.
    await vi.advanceTimersByTimeAsync(14950);
    expect(transport.send(msg('c1'))).toBe(false);
    expect(statuses).toEqual(['open', 'closed']);
    await vi.advanceTimersByTimeAsync(500);
    expect(statuses).toEqual(['open', 'closed', 'open']);
    // The hung answer, when it comes, is ignored; the new session's welcome clears the watch.
    posts()[1].resolve(answer(200, { frames: [{ t: 'ack', cid: 'c1', id: 'm1', at: 2 }] }));
    await welcomed();
    expect(transport.send(msg('c1'))).toBe(true);
    await vi.advanceTimersByTimeAsync(50);
    expect(posts().at(-1)!.body!.frames).toEqual([msg('c1')]);
    expect(statuses).toEqual(['open', 'closed', 'open']);
  });

  it('keeps a "connection" whose POSTs are answered, however slowly the core resends', async () => {
    const { transport, statuses, posts, welcomed } = setup();
    await welcomed();
    transport.send(msg('c1'));
    await vi.advanceTimersByTimeAsync(50);
    posts()[1].resolve(answer(200, { frames: [] }));
    await vi.advanceTimersByTimeAsync(20000);
    expect(transport.send(msg('c1'))).toBe(true);
    expect(statuses).toEqual(['open']);
  });

  it.each([500, 502, 503])('retries a %i answer with backoff', async (status) => {
    const { statuses, posts, transport } = setup();
    transport.send(hello());
    await vi.advanceTimersByTimeAsync(50);
    posts()[0].resolve(answer(status, { error: 'server' }));
    await vi.advanceTimersByTimeAsync(500);
    expect(statuses).toEqual(['open', 'closed', 'open']);
  });

  it('waits for Retry-After on 429', async () => {
    const { statuses, posts, transport } = setup();
    transport.send(hello());
    await vi.advanceTimersByTimeAsync(50);
    posts()[0].resolve(answer(429, { error: 'rate_limited' }, { 'Retry-After': '30' }));
    await vi.advanceTimersByTimeAsync(29999);
    expect(statuses).toEqual(['open', 'closed']);
    await vi.advanceTimersByTimeAsync(1);
    expect(statuses).toEqual(['open', 'closed', 'open']);
  });

  it.each([401, 403, 404])('stops for good on %i', async (status) => {
    const { statuses, posts, transport, fetch } = setup();
    transport.send(hello());
    await vi.advanceTimersByTimeAsync(50);
    posts()[0].resolve(answer(status, { error: 'no' }));
    await vi.advanceTimersByTimeAsync(24 * 3600 * 1000);
    expect(statuses).toEqual(['open', 'stopped']);
    expect(transport.send(msg('c1'))).toBe(false);
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it.each([400, 413])(
    'drops a batch answered %i, reports an error frame and stays open',
    async (status) => {
      const { statuses, frames, posts, transport, welcomed } = setup();
      await welcomed();
      transport.send(msg('bad'));
      await vi.advanceTimersByTimeAsync(50);
      posts()[1].resolve(answer(status, { error: 'bad_request' }));
      await vi.advanceTimersByTimeAsync(0);
      expect(frames.at(-1)).toEqual({ t: 'err', code: 'rejected_' + status });
      expect(statuses).toEqual(['open']);
      transport.send(msg('good'));
      await vi.advanceTimersByTimeAsync(50);
      expect(posts()[2].body!.frames).toEqual([msg('good')]);
    },
  );

  it('long-polls /v1/poll where EventSource is missing, resuming after the last seq', async () => {
    const { frames, calls, welcomed } = setup({ EventSource: undefined });
    await welcomed();
    const polls = () => calls.filter((c) => c.url.includes('/v1/poll'));
    expect(polls().map((c) => c.url)).toEqual([
      'https://chat.example.com/v1/poll?key=demo&vid=V&token=T',
    ]);
    polls()[0].resolve(
      answer(200, {
        frames: [
          { t: 'typing', on: true },
          { t: 'typing', on: false },
        ],
        seq: 7,
      }),
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(frames.slice(1)).toEqual([
      { t: 'typing', on: true },
      { t: 'typing', on: false },
    ]);
    expect(polls()[1].url).toBe('https://chat.example.com/v1/poll?key=demo&vid=V&token=T&after=7');
  });

  it('reports closed when the poll fails, and stops when it is refused', async () => {
    const { statuses, calls, welcomed } = setup({ EventSource: undefined });
    await welcomed();
    calls.at(-1)!.reject(new TypeError('network'));
    await vi.advanceTimersByTimeAsync(0);
    expect(statuses).toEqual(['open', 'closed']);
    await vi.advanceTimersByTimeAsync(500);
    await welcomed();
    calls.at(-1)!.resolve(answer(401, { error: 'invalid_token' }));
    await vi.advanceTimersByTimeAsync(0);
    expect(statuses).toEqual(['open', 'closed', 'open', 'stopped']);
  });

  it('waits Retry-After when a poll is refused 429 too_many_connections, without polling again', async () => {
    const { statuses, calls, welcomed } = setup({ EventSource: undefined });
    await welcomed();
    const polls = () => calls.filter((c) => c.url.includes('/v1/poll'));
    polls()[0].resolve(answer(429, { error: 'too_many_connections' }, { 'Retry-After': '30' }));
    await vi.advanceTimersByTimeAsync(29999);
    expect(statuses).toEqual(['open', 'closed']);
    expect(polls()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(statuses).toEqual(['open', 'closed', 'open']);
  });

  it("holds event-stream frames while a hello's POST is answered: its welcome comes first", async () => {
    // Another tab's hello relayed with this tab's message, in one POST: the server builds the
    // welcome, then stores the message and echoes it on the event stream, and the echo can come
    // before the POST's answer. A welcome after it would replace the list without the message
    // (acked by the echo: the ack after the welcome then finds nothing), and it vanished.
    const { transport, frames, posts, welcomed } = setup();
    await welcomed();
    transport.send(hello());
    transport.send(msg('c1'));
    await vi.advanceTimersByTimeAsync(50);
    expect(posts()[1].body!.frames.map((f) => f.t)).toEqual(['hello', 'msg']);
    const echo = JSON.stringify({
      t: 'msg',
      m: { id: 'm1', cid: 'c1', from: 'visitor', text: 'Hi c1', at: 2 },
    });
    FakeEventSource.all[0].onmessage!({ data: echo });
    expect(frames).toHaveLength(1);
    const ack = { t: 'ack', cid: 'c1', id: 'm1', at: 2 };
    posts()[1].resolve(answer(200, { frames: [welcome(), ack] }));
    await vi.advanceTimersByTimeAsync(0);
    expect(frames.slice(1)).toEqual([welcome(), ack, echo]);
    // Other POSTs hold nothing back.
    FakeEventSource.all[0].onmessage!({ data: '{"t":"typing","on":true}' });
    expect(frames.at(-1)).toBe('{"t":"typing","on":true}');
  });

  it('holds polled frames too while a hello is answered, and drops them with the connection', async () => {
    const { transport, frames, calls, posts, welcomed } = setup({ EventSource: undefined });
    await welcomed();
    const polls = () => calls.filter((c) => c.url.includes('/v1/poll'));
    transport.send(hello());
    await vi.advanceTimersByTimeAsync(50);
    polls()[0].resolve(answer(200, { frames: [{ t: 'typing', on: true }], seq: 3 }));
    await vi.advanceTimersByTimeAsync(0);
    expect(frames).toHaveLength(1);
    posts()[1].resolve(answer(200, { frames: [welcome()] }));
    await vi.advanceTimersByTimeAsync(0);
    expect(frames.slice(1)).toEqual([welcome(), { t: 'typing', on: true }]);
    // A hello whose POST fails: what the poll brought meanwhile goes with the connection.
    transport.send(hello());
    await vi.advanceTimersByTimeAsync(50);
    polls()[1].resolve(answer(200, { frames: [{ t: 'typing', on: false }], seq: 4 }));
    await vi.advanceTimersByTimeAsync(0);
    posts()[2].reject(new TypeError('offline'));
    await vi.advanceTimersByTimeAsync(0);
    expect(frames).toHaveLength(3);
  });

  it('treats an event stream error as a dropped connection', async () => {
    const { statuses, welcomed } = setup();
    await welcomed();
    const es = FakeEventSource.all[0];
    es.onerror!({});
    expect(es.readyState).toBe(2);
    expect(statuses).toEqual(['open', 'closed']);
    await vi.advanceTimersByTimeAsync(500);
    expect(statuses).toEqual(['open', 'closed', 'open']);
    await welcomed();
    expect(FakeEventSource.all).toHaveLength(2);
  });

  it('starts a new session on a new hello (logout): earlier queued frames and token are dropped', async () => {
    const { transport, posts, welcomed } = setup();
    await welcomed();
    transport.send(msg('old'));
    transport.send(hello('W'));
    await vi.advanceTimersByTimeAsync(50);
    expect(posts()[1].body).toEqual({ vid: 'W', frames: [hello('W')] });
    posts()[1].resolve(answer(200, { frames: [welcome('U', 'W')] }));
    await vi.advanceTimersByTimeAsync(0);
    expect(FakeEventSource.all.map((e) => e.readyState)).toEqual([2, 0]);
    expect(FakeEventSource.all[1].url).toContain('vid=W&token=U');
  });

  it('reconnects at once on the online event', async () => {
    const win = Object.assign(new EventTarget(), {
      document: Object.assign(new EventTarget(), { hidden: false }),
    });
    const { statuses, posts, transport } = setup({ window: win as unknown as Window });
    transport.send(hello());
    await vi.advanceTimersByTimeAsync(50);
    posts()[0].reject(new TypeError('offline'));
    await vi.advanceTimersByTimeAsync(0);
    win.dispatchEvent(new Event('online'));
    expect(statuses).toEqual(['open', 'closed', 'open']);
  });

  it('close() ends the stream, ignores late answers and never reopens', async () => {
    const { transport, statuses, posts, fetch, welcomed } = setup();
    await welcomed();
    transport.send(msg('c1'));
    await vi.advanceTimersByTimeAsync(50);
    transport.close();
    expect(FakeEventSource.all[0].readyState).toBe(2);
    posts()[1].reject(new TypeError('aborted'));
    await vi.advanceTimersByTimeAsync(24 * 3600 * 1000);
    expect(statuses).toEqual(['open']);
    expect(transport.send(msg('c2'))).toBe(false);
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('never throws when fetch is missing: the attempt fails and backs off', async () => {
    const statuses: ConnectionStatus[] = [];
    vi.stubGlobal('fetch', undefined);
    try {
      const transport = createHttpTransport({ url: 'http://h', key: 'k', random: () => 0 });
      transport.open({ status: (s) => statuses.push(s), frame() {} });
      transport.send(hello());
      expect(() => transport.send({ t: 'hb', activeAt: 1 }, true)).not.toThrow();
      transport.send(hello());
      await vi.advanceTimersByTimeAsync(50);
    } finally {
      vi.unstubAllGlobals();
    }
    expect(statuses.slice(0, 2)).toEqual(['open', 'closed']);
  });
});
