import { afterEach, describe, expect, it, vi } from 'vitest';
import { createWidget } from '../../src/core/widget';
import { createMemoryStore } from '../../src/core/storage';
import { createWebSocketTransport } from '../../src/transport/websocket';
import { flush } from '../helpers/widget';

// A stalled network between the widget and the server (a dropped NAT entry, a network switch,
// a laptop waking up): the socket stays open and silent, nothing is closed. The widget on the
// real WebSocket transport, over fake sockets a tiny server answers.

/** Every socket made; the server answers `hello` with `welcome` and `msg` with `ack`. */
const sockets: FakeSocket[] = [];
/** Client ids the server stored (it de-duplicates by `cid`, as the reference server does). */
const stored = new Set<string>();

class FakeSocket {
  readyState = 0;
  /** The network under this socket stopped forwarding: frames go nowhere, nothing closes. */
  stalled = false;
  sent: Array<{ t: string; cid?: string; vid?: string }> = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: ((e: { code?: number }) => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(readonly url: string) {
    sockets.push(this);
    setTimeout(() => {
      this.readyState = 1;
      this.onopen?.();
    }, 10);
  }
  send(data: string) {
    const f = JSON.parse(data);
    this.sent.push(f);
    if (this.stalled) return;
    const answer = (a: object) =>
      setTimeout(() => this.readyState == 1 && this.onmessage?.({ data: JSON.stringify(a) }), 5);
    if (f.t == 'hello') answer({ t: 'welcome', v: 2, vid: f.vid, blocked: false, online: true });
    if (f.t == 'msg') {
      stored.add(f.cid);
      answer({ t: 'ack', cid: f.cid, id: 'm-' + f.cid, at: 5 });
    }
  }
  close() {
    // On a stalled network the closing handshake never completes: no close event for a minute.
    this.readyState = 2;
  }
}

afterEach(() => {
  sockets.length = 0;
  stored.clear();
  vi.useRealTimers();
});

describe('a stalled connection', () => {
  it('is dropped when a message is not acknowledged in 15 s; the message goes out once after the reconnect', async () => {
    vi.useFakeTimers();
    const widget = createWidget({
      key: 'test-key',
      ui: false,
      logger: { warn: vi.fn() },
      storage: createMemoryStore(),
      transport: createWebSocketTransport({
        url: 'http://chat.test',
        key: 'test-key',
        WebSocket: FakeSocket as unknown as typeof WebSocket,
        random: () => 0.5,
      }),
    });
    await widget.ready();
    await vi.advanceTimersByTimeAsync(100);
    expect(widget.state.connection).toBe('open');

    // The network stalls (held > 10 s, so the backoff starts over when it is dropped).
    await vi.advanceTimersByTimeAsync(20000);
    sockets[0].stalled = true;
    void widget.send('still there?');
    await flush();
    expect(widget.state.messages.map((m) => m.status)).toEqual(['sending']);
    await vi.advanceTimersByTimeAsync(14999);
    expect(widget.state.messages.map((m) => m.status)).toEqual(['sending']);
    expect(widget.state.connection).toBe('open');

    // The ack is late: shown as not delivered, and the connection is dropped and reconnects
    // (the UI shows reconnecting) instead of resending on the dead socket.
    await vi.advanceTimersByTimeAsync(1);
    expect(widget.state.messages.map((m) => m.status)).toEqual(['failed']);
    expect(widget.state.connection).toBe('closed');
    expect(sockets[0].sent.filter((f) => f.t == 'msg')).toHaveLength(1);

    // The backoff (random 0.5: 500 ms), a new connection, its welcome: the message goes out
    // once on it and is acknowledged.
    await vi.advanceTimersByTimeAsync(600);
    expect(sockets).toHaveLength(2);
    expect(widget.state.connection).toBe('open');
    expect(widget.state.messages.map((m) => [m.text, m.status])).toEqual([
      ['still there?', 'sent'],
    ]);
    expect(sockets[1].sent.map((f) => f.t)).toEqual(['hello', 'msg']);
    expect(sockets[0].sent.filter((f) => f.t == 'msg')).toHaveLength(1);
    expect([...stored]).toHaveLength(1);
    widget.destroy();
  });
});
