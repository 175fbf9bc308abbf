import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSpyStore, flush, trackWidgets } from '../helpers/widget';

// The facade and boot of the headless widget (core/widget.ts): config, the lazy UI, strings.
const make = trackWidgets(afterEach);
afterEach(() => {
  vi.useRealTimers();
});

describe('config', () => {
  it('warns about wrong types and unknown keys and uses defaults', async () => {
    const { widget, warnings } = make({
      orientation: 'top' as 'left',
      zIndex: 'top' as unknown as number,
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

  it('warns about a server that is not an http(s) or ws(s) URL, with the chat layer', async () => {
    const { widget, warnings } = make({ server: 'ftp://chat.example.com' });
    await widget.ready();
    expect(widget.state.config.server).toBeUndefined();
    expect(warnings()).toEqual([
      '[visitor-chat] config "server" must be an http(s) or ws(s) URL; using the default',
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

  it("are the language's they were given for: another language shows its own, and back again", async () => {
    const { widget } = make({ lang: 'de' });
    await widget.run('translations', { title: 'Brauchen Sie Hilfe?' });
    await widget.run('language', 'fr');
    expect([widget.state.lang, widget.state.translations]).toEqual(['fr', {}]);
    await widget.run('translations', { title: 'Besoin d’aide ?' });
    await widget.run('language', 'DE');
    expect(widget.state.translations).toEqual({ title: 'Brauchen Sie Hilfe?' });
    await widget.run('language', 'fr');
    expect(widget.state.translations).toEqual({ title: 'Besoin d’aide ?' });
  });
});

describe('the draft', () => {
  it('is kept on the device: the next page finds it, a logout wipes it', async () => {
    const storage = createSpyStore();
    const first = make({ storage });
    await first.widget.ready();
    first.widget.setDraft('Where is my ord');
    first.widget.setDraft('Where is my order?');
    // Kept when the page goes (not on every keystroke).
    window.dispatchEvent(new Event('pagehide'));
    await flush();
    first.widget.destroy();
    const next = make({ storage });
    await next.widget.ready();
    expect(next.widget.state.draft).toBe('Where is my order?');
    await next.widget.run('logout');
    await flush();
    const after = make({ storage });
    await after.widget.ready();
    expect(after.widget.state.draft).toBe('');
  });

  it('is kept once typing pauses for a second, once for a burst of keys', async () => {
    const storage = createSpyStore();
    const { widget } = make({ storage });
    await widget.ready();
    vi.useFakeTimers();
    try {
      for (const text of ['W', 'Wh', 'Whe', 'When']) {
        widget.setDraft(text);
        vi.advanceTimersByTime(300);
      }
      expect(storage.writes.filter((k) => k == 'draft')).toEqual([]);
      vi.advanceTimersByTime(700);
      expect(storage.writes.filter((k) => k == 'draft')).toEqual(['draft']);
      expect(storage.data.get('draft')).toBe('When');
      // Nothing typed since: the page going writes nothing more.
      window.dispatchEvent(new Event('pagehide'));
      expect(storage.writes.filter((k) => k == 'draft')).toHaveLength(1);
      // Typed, then destroyed before the pause: nothing is written after destroy.
      widget.setDraft('When does');
      widget.destroy();
      vi.advanceTimersByTime(2000);
      expect(storage.writes.filter((k) => k == 'draft')).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('stops keeping it once the widget is destroyed: its page listeners go with it', async () => {
    const storage = createSpyStore();
    const added = vi.spyOn(window, 'addEventListener');
    const removed = vi.spyOn(window, 'removeEventListener');
    try {
      const { widget } = make({ storage });
      await widget.ready();
      widget.setDraft('Half a question');
      widget.destroy();
      // The chat layer's: visibilitychange is only its own on window (the kernel's tab relay
      // keeps a pagehide listener of its own).
      const left = (type: string) =>
        added.mock.calls.filter((c) => c[0] == type).length -
        removed.mock.calls.filter((c) => c[0] == type).length;
      expect(left('visibilitychange')).toBe(0);
      window.dispatchEvent(new Event('pagehide'));
      await flush();
      expect(await storage.get('draft')).toBeUndefined();
      // Destroyed before its boot got there: none added after.
      make({ storage }).widget.destroy();
      await flush();
      await flush();
      expect(left('visibilitychange')).toBe(0);
    } finally {
      added.mockRestore();
      removed.mockRestore();
    }
  });

  it('drops a stored draft that is not text', async () => {
    const storage = createSpyStore();
    await storage.set('draft', { text: 'no' });
    const { widget } = make({ storage });
    await widget.ready();
    expect(widget.state.draft).toBe('');
  });
});
