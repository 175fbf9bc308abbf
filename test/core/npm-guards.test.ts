import { afterEach, describe, expect, it, vi } from 'vitest';
import { createWidget } from '../../src/core/widget';
import type { KeyValueStore } from '../../src/core/storage';
import type { Transport } from '../../src/transport/types';
import { createMemoryTransport } from '../../src/transport/memory';
import { createSpyStore, flush, trackWidgets } from '../helpers/widget';

// What createWidget (the npm entry) does with what a developer hands it that misbehaves: their
// transport and store throw or never answer, calls come after destroy(), options are not an
// object. Nothing escapes into the page (vitest fails a test on an unhandled rejection), and
// nothing waits forever.
const make = trackWidgets(afterEach);
afterEach(() => vi.useRealTimers());

describe('a transport of your own that throws', () => {
  it('open(): warned about once, reported closed, not called again', async () => {
    let opened = 0;
    const transport: Transport = {
      open() {
        opened++;
        throw new Error('bad URL');
      },
      send: () => false,
      close() {
        throw new Error('close boom');
      },
    };
    const logger = { warn: vi.fn() };
    const widget = createWidget({
      key: 'k',
      transport,
      ui: false,
      logger,
      storage: createSpyStore(),
    });
    await widget.ready();
    await flush();
    expect(opened).toBe(1);
    expect(widget.state.connection).toBe('closed');
    expect(logger.warn.mock.calls.map((c) => c[0])).toEqual([
      "[visitor-chat] the transport's open() threw: Error: bad URL",
      // Reported closed before any answer: the server was never reached.
      '[visitor-chat] cannot reach the chat server: check that it runs and the address',
    ]);
    // close() throwing does not make destroy() throw.
    expect(() => widget.destroy()).not.toThrow();
    expect(logger.warn.mock.calls.at(-1)![0]).toBe(
      "[visitor-chat] the transport's close() threw: Error: close boom",
    );
  });

  it('send(): counts as not sent, and the message waits in the outbox', async () => {
    const inner = createMemoryTransport();
    let boom = true;
    const transport: Transport = {
      open: (l) => inner.open(l),
      send: (f, final) => {
        if (boom && f.t == 'msg') throw new Error('send boom');
        return inner.send(f, final);
      },
      close: () => inner.close(),
    };
    const { widget, warnings } = make({ transport: transport as never });
    await widget.ready();
    await flush();
    await widget.send('hello');
    await flush();
    expect(widget.state.messages.at(-1)).toMatchObject({ text: 'hello', status: 'sending' });
    expect(warnings()).toContain("[visitor-chat] the transport's send() threw: Error: send boom");
    // Sent once the connection is back.
    boom = false;
    inner.server.disconnect();
    inner.server.connect();
    await flush(20);
    expect(inner.server.received.filter((f) => f.t == 'msg')).toHaveLength(1);
    expect(widget.state.messages.at(-1)).toMatchObject({ text: 'hello', status: 'sent' });
  });
});

describe('a store of your own that fails', () => {
  it('reads that reject: the widget starts in memory, commands run, one warning', async () => {
    const storage: KeyValueStore = {
      get: () => Promise.reject(new Error('get rej')),
      set: () => Promise.resolve(),
      del: () => Promise.resolve(),
    };
    const { widget, warnings } = make({ storage });
    await widget.ready();
    await widget.run('name', 'Ada');
    expect(widget.state.profile.name).toBe('Ada');
    expect((await widget.send('hi')).text).toBe('hi');
    expect(warnings()).toEqual([
      '[visitor-chat] storage failed (get rej); keeping data in memory for this page',
    ]);
  });

  it('a read that never answers: the widget starts after 1.5 s, in memory', async () => {
    vi.useFakeTimers();
    const storage: KeyValueStore = {
      get: () => new Promise(() => {}),
      set: () => Promise.resolve(),
      del: () => Promise.resolve(),
    };
    const { widget, warnings } = make({ storage });
    let ready = false;
    void widget.ready().then(() => (ready = true));
    await vi.advanceTimersByTimeAsync(1000);
    expect(ready).toBe(false);
    await vi.advanceTimersByTimeAsync(1000);
    await flush();
    expect(ready).toBe(true);
    expect(warnings()).toEqual([
      '[visitor-chat] storage failed (timed out); keeping data in memory for this page',
    ]);
  });

  it('writes that reject or throw: warned about, never an unhandled rejection', async () => {
    const data = new Map<string, unknown>();
    let calls = 0;
    const storage: KeyValueStore = {
      get: async (key) => data.get(key),
      set: (key) => (++calls % 2 ? Promise.reject(new Error('set rej ' + key)) : Promise.resolve()),
      del() {
        throw new Error('del boom');
      },
    };
    const { widget, warnings } = make({ storage });
    await widget.ready();
    await widget.send('kept in memory');
    await widget.run('logout');
    await flush();
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toMatch(
      /^\[visitor-chat\] storage failed \(set rej \w+\); keeping data in memory for this page$/,
    );
  });
});

describe('destroy()', () => {
  it("takes the ui option's UI off the page (the function it gave back)", async () => {
    const removed = vi.fn();
    const { widget } = make({ ui: () => Promise.resolve(removed) });
    await widget.ready();
    await widget.open();
    await flush();
    expect(removed).not.toHaveBeenCalled();
    widget.destroy();
    expect(removed).toHaveBeenCalledOnce();
  });

  it('rejects what waits and every later call, and mounts nothing late', async () => {
    const ui = vi.fn(() => vi.fn());
    const { widget } = make({ ui });
    // Destroyed before it was ready: ready() and the queued command do not wait forever.
    const ready = widget.ready();
    const named = widget.run('name', 'Ada');
    widget.destroy();
    await expect(ready).rejects.toThrow('[visitor-chat] the widget was destroyed');
    await expect(named).rejects.toThrow('[visitor-chat] the widget was destroyed');
    await expect(widget.send('late')).rejects.toThrow('[visitor-chat] the widget was destroyed');
    await expect(widget.open()).rejects.toThrow('[visitor-chat] the widget was destroyed');
    await expect(widget.ready()).rejects.toThrow('[visitor-chat] the widget was destroyed');
    await expect(widget.sendFile(new File(['x'], 'x.txt'))).rejects.toThrow(
      '[visitor-chat] the widget was destroyed',
    );
    await flush();
    expect(ui).not.toHaveBeenCalled();
  });
});

describe('options that are not what the types say (plain JavaScript)', () => {
  it('no options object: warned about, a widget that runs offline', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const widget = (createWidget as (o?: unknown) => ReturnType<typeof createWidget>)();
    try {
      await widget.ready();
      expect(warn.mock.calls.map((c) => c[0])).toContain(
        '[visitor-chat] createWidget needs an options object ({ key, transport, ... }); running offline',
      );
    } finally {
      widget.destroy();
      warn.mockRestore();
    }
  });

  it('a clock that is not a function, a store without its methods: the defaults, with a warning', async () => {
    const { widget, warnings } = make({ now: 5 as never, storage: { get: 1 } as never });
    await widget.ready();
    expect(typeof widget.state.vid).toBe('string');
    expect(warnings()).toEqual(
      expect.arrayContaining([
        '[visitor-chat] option "now" must be a function returning ms; using Date.now',
        '[visitor-chat] option "storage" must have get, set and del functions; using IndexedDB',
      ]),
    );
  });
});
