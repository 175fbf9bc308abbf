import { afterEach, describe, expect, it, vi } from 'vitest';
import { createKernel } from '../../src/core/kernel';
import { createMemoryStore, type KeyValueStore } from '../../src/core/storage';
import { LAYERS, installChat } from '../../src/core/widget';
import { createMemoryTransport } from '../../src/transport/memory';
import { createSpyStore, flush } from '../helpers/widget';

const kernels: Array<{ destroy(): void }> = [];
afterEach(() => kernels.splice(0).forEach((k) => k.destroy()));

function make(needChat?: () => void) {
  const transport = createMemoryTransport();
  const logger = { warn: vi.fn() };
  const k = createKernel({ key: 'k', transport, storage: createSpyStore(), logger }, needChat);
  kernels.push(k);
  return { k, server: transport.server, logger };
}

describe('presence kernel (before the chat layer loads)', () => {
  it('connects and says hello with the page; the chat layer reports navigations made meanwhile', async () => {
    history.pushState({}, '', '/kernel-start');
    const { k, server } = make();
    await k.booted;
    await flush();
    expect(server.received[0]).toMatchObject({ t: 'hello', key: 'k', vid: k.state.vid });
    expect((server.received[0] as { page: { url: string } }).page.url).toMatch(/\/kernel-start$/);
    expect(k.state).toMatchObject({ connection: 'open', ready: false });
    // A single-page-app navigation before the chat layer is there: nothing is sent yet...
    history.pushState({}, '', '/kernel-page');
    await flush();
    expect(server.received.filter((f) => f.t == 'page')).toEqual([]);
    // ...and exactly one page view once it installs, with the previous page as referrer.
    const widget = installChat(k, undefined, undefined, undefined, undefined, LAYERS);
    await widget.ready();
    await flush();
    const pages = server.received.filter((f) => f.t == 'page') as Array<{
      url: string;
      referrer: string;
    }>;
    expect(pages).toHaveLength(1);
    expect(pages[0].url).toMatch(/\/kernel-page$/);
    expect(pages[0].referrer).toMatch(/\/kernel-start$/);
    history.pushState({}, '', '/kernel-next');
    await flush();
    expect(server.received.filter((f) => f.t == 'page')).toHaveLength(2);
    expect(k.page.url).toMatch(/\/kernel-next$/);
  });

  it("leaves the chat layer's config keys to it: checked and warned about when it installs", async () => {
    const logger = { warn: vi.fn() };
    const config = {
      key: 'k',
      zIndex: 'top',
      offsetX: 40,
      // A hand-written snippet's numbers as strings are the numbers they say.
      offsetY: '30px',
      heartbeatMs: 5,
      bogus: 1,
    };
    const k = createKernel({ ...(config as object), key: 'k', storage: createSpyStore(), logger });
    kernels.push(k);
    const warned = () => logger.warn.mock.calls.map((c) => String(c[0]).slice(15));
    // The kernel checks only what it reads itself.
    expect(warned()).toEqual([
      'config "heartbeatMs" must be a number of ms, at least 1000; using the default',
    ]);
    expect(k.config.zIndex).toBeUndefined();
    installChat(k, undefined, undefined, ['storage', 'logger'], undefined, LAYERS);
    expect(k.config).toMatchObject({
      zIndex: 10000000,
      offsetX: 40,
      offsetY: 30,
      orientation: 'right',
      heartbeatMs: 30000,
    });
    expect(k.state.config).toBe(k.config);
    expect(warned().slice(1)).toEqual([
      'config "zIndex" must be a number; using the default',
      'ignoring unknown config keys: bogus',
      // No transport and no server: said, not left to be found out.
      'no chat server set (_smartsupp.server, or widget.js?server=...); running offline',
    ]);
  });

  it("takes the position keys' numbers written as strings, and warns about what is no number", () => {
    const cases: [unknown, number | undefined][] = [
      ['20', 20],
      ['12.5px', 12.5],
      ['-4', -4],
      [0, 0],
      ['20em', undefined],
      ['', undefined],
      [' 20', undefined],
      [['20'], undefined],
      [Number.NaN, undefined],
    ];
    for (const [value, want] of cases) {
      const logger = { warn: vi.fn() };
      const k = createKernel({
        key: 'k',
        offsetX: value as number,
        storage: createSpyStore(),
        logger,
      });
      kernels.push(k);
      installChat(k, undefined, undefined, ['storage', 'logger'], undefined, LAYERS);
      const said = logger.warn.mock.calls.map((c) => String(c[0]));
      expect([k.config.offsetX, said.some((m) => m.includes('"offsetX"'))], String(value)).toEqual([
        want ?? 12,
        want === undefined,
      ]);
    }
  });

  it('applies the blocked state without the chat layer', async () => {
    const { k, server } = make();
    await k.booted;
    await flush();
    server.block();
    await flush();
    expect(k.state.blocked).toBe(true);
    // What follows from it (the widget hidden) is derived once the chat layer is there.
    const widget = installChat(k, undefined, undefined, undefined, undefined, LAYERS);
    await widget.ready();
    expect(k.state).toMatchObject({ blocked: true, visible: false });
  });

  it('asks for the chat layer when a message arrives, then hands it the frames in order', async () => {
    const needChat = vi.fn();
    const { k, server } = make(needChat);
    await k.booted;
    await flush();
    server.say('first');
    server.say('second');
    await flush();
    expect(needChat).toHaveBeenCalled();
    // The kernel keeps no conversation: the frames wait for the chat layer.
    expect('messages' in k.state).toBe(false);
    const widget = installChat(k, undefined, undefined, undefined, undefined, LAYERS);
    await widget.ready();
    expect(widget.state.messages.map((m) => m.text)).toEqual(['first', 'second']);
    expect(widget.state.unread).toBe(2);
  });

  it('queued visitor messages are delivered once the chat layer is installed late', async () => {
    const { k, server } = make();
    await k.booted;
    await flush();
    const widget = installChat(k, undefined, undefined, undefined, undefined, LAYERS);
    widget.exec(['chat:send', 'hello late']);
    await widget.ready();
    await flush();
    expect(server.messages.map((m) => m.text)).toEqual(['hello late']);
  });
});

describe("the script tag's link to its server", () => {
  it('checks the config transport, then connects through the link; one still loading opens when it comes', async () => {
    const transport = createMemoryTransport();
    const logger = { warn: vi.fn() };
    let arrive!: (t: typeof transport) => void;
    const link = new Promise<typeof transport>((ok) => (arrive = ok));
    const k = createKernel(
      { key: 'k', transport: 'pigeon' as 'http', storage: createSpyStore(), logger },
      undefined,
      link,
    );
    kernels.push(k);
    expect(logger.warn.mock.calls.map((c) => c[0])).toEqual([
      `[visitor-chat] config "transport" must be 'websocket', 'http' or a transport object; using the default`,
    ]);
    await flush();
    // Booted as far as it can: the visitor has an id, nothing is connected yet.
    expect(k.state.vid).toEqual(expect.any(String));
    expect(k.state.connection).not.toBe('open');
    arrive(transport);
    await k.booted;
    await flush();
    expect(k.state.connection).toBe('open');
    expect(transport.server.received[0]).toMatchObject({ t: 'hello', vid: k.state.vid });
  });

  it('never opens a link that arrives after the kernel was destroyed', async () => {
    const transport = createMemoryTransport();
    const open = vi.spyOn(transport, 'open');
    let arrive!: (t: typeof transport) => void;
    const link = new Promise<typeof transport>((ok) => (arrive = ok));
    const k = createKernel({ key: 'k', storage: createSpyStore() }, undefined, link);
    await flush();
    k.destroy();
    arrive(transport);
    await k.booted;
    await flush();
    expect(open).not.toHaveBeenCalled();
  });
});

describe('visitor id reassigned by the server', () => {
  it('adopts the id and token of a welcome that names another visitor, and keeps them', async () => {
    const transport = createMemoryTransport({ server: { welcome: false } });
    const storage = createSpyStore();
    const k = createKernel({ key: 'k', transport, storage, logger: { warn: vi.fn() } });
    kernels.push(k);
    await k.booted;
    await flush();
    const old = k.state.vid;
    transport.server.push({ t: 'welcome', v: 1, vid: 'server-given-id-0001', token: 'tok' });
    await flush();
    expect(k.state.vid).toBe('server-given-id-0001');
    expect(old).not.toBe('server-given-id-0001');
    expect(storage.data.get('identity')).toMatchObject({
      vid: 'server-given-id-0001',
      token: 'tok',
    });
  });
});

/** A memory store whose writes wait until `release()` (a slow IndexedDB on a busy machine). */
function slowStore() {
  const inner = createMemoryStore();
  const waiting: (() => void)[] = [];
  let holding = false;
  const store: KeyValueStore = {
    get: (key) => inner.get(key),
    del: (key) => inner.del(key),
    async set(key, value) {
      if (holding) await new Promise<void>((r) => waiting.push(r));
      await inner.set(key, value);
    },
  };
  return {
    store,
    inner,
    hold: () => void (holding = true),
    async release() {
      holding = false;
      while (waiting.length) {
        waiting.shift()!();
        await flush();
      }
    },
  };
}

/** A new visitor's kernel whose first welcome (token `tok`) came while store writes wait. */
async function welcomedWhileWritesWait() {
  const slow = slowStore();
  const transport = createMemoryTransport({ server: { welcome: false } });
  const k = createKernel({ key: 'k', transport, storage: slow.store, logger: { warn: vi.fn() } });
  kernels.push(k);
  await k.booted;
  await flush();
  const vid = k.state.vid!;
  slow.hold();
  transport.server.push({ t: 'welcome', v: 1, vid, token: 'tok' });
  await flush();
  return { slow, transport, vid };
}

describe('the visitor token', () => {
  it('keeps the token of a welcome when the visitor is active while the token is being saved', async () => {
    const { slow, transport, vid } = await welcomedWhileWritesWait();
    // Activity before the token is written: the heartbeat goes out and touches the identity.
    window.dispatchEvent(new Event('pointerdown'));
    await flush();
    expect(transport.server.received.filter((f) => f.t == 'hb')).toHaveLength(1);
    await slow.release();
    // The next connection says hello as the same visitor, with its token, and so does a reload.
    transport.server.disconnect();
    transport.server.connect();
    await flush();
    const hellos = transport.server.received.filter((f) => f.t == 'hello');
    expect(hellos).toHaveLength(2);
    expect(hellos[1]).toMatchObject({ vid, token: 'tok' });
    expect(await slow.inner.get('identity')).toMatchObject({ vid, token: 'tok' });
  });

  it('says hello with the token on a reconnect that comes before the token is written', async () => {
    const { slow, transport, vid } = await welcomedWhileWritesWait();
    transport.server.disconnect();
    transport.server.connect();
    await flush();
    expect(transport.server.received.filter((f) => f.t == 'hello')[1]).toMatchObject({
      vid,
      token: 'tok',
    });
    await slow.release();
  });
});

describe('state subscribers', () => {
  it('every subscriber sees the newest state when an earlier one changes it', async () => {
    const { k } = make();
    await k.booted;
    const seen: number[] = [];
    k.subscribers.add((s) => {
      if (s.unread == 1) k.set({ unread: 0 });
    });
    k.subscribers.add((s) => seen.push(s.unread));
    k.set({ unread: 1 });
    expect(seen.at(-1)).toBe(0);
    expect(k.state.unread).toBe(0);
  });
});
