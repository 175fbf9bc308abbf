import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { createMemoryTransport } from '../../src/transport/memory';
import type { Transport, TransportListener } from '../../src/transport/types';
import { mount } from '../../src/ui/npm';
import { cleanup, flush, mountUI, readyWidget, withHistory } from './setup';

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe('the chat window', () => {
  it('is a dialog labelled by its header title', async () => {
    const ui = await mountUI();
    await ui.open();
    const dialog = ui.$('[role=dialog]')!;
    const title = ui.root.getElementById(dialog.getAttribute('aria-labelledby')!)!;
    expect(title.textContent).toBe('Chat with us');
    expect(dialog.hasAttribute('aria-modal')).toBe(false);
    // No landmark of its own: a <header> here would be a second banner beside the page's.
    expect(ui.$$('header,footer,main,nav,aside')).toEqual([]);
  });

  it("shows the last agent's name and initials, and whether agents are online", async () => {
    const ui = await mountUI();
    await ui.open();
    expect(ui.text('.st')).toBe('Online');
    expect(ui.$('.st i')!.className).toBe('on');
    ui.server.say('Hi, I am Eva.', { name: 'Eva Nováková' });
    await flush();
    expect(ui.text('#vc-t')).toBe('Eva Nováková');
    expect(ui.text('.av')).toBe('EN');
    // A bot chiming in does not replace the human in the header.
    ui.server.say('Beep.', { from: 'bot', name: 'Helper' });
    await flush();
    expect(ui.text('#vc-t')).toBe('Eva Nováková');
    ui.server.setOnline(false);
    await flush();
    expect(ui.text('.st')).toBe('Away – leave us a message');
  });

  it('names the bot in the header while no agent has written', async () => {
    const ui = await mountUI();
    await ui.open();
    ui.server.say('Hello, I am a bot.', { from: 'bot', name: 'Helper Bot' });
    await flush();
    expect(ui.text('#vc-t')).toBe('Helper Bot');
    expect(ui.text('.av')).toBe('HB');
  });

  it('stops naming the bot in the header once an agent without a name has written', async () => {
    const ui = await mountUI();
    await ui.open();
    ui.server.say('Hello, I am a bot.', { from: 'bot', name: 'Helper Bot' });
    await flush();
    expect(ui.text('#vc-t')).toBe('Helper Bot');
    // A person took over (the reference agent page sends no name): not the bot any more.
    ui.server.say('Hi, a person here.', { from: 'agent' });
    await flush();
    expect(ui.text('#vc-t')).toBe('Chat with us');
    expect(ui.$('.av .ic')).not.toBeNull();
  });

  it('lists who wrote what, with times and day separators', async () => {
    const ui = await mountUI();
    const now = Date.now();
    const day = 864e5;
    ui.server.push({
      t: 'msg',
      m: { id: 'x-a1', from: 'agent', text: 'Old news', at: now - 9 * day, name: 'Eva' },
    });
    ui.server.push({
      t: 'msg',
      m: { id: 'x-a2', from: 'agent', text: 'Yesterday', at: now - day, name: 'Eva' },
    });
    ui.server.push({
      t: 'msg',
      m: { id: 'x-b1', from: 'bot', text: 'Beep', at: now - 1000, name: 'Bot' },
    });
    ui.server.push({
      t: 'msg',
      m: { id: 'x-s1', from: 'system', text: 'Chat transferred', at: now - 500 },
    });
    await flush();
    await ui.open();
    await ui.widget.send('Mine');
    await flush();
    const days = ui.$$('.dy').map((d) => d.textContent);
    expect(days).toHaveLength(3);
    expect(days.slice(1)).toEqual(['Yesterday', 'Today']);
    const rows = ui.$$('.m').map((m) => [m.className, m.querySelector('.bb')!.textContent]);
    expect(rows).toEqual([
      ['m a', 'Old news'],
      ['m a', 'Yesterday'],
      ['m b', 'Beep'],
      ['m s', 'Chat transferred'],
      ['m v', 'Mine'],
    ]);
    // Bot messages carry a visible tag; visitor messages a screen-reader-only author.
    expect(ui.$('.m.b .tg')!.textContent).toBe('Bot');
    expect(ui.$('.m.v .sr')!.textContent).toBe('You: ');
    expect(ui.$('.m.a time')!.getAttribute('datetime')).toBe(new Date(now - 9 * day).toISOString());
  });

  it('marks auto (trigger) messages as automatic', async () => {
    const ui = await mountUI({
      rules: [
        {
          id: 'r',
          text: 'Need a hand?',
          name: 'Eva',
          frequency: 'visit',
          conditions: [{ type: 'event', name: 'go' }],
        },
      ],
    });
    await ui.widget.run('trigger', 'go');
    await flush();
    await ui.open();
    expect(ui.$('.m.t .tg')!.textContent).toBe('Automatic message');
    expect(ui.$('.m.t .bb')!.textContent).toBe('Need a hand?');
  });

  it("shows each visitor message's delivery state and retries a failed one", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const ui = await mountUI();
    await ui.open();
    ui.server.options.ack = false;
    await ui.widget.send('Hello?');
    await flush();
    expect(ui.text('.m.v .mt')).toContain('Sending…');
    await vi.advanceTimersByTimeAsync(16000);
    await flush();
    expect(ui.$('.m.v')!.className).toContain('fl');
    expect(ui.text('.m.v .mt')).toContain('Not delivered');
    ui.server.options.ack = true;
    await ui.click('.rt');
    await flush();
    expect(ui.text('.m.v .mt')).toContain('Sent');
    expect(ui.$('.rt')).toBeNull();
    expect(ui.server.messages.filter((m) => m.text == 'Hello?')).toHaveLength(1);
  });

  it('shows the agent typing indicator', async () => {
    const ui = await mountUI();
    await ui.open();
    ui.server.say('Hi', { name: 'Eva' });
    ui.server.push({ t: 'typing', on: true });
    await flush();
    expect(ui.text('.ty .sr')).toBe('Eva is typing…');
    ui.server.push({ t: 'typing', on: false });
    await flush();
    expect(ui.$('.ty')).toBeNull();
  });

  it('does not name the bot as the one typing: only agents type', async () => {
    const ui = await mountUI();
    await ui.open();
    ui.server.say('Hello, I am a bot.', { from: 'bot', name: 'Helper Bot' });
    ui.server.push({ t: 'typing', on: true });
    await flush();
    // A person is writing, not the bot the header still names.
    expect(ui.text('#vc-t')).toBe('Helper Bot');
    expect(ui.text('.ty .sr')).toBe('Support is typing…');
    ui.server.say('Hi, Eva here.', { name: 'Eva' });
    ui.server.say('Beep.', { from: 'bot', name: 'Helper Bot' });
    ui.server.push({ t: 'typing', on: true });
    await flush();
    expect(ui.text('.ty .sr')).toBe('Eva is typing…');
  });

  it('shows a reconnecting banner after the connection drops, and hides it once back', async () => {
    const ui = await mountUI();
    await ui.open();
    // The live region is there, empty, before it has anything to say: one added with its text
    // already in it is often not read out.
    const region = ui.$('.bn[role=status]')!;
    expect(region.textContent).toBe('');
    ui.server.disconnect();
    await flush();
    expect(ui.$('.bn')).toBe(region);
    expect(region.textContent).toBe('Connection lost. Reconnecting…');
    ui.server.connect();
    await flush();
    expect(ui.$('.bn')).toBe(region);
    expect(region.textContent).toBe('');
  });

  it('says the chat is unavailable while the server has never been reached, until it answers', async () => {
    // A server that refuses the first attempt (down, or a wrong address); it comes up later.
    const memory = createMemoryTransport();
    let listener: TransportListener | undefined;
    const transport: Transport = {
      open(l) {
        listener = l;
        l.status('connecting');
        setTimeout(() => l.status('closed'), 0);
      },
      send: (frame, final) => memory.send(frame, final),
      close: () => memory.close(),
    };
    const widget = await readyWidget(transport);
    const unmount = mount(widget);
    onTestFinished(() => {
      unmount();
      widget.destroy();
    });
    await widget.open();
    const root = document.querySelector('[data-visitor-chat]')!.shadowRoot!;
    const banner = () => root.querySelector('.bn')?.textContent ?? null;
    await vi.waitFor(() => expect(banner()).toBe('Chat is unavailable right now.'));
    expect(root.querySelector('.bn')!.getAttribute('role')).toBe('status');
    // A retry under way still says so: no flicker with every attempt.
    listener!.status('connecting');
    await flush();
    expect(banner()).toBe('Chat is unavailable right now.');
    // The server answers: no banner; dropped later, it is a lost connection.
    memory.open(listener!);
    await vi.waitFor(() => expect(widget.state.reached).toBe(true));
    await flush();
    expect(banner()).toBe('');
    memory.server.disconnect();
    await flush();
    expect(banner()).toBe('Connection lost. Reconnecting…');
  });

  it('closes with Escape and the close button', async () => {
    const ui = await mountUI();
    await ui.open();
    await ui.key('textarea', 'Escape');
    expect(ui.widget.state.open).toBe(false);
    await ui.open();
    await ui.click('.x');
    expect(ui.widget.state.open).toBe(false);
  });

  it('stays open on an Escape that ends an input method composition', async () => {
    const ui = await mountUI();
    await ui.open();
    await ui.key('textarea', 'Escape', { isComposing: true });
    expect(ui.widget.state.open).toBe(true);
    await ui.key('textarea', 'Escape');
    expect(ui.widget.state.open).toBe(false);
  });

  it('moves focus to the composer on open and back to the launcher on Escape', async () => {
    const ui = await mountUI();
    await ui.click('.ln');
    await flush();
    expect(ui.root.activeElement?.id).toBe('vc-in');
    await ui.key('#vc-in', 'Escape');
    await flush();
    expect(ui.root.activeElement).toBe(ui.$('.ln'));
  });

  it('does not steal focus from a page field when a rule or the site opens the chat', async () => {
    const field = document.createElement('input');
    document.body.append(field);
    const ui = await mountUI();
    field.focus();
    await ui.open();
    expect(document.activeElement).toBe(field);
    field.remove();
  });

  it('announces new agent messages in a polite live region, not visitor ones', async () => {
    const ui = await mountUI();
    await ui.open();
    const live = ui.$('[aria-live=polite]')!;
    await ui.widget.send('from me');
    await flush();
    expect(live.textContent).toBe('');
    ui.server.say('Welcome!', { name: 'Eva' });
    await flush();
    expect(live.textContent).toBe('Eva: Welcome!');
    // The list itself is not a live region.
    expect(ui.$('.ls')!.hasAttribute('aria-live')).toBe(false);
  });

  it('announces the message the UI loaded for, not the history before it', async () => {
    const transport = createMemoryTransport();
    transport.server.messages.push({ id: 'old', from: 'agent', text: 'Earlier today', at: 1 });
    const widget = await readyWidget(transport);
    await flush();
    transport.server.say('Can I help you?', { name: 'Eva' });
    await flush();
    expect(widget.state.unread).toBe(1);
    // The UI mounts now, as ui.js does once it has loaded for that message.
    const unmount = mount(widget);
    await flush();
    const root = document.querySelector('[data-visitor-chat]')!.shadowRoot!;
    expect(root.querySelector('[aria-live=polite]')!.textContent).toBe('Eva: Can I help you?');
    unmount();
    widget.destroy();
  });

  it('says the chat is unavailable when no chat server is set (nothing written can go out)', async () => {
    const widget = await readyWidget(undefined);
    const unmount = mount(widget);
    await widget.open();
    await flush();
    const root = document.querySelector('[data-visitor-chat]')!.shadowRoot!;
    expect(root.querySelector('.bn[role=status]')?.textContent).toBe(
      'Chat is unavailable right now.',
    );
    unmount();
    widget.destroy();
    // With a transport that connects, no banner.
    const ui = await mountUI();
    await ui.open();
    expect(ui.text('.bn')).toBe('');
  });

  it('marks messages read while the window is open', async () => {
    const ui = await mountUI();
    ui.server.say('one');
    await flush();
    expect(ui.widget.state.unread).toBe(1);
    await ui.open();
    expect(ui.widget.state.unread).toBe(0);
    ui.server.say('two');
    await flush();
    expect(ui.widget.state.unread).toBe(0);
  });

  it('offers the earlier messages of a long chat as a button that loads them', async () => {
    const ui = await mountUI();
    await withHistory(ui, 70);
    await ui.open();
    const texts = () => ui.$$('.m .bb').map((b) => b.textContent);
    expect(texts().at(-1)).toBe('Message 70');
    expect(texts()[0]).not.toBe('Message 1');
    expect(ui.text('.ld button')).toBe('Earlier messages');
    await ui.click('.ld button');
    await flush();
    expect(ui.widget.state.messages).toHaveLength(70);
    expect(ui.server.received.filter((f) => f.t == 'hist')).toHaveLength(1);
    expect(ui.$('.ld')).toBeNull();
  });
});
