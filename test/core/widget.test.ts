import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryTransport } from '../../src/transport/memory';
import { createSpyStore, flush, setup } from '../helpers/widget';
import type { Message } from '../../src/protocol';

const widgets: Array<{ destroy(): void }> = [];
function make(...args: Parameters<typeof setup>) {
  const s = setup(...args);
  widgets.push(s.widget);
  return s;
}
afterEach(() => {
  widgets.splice(0).forEach((w) => w.destroy());
  vi.useRealTimers();
});

describe('commands', () => {
  it('runs commands called before ready in call order', async () => {
    const { widget } = make();
    const log: string[] = [];
    widget.exec(['on', 'message_sent', (m: Message) => log.push('sent ' + m.text)]);
    widget.exec(['name', 'Ada']);
    widget.exec([() => log.push('ready ' + widget.state.profile.name)]);
    widget.exec(['chat:send', 'hello']);
    expect(log).toEqual([]);
    await widget.ready();
    expect(log).toEqual(['ready Ada', 'sent hello']);
  });

  it('warns once for an unknown command and never throws', async () => {
    const { widget, warnings } = make();
    await widget.ready();
    expect(() => widget.exec(['chat:opne'])).not.toThrow();
    widget.exec(['chat:opne']);
    expect(warnings().filter((w) => w.includes('unknown command "chat:opne"'))).toHaveLength(1);
    expect(warnings()[0]).toMatch(/^\[visitor-chat\] /);
  });

  it('drops a bad argument with a clear warning and changes nothing', async () => {
    const { widget, warnings } = make();
    await widget.ready();
    const before = widget.state;
    widget.exec(['email', 'not-an-email']);
    widget.exec(['theme:color', '#f00']);
    widget.exec(['variables', 'plan=pro']);
    expect(widget.state).toBe(before);
    expect(warnings()).toEqual([
      '[visitor-chat] email must look like name@example.com',
      '[visitor-chat] theme:color needs "#rrggbb" or {color, color2?, colorGradient?}',
      '[visitor-chat] variables must be an object like {plan: "pro"}',
    ]);
  });

  it('rejects typed calls with a clear error', async () => {
    const { widget } = make();
    await expect(widget.run('language', 'not a language')).rejects.toThrow(
      '[visitor-chat] language needs a code like "en", "fr" or "cs"',
    );
    await expect(widget.send('   ')).rejects.toThrow(/non-empty text/);
    await expect(widget.run('name', 'Ada')).resolves.toBeUndefined();
  });

  it('a listener that throws does not break the widget or other listeners', async () => {
    const { widget, warnings } = make();
    const seen: string[] = [];
    widget.on('message_sent', () => {
      throw new Error('host bug');
    });
    widget.on('message_sent', (m) => seen.push(m.text));
    await widget.send('hi');
    expect(seen).toEqual(['hi']);
    expect(warnings().some((w) => w.includes('host bug'))).toBe(true);
  });

  it('off unsubscribes a listener', async () => {
    const { widget } = make();
    const fn = vi.fn();
    widget.exec(['on', 'message_sent', fn]);
    widget.exec(['off', 'message_sent', fn]);
    await widget.send('hi');
    expect(fn).not.toHaveBeenCalled();
  });

  it('name, email and phone make the visitor a customer and reach the server', async () => {
    const { widget, frames } = make();
    await widget.ready();
    await flush();
    await widget.run('name', 'Ada');
    await widget.run('email', 'ada@example.com');
    await flush();
    expect(widget.state.customer).toBe(true);
    expect(widget.state.profile).toEqual({ name: 'Ada', email: 'ada@example.com' });
    expect(frames('id').map((f) => ({ ...f }))).toEqual([
      { t: 'id', name: 'Ada' },
      { t: 'id', email: 'ada@example.com' },
    ]);
  });

  it('identity set before the connection reaches the server, in order', async () => {
    const { widget, frames } = make();
    widget.exec(['name', 'Ada']);
    widget.exec(['variables', { plan: 'pro' }]);
    widget.exec(['group', 'sales']);
    await widget.ready();
    await flush();
    expect(frames('hello')[0]).toMatchObject({ key: 'test-key', v: 2 });
    // Whatever the hello did not carry follows right after it.
    const seen = frames().reduce<Record<string, unknown>>((acc, f) => {
      if (f.t == 'hello') return { ...acc, ...f.profile, ...f.variables, group: f.group };
      if (f.t == 'id') return { ...acc, name: f.name };
      if (f.t == 'vars') return { ...acc, ...f.vars };
      if (f.t == 'group') return { ...acc, group: f.group };
      return acc;
    }, {});
    expect(seen).toMatchObject({ name: 'Ada', plan: 'pro', group: 'sales' });
    expect(frames()[0].t).toBe('hello');
  });

  it('variables keeps {label, value} labels and sends only changed keys', async () => {
    const { widget, frames } = make();
    await widget.ready();
    await flush();
    await widget.run('variables', { plan: 'pro', orders: { label: 'Orders', value: 3 } });
    await widget.run('variables', { plan: 'pro', orders: { label: 'Orders', value: 3 } });
    await widget.run('variables', { orders: { label: 'Orders paid', value: 3 } });
    await widget.run('variables', { plan: 'pro', orders: 4 });
    await flush();
    expect(widget.state.variables).toEqual({ plan: 'pro', orders: 4 });
    expect(widget.state.customer).toBe(false);
    expect(frames('vars')).toEqual([
      { t: 'vars', vars: { plan: 'pro', orders: 3 }, labels: { orders: 'Orders' } },
      // A new label alone is a change.
      { t: 'vars', vars: { orders: 3 }, labels: { orders: 'Orders paid' } },
      // Set again without a label: it has none any more.
      { t: 'vars', vars: { orders: 4 } },
    ]);
  });

  it('sends the labels again with the variables in the next hello', async () => {
    const storage = createSpyStore();
    const a = make({ storage });
    await a.widget.run('variables', { spending: { label: 'Spending', value: '1234.5' } });
    await flush();
    a.widget.destroy();
    const b = make({ storage });
    await b.widget.ready();
    await flush();
    expect(b.frames('hello')[0]).toMatchObject({
      variables: { spending: '1234.5' },
      variableLabels: { spending: 'Spending' },
    });
  });

  it('refuses a label that is not a short text', async () => {
    const { widget, frames } = make();
    await widget.ready();
    // A snippet page passes anything; the typed API would not compile this.
    const bad = { a: { label: 7, value: 1 } } as unknown as Record<string, string>;
    await expect(widget.run('variables', bad)).rejects.toThrow(/variables\.a must be/);
    await expect(
      widget.run('variables', { a: { label: 'x'.repeat(201), value: 1 } }),
    ).rejects.toThrow(/variables\.a must be/);
    expect(frames('vars')).toEqual([]);
  });

  it('refuses __proto__ keys in variables without polluting Object.prototype', async () => {
    const { widget } = make();
    const evil = JSON.parse('{"__proto__": {"polluted": "yes"}}');
    await expect(widget.run('variables', evil)).rejects.toThrow(/not allowed/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('identify sets everything at once and forwards userHash', async () => {
    const { widget, frames } = make();
    await widget.ready();
    await flush();
    await widget.run('identify', {
      name: 'Bo',
      email: 'bo@x.io',
      variables: { vip: true },
      userHash: 'abc',
    });
    await flush();
    expect(widget.state.customer).toBe(true);
    expect(frames('id')).toEqual([{ t: 'id', name: 'Bo', email: 'bo@x.io', userHash: 'abc' }]);
    expect(frames('vars')).toEqual([{ t: 'vars', vars: { vip: true } }]);
  });

  it('identify with a misspelt key warns once, naming the keys it takes, and applies the rest', async () => {
    const { widget, frames, warnings } = make();
    await widget.ready();
    // @ts-expect-error: the typed API refuses the misspelling; a snippet user gets the warning.
    await widget.run('identify', { name: 'Ada', emali: 'ada@example.com' });
    widget.exec(['identify', { name: 'Ada', emali: 'ada@example.com' }]);
    await flush();
    expect(widget.state.profile).toEqual({ name: 'Ada' });
    expect(frames('id')[0]).toEqual({ t: 'id', name: 'Ada' });
    expect(warnings()).toEqual([
      '[visitor-chat] identify ignores unknown keys: emali (it takes name, email, phone, variables, userHash)',
    ]);
  });

  it('chat:open shows a hidden widget; chat:hide and chat:show toggle it', async () => {
    const { widget } = make({ hideWidget: true });
    await widget.ready();
    expect(widget.state.visible).toBe(false);
    await widget.run('chat:open');
    expect(widget.state).toMatchObject({ visible: true, open: true });
    await widget.run('chat:hide');
    expect(widget.state.visible).toBe(false);
    await widget.run('chat:show');
    expect(widget.state.visible).toBe(true);
  });

  it('chat:close fires messenger_close; chat:open fires chat_open', async () => {
    const { widget } = make();
    const events: string[] = [];
    widget.on('chat_open', () => events.push('open'));
    widget.on('messenger_close', (v) => events.push('close ' + v));
    await widget.open();
    await widget.close();
    expect(events).toEqual(['open', 'close true']);
  });

  it('chat:message pre-fills the composer without sending', async () => {
    const { widget, frames } = make();
    await widget.run('chat:message', 'I need help with');
    await flush();
    expect(widget.state.draft).toBe('I need help with');
    expect(frames('msg')).toEqual([]);
  });

  it('theme:color accepts a colour or a gradient', async () => {
    const { widget } = make();
    await widget.run('theme:color', { color: '#112233', color2: '#445566', colorGradient: true });
    expect(widget.state.theme).toEqual({ color: '#112233', color2: '#445566', gradient: true });
  });

  it('page sends a page view', async () => {
    const { widget, frames } = make();
    await widget.ready();
    await flush();
    await widget.run('page', { url: 'https://shop.test/checkout', title: 'Checkout' });
    await flush();
    expect(frames('page').at(-1)).toMatchObject({
      url: 'https://shop.test/checkout',
      title: 'Checkout',
    });
  });

  it('page refuses bad input with a warning, survives hostile getters, ignores a polluted prototype', async () => {
    const { widget, frames, warnings } = make();
    await widget.ready();
    await flush();
    const before = frames('page').length;
    const hostile = Object.defineProperty({}, 'url', {
      enumerable: true,
      get() {
        throw new Error('trap');
      },
    });
    for (const bad of [{ url: 42 }, null, '/as-a-string', [], hostile]) widget.exec(['page', bad]);
    await flush();
    expect(frames('page')).toHaveLength(before);
    expect(warnings()).toContain('[visitor-chat] page url must be a string');
    expect(warnings().some((w) => w.includes('trap'))).toBe(true);
    const proto = Object.prototype as Record<string, unknown>;
    proto.url = 'https://evil.example/';
    try {
      await widget.run('page', { title: 'Real title' });
    } finally {
      delete proto.url;
    }
    await flush();
    expect(frames('page').at(-1)).toMatchObject({ url: location.href, title: 'Real title' });
  });

  it('exposes the visitor id and fires ready', async () => {
    const { widget } = make();
    const ready = vi.fn();
    widget.on('ready', ready);
    await widget.ready();
    expect(widget.state.vid).toMatch(/^[\w-]{21}$/);
    expect(ready).toHaveBeenCalledWith({ vid: widget.state.vid });
  });
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

describe('auto messages', () => {
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
    widget.on('auto_message', fired);
    await widget.ready();
    await flush();
    await vi.advanceTimersByTimeAsync(19000);
    expect(fired).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(2000);
    expect(fired).toHaveBeenCalledWith(
      expect.objectContaining({ rule: 'pricing', text: 'Any questions about plans?' }),
    );
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

describe('storage and consent', () => {
  it('writes nothing to the device in consent mode until marketingConsent', async () => {
    const storage = createSpyStore();
    const { widget } = make({ storage, consentModeEnabled: true });
    await widget.send('hello');
    await flush();
    expect(storage.writes).toEqual([]);
    await widget.run('marketingConsent', true);
    await flush();
    expect(storage.data.get('identity')).toMatchObject({ vid: widget.state.vid });
    expect(storage.data.get('consent')).toEqual({ analytics: false, marketing: true });
  });

  it('is a new visitor after a reload without consent, the same one with it', async () => {
    const storage = createSpyStore();
    const a = make({ storage, consentModeEnabled: true });
    await a.widget.ready();
    a.widget.destroy();
    const b = make({ storage, consentModeEnabled: true });
    await b.widget.ready();
    expect(b.widget.state.vid).not.toBe(a.widget.state.vid);
    await b.widget.run('marketingConsent', true);
    await flush();
    b.widget.destroy();
    const c = make({ storage, consentModeEnabled: true });
    await c.widget.ready();
    expect(c.widget.state.vid).toBe(b.widget.state.vid);
  });

  it('logout forgets the visitor: new id, no profile, no conversation', async () => {
    const storage = createSpyStore();
    const { widget, frames } = make({ storage });
    await widget.run('name', 'Ada');
    await widget.send('secret');
    await flush();
    const oldVid = widget.state.vid;
    await widget.run('logout');
    await flush();
    expect(widget.state.vid).not.toBe(oldVid);
    expect(widget.state).toMatchObject({ messages: [], profile: {}, customer: false });
    expect(storage.data.get('identity')).toMatchObject({ vid: widget.state.vid });
    expect(frames('hello').at(-1)).toMatchObject({ vid: widget.state.vid });
  });
});

describe('config', () => {
  it('warns about wrong types and unknown keys and uses defaults', async () => {
    const { widget, warnings } = make({
      orientation: 'top' as 'left',
      zIndex: '9' as unknown as number,
      bogus: 1,
    } as object);
    await widget.ready();
    expect(widget.state.config).toMatchObject({ orientation: 'right', zIndex: 10000000 });
    expect(warnings()).toEqual([
      "[visitor-chat] config \"orientation\" must be 'left' or 'right'; using the default",
      '[visitor-chat] config "zIndex" must be a number; using the default',
      '[visitor-chat] ignoring unknown config keys: bogus',
    ]);
  });

  it("accepts every key Smartsupp's generator, plugins and docs write, without a warning", async () => {
    const { widget, warnings } = make({
      // ChatGenerator::render with every option (tests/chat_code.txt) …
      cookieDomain: '.foo.bar',
      sendEmailTanscript: false,
      ratingEnabled: true,
      ratingType: 'advanced',
      ratingComment: true,
      alignX: 'left',
      alignY: 'side',
      widget: 'button',
      offsetX: 20,
      offsetY: 120,
      sitePlatform: 'Smartsupp CMS 5.1',
      gaKey: 'UA-123456',
      gaOptions: { cookieDomain: '.foo.bar' },
      hideWidget: true,
      // … the Shopware 6 plugin, the documented snippet and the npm SDK.
      pluginVersion: '1.0.1',
      color: '#ff0000',
      gaName: 'tracker',
      cookiePath: '/',
      hideOfflineChat: true,
      _loaderUrl: 'https://example.com/loader.js',
    });
    await widget.ready();
    expect(warnings()).toEqual([]);
    expect(widget.state.config).toMatchObject({
      orientation: 'left',
      offsetX: 20,
      hideWidget: true,
    });
  });

  it('maps alignX to the side, unless orientation is set too', async () => {
    const a = make({ alignX: 'left' });
    const b = make({ alignX: 'left', orientation: 'right' });
    await Promise.all([a.widget.ready(), b.widget.ready()]);
    expect(a.widget.state.config.orientation).toBe('left');
    expect(b.widget.state.config.orientation).toBe('right');
  });

  it("keeps the default offsetY with alignY 'side' (Smartsupp measured it from the top)", async () => {
    const side = make({ alignY: 'side', offsetY: 120 });
    const bottom = make({ alignY: 'bottom', offsetY: 120 });
    await Promise.all([side.widget.ready(), bottom.widget.ready()]);
    expect(side.widget.state.config.offsetY).toBe(24);
    expect(bottom.widget.state.config.offsetY).toBe(120);
  });

  it('checks alignX like orientation', async () => {
    const { widget, warnings } = make({ alignX: 'top' } as object);
    await widget.ready();
    expect(widget.state.config.orientation).toBe('right');
    expect(warnings()).toEqual([
      "[visitor-chat] config \"alignX\" must be 'left' or 'right'; using the default",
    ]);
  });

  it('records consent switches without consent mode and logs nothing', async () => {
    const { widget, warnings } = make();
    await widget.run('analyticsConsent', true);
    await widget.run('marketingConsent', false);
    expect(widget.state.consent).toEqual({ analytics: true, marketing: false });
    expect(warnings()).toEqual([]);
  });

  it('requireLogin asks for the contact form until the visitor is identified', async () => {
    const { widget, frames } = make({ requireLogin: true });
    await widget.ready();
    expect(widget.state.needsContactForm).toBe(true);
    await widget.submitContactForm({ name: 'Ada', email: 'ada@example.com' });
    await flush();
    expect(widget.state).toMatchObject({ needsContactForm: false, customer: true });
    expect(frames('id').at(-1)).toMatchObject({ form: true, name: 'Ada' });
  });
});

describe('lazy UI', () => {
  it('mounts the UI after the page has loaded, on idle time, not during boot', async () => {
    vi.useFakeTimers();
    const ui = vi.fn();
    const { widget } = make({ ui });
    await widget.ready();
    expect(document.readyState).toBe('complete');
    expect(ui).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(2000);
    expect(ui).toHaveBeenCalledTimes(1);
    expect(ui).toHaveBeenCalledWith(widget);
  });

  it('mounts the UI at once when an agent message arrives', async () => {
    vi.useFakeTimers();
    const ui = vi.fn();
    const { widget, server } = make({ ui });
    await widget.ready();
    await flush();
    expect(ui).not.toHaveBeenCalled();
    server.say('Hello there');
    await flush();
    expect(ui).toHaveBeenCalledTimes(1);
  });

  it('mounts the UI at once when chat:open is called, only once', async () => {
    vi.useFakeTimers();
    const ui = vi.fn();
    const { widget } = make({ ui });
    await widget.run('chat:open');
    await widget.run('chat:close');
    await widget.run('chat:open');
    expect(ui).toHaveBeenCalledTimes(1);
  });

  it('a UI that fails to load warns and leaves the core working', async () => {
    vi.useFakeTimers();
    const { widget, warnings } = make({ ui: () => Promise.reject(new Error('404 ui.js')) });
    await widget.run('chat:open');
    await flush();
    expect(warnings()).toContain('[visitor-chat] the chat UI failed to load: Error: 404 ui.js');
    await expect(widget.send('still works')).resolves.toMatchObject({ text: 'still works' });
  });
});

describe('translations', () => {
  it('overrides UI strings and refuses non-string values', async () => {
    const { widget, warnings } = make();
    await widget.run('translations', { title: 'Besoin d’aide ?' });
    expect(widget.state.translations).toEqual({ title: 'Besoin d’aide ?' });
    widget.exec(['translations', { title: 5 }]);
    await flush();
    expect(warnings()).toContain(
      '[visitor-chat] translations.title must be a string of at most 500 characters',
    );
    expect(widget.state.translations.title).toBe('Besoin d’aide ?');
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
