import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDelivery, type DeliveryKernel } from '../../src/core/delivery';
import { createEmitter } from '../../src/core/emitter';
import type { WidgetEvents } from '../../src/core/commands';
import type { ChatMessage, WidgetState } from '../../src/core/state';
import { createConsentStore, createMemoryStore } from '../../src/core/storage';
import type { ClientFrame, Message } from '../../src/protocol';

// The delivery state machine alone, on a fake kernel: a plain state, a send that records
// frames, a memory store. No transport, no rules, no UI.

afterEach(() => {
  vi.useRealTimers();
});

const agent = (id: string, text: string, at: number): Message => ({ id, from: 'agent', text, at });

function fakeKernel(win?: EventTarget) {
  const sent: ClientFrame[] = [];
  /** Every write of the stored conversation (k.save('messages', …)), as the texts written. */
  const writes: string[][] = [];
  const warnings: string[] = [];
  const emitter = createEmitter<WidgetEvents>((w) => warnings.push(w));
  let clock = 1000;
  let ids = 0;
  const k = {
    state: {
      messages: [],
      unread: 0,
      open: false,
      blocked: false,
      autoMessage: null,
      older: false,
      loadingOlder: false,
      agentTyping: false,
    } as unknown as WidgetState,
    set(patch: Partial<WidgetState>) {
      k.state = { ...k.state, ...patch };
    },
    store: createConsentStore(createMemoryStore(), true),
    save(key: string, value: unknown) {
      if (key == 'messages') writes.push((value as Message[]).map((m) => m.text));
      void k.store.set(key, value);
    },
    connected: true,
    send(frame: ClientFrame) {
      if (!k.connected) return false;
      sent.push(frame);
      return true;
    },
    welcomed: true,
    warn: (w: string) => void warnings.push(w),
    now: () => (clock += 1),
    newId: () => 'c' + ++ids,
    emitter,
    doc: undefined,
    win,
    destroyed: false,
  };
  const hooks = { share: vi.fn(), startUI: vi.fn() };
  const delivery = createDelivery(k as DeliveryKernel, hooks);
  const msgs = (t: ClientFrame['t'] = 'msg') => sent.filter((f) => f.t == t);
  const texts = () => k.state.messages.map((m) => m.text + ':' + (m.status || m.from));
  return { k, hooks, delivery, sent, msgs, texts, warnings, writes };
}

/** Acknowledges the message in flight as the server would. */
function ack(d: ReturnType<typeof fakeKernel>, n: number) {
  const m = d.msgs().at(-1) as { cid: string };
  d.delivery.frame({ t: 'ack', cid: m.cid, id: 'srv-' + n, at: 5000 + n });
}

describe('delivery on a fake kernel', () => {
  it('sends one message at a time: the next goes after the ack of the one before', () => {
    const d = fakeKernel();
    d.delivery.send('one');
    d.delivery.send('two');
    expect(d.msgs().map((f) => (f as { text: string }).text)).toEqual(['one']);
    expect(d.texts()).toEqual(['one:sending', 'two:sending']);
    ack(d, 1);
    expect(d.msgs().map((f) => (f as { text: string }).text)).toEqual(['one', 'two']);
    ack(d, 2);
    expect(d.texts()).toEqual(['one:sent', 'two:sent']);
    expect(d.k.state.messages.map((m) => m.id)).toEqual(['srv-1', 'srv-2']);
    expect(d.delivery.outbox.pending()).toEqual([]);
  });

  it('tells the other tabs and the page about a sent message and closes the auto-message popup', () => {
    const d = fakeKernel();
    const sentEvents: Message[] = [];
    d.k.emitter.on('message_sent', (m) => sentEvents.push(m));
    d.k.set({ autoMessage: { rule: 'r', text: 'Hi' } });
    const m = d.delivery.send('hello') as Message;
    expect(d.hooks.share).toHaveBeenCalledWith(m);
    expect(sentEvents).toEqual([m]);
    expect(d.k.state.autoMessage).toBeNull();
  });

  it('holds messages until the connection is welcomed, then sends the oldest first', () => {
    const d = fakeKernel();
    d.k.welcomed = false;
    d.delivery.send('early');
    expect(d.msgs()).toEqual([]);
    d.k.welcomed = true;
    d.delivery.welcome({ t: 'welcome', v: 2, vid: 'v', blocked: false, online: true });
    d.delivery.flush(true);
    expect(d.msgs().map((f) => (f as { text: string }).text)).toEqual(['early']);
  });

  it('refuses to send while blocked and keeps nothing', () => {
    const d = fakeKernel();
    d.k.set({ blocked: true });
    expect(d.delivery.send('hi')).toMatch(/blocked/);
    expect(d.k.state.messages).toEqual([]);
    expect(d.delivery.outbox.pending()).toEqual([]);
  });

  it('marks a message failed when no ack comes within 15 s, resends it, and retry resends again', () => {
    vi.useFakeTimers();
    const d = fakeKernel();
    d.delivery.send('lost');
    vi.advanceTimersByTime(15000);
    expect(d.texts()).toEqual(['lost:failed']);
    expect(d.msgs()).toHaveLength(2);
    const cid = d.k.state.messages[0].cid!;
    d.delivery.retry(cid);
    expect(d.texts()).toEqual(['lost:sending']);
    expect(d.msgs()).toHaveLength(3);
    ack(d, 1);
    expect(d.texts()).toEqual(['lost:sent']);
  });

  it('counts an echo of its own message as the ack', () => {
    const d = fakeKernel();
    const m = d.delivery.send('echoed') as Message;
    d.delivery.frame({ t: 'msg', m: { ...m, id: 'srv-9', at: 9000 } });
    expect(d.delivery.outbox.pending()).toEqual([]);
    expect(d.texts()).toEqual(['echoed:sent']);
  });

  it('counts an agent message unread while closed, offers it as the popup and loads the UI', () => {
    const d = fakeKernel();
    const received: Message[] = [];
    d.k.emitter.on('message_received', (m) => received.push(m));
    const m = agent('a1', 'Can I help?', 2000);
    d.delivery.frame({ t: 'msg', m });
    expect(d.k.state).toMatchObject({
      unread: 1,
      autoMessage: { rule: 'a1', text: 'Can I help?' },
    });
    expect(d.hooks.startUI).toHaveBeenCalled();
    expect(received).toEqual([m]);
    // The same message again (another tab's connection, a resend) changes nothing.
    d.delivery.frame({ t: 'msg', m });
    expect(d.k.state.unread).toBe(1);
    expect(received).toHaveLength(1);
  });

  it('tells a new live message from a known one without reading a long chat, and still updates known ones', () => {
    const d = fakeKernel();
    // 2,000 messages whose ids count their reads.
    let reads = 0;
    const counted = (i: number) => {
      const m = agent('', 'm' + i, i) as ChatMessage;
      Object.defineProperty(m, 'id', { get: () => (reads++, 'm' + i), enumerable: true });
      return m;
    };
    d.k.set({ messages: Array.from({ length: 2000 }, (_, i) => counted(i)) });
    d.delivery.frame({ t: 'msg', m: agent('n1', 'new 1', 5000) });
    reads = 0;
    for (let i = 2; i <= 5; i++)
      d.delivery.frame({ t: 'msg', m: agent('n' + i, 'new ' + i, 5000 + i) });
    // A walk of the list reads every id: 2,000 a message. One each is the first message's (is
    // a conversation open?: it says so).
    expect(reads).toBe(4);
    expect(d.k.state.messages).toHaveLength(2005);
    // Known ones are still found: the same message again, a message the list had before.
    d.delivery.frame({ t: 'msg', m: agent('n3', 'new 3, edited', 5003) });
    d.delivery.frame({ t: 'msg', m: agent('m7', 'seven, edited', 7) });
    expect(d.k.state.messages).toHaveLength(2005);
    expect(d.k.state.messages[7]!.text).toBe('seven, edited');
    expect(d.k.state.messages[2002]!.text).toBe('new 3, edited');
    // A list put in place by something else (a welcome, a history page) is read again.
    d.k.set({ messages: [agent('w1', 'welcome', 1)] as ChatMessage[] });
    d.delivery.frame({ t: 'msg', m: agent('w1', 'welcome, edited', 1) });
    d.delivery.frame({ t: 'msg', m: agent('n1', 'new 1 again', 5000) });
    expect(d.texts()).toEqual(['welcome, edited:agent', 'new 1 again:agent']);
  });

  it('offers no popup for an agent reply inside a conversation', () => {
    const d = fakeKernel();
    d.delivery.send('question');
    ack(d, 1);
    d.delivery.frame({ t: 'msg', m: agent('a2', 'answer', 9000) });
    expect(d.k.state.autoMessage).toBeNull();
    expect(d.k.state.unread).toBe(1);
  });

  it("merges a welcome: the server's messages from the first of them on, unsent ones stay last", () => {
    const d = fakeKernel();
    d.k.set({
      messages: [agent('old', 'old', 10), agent('a', 'a', 20)] as ChatMessage[],
    });
    d.k.connected = false;
    d.delivery.send('unsent');
    d.k.connected = true;
    d.delivery.welcome({
      t: 'welcome',
      v: 2,
      vid: 'v',
      blocked: false,
      online: true,
      messages: [agent('a', 'a', 20), agent('b', 'b', 30)],
      more: true,
    });
    expect(d.texts()).toEqual(['old:agent', 'a:agent', 'b:agent', 'unsent:sending']);
    expect(d.k.state.older).toBe(true);
  });

  it('takes a welcome message carrying the cid of an unsent one as its delivery', () => {
    const d = fakeKernel();
    d.k.connected = false;
    const m = d.delivery.send('delivered before the reconnect') as Message;
    d.delivery.welcome({
      t: 'welcome',
      v: 2,
      vid: 'v',
      blocked: false,
      online: true,
      messages: [{ ...m, id: 'srv-1', at: 4000 }],
    });
    expect(d.delivery.outbox.pending()).toEqual([]);
    expect(d.texts()).toEqual(['delivered before the reconnect:sent']);
  });

  it('asks once for the page before the oldest message and prepends only that answer', () => {
    const d = fakeKernel();
    d.k.set({ messages: [agent('m5', 'five', 50)] as ChatMessage[], older: true });
    d.delivery.loadOlder();
    d.delivery.loadOlder();
    expect(d.msgs('hist')).toEqual([{ t: 'hist', before: 'm5' }]);
    expect(d.k.state.loadingOlder).toBe(true);
    // An answer for another list is ignored.
    d.delivery.frame({ t: 'hist', before: 'other', messages: [agent('x', 'x', 1)], more: true });
    expect(d.texts()).toEqual(['five:agent']);
    d.delivery.frame({ t: 'hist', before: 'm5', messages: [agent('m4', 'four', 40)], more: false });
    expect(d.texts()).toEqual(['four:agent', 'five:agent']);
    expect(d.k.state).toMatchObject({ older: false, loadingOlder: false });
  });

  it("shows another tab's message as sending until the server's ack marks it sent", () => {
    const d = fakeKernel();
    const other: Message = { id: 'c1', cid: 'c1', from: 'visitor', text: 'from tab B', at: 100 };
    d.delivery.mirror(other);
    expect(d.texts()).toEqual(['from tab B:sending']);
    d.delivery.frame({ t: 'ack', cid: 'c1', id: 'srv-1', at: 200 });
    expect(d.texts()).toEqual(['from tab B:sent']);
    expect(d.k.state.messages[0]).toMatchObject({ id: 'srv-1', at: 200 });
  });

  it('an ack of a message this tab never heard of changes nothing', () => {
    // The tab channel delivers a message before its ack (core/tabs.ts): nothing is kept for later.
    const d = fakeKernel();
    d.delivery.frame({ t: 'ack', cid: 'c2', id: 'srv-2', at: 300 });
    expect(d.k.state.messages).toEqual([]);
    d.delivery.mirror({ id: 'c2', cid: 'c2', from: 'visitor', text: 'later', at: 100 });
    expect(d.texts()).toEqual(['later:sending']);
  });

  it('ignores a mirrored message that is not a valid visitor message', () => {
    const d = fakeKernel();
    d.delivery.mirror({ id: 'x', from: 'agent', text: 'spoofed', at: 1 });
    d.delivery.mirror({ id: 'y', cid: 'y', from: 'visitor', text: 42, at: 1 });
    d.delivery.mirror('nonsense');
    expect(d.k.state.messages).toEqual([]);
  });

  it('restores the stored conversation and marks what the outbox still holds as sending', async () => {
    const d = fakeKernel();
    const sent: Message = { id: 's1', cid: 's1', from: 'visitor', text: 'delivered', at: 10 };
    const unsent: Message = { id: 'u1', cid: 'u1', from: 'visitor', text: 'waiting', at: 20 };
    await d.k.store.set('messages', [sent, { bad: true }]);
    await d.k.store.set('outbox', [unsent]);
    await d.delivery.load();
    expect(d.texts()).toEqual(['delivered:sent', 'waiting:sending']);
    expect(d.delivery.outbox.pending()).toEqual([unsent]);
  });

  it('writes the stored conversation at most once a second for a burst of live messages', () => {
    vi.useFakeTimers();
    const d = fakeKernel();
    for (let i = 1; i <= 20; i++) {
      d.delivery.frame({ t: 'msg', m: agent('a' + i, 'live ' + i, 100 + i) });
      vi.advanceTimersByTime(100);
    }
    // 20 messages over 2 s: one write a second, not one a message.
    expect(d.writes.length).toBeLessThanOrEqual(2);
    vi.advanceTimersByTime(1000);
    expect(d.writes.length).toBeLessThanOrEqual(3);
    // Nothing lost: the last write holds every message.
    expect(d.writes.at(-1)).toEqual(Array.from({ length: 20 }, (_, i) => 'live ' + (i + 1)));
    vi.advanceTimersByTime(5000);
    expect(d.writes.length).toBeLessThanOrEqual(3);
  });

  it.each(['pagehide', 'visibilitychange'])(
    'writes the conversation waiting to be stored at once on %s',
    async (type) => {
      vi.useFakeTimers();
      const win = new EventTarget();
      const d = fakeKernel(win);
      d.delivery.frame({ t: 'msg', m: agent('a1', 'just now', 100) });
      expect(d.writes).toEqual([]);
      win.dispatchEvent(new Event(type));
      expect(d.writes).toEqual([['just now']]);
      expect(await d.k.store.get('messages')).toMatchObject([{ id: 'a1', text: 'just now' }]);
      // The write is done: the timer has nothing left to write, and another event writes nothing.
      vi.advanceTimersByTime(2000);
      win.dispatchEvent(new Event(type));
      expect(d.writes).toHaveLength(1);
    },
  );

  it("keeps the visitor's unsent message on the device at once, whatever the stored conversation waits for", async () => {
    vi.useFakeTimers();
    const d = fakeKernel();
    d.k.connected = false;
    d.delivery.send('do not lose me');
    await vi.advanceTimersByTimeAsync(0);
    expect(d.writes).toEqual([]);
    expect(await d.k.store.get('outbox')).toMatchObject([{ text: 'do not lose me' }]);
  });

  it('writes what waits when it stops, and leaves the page alone after that', () => {
    vi.useFakeTimers();
    const win = new EventTarget();
    const d = fakeKernel(win);
    d.delivery.frame({ t: 'msg', m: agent('a1', 'last words', 100) });
    d.delivery.stop();
    expect(d.writes).toEqual([['last words']]);
    // A stray frame after the stop: the page going away no longer writes for it.
    d.delivery.frame({ t: 'msg', m: agent('a2', 'stray', 200) });
    win.dispatchEvent(new Event('pagehide'));
    expect(d.writes).toHaveLength(1);
  });

  it('leaves other frames to the caller', () => {
    const d = fakeKernel();
    expect(d.delivery.frame({ t: 'typing', on: true })).toBe(false);
    expect(d.delivery.frame({ t: 'status', online: true })).toBe(false);
  });
});
