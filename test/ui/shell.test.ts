import { afterEach, describe, expect, it, vi } from 'vitest';
import { mount } from '../../src/ui/index';
import { createShell } from '../../src/ui/shell';
import type { Widget } from '../../src/core/widget';
import { createMemoryTransport } from '../../src/transport/memory';
import { sourceChunks } from '../helpers/lang-chunks';
import { flush, setup } from '../helpers/widget';

const stops: Array<() => void> = [];
afterEach(() => {
  stops.splice(0).forEach((stop) => stop());
  for (const el of Array.from(document.querySelectorAll('[data-visitor-chat]'))) el.remove();
});

/** A headless widget on the memory transport with the launcher shell drawn for it. */
async function drawn(options: Parameters<typeof setup>[0] = {}, warn?: (m: string) => void) {
  const s = setup(options);
  stops.push(() => s.widget.destroy());
  await s.widget.ready();
  await flush();
  const prefetch = vi.fn();
  const chunks: string[] = [];
  const shell = createShell(s.widget, document, prefetch, sourceChunks(chunks), warn);
  const host = document.querySelector<HTMLElement>('[data-visitor-chat]')!;
  const root = host.shadowRoot!;
  const $ = (sel: string) => root.querySelector<HTMLElement>(sel);
  return { ...s, shell, host, root, $, prefetch, chunks };
}

describe('the launcher shell (drawn without Preact)', () => {
  it('draws a labelled launcher in an open shadow root, placed and coloured by the config', async () => {
    const { host, root, $ } = await drawn({ orientation: 'left', offsetX: 30, color: '#ffcc00' });
    expect(host.parentElement).toBe(document.body);
    expect(root.mode).toBe('open');
    expect(root.adoptedStyleSheets).toHaveLength(1);
    const ln = $('button.ln')!;
    expect(ln.getAttribute('aria-label')).toBe('Open chat');
    expect(ln.getAttribute('aria-expanded')).toBe('false');
    // The speech bubble is CSS on an empty element: nothing to announce, and no SVG in the shell
    // (the first SVG element costs a page about a millisecond of script on a first view).
    expect(ln.querySelector('.ic')!.textContent).toBe('');
    expect(root.querySelector('svg')).toBeNull();
    const box = $('.vc')!;
    expect(box.className).toBe('vc fx l');
    expect(box.style.getPropertyValue('--x')).toBe('30px');
    expect(box.style.getPropertyValue('--c')).toBe('#ffcc00');
    // Dark text on a light brand colour, as the UI draws it.
    expect(box.style.getPropertyValue('--f')).toBe('#111827');
  });

  it('draws in the page corner when renderTo names no element, and inline when it does', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const missing = await drawn({ renderTo: 'chatbox' });
      expect(missing.host.parentElement).toBe(document.body);
      expect(missing.$('.vc')!.className).toBe('vc fx r');
      expect(warn.mock.calls.map((c) => c[0])).toEqual([
        '[visitor-chat] renderTo "chatbox" not found; using the page corner',
      ]);
      // The UI that takes over the shell's host keeps it in the corner (and full-screen on a
      // phone): it asks where the host is, not what the config names.
      missing.shell.takeOver();
      stops.splice(0).forEach((stop) => stop());
      missing.host.remove();
      const box = document.createElement('section');
      box.id = 'chat-box';
      document.body.append(box);
      const found = await drawn({ renderTo: 'chat-box' });
      expect(found.host.parentElement).toBe(box);
      expect(found.$('.vc')!.className).toBe('vc in r');
      box.remove();
    } finally {
      warn.mockRestore();
    }
  });

  it('shows the unread count in a badge and in the accessible name, in the visitor language', async () => {
    const { widget, server, $ } = await drawn({ lang: 'fr' });
    server.say('Bonjour');
    await flush();
    expect(widget.state.unread).toBe(1);
    expect($('.bd')!.textContent).toBe('1');
    expect($('.bd')!.getAttribute('aria-hidden')).toBe('true');
    await vi.waitFor(() =>
      expect($('.ln')!.getAttribute('aria-label')).toBe('Ouvrir le chat, 1 message non lu'),
    );
    server.say('Encore');
    await flush();
    expect($('.ln')!.getAttribute('aria-label')).toBe('Ouvrir le chat, 2 messages non lus');
    for (let i = 0; i < 120; i++) server.say('m' + i);
    await flush();
    expect($('.bd')!.textContent).toBe('99+');
    widget.markRead();
    await flush();
    expect($('.bd')).toBeNull();
  });

  it('prefetches the UI on hover, focus and touch, and opens the chat on click', async () => {
    const { widget, $, prefetch } = await drawn();
    const ln = $('.ln')!;
    ln.dispatchEvent(new Event('pointerenter'));
    ln.focus();
    ln.dispatchEvent(new Event('touchstart'));
    expect(prefetch).toHaveBeenCalledTimes(3);
    expect(widget.state.open).toBe(false);
    ln.click();
    await flush();
    expect(widget.state.open).toBe(true);
  });

  it('draws the auto-message preview as text, dismissed by its button or Escape', async () => {
    const { widget, server, $ } = await drawn();
    const html = '<img src=x onerror=alert(1)>';
    server.say(html, { name: 'Eva <b>' });
    await flush();
    expect($('.pv .nm')!.textContent).toBe('Eva <b>');
    expect($('.pv .pvt')!.textContent).toBe(html);
    expect($('.pv img')).toBeNull();
    expect($('.pvx')!.getAttribute('aria-label')).toBe('Dismiss');
    $('.pvx')!.focus();
    $('.pvx')!.click();
    await flush();
    expect($('.pv')).toBeNull();
    expect(widget.state.autoMessage).toBeNull();
    // Its buttons are gone: the focus goes to the launcher, not to the page.
    expect(($('.ln')!.getRootNode() as ShadowRoot).activeElement).toBe($('.ln'));
    server.say('Another');
    await flush();
    expect($('.pv')).toBeNull();
  });

  it('opens the chat from the preview and follows Escape while it shows', async () => {
    const conditions = [{ type: 'event', name: 'go' }];
    const rule = { id: 'hi', text: 'Need help?', frequency: 'visit', conditions };
    const transport = createMemoryTransport({ server: { rules: [rule] } });
    const { widget, server, $ } = await drawn({ transport });
    widget.exec(['trigger', 'go']);
    await flush();
    expect($('.pv .pvt')!.textContent).toBe('Need help?');
    $('.ln')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    expect(widget.state.autoMessage).toBeNull();
    await flush();
    expect($('.pv')).toBeNull();
    server.say('Hello from Eva');
    await flush();
    $('.pvb')!.click();
    await flush();
    expect(widget.state.open).toBe(true);
  });

  it('disappears while hidden or blocked', async () => {
    const { widget, server, root } = await drawn();
    await widget.run('chat:hide');
    expect(root.childElementCount).toBe(0);
    await widget.run('chat:show');
    expect(root.querySelector('.ln')).not.toBeNull();
    server.block();
    await flush();
    expect(root.childElementCount).toBe(0);
  });

  it('hands its shadow root to the UI: one host, the focus kept on the launcher', async () => {
    const { widget, shell, host, root } = await drawn();
    (root.querySelector('.ln') as HTMLElement).focus();
    const unmount = mount(widget, shell);
    stops.push(unmount);
    await flush();
    expect(document.querySelectorAll('[data-visitor-chat]')).toHaveLength(1);
    expect(host.shadowRoot).toBe(root);
    expect(root.querySelectorAll('.ln')).toHaveLength(1);
    expect(root.activeElement).toBe(root.querySelector('.ln'));
    // The shell no longer draws: the UI alone reacts to state.
    await widget.open();
    await flush();
    expect(root.querySelector('.win')).not.toBeNull();
  });
});

describe('the launcher shell in other languages', () => {
  it('loads nothing for English and says the count without plural rules', async () => {
    const { server, $, chunks } = await drawn();
    server.say('Hi');
    await flush();
    expect($('.ln')!.getAttribute('aria-label')).toBe('Open chat, unread messages: 1');
    expect(chunks).toEqual([]);
  });

  it('loads the language layer and the table once, with plural rules (Czech: 1, 3, 5)', async () => {
    const { widget, server, $, chunks } = await drawn({ lang: 'cs' });
    const label = () => $('.ln')!.getAttribute('aria-label');
    await vi.waitFor(() => expect(label()).toBe('Otevřít chat'));
    server.say('a');
    await flush();
    expect(label()).toBe('Otevřít chat, 1 nepřečtená zpráva');
    server.say('b');
    server.say('c');
    await flush();
    expect(label()).toBe('Otevřít chat, 3 nepřečtené zprávy');
    server.say('d');
    server.say('e');
    await flush();
    expect(label()).toBe('Otevřít chat, 5 nepřečtených zpráv');
    await widget.run('language', 'en');
    await flush();
    expect(label()).toBe('Open chat, unread messages: 5');
    await widget.run('language', 'cs');
    await flush();
    expect(label()).toBe('Otevřít chat, 5 nepřečtených zpráv');
    expect(chunks).toEqual(['lang.js', 'lang/cs.js']);
  });

  it('localises the auto-message preview and lays out right to left for Arabic', async () => {
    const { server, $ } = await drawn({ lang: 'ar' });
    await vi.waitFor(() => expect($('.ln')!.getAttribute('aria-label')).toBe('فتح المحادثة'));
    server.say('مرحبًا');
    await flush();
    expect($('.pv .nm')!.textContent).toBe('الدعم');
    expect($('.pvx')!.getAttribute('aria-label')).toBe('إغلاق');
    expect($('.vc')!.dir).toBe('rtl');
  });

  it('says when a language has no table, from the config or a command, and shows English', async () => {
    const warn = vi.fn();
    const { widget, $, chunks } = await drawn({ lang: 'xx' }, warn);
    await vi.waitFor(() =>
      expect(warn).toHaveBeenCalledWith('language "xx" has no translation; showing English'),
    );
    expect($('.ln')!.getAttribute('aria-label')).toBe('Open chat');
    await widget.run('language', 'qq-QQ');
    await vi.waitFor(() =>
      expect(warn).toHaveBeenCalledWith('language "qq-qq" has no translation; showing English'),
    );
    // A language with a table says nothing.
    await widget.run('language', 'fr-CA');
    await vi.waitFor(() => expect($('.ln')!.getAttribute('aria-label')).toBe('Ouvrir le chat'));
    expect(warn).toHaveBeenCalledTimes(2);
    // No table is asked for a language without one.
    expect(chunks.filter((c) => c != 'lang.js')).toEqual(['lang/fr.js']);
  });

  /**
   * With the browser's languages `browser` and `lang: 'auto'`: `act` sets French by command
   * (before or while the language layer loads); French stays, and nothing is warned about.
   */
  async function frenchByCommand(browser: string[], act: (w: Widget) => Promise<unknown> | void) {
    const langs = vi.spyOn(navigator, 'languages', 'get').mockReturnValue(browser);
    const lang = vi.spyOn(navigator, 'language', 'get').mockReturnValue(browser[0]!);
    try {
      const warn = vi.fn();
      const { widget, $ } = await drawn({ lang: 'auto' }, warn);
      expect(widget.state.lang).toBe(browser[0]);
      await act(widget);
      await vi.waitFor(() => expect($('.ln')!.getAttribute('aria-label')).toBe('Ouvrir le chat'));
      await flush();
      expect(widget.state.lang).toBe('fr');
      expect(warn).not.toHaveBeenCalled();
    } finally {
      langs.mockRestore();
      lang.mockRestore();
    }
  }

  it("keeps a language set by command over lang: 'auto' (an English browser)", () =>
    frenchByCommand(['en-US', 'de'], (w) => w.run('language', 'fr')));

  // The shell asks for lang.js for the browser's `gd`; the site says French before it is here.
  it("keeps a language set by command while the language layer loads (lang: 'auto')", () =>
    frenchByCommand(['gd', 'de-AT'], (w) => w.exec(['language', 'fr'])));

  it("settles lang: 'auto' on the first of navigator.languages the UI speaks", async () => {
    const langs = vi.spyOn(navigator, 'languages', 'get').mockReturnValue(['gd', 'de-AT', 'fr']);
    const lang = vi.spyOn(navigator, 'language', 'get').mockReturnValue('gd');
    try {
      const { widget, $ } = await drawn({ lang: 'auto' });
      await vi.waitFor(() => expect(widget.state.lang).toBe('de-at'));
      await vi.waitFor(() => expect($('.ln')!.getAttribute('aria-label')).toBe('Chat öffnen'));
    } finally {
      langs.mockRestore();
      lang.mockRestore();
    }
  });
});
