// @vitest-environment node
/**
 * Delivery under faults against the real reference server (demo/server/, in-process on
 * 127.0.0.1) with the real WebSocket transport and the headless widget. The network between
 * them is a `ws` WebSocket subclass that can refuse connections (they go to a closed port, so
 * each attempt fails for real), cut the live socket, and lose chosen server frames.
 *
 * Long waits (a 60 s outage, the 15 s ack timeout) run on fake `setTimeout`/`Date` that also
 * advance with real time (`shouldAdvanceTime`), so sockets, the server and SQLite do real I/O.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { createMemoryStore } from '../../src/core/storage';
import { createWidget, type Widget } from '../../src/core/widget';
import type { Message } from '../../src/protocol';
import { createWebSocketTransport } from '../../src/transport/websocket';
import { seededRandom } from '../helpers/faulty-transport';
import { api, serve, sse, until, type Frame } from '../server/helpers';

const realSetTimeout = globalThis.setTimeout;
const realSleep = (ms: number) => new Promise((r) => realSetTimeout(r, ms));
const dir = mkdtempSync(join(tmpdir(), 'visitor-chat-faults-'));
const widgets: Widget[] = [];

afterEach(() => {
  for (const w of widgets.splice(0)) w.destroy();
  vi.useRealTimers();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Fake `setTimeout` and `Date` only; they also move with real time. */
const fakeClock = () =>
  vi.useFakeTimers({ shouldAdvanceTime: true, toFake: ['setTimeout', 'clearTimeout', 'Date'] });

/** A port nothing listens on: connecting to it is refused at once. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/** The network between the widget and the server, with its faults. */
async function network() {
  const dead = await closedPort();
  const net = {
    /** While true, every new connection is refused. */
    down: false,
    sockets: [] as WebSocket[],
    /** Connection attempts refused while down. */
    refused: 0,
    /** Frames the widget sent, in order. */
    up: [] as Frame[],
    /** Server frames for which this returns true never reach the widget. */
    lose: (_f: Frame, _ws: WebSocket): boolean => false,
    lost: [] as Frame[],
    /** Cuts the live connection (the widget sees a network error and reconnects). */
    cut: () => net.sockets.at(-1)?.terminate(),
  };
  const onmessage = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'onmessage')!;
  class NetSocket extends WebSocket {
    constructor(address: string) {
      super(net.down ? address.replace(/:\d+\//, `:${dead}/`) : address);
      if (net.down) net.refused++;
      net.sockets.push(this);
      // The transport reads frames through `onmessage`: lose the chosen ones on their way in.
      Object.defineProperty(this, 'onmessage', {
        get: () => onmessage.get!.call(this),
        set: (fn?: (e: WebSocket.MessageEvent) => void) => {
          const wrapped =
            fn &&
            ((e: WebSocket.MessageEvent) => {
              const f = JSON.parse(String(e.data)) as Frame;
              if (net.lose(f, this)) net.lost.push(f);
              else fn(e);
            });
          onmessage.set!.call(this, wrapped);
        },
      });
      const send = this.send.bind(this);
      this.send = ((data: string) => {
        net.up.push(JSON.parse(data));
        send(data);
      }) as typeof this.send;
    }
  }
  return { net, WebSocket: NetSocket as unknown as typeof globalThis.WebSocket };
}

/** A headless widget on the real WebSocket transport. */
function visitor(url: string, WS: typeof globalThis.WebSocket, seed = 1) {
  const widget = createWidget({
    key: 'demo',
    transport: createWebSocketTransport({
      url,
      key: 'demo',
      WebSocket: WS,
      random: seededRandom(seed),
    }),
    storage: createMemoryStore(),
    ui: false,
    logger: { warn() {} },
  });
  widgets.push(widget);
  return widget;
}

const visitorMessages = (w: Widget) => w.state.messages.filter((m) => m.from == 'visitor');
const allSent = (w: Widget, n: number) =>
  visitorMessages(w).length == n && visitorMessages(w).every((m) => m.status == 'sent');
const msgFrames = (up: Frame[], cid?: string) =>
  up.filter((f) => f.t == 'msg' && (!cid || f.cid == cid));

/** The visitor's messages as the agent API shows them. */
async function stored(server: { agentToken: string }, vid: string) {
  const res = await api(server as never, 'GET', '/api/visitors/' + vid);
  expect(res.status).toBe(200);
  return (res.json.messages as Message[]).filter((m) => m.from == 'visitor');
}

/** Visitor messages of `vid` on the agents' live feed, in the order they came. */
const fed = (feed: { events: { event: string; data: string }[] }, vid: string) =>
  feed.events
    .filter((e) => e.event == 'message')
    .map((e) => JSON.parse(e.data) as { visitorId: string; message: Message })
    .filter((d) => d.visitorId == vid && d.message.from == 'visitor')
    .map((d) => d.message);

describe('delivery under faults, real server and WebSocket transport', () => {
  it('the connection drops for 60 s while the visitor sends 20 messages: after reconnect all 20 arrive once, in order, and the agent sees them in order', async () => {
    fakeClock();
    const server = await serve({ demo: false });
    const feed = await sse(server.url + '/api/events', {
      authorization: 'Bearer ' + server.agentToken,
    });
    const { net, WebSocket: WS } = await network();
    const widget = visitor(server.url, WS, 60);
    await widget.send('before');
    await until(() => allSent(widget, 1));
    const vid = widget.state.vid!;

    // The connection dies just as the server acknowledges m1: stored, but the ack is lost.
    const texts = Array.from({ length: 20 }, (_, i) => 'm' + (i + 1));
    net.lose = (f, ws) => {
      if (f.t != 'ack' || net.lost.length) return false;
      net.down = true;
      ws.terminate();
      return true;
    };
    const start = Date.now();
    await widget.send(texts[0]!);
    await until(() => net.down && widget.state.connection != 'open');
    // 60 s without a network; the other 19 messages are written meanwhile, one every 3 s.
    for (const text of texts.slice(1)) {
      for (let s = 0; s < 3; s++) {
        await vi.advanceTimersByTimeAsync(1000);
        await realSleep(2);
      }
      await widget.send(text);
    }
    await vi.advanceTimersByTimeAsync(Math.max(0, start + 60000 - Date.now()));
    expect(Date.now() - start).toBeGreaterThanOrEqual(60000);
    expect(widget.state.connection).not.toBe('open');
    expect(net.refused).toBeGreaterThanOrEqual(3);
    expect((await stored(server, vid)).map((m) => m.text)).toEqual(['before', 'm1']);
    // Waiting (m1 and what came before its ack timed out show as failed, with retry offered).
    expect(visitorMessages(widget).filter((m) => m.status == 'sent')).toHaveLength(1);

    // The network is back: the next backoff retry (capped at 30 s) reconnects.
    net.down = false;
    for (let s = 0; s < 60 && !allSent(widget, 21); s++) {
      await vi.advanceTimersByTimeAsync(1000);
      await realSleep(10);
    }
    await until(() => allSent(widget, 21));
    const back = Math.round((Date.now() - start) / 1000);

    const all = ['before', ...texts];
    const agentView = await stored(server, vid);
    expect(agentView.map((m) => m.text)).toEqual(all);
    expect(new Set(agentView.map((m) => m.cid)).size).toBe(21);
    expect(visitorMessages(widget).map((m) => m.text)).toEqual(all);
    await until(() => fed(feed, vid).length >= 21);
    expect(fed(feed, vid).map((m) => m.text)).toEqual(all);
    // The welcome after the reconnect listed m1, so it was not even sent again.
    expect(msgFrames(net.up).map((f) => f.text)).toEqual(all);
    console.log(
      `[faults] 60 s outage: ${net.refused} connection attempts refused, all 20 delivered ` +
        `${back} s after the drop, ${msgFrames(net.up).length} msg frames for 21 messages`,
    );
  });

  it('a lost acknowledgement: the silent connection is dropped and the new welcome confirms the message, stored once', async () => {
    fakeClock();
    const server = await serve({ demo: false });
    const feed = await sse(server.url + '/api/events', {
      authorization: 'Bearer ' + server.agentToken,
    });
    const { net, WebSocket: WS } = await network();
    const widget = visitor(server.url, WS, 2);
    await widget.send('before');
    await until(() => allSent(widget, 1));
    const vid = widget.state.vid!;
    const sockets = net.sockets.length;

    net.lose = (f) => f.t == 'ack' && net.lost.length == 0;
    const m = await widget.send('did you get this?');
    const seen: string[] = [];
    widget.subscribe((s) => {
      const status = s.messages.find((x) => x.cid == m.cid)?.status;
      if (status && seen.at(-1) != status) seen.push(status);
    });
    await until(() => net.lost.length == 1);
    // The server has it; the widget does not know.
    expect((await stored(server, vid)).map((x) => x.text)).toEqual(['before', m.text]);
    expect(widget.state.messages.find((x) => x.cid == m.cid)?.status).toBe('sending');
    const third = widget.send('and this?');

    // 15 s with nothing back: shown as failed, and the connection is taken for dead (a
    // stalled network looks the same): dropped and opened again; the new welcome has it.
    await vi.advanceTimersByTimeAsync(15000);
    await vi.advanceTimersByTimeAsync(1000);
    await third;
    await until(() => allSent(widget, 3));
    expect(seen).toEqual(['sending', 'failed', 'sent']);
    expect(net.sockets.length).toBe(sockets + 1);
    expect(msgFrames(net.up, m.cid)).toHaveLength(1);
    const agentView = await stored(server, vid);
    expect(agentView.map((x) => x.text)).toEqual(['before', m.text, 'and this?']);
    // The new welcome names the message the server stored the first time.
    expect(agentView[1]!.id).toBe(net.lost[0]!.id);
    expect(widget.state.messages.find((x) => x.cid == m.cid)?.id).toBe(net.lost[0]!.id);
    await until(() => fed(feed, vid).length >= 3);
    expect(fed(feed, vid).map((x) => x.text)).toEqual(['before', m.text, 'and this?']);
  });

  it('a server restart in the middle of a conversation loses nothing that was acknowledged', async () => {
    const db = join(dir, 'restart.db');
    const first = await serve({ db, demo: false });
    const { net, WebSocket: WS } = await network();
    const widget = visitor(first.url, WS, 3);
    for (let i = 1; i <= 5; i++) await widget.send('a' + i);
    await until(() => allSent(widget, 5));
    const vid = widget.state.vid!;
    await api(first, 'POST', `/api/visitors/${vid}/messages`, { text: 'Agent here' });
    await until(() => widget.state.messages.some((x) => x.text == 'Agent here'));
    // Everything the widget holds as stored by the server: acked messages, the bot's, the agent's.
    const acked = widget.state.messages.map((x) => [x.id, x.from, x.text]);
    expect(widget.state.messages.every((x) => x.from != 'visitor' || x.status == 'sent')).toBe(
      true,
    );

    // a6 leaves as the server goes down; a7 and a8 are written while it is away.
    void widget.send('a6');
    await first.close();
    await widget.send('a7');
    await widget.send('a8');
    await until(() => widget.state.connection != 'open');
    const second = await serve({ db, demo: false, port: first.port });
    await until(() => allSent(widget, 8), 10000);

    expect(widget.state.vid).toBe(vid);
    expect(net.sockets.length).toBeGreaterThan(1);
    const v = (await api(second, 'GET', '/api/visitors/' + vid)).json;
    const all = v.messages as Message[];
    const after = all.filter((x) => x.from == 'visitor');
    expect(after.map((x) => x.text)).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8']);
    expect(new Set(after.map((x) => x.cid)).size).toBe(8);
    // What was acknowledged before the restart is there, in the same order, under the same ids.
    const ids = new Set(acked.map((x) => x[0]));
    expect(all.filter((x) => ids.has(x.id)).map((x) => [x.id, x.from, x.text])).toEqual(acked);
    expect(visitorMessages(widget).map((x) => [x.id, x.text])).toEqual(
      after.map((x) => [x.id, x.text]),
    );
  });
});
