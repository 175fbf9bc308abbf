// @vitest-environment node
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createWebSocketTransport } from '../../src/transport/websocket';
import type { ConnectionStatus } from '../../src/transport/types';

/** A scriptable WebSocket: the test plays the server with accept(), receive() and drop(). */
class FakeSocket {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: string[] = [];
  closedWith?: number;
  onopen: ((e: unknown) => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;
  onerror: ((e: unknown) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(data);
  }
  close(code?: number) {
    this.closedWith = code;
    this.readyState = 2;
  }
  accept() {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(data: unknown) {
    this.onmessage?.({ data });
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onerror?.({});
    this.onclose?.({ code });
  }
}

const last = () => FakeSocket.all[FakeSocket.all.length - 1];

function fakeWindow() {
  const doc = Object.assign(new EventTarget(), { hidden: false });
  return Object.assign(new EventTarget(), { document: doc }) as unknown as Window;
}

function setup(
  options: { random?: () => number; window?: Window; WebSocket?: unknown; url?: string } = {},
) {
  const statuses: ConnectionStatus[] = [];
  const frames: unknown[] = [];
  const transport = createWebSocketTransport({
    url: options.url || 'http://127.0.0.1:8080',
    key: 'demo',
    WebSocket: (options.WebSocket || FakeSocket) as typeof WebSocket,
    random: options.random || (() => 0.5),
    window: options.window,
  });
  transport.open({ status: (s) => statuses.push(s), frame: (f) => frames.push(f) });
  return { transport, statuses, frames };
}

const msg = { t: 'msg', cid: 'c1', text: 'Hi', at: 1 } as const;

describe('WebSocket transport', () => {
  beforeEach(() => {
    FakeSocket.all = [];
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it.each([
    ['http://127.0.0.1:8080', 'ws://127.0.0.1:8080/v1/ws?key=a%26b'],
    ['https://chat.example.com/', 'wss://chat.example.com/v1/ws?key=a%26b'],
    ['wss://chat.example.com/base', 'wss://chat.example.com/base/v1/ws?key=a%26b'],
  ])('connects from the base URL %s to %s', (url, endpoint) => {
    createWebSocketTransport({
      url,
      key: 'a&b',
      WebSocket: FakeSocket as unknown as typeof WebSocket,
    }).open({
      status() {},
      frame() {},
    });
    expect(last().url).toBe(endpoint);
  });

  it('reports connecting then open, and passes server frames on raw, unparsed', () => {
    const { statuses, frames } = setup();
    expect(statuses).toEqual(['connecting']);
    last().accept();
    expect(statuses).toEqual(['connecting', 'open']);
    last().receive('{"t":"msg"}');
    last().receive('not json');
    expect(frames).toEqual(['{"t":"msg"}', 'not json']);
  });

  it('sends frames as JSON text only while open', () => {
    const { transport } = setup();
    expect(transport.send(msg)).toBe(false);
    last().accept();
    expect(transport.send(msg)).toBe(true);
    expect(transport.send(msg, true)).toBe(true);
    expect(last().sent).toEqual([JSON.stringify(msg), JSON.stringify(msg)]);
    last().drop();
    expect(transport.send(msg)).toBe(false);
  });

  it.each([1008, 4001, 4003, 4004])('stops for good on close code %i', (code) => {
    const { statuses } = setup();
    last().accept();
    last().drop(code);
    expect(statuses).toEqual(['connecting', 'open', 'stopped']);
    vi.advanceTimersByTime(24 * 3600 * 1000);
    expect(FakeSocket.all).toHaveLength(1);
  });

  it.each([1000, 1001, 1006, 1009, 1011, 1012, 1013, 4000, 4029])(
    'reports closed on close code %i and reconnects after the backoff',
    (code) => {
      const { statuses } = setup();
      last().accept();
      last().drop(code);
      expect(statuses).toEqual(['connecting', 'open', 'closed']);
      vi.advanceTimersByTime(499);
      expect(FakeSocket.all).toHaveLength(1);
      vi.advanceTimersByTime(1);
      expect(FakeSocket.all).toHaveLength(2);
      expect(statuses.at(-1)).toBe('connecting');
    },
  );

  it('grows the delay while attempts fail and starts again after a welcomed connection held 10 s', () => {
    setup();
    const gaps: number[] = [];
    let t = Date.now();
    const failAndWait = () => {
      const n = FakeSocket.all.length;
      last().drop();
      while (FakeSocket.all.length == n) vi.advanceTimersByTime(1);
      gaps.push(Date.now() - t);
      t = Date.now();
    };
    failAndWait();
    failAndWait();
    failAndWait();
    // Open, but not welcomed (or a message merely quoting one): the backoff keeps growing.
    last().accept();
    last().receive('{"t":"msg","m":{"text":"\\"t\\":\\"welcome\\""}}');
    failAndWait();
    // Welcomed, then dropped at once: not a connection that held, the backoff keeps growing.
    last().accept();
    last().receive('{"t":"welcome","v":1,"vid":"v"}');
    failAndWait();
    // Welcomed and held for 10 s: the next drop starts from the first window again.
    last().accept();
    last().receive('{"t":"welcome","v":1,"vid":"v"}');
    vi.advanceTimersByTime(10_000);
    t = Date.now();
    failAndWait();
    expect(gaps).toEqual([500, 1000, 2000, 4000, 8000, 500]);
  });

  it('reconnects at once when opened again while waiting for a retry (back/forward cache)', () => {
    const { transport, statuses } = setup();
    const l = { status: (s: ConnectionStatus) => statuses.push(s), frame() {} };
    transport.open(l);
    expect(FakeSocket.all).toHaveLength(1);
    last().accept();
    transport.open(l);
    expect(FakeSocket.all).toHaveLength(1);
    last().drop();
    transport.open(l);
    expect(FakeSocket.all).toHaveLength(2);
    vi.advanceTimersByTime(60000);
    expect(FakeSocket.all).toHaveLength(2);
    expect(statuses).toEqual(['connecting', 'open', 'closed', 'connecting']);
  });

  it('reconnects at once on the online event', () => {
    const win = fakeWindow();
    setup({ window: win });
    win.dispatchEvent(new Event('online'));
    expect(FakeSocket.all).toHaveLength(1);
    last().drop();
    win.dispatchEvent(new Event('online'));
    expect(FakeSocket.all).toHaveLength(2);
  });

  it('counts a throwing WebSocket constructor (bad URL, CSP) as a failed attempt', () => {
    let calls = 0;
    const Throwing = function () {
      calls++;
      throw new SyntaxError('refused by CSP');
    };
    const { transport, statuses } = setup({ WebSocket: Throwing });
    expect(statuses).toEqual(['connecting', 'closed']);
    expect(transport.send(msg)).toBe(false);
    vi.advanceTimersByTime(500);
    expect(calls).toBe(2);
    vi.advanceTimersByTime(999);
    expect(calls).toBe(2);
    vi.advanceTimersByTime(1);
    expect(calls).toBe(3);
  });

  it('drops a connection that stalled (a msg unanswered for 15 s) and reconnects with the backoff', () => {
    // A stalled network (a dropped NAT entry, a laptop waking up) closes nothing: the socket
    // stays open and silent. The core resends a message at its 15 s ack timeout (or Retry).
    const { transport, statuses } = setup();
    const dead = last();
    dead.accept();
    dead.receive('{"t":"welcome"}');
    expect(transport.send(msg)).toBe(true);
    vi.advanceTimersByTime(14999);
    expect(transport.send(msg)).toBe(true);
    vi.advanceTimersByTime(1);
    expect(transport.send(msg)).toBe(false);
    expect(dead.sent).toHaveLength(2);
    expect(dead.readyState).toBe(2);
    expect(statuses).toEqual(['connecting', 'open', 'closed']);
    // Its own close event, when the browser gets to it, changes nothing.
    dead.drop(1006);
    expect(statuses).toEqual(['connecting', 'open', 'closed']);
    // The connection held 10 s: the backoff starts over (random 0.5: 500 ms).
    vi.advanceTimersByTime(500);
    expect(FakeSocket.all).toHaveLength(2);
    last().accept();
    // The new connection's welcome clears the watch.
    last().receive('{"t":"welcome"}');
    expect(transport.send(msg)).toBe(true);
    expect(last().sent).toEqual([JSON.stringify(msg)]);
    expect(statuses).toEqual(['connecting', 'open', 'closed', 'connecting', 'open']);
  });

  it('keeps a connection that answers: any frame back restarts the 15 s', () => {
    const { transport, statuses } = setup();
    last().accept();
    expect(transport.send(msg)).toBe(true);
    vi.advanceTimersByTime(10000);
    last().receive('{"t":"ack"}');
    vi.advanceTimersByTime(10000);
    expect(transport.send(msg)).toBe(true);
    vi.advanceTimersByTime(14999);
    // Other frames are not answered: they never take the connection for dead.
    expect(transport.send({ t: 'hb', activeAt: 1 })).toBe(true);
    expect(transport.send(msg)).toBe(true);
    expect(statuses).toEqual(['connecting', 'open']);
    expect(FakeSocket.all).toHaveLength(1);
  });

  it('close() closes the socket with 1000 and never reconnects', () => {
    const win = fakeWindow();
    const { transport, statuses } = setup({ window: win });
    const socket = last();
    socket.accept();
    transport.close();
    expect(socket.closedWith).toBe(1000);
    socket.drop(1000);
    win.dispatchEvent(new Event('online'));
    vi.advanceTimersByTime(24 * 3600 * 1000);
    expect(FakeSocket.all).toHaveLength(1);
    expect(statuses).toEqual(['connecting', 'open']);
    expect(transport.send(msg)).toBe(false);
  });

  it('close() while waiting for a retry cancels it', () => {
    const { transport } = setup();
    last().drop();
    transport.close();
    vi.advanceTimersByTime(60000);
    expect(FakeSocket.all).toHaveLength(1);
  });
});
