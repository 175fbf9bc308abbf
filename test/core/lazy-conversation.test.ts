import { afterEach, describe, expect, it, vi } from 'vitest';
import { createChunkLoader } from '../../src/core/chunk';
import { createKernel } from '../../src/core/kernel';
import { LAYERS, installChat, type ConversationModule } from '../../src/core/widget';
import type { KeyValueStore } from '../../src/core/storage';
import { createMemoryTransport, type MemoryTransport } from '../../src/transport/memory';
import { createSpyStore, flush } from '../helpers/widget';

// The script-tag build loads the conversation layer (conversation.js: delivery, outbox, message
// frames) only when a conversation starts; until then frames and commands wait in order.

const kernels: Array<{ destroy(): void }> = [];
afterEach(() => kernels.splice(0).forEach((k) => k.destroy()));

/** The chat layer on a kernel, with the conversation layer behind a load the test controls. */
function make(
  o: { transport?: MemoryTransport; storage?: KeyValueStore; load?: () => Promise<unknown> } = {},
) {
  const transport = o.transport || createMemoryTransport();
  const storage = o.storage || createSpyStore();
  const logger = { warn: vi.fn() };
  const k = createKernel({ key: 'k', transport, storage, logger });
  kernels.push(k);
  let release: () => void = () => {};
  const held = new Promise<void>((r) => (release = r));
  const load = vi.fn(
    (o.load as () => Promise<ConversationModule>) ||
      (() => held.then(() => LAYERS.conversation as ConversationModule)),
  );
  const widget = installChat(k, undefined, undefined, ['storage', 'logger'], undefined, {
    ...LAYERS,
    conversation: load,
  });
  const frames = (t: string) => transport.server.received.filter((f) => f.t == t);
  const warnings = () => logger.warn.mock.calls.map((c) => String(c[0]).slice(15));
  return { k, widget, server: transport.server, storage, load, release, frames, warnings };
}

describe('the conversation layer, loaded when a conversation starts', () => {
  it('is not loaded for a visitor who never chats: welcome, status, typing and light commands', async () => {
    const { widget, server, load, frames } = make();
    await widget.ready();
    await flush();
    server.setOnline(false);
    server.push({ t: 'typing', on: true });
    widget.exec(['name', 'Ada']);
    widget.exec(['theme:color', '#ff0000']);
    widget.exec(['chat:close']);
    await widget.run('variables', { plan: 'pro' });
    await flush();
    expect(widget.state).toMatchObject({ agentsOnline: false, agentTyping: true, messages: [] });
    expect(widget.state.theme.color).toBe('#ff0000');
    expect(frames('id')).toEqual([expect.objectContaining({ name: 'Ada' })]);
    expect(frames('vars')).toHaveLength(1);
    expect(load).not.toHaveBeenCalled();
  });

  it('lets a listener queued behind a chat:send hear ready (it is added at once)', async () => {
    const { widget, release } = make();
    const heard: unknown[] = [];
    const sent: string[] = [];
    widget.exec(['chat:send', 'hello']);
    widget.exec(['on', 'ready', (e: unknown) => heard.push(e)]);
    widget.exec(['on', 'message_sent', (m: { text: string }) => sent.push(m.text)]);
    await widget.ready();
    release();
    await flush();
    expect(heard).toEqual([{ vid: widget.state.vid }]);
    expect(sent).toEqual(['hello']);
  });

  it('queues frames and commands that come while it loads, and handles them after, in order', async () => {
    const { widget, server, load, release, frames } = make();
    await widget.ready();
    await flush();
    server.say('first', { name: 'Eva' });
    server.push({ t: 'typing', on: true });
    await flush();
    widget.exec(['name', 'Ada']);
    widget.exec(['chat:send', 'hello']);
    const sent = widget.run('chat:send', 'second');
    server.say('third');
    await flush();
    expect(load).toHaveBeenCalledTimes(1);
    // Nothing ran ahead of the message that is waiting for the layer.
    expect(widget.state).toMatchObject({ messages: [], agentTyping: false, unread: 0 });
    expect(frames('id')).toEqual([]);
    release();
    expect(await sent).toMatchObject({ from: 'visitor', text: 'second' });
    await flush();
    // In the server's order: it stored `third` before the visitor's two reached it.
    expect(widget.state.messages.map((m) => m.text)).toEqual(['first', 'third', 'hello', 'second']);
    // `typing` after `first`: the agent is typing again; `third` then stopped it.
    expect(widget.state).toMatchObject({ agentTyping: false, unread: 2 });
    expect(server.received.filter((f) => f.t == 'id' || f.t == 'msg').map((f) => f.t)).toEqual([
      'id',
      'msg',
      'msg',
    ]);
    expect(server.messages.map((m) => m.text)).toEqual(['first', 'third', 'hello', 'second']);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('loads with a welcome that carries a conversation, then applies the welcome', async () => {
    const transport = createMemoryTransport();
    transport.server.say('from an earlier visit');
    const { widget, load, release } = make({ transport });
    await widget.ready();
    await flush();
    expect(load).toHaveBeenCalledTimes(1);
    expect(widget.state.messages).toEqual([]);
    release();
    await flush();
    expect(widget.state.messages.map((m) => m.text)).toEqual(['from an earlier visit']);
  });

  it('loads at boot when the device holds a conversation, before ready', async () => {
    const storage = createSpyStore();
    await storage.set('messages', [{ id: 's1', from: 'agent', text: 'stored', at: 1 }]);
    // No welcome: the server's (empty) list would replace the stored one.
    const transport = createMemoryTransport({ server: { welcome: false } });
    const { widget, load, release } = make({ storage, transport });
    await flush();
    expect(load).toHaveBeenCalledTimes(1);
    expect(widget.state.ready).toBe(false);
    release();
    await widget.ready();
    expect(widget.state.messages.map((m) => m.text)).toEqual(['stored']);
  });

  it('reads the stored unread count only with a conversation on the device', async () => {
    // Nothing stored: a page view reads no count (one IndexedDB transaction less).
    const empty = createSpyStore();
    const get = vi.spyOn(empty, 'get');
    const first = make({ storage: empty });
    await first.widget.ready();
    await flush();
    expect(get.mock.calls.map((c) => c[0])).not.toContain('unread');
    expect(first.widget.state.unread).toBe(0);

    const storage = createSpyStore();
    await storage.set('messages', [{ id: 's1', from: 'agent', text: 'stored', at: 1 }]);
    await storage.set('unread', 1);
    const transport = createMemoryTransport({ server: { welcome: false } });
    const { widget, release } = make({ storage, transport });
    release();
    await widget.ready();
    expect(widget.state.unread).toBe(1);
  });

  it('starts loading when the chat opens, without holding the window', async () => {
    const { widget, load } = make();
    await widget.ready();
    await widget.open();
    expect(widget.state.open).toBe(true);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('reports a chunk that fails to load and retries it: the message sent meanwhile arrives', async () => {
    const failed = vi.fn();
    let tries = 0;
    const chunk = createChunkLoader({
      base: 'https://chat.example/widget.js',
      random: () => 0,
      failed,
      import: async () => {
        if (!tries++) throw new TypeError('Failed to fetch dynamically imported module');
        return LAYERS.conversation as ConversationModule;
      },
    });
    const { widget, server, warnings } = make({
      load: () => chunk<ConversationModule>('conversation.js'),
    });
    await widget.ready();
    const sent = await widget.run('chat:send', 'still there?');
    expect(sent).toMatchObject({ text: 'still there?' });
    await flush();
    // Reported 99 ms after the failure (core/chunk.ts).
    await vi.waitFor(() => expect(failed).toHaveBeenCalledTimes(1));
    expect(failed.mock.calls[0][0]).toBe('conversation.js');
    expect(tries).toBe(2);
    expect(server.messages.map((m) => m.text)).toEqual(['still there?']);
    expect(warnings()).toEqual([]);
  });
});
