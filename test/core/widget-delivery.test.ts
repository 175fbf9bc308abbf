import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryTransport, type MemoryTransport } from '../../src/transport/memory';
import { createSpyStore, flush, trackWidgets } from '../helpers/widget';

// Delivery end to end (core/delivery.ts through the widget and the memory transport);
// test/core/delivery.test.ts covers the state machine alone on a fake kernel.
const make = trackWidgets(afterEach);
afterEach(() => {
  vi.useRealTimers();
});

describe('delivery', () => {
  it('says hello on connect and flushes the outbox after welcome', async () => {
    const { widget, frames } = make();
    widget.exec(['chat:send', 'first']);
    await widget.ready();
    await flush();
    const sent = frames().map((f) => f.t);
    expect(sent[0]).toBe('hello');
    expect(sent.indexOf('msg')).toBeGreaterThan(0);
    expect(widget.state.messages.map((m) => [m.text, m.status])).toEqual([['first', 'sent']]);
  });

  it('resends a message lost in flight after the reconnect', async () => {
    const { widget, server, frames } = make();
    await widget.ready();
    await flush();
    const sending = widget.send('in flight');
    server.disconnect();
    await sending;
    await flush();
    expect(widget.state.connection).toBe('closed');
    expect(widget.state.messages[0].status).toBe('sending');
    expect(server.messages).toEqual([]);
    server.connect();
    await flush();
    expect(frames('msg').map((f) => (f as { text: string }).text)).toEqual(['in flight']);
    expect(server.messages.map((m) => m.text)).toEqual(['in flight']);
    expect(widget.state.messages.map((m) => m.status)).toEqual(['sent']);
  });

  it('counts a message the server already has as delivered after a reconnect (lost ack)', async () => {
    const { widget, server, frames } = make();
    await widget.ready();
    await flush();
    server.options.ack = false;
    await widget.send('lost ack');
    await flush();
    expect(widget.state.messages[0].status).toBe('sending');
    server.disconnect();
    await flush();
    server.connect();
    await flush();
    expect(frames('msg')).toHaveLength(1);
    expect(widget.state.messages.map((m) => [m.text, m.status])).toEqual([['lost ack', 'sent']]);
  });

  it('queues messages sent while offline and delivers them in order', async () => {
    const { widget, server } = make();
    await widget.ready();
    await flush();
    server.disconnect();
    await flush();
    for (let i = 1; i <= 5; i++) await widget.send('m' + i);
    expect(server.messages).toEqual([]);
    server.connect();
    await flush();
    expect(server.messages.map((m) => m.text)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
  });

  it('keeps unacknowledged messages across a reload', async () => {
    const storage = createSpyStore();
    const first = make({ storage });
    await first.widget.ready();
    await flush();
    first.server.disconnect();
    await first.widget.send('survives');
    await flush();
    first.widget.destroy();

    const second = make({ storage });
    await second.widget.ready();
    await flush();
    expect(second.widget.state.vid).toBe(first.widget.state.vid);
    expect(second.server.messages.map((m) => m.text)).toEqual(['survives']);
    expect(second.widget.state.messages.map((m) => [m.text, m.status])).toEqual([
      ['survives', 'sent'],
    ]);
  });

  it('marks a message failed when no ack comes in time, and retry resends it', async () => {
    vi.useFakeTimers();
    const { widget, server, frames } = make();
    await widget.ready();
    await flush();
    server.options.ack = false;
    const m = await widget.send('slow');
    await vi.advanceTimersByTimeAsync(15000);
    expect(widget.state.messages[0].status).toBe('failed');
    // The timeout resent it too (unacknowledged again here).
    expect(frames('msg')).toHaveLength(2);
    server.options.ack = true;
    widget.retry(m.cid!);
    await flush();
    expect(widget.state.messages[0].status).toBe('sent');
    expect(frames('msg')).toHaveLength(3);
    expect(server.messages.filter((x) => x.from == 'visitor')).toHaveLength(1);
  });

  it('receives agent messages, counts unread and clears it when opened', async () => {
    const { widget, server } = make();
    const received: string[] = [];
    const unread: number[] = [];
    widget.on('message_received', (m) => received.push(m.text));
    widget.on('unread', (n) => unread.push(n));
    await widget.ready();
    await flush();
    server.say('Hello, how can I help?', { name: 'Eva' });
    server.say('Still there?');
    await flush();
    expect(received).toEqual(['Hello, how can I help?', 'Still there?']);
    expect(widget.state.unread).toBe(2);
    expect(widget.state.autoMessage).toMatchObject({ text: 'Hello, how can I help?', name: 'Eva' });
    await widget.open();
    expect(widget.state.unread).toBe(0);
    expect(unread).toEqual([1, 2, 0]);
  });

  it('keeps the unread count across a reload until the chat is opened', async () => {
    const storage = createSpyStore();
    const first = make({ storage });
    await first.widget.ready();
    await flush();
    first.server.say('Your order has shipped.', { name: 'Eva' });
    first.server.say('Anything else?', { name: 'Eva' });
    await flush();
    expect(first.widget.state.unread).toBe(2);
    first.widget.destroy();

    // The next page: the badge comes back, and the page hears the count (not written again).
    const writes = storage.writes.length;
    const second = make({ storage });
    const unread: number[] = [];
    second.widget.on('unread', (n) => unread.push(n));
    await second.widget.ready();
    await flush();
    expect(second.widget.state.unread).toBe(2);
    expect(unread).toEqual([2]);
    expect(storage.writes.slice(writes)).not.toContain('unread');
    await second.widget.open();
    await flush();
    second.widget.destroy();

    const third = make({ storage });
    await third.widget.ready();
    await flush();
    expect(third.widget.state.unread).toBe(0);
  });

  it('ignores a stored unread count that is not a whole positive number', async () => {
    for (const bad of ['3', -1, 1.5, NaN, { n: 1 }, null]) {
      const storage = createSpyStore();
      await storage.set('unread', bad);
      const { widget } = make({ storage });
      await widget.ready();
      await flush();
      expect(widget.state.unread, String(bad)).toBe(0);
      widget.destroy();
    }
  });

  // What agents write while no page of the visitor is connected comes in the next welcome:
  // it must count as arrived (badge, preview, event), and what the device saw must not.
  describe('messages written while the visitor was not connected', () => {
    /** A page of the visitor: a widget on the shared store and server, and what it heard. */
    function page(storage: ReturnType<typeof createSpyStore>, transport: MemoryTransport) {
      const p = make({ storage, transport });
      const received: string[] = [];
      p.widget.on('message_received', (m) => received.push(m.text));
      return { ...p, received };
    }

    it('counts an agent reply written between two pages, once', async () => {
      const storage = createSpyStore();
      const transport = createMemoryTransport();
      const first = page(storage, transport);
      await first.widget.ready();
      await flush();
      await first.widget.send('Do you ship to Norway?');
      await flush();
      first.widget.destroy();
      // The visitor is on their way to the next page when the agent answers.
      transport.server.say('Yes, in 3 days.', { name: 'Eva' });

      const second = page(storage, transport);
      await second.widget.ready();
      await flush();
      expect(second.widget.state.messages.map((m) => m.text)).toEqual([
        'Do you ship to Norway?',
        'Yes, in 3 days.',
      ]);
      expect(second.received).toEqual(['Yes, in 3 days.']);
      expect(second.widget.state.unread).toBe(1);
      // The conversation was under way: no preview bubble, as for a live reply.
      expect(second.widget.state.autoMessage).toBeNull();
      second.widget.destroy();

      // The page after that has seen it: the badge stays, nothing arrives twice.
      const third = page(storage, transport);
      await third.widget.ready();
      await flush();
      expect(third.received).toEqual([]);
      expect(third.widget.state.unread).toBe(1);
    });

    it("shows an agent's first message written between two pages as a preview", async () => {
      const storage = createSpyStore();
      const transport = createMemoryTransport();
      const first = page(storage, transport);
      await first.widget.ready();
      await flush();
      first.widget.destroy();
      transport.server.say('Hi! Can I help you find a size?', { name: 'Eva' });

      const second = page(storage, transport);
      await second.widget.ready();
      await flush();
      expect(second.received).toEqual(['Hi! Can I help you find a size?']);
      expect(second.widget.state.unread).toBe(1);
      expect(second.widget.state.autoMessage).toMatchObject({
        text: 'Hi! Can I help you find a size?',
        name: 'Eva',
      });
    });

    it('counts what was written while the connection was down, on the same page', async () => {
      const { widget, server, received } = page(createSpyStore(), createMemoryTransport());
      await widget.ready();
      await flush();
      server.say('Are you still there?');
      await flush();
      server.disconnect();
      await flush();
      server.say('I will be here if you need me.');
      server.connect();
      await flush();
      expect(received).toEqual(['Are you still there?', 'I will be here if you need me.']);
      expect(widget.state.unread).toBe(2);
    });

    it('does not count history from before this device first saw the visitor', async () => {
      // As on a second sub-domain that takes the visitor id from the shared cookie: the server
      // has the conversation, this device has never shown it.
      const transport = createMemoryTransport();
      const old = transport.server.say('Welcome back!');
      old.at = Date.now() - 60_000;
      const { widget, received } = page(createSpyStore(), transport);
      await widget.ready();
      await flush();
      expect(widget.state.messages.map((m) => m.text)).toEqual(['Welcome back!']);
      expect(received).toEqual([]);
      expect(widget.state.unread).toBe(0);
      expect(widget.state.autoMessage).toBeNull();
    });
  });

  it('de-duplicates a message delivered twice', async () => {
    const { widget, server } = make();
    await widget.ready();
    await flush();
    const frame = { t: 'msg', m: { id: 'a1', from: 'agent', text: 'once', at: 1 } };
    server.push(frame);
    server.push(frame);
    await flush();
    expect(widget.state.messages.filter((m) => m.id == 'a1')).toHaveLength(1);
    expect(widget.state.unread).toBe(1);
  });

  it('ignores invalid server frames with a warning and changes nothing', async () => {
    const { widget, server, warnings } = make();
    await widget.ready();
    await flush();
    const before = widget.state;
    server.push('not json');
    server.push({ t: 'msg', m: { id: 'x', from: 'hacker', text: 'hi', at: 1 } });
    server.push({ t: 'nope' });
    server.push({ t: 'ack', cid: 5 });
    await flush();
    expect(widget.state).toBe(before);
    expect(warnings().filter((w) => w.includes('ignored a server frame'))).toHaveLength(4);
  });

  it('restores the conversation from welcome', async () => {
    const transport = createMemoryTransport();
    transport.server.say('Earlier agent line');
    const { widget } = make({ transport });
    await widget.ready();
    await flush();
    expect(widget.state.messages.map((m) => m.text)).toEqual(['Earlier agent line']);
  });

  it('sends a quick reply as the visitor message', async () => {
    const { widget, server } = make();
    await widget.ready();
    await flush();
    const m = server.say('Pick one', {
      from: 'bot',
      replies: [{ label: 'Pricing', value: 'pricing' }],
    });
    await flush();
    await widget.pickQuickReply(m.id, 'pricing');
    await flush();
    expect(server.messages.at(-1)).toMatchObject({ from: 'visitor', text: 'pricing' });
    await expect(widget.pickQuickReply(m.id, 'other')).rejects.toThrow(/no quick reply/);
  });
});

describe('blocked visitor', () => {
  it('hides the widget, refuses chat, keeps presence, and comes back when unblocked', async () => {
    vi.useFakeTimers();
    const { widget, server, frames, warnings } = make({ heartbeatMs: 1000 });
    const events: string[] = [];
    widget.on('blocked', () => events.push('blocked'));
    widget.on('unblocked', () => events.push('unblocked'));
    await widget.ready();
    await flush();
    server.block();
    await flush();
    expect(widget.state).toMatchObject({ blocked: true, visible: false, open: false });
    widget.exec(['chat:send', 'let me in']);
    widget.exec(['chat:open']);
    expect(widget.state.open).toBe(false);
    expect(warnings().filter((w) => w.includes('blocked'))).toHaveLength(1);
    document.dispatchEvent(new Event('pointerdown'));
    window.dispatchEvent(new Event('pointerdown'));
    await vi.advanceTimersByTimeAsync(1500);
    expect(frames('hb').length).toBeGreaterThan(0);
    expect(frames('msg')).toEqual([]);
    server.unblock();
    await flush();
    expect(widget.state).toMatchObject({ blocked: false, visible: true });
    expect(events).toEqual(['blocked', 'unblocked']);
  });

  it('stays blocked after a reload before the server says anything', async () => {
    const storage = createSpyStore();
    const first = make({ storage });
    await first.widget.ready();
    await flush();
    first.server.block();
    await flush();
    first.widget.destroy();
    const transport = createMemoryTransport({ server: { welcome: false } });
    const second = make({ storage, transport });
    await second.widget.ready();
    expect(second.widget.state).toMatchObject({ blocked: true, visible: false });
  });
});
