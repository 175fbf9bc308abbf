import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSpyStore, flush, trackWidgets } from '../helpers/widget';
import type { Message } from '../../src/protocol';

// What each command does (core/actions.ts), through the widget's command API.
const make = trackWidgets(afterEach);
afterEach(() => {
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

  it('drops a queued call whose name throws when read as text, and runs the rest of the queue', async () => {
    const { widget, warnings } = make();
    const log: string[] = [];
    const hostile = {
      toString() {
        throw new Error('gotcha');
      },
    };
    widget.exec([hostile]);
    widget.exec([Object.create(null)]);
    widget.exec([null]);
    widget.exec([42]);
    widget.exec(['name', 'After Bad']);
    widget.exec([() => log.push('callback ' + widget.state.profile.name)]);
    widget.on('ready', () => log.push('ready'));
    await widget.ready();
    await flush();
    expect(log).toEqual(['callback After Bad', 'ready']);
    expect(widget.state.profile.name).toBe('After Bad');
    expect(
      warnings().filter((w) => w.includes('a command name is a string, not object')),
    ).toHaveLength(1);
    expect(
      warnings().filter((w) => w.includes('a command name is a string, not null')),
    ).toHaveLength(1);
    expect(
      warnings().filter((w) => w.includes('a command name is a string, not number')),
    ).toHaveLength(1);
    expect(warnings().some((w) => w.includes('is not supported'))).toBe(false);
    expect(warnings().some((w) => /failed to start/.test(w))).toBe(false);
  });

  it('warns once for a command it does not have and never throws', async () => {
    const { widget, warnings } = make();
    await widget.ready();
    expect(() => widget.exec(['chat:opne'])).not.toThrow();
    widget.exec(['chat:opne']);
    expect(
      warnings().filter((w) => w.includes('command "chat:opne" is not supported: ignored')),
    ).toHaveLength(1);
    expect(warnings()[0]).toMatch(/^\[visitor-chat\] /);
  });

  it("says a command is not supported, not unknown: most are Smartsupp's this widget does not have", async () => {
    const { widget, warnings } = make();
    await widget.ready();
    widget.exec(['recording:disable', true]);
    widget.exec(['theme:colors', { primary: '#ff0000' }]);
    expect(warnings()).toEqual([
      '[visitor-chat] command "recording:disable" is not supported: ignored',
      '[visitor-chat] command "theme:colors" is not supported: ignored',
    ]);
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

  it('says when a command that takes no arguments is given some, and still runs it', async () => {
    const { widget, warnings } = make();
    await widget.ready();
    widget.exec(['chat:open', 'bogus']);
    widget.exec(['chat:hide', { now: true }]);
    widget.exec(['chat:show', undefined]);
    await flush();
    expect(widget.state).toMatchObject({ open: true, visible: true });
    expect(warnings()).toEqual([
      '[visitor-chat] chat:open takes no arguments; they are ignored',
      '[visitor-chat] chat:hide takes no arguments; they are ignored',
    ]);
    const vid = widget.state.vid;
    widget.exec(['logout', 'x']);
    await flush();
    expect(widget.state.vid).not.toBe(vid);
    expect(warnings()).toContain('[visitor-chat] logout takes no arguments; they are ignored');
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

  it("on('message_sent' | 'message_received') hands over Smartsupp's message fields too", async () => {
    // A Smartsupp site's listener reads `message.content.text` (its message object, as its
    // websocket SDK types it); it threw inside the widget and the integration did nothing.
    const { widget, server, warnings } = make();
    const seen: unknown[] = [];
    const fn = (m: { content: { text: string }; subType: string }) =>
      seen.push([m.subType, m.content.text]);
    widget.exec(['on', 'message_sent', fn]);
    widget.exec(['on', 'message_received', fn]);
    widget.exec(['on', 'message_received', fn]);
    await widget.ready();
    await flush();
    const sent = vi.fn();
    widget.exec(['on', 'message_sent', sent]);
    await widget.run('chat:send', 'hi');
    server.say('Hello', { name: 'Eva' });
    await flush();
    expect(seen).toEqual([
      ['contact', 'hi'],
      ['agent', 'Hello'],
    ]);
    const m = sent.mock.calls[0]![0];
    expect(m).toMatchObject({
      from: 'visitor',
      text: 'hi',
      type: 'message',
      subType: 'contact',
      content: { type: 'text', text: 'hi', data: null },
      createdAt: new Date(m.at).toISOString(),
    });
    // `off` still finds what `on` subscribed; the npm `widget.on` keeps our own shape.
    widget.exec(['off', 'message_received', fn]);
    const own = vi.fn();
    widget.on('message_received', own);
    server.say('Again');
    await flush();
    expect(seen).toHaveLength(2);
    expect(own.mock.calls[0]![0]).not.toHaveProperty('content');
    expect(warnings()).toEqual([]);
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

  it('phone takes a number as the site stored it, and refuses text without digits', async () => {
    const { widget, warnings } = make();
    await widget.ready();
    for (const phone of ['+1 555 123 4567 ext. 89', '0800-FLOWERS', '+420 (777) 123.456', '123']) {
      await widget.run('phone', phone);
      expect(widget.state.profile.phone).toBe(phone);
    }
    expect(warnings()).toEqual([]);
    for (const phone of ['call me', '', '   ', '1'.repeat(51), 42]) widget.exec(['phone', phone]);
    await flush();
    expect(widget.state.profile.phone).toBe('123');
    expect(warnings()).toEqual([
      '[visitor-chat] phone must be a phone number (with digits) of at most 50 characters',
    ]);
  });

  it("learns the visitor's time zone when the chat opens, never on boot, and sends it in every later hello", async () => {
    // The first Intl.DateTimeFormat of a page starts ICU (50-250 ms in Chromium): a visitor who
    // never opens the chat must not pay for it on every page view.
    const real = Intl.DateTimeFormat;
    let made = 0;
    Intl.DateTimeFormat = function (...args: ConstructorParameters<typeof real>) {
      made++;
      return new real(...args);
    } as unknown as typeof Intl.DateTimeFormat;
    try {
      const zone = new real().resolvedOptions().timeZone;
      expect(zone).toBeTruthy();
      const first = make();
      await first.widget.ready();
      await flush();
      expect(first.frames('hello')[0]).toMatchObject({ t: 'hello', key: 'test-key' });
      expect(first.frames('hello')[0]).not.toHaveProperty('timeZone');
      expect(made).toBe(0);

      await first.widget.open();
      expect(first.frames('chat')).toEqual([{ t: 'chat', open: true, timeZone: zone, lang: 'en' }]);
      await first.widget.close();
      await first.widget.open();
      expect(first.frames('chat')[2]).toEqual({
        t: 'chat',
        open: true,
        timeZone: zone,
        lang: 'en',
      });
      expect(made).toBe(1);
      await flush();

      // The next page view: the hello carries the zone the device keeps, still without ICU.
      const next = make({ storage: first.storage });
      await next.widget.ready();
      await flush();
      expect(next.frames('hello')[0]).toMatchObject({ timeZone: zone });
      expect(made).toBe(1);
    } finally {
      Intl.DateTimeFormat = real;
    }
  });

  it('opens the chat without a time zone when the page broke Intl', async () => {
    const real = Intl.DateTimeFormat;
    Intl.DateTimeFormat = (() => {
      throw new Error('broken by the page');
    }) as unknown as typeof Intl.DateTimeFormat;
    try {
      const { widget, frames } = make();
      await widget.ready();
      await expect(widget.open()).resolves.toBeUndefined();
      expect(frames('chat')).toEqual([{ t: 'chat', open: true, lang: 'en' }]);
      expect(widget.state.open).toBe(true);
    } finally {
      Intl.DateTimeFormat = real;
    }
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

  it('sets none of the keys of a call with one bad value, and says so', async () => {
    const { widget, frames, warnings } = make();
    await widget.ready();
    const mixed = { plan: 'pro', cart: undefined } as unknown as Record<string, string>;
    widget.exec(['variables', mixed]);
    await expect(widget.run('identify', { name: 'Eva', variables: mixed })).rejects.toThrow(
      'variables.cart must be a string (up to 1000 characters), a number, a boolean or {label, value} (nothing set)',
    );
    await flush();
    expect(warnings()).toContain(
      '[visitor-chat] variables.cart must be a string (up to 1000 characters), a number, a boolean or {label, value} (nothing set)',
    );
    expect(frames('vars')).toEqual([]);
    expect(frames('id')).toEqual([]);
    expect(widget.state.customer).toBe(false);
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

  it('hideMobileWidget: hidden on a phone, chat:show keeps it so, chat:open shows and opens it', async () => {
    const nav = window.navigator;
    const ua = Object.getOwnPropertyDescriptor(nav, 'userAgent');
    Object.defineProperty(nav, 'userAgent', {
      configurable: true,
      value: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 Safari/604.1',
    });
    try {
      const { widget } = make({ hideMobileWidget: true });
      await widget.ready();
      expect(widget.state.visible).toBe(false);
      await widget.run('chat:show');
      expect(widget.state.visible).toBe(false);
      await widget.run('chat:open');
      expect(widget.state).toMatchObject({ visible: true, open: true });
      // Once opened, closing leaves the launcher, as after chat:open with hideWidget.
      await widget.run('chat:close');
      expect(widget.state).toMatchObject({ visible: true, open: false });
      await widget.run('chat:hide');
      expect(widget.state.visible).toBe(false);
    } finally {
      if (ua) Object.defineProperty(nav, 'userAgent', ua);
      else delete (nav as { userAgent?: string }).userAgent;
    }
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
    expect(widget.state.vid).toMatch(/^\d+(-\d+){3}$/);
    expect(ready).toHaveBeenCalledWith({ vid: widget.state.vid });
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
    // Nothing the device keeps mentions the old visitor (the chat layer wipes STORE_KEYS).
    expect(JSON.stringify([...storage.data])).not.toMatch(/Ada|secret/);
    expect(frames('hello').at(-1)).toMatchObject({ vid: widget.state.vid });
  });

  it('logout leaves no trace of the old conversation when its delayed write lands during the wipe', async () => {
    vi.useFakeTimers();
    const storage = createSpyStore();
    const { widget } = make({ storage });
    await widget.send('secret');
    await flush();
    // The wipe is slow (IndexedDB): the stored conversation's delayed write comes in the middle.
    const del = storage.del;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    storage.del = async (key) => {
      await del(key);
      await held;
    };
    await widget.run('logout');
    await vi.advanceTimersByTimeAsync(1500);
    expect(JSON.stringify(storage.data.get('messages'))).toMatch(/secret/);
    release();
    await flush();
    expect(widget.state.messages).toEqual([]);
    expect(JSON.stringify([...storage.data])).not.toMatch(/secret/);
  });
});
