import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryTransport } from '../../src/transport/memory';
import { createSpyStore, flush, trackWidgets } from '../helpers/widget';

// Auto messages wired to the visitor (core/auto-messages.ts); the rules themselves: rules.test.ts.
const make = trackWidgets(afterEach);
afterEach(() => {
  vi.useRealTimers();
});

/** A rule, named after its language, that fires on the `go` trigger for that language. */
const languageRule = (lang: string) => ({
  id: lang,
  text: lang,
  frequency: 'visitor',
  conditions: [
    { type: 'event', name: 'go' },
    { type: 'language', in: [lang] },
  ],
});

describe('auto messages', () => {
  it("Smartsupp's `triggerable: false` shows no auto messages on the page, without a warning", async () => {
    // A site sets it where a popup must not come (a checkout); it was an unknown key, warned about,
    // and the auto messages still came.
    const rules = [
      {
        id: 'now',
        text: 'Hello there',
        frequency: 'visit',
        conditions: [{ type: 'event', name: 'go' }],
      },
    ];
    for (const triggerable of [false, true]) {
      const transport = createMemoryTransport({ server: { rules } });
      const { widget, frames, warnings } = make({ transport, triggerable });
      const fired = vi.fn();
      widget.on('auto_message', fired);
      await widget.ready();
      await flush();
      await widget.run('trigger', 'go');
      await flush();
      expect(fired).toHaveBeenCalledTimes(triggerable ? 1 : 0);
      expect(frames('am')).toHaveLength(triggerable ? 1 : 0);
      expect(widget.state.autoMessage).toEqual(triggerable ? expect.anything() : null);
      expect(warnings()).toEqual([]);
    }
  });

  it('fires a rule from the welcome frame, tells the server, and emits auto_message', async () => {
    vi.useFakeTimers();
    const transport = createMemoryTransport({
      server: {
        rules: [
          {
            id: 'pricing',
            text: 'Any questions about plans?',
            frequency: 'visit',
            conditions: [
              { type: 'url', contains: '' },
              { type: 'timeOnPage', seconds: 20 },
            ],
          },
        ],
      },
    });
    const { widget, frames } = make({ transport });
    const fired = vi.fn();
    const order: string[] = [];
    widget.on('auto_message', fired);
    widget.on('auto_message', () => order.push('auto_message'));
    // As Smartsupp has it, an auto message is a message the visitor received.
    widget.on('message_received', (m) => order.push('message_received ' + m.from + ' ' + m.text));
    await widget.ready();
    await flush();
    await vi.advanceTimersByTimeAsync(19000);
    expect(fired).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(2000);
    expect(fired).toHaveBeenCalledWith(
      expect.objectContaining({ rule: 'pricing', text: 'Any questions about plans?' }),
    );
    expect(order).toEqual(['message_received trigger Any questions about plans?', 'auto_message']);
    expect(widget.state.autoMessage?.text).toBe('Any questions about plans?');
    expect(widget.state.unread).toBe(1);
    await flush();
    expect(frames('am')).toEqual([
      { t: 'am', rule: 'pricing', text: 'Any questions about plans?' },
    ]);
  });

  it('takes the rules of a live rules frame in place of the welcome ones', async () => {
    const transport = createMemoryTransport({
      server: {
        rules: [
          {
            id: 'old',
            text: 'Old',
            frequency: 'visit',
            conditions: [{ type: 'event', name: 'go' }],
          },
        ],
      },
    });
    const { widget, server, warnings } = make({ transport });
    await widget.ready();
    await flush();
    server.push({
      t: 'rules',
      rules: [
        { id: 'new', text: 'New', frequency: 'visit', conditions: [{ type: 'event', name: 'go' }] },
      ],
    });
    server.push({ t: 'rules', rules: 'nope' });
    await flush();
    await widget.run('trigger', 'go');
    expect(widget.state.autoMessage?.text).toBe('New');
    expect(warnings()).toContain('[visitor-chat] ignored a server frame: rules is not a list');
  });

  it('fires a rule on a custom trigger event', async () => {
    const { widget } = make({
      rules: [
        {
          id: 'cart',
          text: 'Need help with your cart?',
          frequency: 'visitor',
          conditions: [{ type: 'event', name: 'cart' }],
        },
      ],
    });
    await widget.run('trigger', 'other');
    expect(widget.state.autoMessage).toBeNull();
    await widget.run('trigger', 'cart');
    expect(widget.state.autoMessage?.text).toBe('Need help with your cart?');
  });

  it("matches a language condition against the browser's language", async () => {
    vi.spyOn(navigator, 'language', 'get').mockReturnValue('fr-CA');
    const { widget } = make({ rules: [languageRule('de'), languageRule('fr')] });
    await widget.run('trigger', 'go');
    expect(widget.state.autoMessage?.text).toBe('fr');
  });

  it('keeps a fired auto message and its unread count across a reload, until opened', async () => {
    const storage = createSpyStore();
    const rules = [
      {
        id: 'cart',
        text: 'Need help?',
        frequency: 'visitor',
        conditions: [{ type: 'event', name: 'cart' }],
      },
    ];
    const first = make({ storage, rules });
    await first.widget.run('trigger', 'cart');
    expect(first.widget.state.unread).toBe(1);
    await flush();
    first.widget.destroy();

    // The next page: the badge is back, and the message is there when the chat opens.
    const second = make({ storage, rules });
    await second.widget.ready();
    await flush();
    expect(second.widget.state.unread).toBe(1);
    expect(second.widget.state.messages.map((m) => [m.from, m.text])).toEqual([
      ['trigger', 'Need help?'],
    ]);
    // Shown once per visitor: not fired again.
    await second.widget.run('trigger', 'cart');
    expect(second.widget.state.unread).toBe(1);
    await second.widget.open();
    await flush();
    // Read: still shown on this page, but no longer kept for the next.
    expect(second.widget.state.messages).toHaveLength(1);
    expect(storage.data.get('messages')).toEqual([]);
    second.widget.destroy();
    const third = make({ storage, rules });
    await third.widget.ready();
    await flush();
    expect(third.widget.state.unread).toBe(0);
    expect(third.widget.state.messages).toEqual([]);
  });

  it('keeps only the auto messages not read yet, not one per visit for good', async () => {
    const storage = createSpyStore();
    const rule = (id: string) => ({
      id,
      text: 'Hello from ' + id,
      frequency: 'visitor',
      conditions: [{ type: 'event', name: id }],
    });
    const rules = [rule('a'), rule('b')];
    const first = make({ storage, rules });
    await first.widget.run('trigger', 'a');
    await first.widget.open();
    await first.widget.close();
    await first.widget.run('trigger', 'b');
    await flush();
    expect(first.widget.state.messages.map((m) => m.text)).toEqual([
      'Hello from a',
      'Hello from b',
    ]);
    first.widget.destroy();
    const second = make({ storage, rules });
    await second.widget.ready();
    await flush();
    expect(second.widget.state.messages.map((m) => m.text)).toEqual(['Hello from b']);
    expect(second.widget.state.unread).toBe(1);
  });

  it('never fires while a conversation is open', async () => {
    const { widget } = make({
      rules: [
        { id: 'r', text: 'Hi', frequency: 'visitor', conditions: [{ type: 'event', name: 'go' }] },
      ],
    });
    await widget.send('I already wrote');
    await widget.run('trigger', 'go');
    expect(widget.state.autoMessage).toBeNull();
  });
});

describe('custom triggers and server rules', () => {
  it('a trigger fired before the welcome counts for the rules the welcome brings', async () => {
    const transport = createMemoryTransport({ server: { welcome: false } });
    const { widget, server } = make({ transport });
    await widget.ready();
    await flush();
    await widget.run('trigger', 'tour');
    expect(widget.state.autoMessage).toBeNull();
    server.push({
      t: 'welcome',
      v: 1,
      vid: widget.state.vid,
      rules: [
        {
          id: 'tour',
          text: 'Want a tour?',
          frequency: 'visit',
          conditions: [{ type: 'event', name: 'tour' }],
        },
      ],
    });
    await flush();
    expect(widget.state.autoMessage?.text).toBe('Want a tour?');
    // A second welcome (a reconnect) does not replay old events.
    server.push({ t: 'welcome', v: 1, vid: widget.state.vid });
    await flush();
    expect(widget.state.messages.filter((m) => m.from == 'trigger')).toHaveLength(1);
  });

  it("judges an open conversation by the server's messages, not an old stored chat", async () => {
    const storage = createSpyStore();
    const first = make({ storage });
    await first.widget.send('an old chat');
    await flush();
    first.widget.destroy();
    const transport = createMemoryTransport({ server: { welcome: false } });
    const { widget, server } = make({ storage, transport });
    await widget.ready();
    await widget.run('trigger', 'tour');
    server.push({
      t: 'welcome',
      v: 1,
      vid: widget.state.vid,
      messages: [],
      rules: [
        {
          id: 'tour',
          text: 'Want a tour?',
          frequency: 'visit',
          conditions: [{ type: 'event', name: 'tour' }],
        },
      ],
    });
    await flush();
    expect(widget.state.autoMessage?.text).toBe('Want a tour?');
  });
});
