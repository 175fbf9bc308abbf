import { afterEach, describe, expect, it, vi } from 'vitest';
import { createKernel, type Kernel } from '../../src/core/kernel';
import { createWidget } from '../../src/core/widget';
import { parseChatTabMessage, parseRelayMessage, shareTransport } from '../../src/core/tabs';
import type { ConnectionStatus } from '../../src/transport/types';
import { createMemoryTransport } from '../../src/transport/memory';
import { isRecord } from '../../src/protocol';
import { createSpyStore } from '../helpers/widget';
import {
  createFakeLocks,
  createPipedChannels,
  createRecordingTransport,
  createTabWindow,
  settle,
} from '../helpers/tabs';

const closers: Array<() => void> = [];
afterEach(() => closers.splice(0).forEach((c) => c()));

let channel = 0;

/**
 * Waits for what the tab channel tells the other tabs (it can take a while on a busy machine:
 * CI runs the unit tests beside two browser legs). The file's tests get twice as long, so a
 * failure reports what was awaited rather than the test's own timeout.
 */
const eventually = <T>(check: () => T | Promise<T>) => vi.waitFor(check, { timeout: 10_000 });
vi.setConfig({ testTimeout: 20_000 });

/** Every post into this test's tab channel, heard by a listener that never speaks itself. */
function overhear() {
  const ear = new BroadcastChannel('visitor-chat:test-' + channel);
  closers.push(() => ear.close());
  const heard: unknown[] = [];
  ear.onmessage = (e) => heard.push(e.data);
  return heard;
}

/** `n` tabs of one visitor sharing a fresh channel name, each with its own real transport. */
function tabs(n: number, locks = createFakeLocks()) {
  const name = 'visitor-chat:test-' + ++channel;
  return Array.from({ length: n }, () => {
    const win = createTabWindow(locks);
    const inner = createRecordingTransport();
    const activity: number[] = [];
    const statuses: ConnectionStatus[] = [];
    const frames: unknown[] = [];
    const shared = shareTransport(inner, name, win as unknown as Window, (at) => activity.push(at));
    const tab = {
      win,
      inner,
      shared,
      activity,
      statuses,
      frames,
      open: () => shared.open({ status: (s) => statuses.push(s), frame: (f) => frames.push(f) }),
      get status() {
        return statuses.at(-1);
      },
    };
    closers.push(() => shared.close());
    return tab;
  });
}

describe('one connection per visitor across tabs', () => {
  it('only the first tab connects; the others see its status and every server frame', async () => {
    const [a, b, c] = tabs(3);
    a.open();
    await settle();
    b.open();
    c.open();
    await eventually(() =>
      expect([a.status, b.status, c.status]).toEqual(['open', 'open', 'open']),
    );
    expect([a.inner.opened, b.inner.opened, c.inner.opened]).toEqual([1, 0, 0]);
    a.inner.listener!.frame('{"t":"typing","on":true}');
    await settle();
    for (const t of [a, b, c]) expect(t.frames).toEqual(['{"t":"typing","on":true}']);
  });

  it('a lone leader posts no server frame into the channel until another tab speaks', async () => {
    const [a, b] = tabs(2);
    const heard = overhear();
    a.open();
    await settle();
    a.inner.listener!.frame('{"t":"typing","on":true}');
    await settle();
    expect(a.frames).toEqual(['{"t":"typing","on":true}']);
    expect(heard.filter((d) => isRecord(d) && d.t == 'f')).toEqual([]);
    b.open();
    // The leader has heard the new tab once it answers its question with its status.
    await eventually(() => expect(heard.some((d) => isRecord(d) && d.t == 's')).toBe(true));
    a.inner.listener!.frame('{"t":"typing","on":false}');
    await settle();
    expect(b.frames).toEqual(['{"t":"typing","on":false}']);
    expect(heard.filter((d) => isRecord(d) && d.t == 'f')).toEqual([
      { t: 'f', f: '{"t":"typing","on":false}' },
    ]);
  });

  it('a lone leader posts nothing into the channel (no question, no status); a tab that opens later hears its status', async () => {
    const [a, b] = tabs(2);
    const heard = overhear();
    a.open();
    await settle();
    a.inner.listener!.status('open');
    await settle();
    expect(a.status).toBe('open');
    expect(heard).toEqual([]);
    b.open();
    await eventually(() => expect(b.status).toBe('open'));
    a.inner.listener!.status('closed');
    await eventually(() => expect(b.status).toBe('closed'));
  });

  it("relays the other tabs' frames through the leader's connection, in order", async () => {
    const [a, b, c] = tabs(3);
    a.open();
    b.open();
    c.open();
    // The followers send only once they have heard that the leader is connected: on a busy
    // machine the channel can take longer than a fixed pause to tell them.
    await eventually(() =>
      expect([a.status, b.status, c.status]).toEqual(['open', 'open', 'open']),
    );
    expect(b.shared.send({ t: 'page', url: 'https://s.test/b', title: 'B', referrer: '' })).toBe(
      true,
    );
    expect(c.shared.send({ t: 'msg', cid: 'c1', text: 'one', at: 1 })).toBe(true);
    expect(c.shared.send({ t: 'msg', cid: 'c2', text: 'two', at: 2 }, true)).toBe(true);
    expect(a.shared.send({ t: 'read', at: 3 })).toBe(true);
    await settle();
    expect(a.inner.sent.map((s) => s.frame.t)).toEqual(['read', 'page', 'msg', 'msg']);
    expect(a.inner.sent.filter((s) => s.frame.t == 'msg').map((s) => s.final)).toEqual([
      undefined,
      true,
    ]);
    expect(b.inner.sent).toEqual([]);
    expect(c.inner.sent).toEqual([]);
  });

  it("feeds the other tabs' heartbeats into the leader's activity instead of sending them", async () => {
    const [a, b] = tabs(2);
    a.open();
    b.open();
    // Not a fixed pause: on a busy machine the follower hears the leader later.
    await eventually(() => expect(b.status).toBe('open'));
    b.shared.send({ t: 'hb', activeAt: 1234 });
    b.shared.send({ t: 'hb', activeAt: 1300, hidden: true }, true);
    await eventually(() => expect(a.activity).toEqual([1234, 1300]));
    expect(a.inner.sent).toEqual([]);
  });

  it('a follower refuses to send while the leader is not connected', async () => {
    const [a, b] = tabs(2);
    a.open();
    b.open();
    // First the follower hears the leader is connected (not a fixed pause: see `eventually`).
    await eventually(() => expect(b.status).toBe('open'));
    expect(b.shared.send({ t: 'read', at: 1 })).toBe(true);
    a.inner.listener!.status('closed');
    await eventually(() => expect(b.status).toBe('closed'));
    expect(b.shared.send({ t: 'read', at: 2 })).toBe(false);
    await settle();
    expect(a.inner.sent.map((s) => s.frame)).toEqual([{ t: 'read', at: 1 }]);
  });

  it('another tab takes over at once when the leader closes, and the rest follow it', async () => {
    const [a, b, c] = tabs(3);
    a.open();
    await settle();
    b.open();
    c.open();
    await settle();
    a.shared.close();
    await settle();
    expect(a.inner.closed).toBe(1);
    expect(b.inner.opened + c.inner.opened).toBe(1);
    const leader = b.inner.opened ? b : c;
    const follower = leader == b ? c : b;
    expect(follower.statuses.slice(-2)).toEqual(['connecting', 'open']);
    follower.shared.send({ t: 'read', at: 9 });
    await settle();
    expect(leader.inner.sent.map((s) => s.frame)).toEqual([{ t: 'read', at: 9 }]);
  });

  it('gives up the lead when the page enters the back/forward cache, and rejoins after', async () => {
    const [a, b] = tabs(2);
    a.open();
    await settle();
    b.open();
    await settle();
    a.win.fire('pagehide', { persisted: true });
    await settle();
    expect(a.status).toBe('closed');
    expect(a.inner.closed).toBe(1);
    expect(b.inner.opened).toBe(1);
    // Restored: the kernel opens the transport again; `a` now follows `b`.
    a.open();
    await settle();
    expect(a.inner.opened).toBe(1);
    expect(a.status).toBe('open');
    b.inner.listener!.frame('{"t":"blocked"}');
    await settle();
    expect(a.frames).toContain('{"t":"blocked"}');
  });

  it('a plain pagehide (no back/forward cache) keeps the lead', async () => {
    const [a, b] = tabs(2);
    a.open();
    b.open();
    await settle();
    a.win.fire('pagehide', { persisted: false });
    await settle();
    expect(a.inner.closed).toBe(0);
    expect(b.inner.opened).toBe(0);
  });

  it('leaves no listener on the window once closed, however often it opened (an app that mounts the widget per route)', async () => {
    const [a] = tabs(1);
    const left = new Set<unknown>();
    vi.spyOn(a.win, 'addEventListener').mockImplementation((_type, fn) => void left.add(fn));
    vi.spyOn(a.win, 'removeEventListener').mockImplementation((_type, fn) => void left.delete(fn));
    for (let i = 0; i < 3; i++) {
      a.open();
      await settle();
      expect(left.size).toBe(1);
      a.shared.close();
      await settle();
      // Each kept the relay, its transport and the tab channel alive.
      expect(left.size).toBe(0);
    }
  });

  it('without Web Locks every tab keeps its own connection (the fallback)', () => {
    const inner = createRecordingTransport();
    const win = createTabWindow(null);
    expect(shareTransport(inner, 'x', win as unknown as Window, () => {})).toBe(inner);
    expect(shareTransport(inner, 'x', undefined, () => {})).toBe(inner);
  });

  it("asks for the lock with options of its own only (a polluted Object.prototype.steal can't reach the lock manager)", async () => {
    const seen: unknown[] = [];
    const locks = createFakeLocks();
    const request = locks.request.bind(locks);
    locks.request = ((name: string, a: never, b: never) => {
      if (typeof a == 'object') seen.push((a as { steal?: unknown }).steal);
      return request(name, a, b);
    }) as typeof locks.request;
    const proto = Object.prototype as { steal?: boolean };
    proto.steal = true;
    try {
      const t = shareTransport(
        createRecordingTransport(),
        'visitor-chat:steal-' + ++channel,
        createTabWindow(locks) as never,
        () => {},
      );
      closers.push(() => t.close());
      t.open({ status: () => {}, frame: () => {} });
    } finally {
      delete proto.steal;
    }
    expect(seen).toEqual([undefined]);
  });

  it('connects on its own when the lock manager refuses (an opaque origin)', async () => {
    const inner = createRecordingTransport();
    const win = createTabWindow({
      requests: [],
      request: () => Promise.reject(new DOMException('opaque origin', 'SecurityError')),
    } as unknown as ReturnType<typeof createFakeLocks>);
    const statuses: string[] = [];
    const t = shareTransport(inner, 'visitor-chat:opaque-' + ++channel, win as never, () => {});
    closers.push(() => t.close());
    t.open({ status: (s) => statuses.push(s), frame: () => {} });
    await settle();
    expect(inner.opened).toBe(1);
    expect(statuses.at(-1)).toBe('open');
  });
});

describe('kernels in three tabs', () => {
  /** Three kernels of one browser: one store, one lock manager, each its own transport. */
  async function browserTabs(n = 3) {
    const locks = createFakeLocks();
    const storage = createSpyStore();
    const made: Array<{ k: Kernel; transport: ReturnType<typeof createMemoryTransport> }> = [];
    for (let i = 0; i < n; i++) {
      const transport = createMemoryTransport();
      const k = createKernel({
        key: 'tabs-key',
        transport,
        storage,
        window: createTabWindow(locks) as unknown as Window,
        logger: { warn: vi.fn() },
      });
      closers.push(() => k.destroy());
      made.push({ k, transport });
    }
    await Promise.all(made.map((m) => m.k.booted));
    await settle(50);
    return { made, locks };
  }

  it('share one visitor id even on a first visit opened in three tabs at once', async () => {
    const { made, locks } = await browserTabs();
    const vids = new Set(made.map((m) => m.k.state.vid));
    expect(vids.size).toBe(1);
    expect(locks.requests.filter((r) => r == 'visitor-chat:id')).toHaveLength(3);
  });

  it('open one connection: every hello goes through the leader, every tab is welcomed', async () => {
    const { made } = await browserTabs();
    const used = made.filter((m) => m.transport.server.received.length > 0);
    expect(used).toHaveLength(1);
    const hellos = used[0].transport.server.received.filter((f) => f.t == 'hello');
    expect(hellos).toHaveLength(3);
    for (const { k } of made) {
      expect(k.state.connection).toBe('open');
      expect(k.welcomed).toBe(true);
    }
    // The blocked state reaches every tab through the one connection.
    used[0].transport.server.block();
    await settle();
    for (const { k } of made) expect(k.state.blocked).toBe(true);
  });
});

describe('the chat layer mirrored across tabs', () => {
  async function twoWidgets() {
    const locks = createFakeLocks();
    const storage = createSpyStore();
    const made = [0, 1].map(() => {
      const transport = createMemoryTransport();
      const widget = createWidget({
        key: 'tabs-chat',
        ui: false,
        transport,
        storage,
        window: createTabWindow(locks) as unknown as Window,
        logger: { warn: vi.fn() },
      });
      closers.push(() => widget.destroy());
      return { widget, transport };
    });
    await Promise.all(made.map((m) => m.widget.ready()));
    await settle(50);
    const leader = made.find((m) => m.transport.server.received.length)!;
    const server = leader.transport.server;
    const follower = made.find((m) => m != leader)!;
    return {
      a: made[0].widget,
      b: made[1].widget,
      server,
      leader: leader.widget,
      follower: follower.widget,
      followerServer: follower.transport.server,
    };
  }

  const shown = (w: { state: { messages: Array<{ text: string; status?: string }> } }) =>
    w.state.messages.map((x) => [x.text, x.status]);

  it('messages two tabs wrote while offline show in both once the connection is back', async () => {
    const { leader, follower, server } = await twoWidgets();
    server.disconnect();
    await settle();
    await follower.send('from the follower');
    await settle();
    await leader.send('from the leader');
    await settle();
    server.connect();
    await settle(100);
    expect(server.messages.map((x) => x.text).sort()).toEqual([
      'from the follower',
      'from the leader',
    ]);
    // Each tab kept the other's message through the reconnect's welcome (it dropped it before).
    for (const w of [leader, follower])
      expect(shown(w).sort()).toEqual([
        ['from the follower', 'sent'],
        ['from the leader', 'sent'],
      ]);
  });

  it('messages two tabs wrote while offline reach the server in the order they were written', async () => {
    const { leader, follower, server } = await twoWidgets();
    server.disconnect();
    await settle();
    // The follower writes first, the leader second: the leader's connection must not send its
    // own message ahead of the older one it reads from the stored outbox.
    await follower.send('first, in the follower');
    await settle();
    await leader.send('second, in the leader');
    await settle();
    server.connect();
    await settle(100);
    expect(server.messages.map((x) => x.text)).toEqual([
      'first, in the follower',
      'second, in the leader',
    ]);
    for (const w of [leader, follower])
      expect(shown(w)).toEqual([
        ['first, in the follower', 'sent'],
        ['second, in the leader', 'sent'],
      ]);
  });

  it('a message the leading tab could not send goes out from the tab that takes over', async () => {
    const { leader, follower, server, followerServer } = await twoWidgets();
    server.disconnect();
    await settle();
    await leader.send('typed offline, then the tab closed');
    await settle(50);
    expect(shown(follower)).toEqual([['typed offline, then the tab closed', 'sending']]);
    leader.destroy();
    await settle(100);
    // Only the closed tab's stored outbox had it: the new leader sends it, and shows it sent.
    expect(followerServer.messages.map((x) => x.text)).toEqual([
      'typed offline, then the tab closed',
    ]);
    expect(shown(follower)).toEqual([['typed offline, then the tab closed', 'sent']]);
  });

  it('opening and closing the window in one tab does the same in the other', async () => {
    const { a, b } = await twoWidgets();
    await a.open();
    await settle();
    expect(b.state.open).toBe(true);
    await b.close();
    await settle();
    expect(a.state.open).toBe(false);
  });

  it('an agent message counts unread in both tabs; reading it in one clears both', async () => {
    const { a, b, server } = await twoWidgets();
    server.say('Hi there');
    await settle();
    expect([a.state.unread, b.state.unread]).toEqual([1, 1]);
    a.markRead();
    await settle();
    expect([a.state.unread, b.state.unread]).toEqual([0, 0]);
  });

  it('a message sent in one tab shows in the other, then sent once the server acks it', async () => {
    const { a, b, server } = await twoWidgets();
    const m = await b.send('from tab b');
    await settle();
    expect(server.messages.filter((x) => x.from == 'visitor').map((x) => x.text)).toEqual([
      'from tab b',
    ]);
    for (const w of [a, b])
      expect(w.state.messages.map((x) => [x.cid, x.text, x.status])).toEqual([
        [m.cid, 'from tab b', 'sent'],
      ]);
  });
});

describe('one channel for the relay and the mirror', () => {
  /**
   * Three widgets of one visitor whose channel objects deliver with the given latencies (in the
   * order each tab creates them): with a channel for the relay and another for the mirror, a
   * tab could hear the server's ack of a message before the message itself.
   */
  async function threeWidgets(delays: number[]) {
    const locks = createFakeLocks();
    const storage = createSpyStore();
    const channels = createPipedChannels();
    const made = [0, 1, 2].map(() => {
      const transport = createMemoryTransport();
      const widget = createWidget({
        key: 'tabs-order',
        ui: false,
        transport,
        storage,
        window: createTabWindow(locks, channels.tab(delays)) as unknown as Window,
        logger: { warn: vi.fn() },
      });
      closers.push(() => widget.destroy());
      return { widget, transport };
    });
    await Promise.all(made.map((m) => m.widget.ready()));
    const leader = await eventually(() => {
      for (const { widget } of made) expect(widget.state.connection).toBe('open');
      const i = made.findIndex((m) => m.transport.server.received.length);
      expect(made[i].transport.server.received.filter((f) => f.t == 'hello')).toHaveLength(3);
      return i;
    });
    // The welcomes answering those hellos are relayed (a macrotask later) before anything the
    // test sends: a welcome the server wrote before a message replaces the list it arrives at.
    await settle(0);
    return { widgets: made.map((m) => m.widget), leader };
  }

  // With a channel for the relay and another for the mirror, the first pair let the server's ack
  // overtake the message (a tab could not mark it sent), the second the message overtake a
  // welcome written before it (which then replaced the list without it).
  for (const delays of [
    [0, 40],
    [40, 0],
  ])
    it(`every tab shows another tab's message as sent, whichever pipe is slower (${delays})`, async () => {
      const { widgets, leader } = await threeWidgets(delays);
      // Sent by a tab that does not lead: the leader and the third tab hear of it from it.
      const sender = widgets[(leader + 1) % 3];
      const m = await sender.send('in order');
      await eventually(() => {
        for (const w of widgets)
          expect(w.state.messages.map((x) => [x.cid, x.status])).toEqual([[m.cid, 'sent']]);
      });
    });
});

describe('what another script posts to the tab channel', () => {
  it('reads only well-formed tab messages', () => {
    const read = (d: unknown) =>
      isRecord(d) ? (parseRelayMessage(d) ?? parseChatTabMessage(d)) : undefined;
    for (const good of [
      { t: 'q' },
      { t: 'r' },
      { t: 's', s: 'open' },
      { t: 'f', f: '{"t":"typing","on":true}' },
      { t: 'o', o: { t: 'read', at: 1 } },
      { t: 'o', o: { t: 'hb', activeAt: 5 }, x: true },
      { t: 'w', open: false },
      { t: 'm', m: { id: 'a' } },
    ])
      expect(read(good)).toBe(good);
    // Each reader reads its own kinds only.
    expect(parseRelayMessage({ t: 'w', open: true })).toBeUndefined();
    expect(parseChatTabMessage({ t: 's', s: 'open' })).toBeUndefined();
    for (const bad of [
      null,
      'q',
      [{ t: 'q' }],
      {},
      { t: 'x' },
      { t: 's', s: 'hacked' },
      { t: 'f' },
      { t: 'm' },
      { t: 'o', o: 'hb' },
      { t: 'o', o: { at: 1 } },
      { t: 'o', o: { t: 'hb', activeAt: Number.NaN } },
      { t: 'o', o: { t: 'read', at: 1 }, x: 'yes' },
      { t: 'w', open: 'yes' },
    ])
      expect(read(bad)).toBeUndefined();
  });

  it('is ignored: it changes nothing and throws nothing', async () => {
    const locks = createFakeLocks();
    const transport = createMemoryTransport();
    const warn = vi.fn();
    const widget = createWidget({
      key: 'tabs-hostile',
      ui: false,
      transport,
      storage: createSpyStore(),
      window: createTabWindow(locks) as unknown as Window,
      logger: { warn },
    });
    closers.push(() => widget.destroy());
    const { vid } = await widget.ready();
    await eventually(() => expect(widget.state.connection).toBe('open'));
    const before = widget.state;
    const sentBefore = transport.server.received.length;
    const other = new BroadcastChannel('visitor-chat:' + vid);
    closers.push(() => other.close());
    for (const junk of [
      null,
      'q',
      { t: 's', s: 'stopped!' },
      { t: 'w', open: 'yes' },
      { t: 'o', o: { t: 'hb', activeAt: 'now' } },
      // Passes the envelope check; the chat layer refuses it (parseMessage).
      { t: 'm', m: { id: 'x', cid: 'x', from: 'agent', text: 'spoofed', at: 1 } },
    ])
      other.postMessage(junk);
    // A message after the junk, so the test knows the junk has been delivered.
    other.postMessage({ t: 'w', open: true });
    await eventually(() => expect(widget.state.open).toBe(true));
    expect(widget.state).toMatchObject({
      connection: before.connection,
      messages: before.messages,
      unread: 0,
    });
    expect(transport.server.received.length).toBe(sentBefore);
    expect(warn).not.toHaveBeenCalled();
  });
});
