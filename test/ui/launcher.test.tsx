import { afterEach, describe, expect, it, vi } from 'vitest';
import { mount } from '../../src/ui/npm';
import { cleanup, flush, mountUI } from './setup';

afterEach(cleanup);

/** WCAG contrast of two colours given as [r, g, b] (0-255), and `#rrggbb` read as one. */
const hex = (c: string) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
const lum = (rgb: number[]) =>
  rgb.reduce((sum, c, i) => {
    const v = c / 255;
    const l = v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    return sum + l * [0.2126, 0.7152, 0.0722][i]!;
  }, 0);
const ratio = (a: number[], b: number[]) =>
  (Math.max(lum(a), lum(b)) + 0.05) / (Math.min(lum(a), lum(b)) + 0.05);

describe('mount', () => {
  it('renders into an open shadow root on a data-visitor-chat host appended to body', async () => {
    const ui = await mountUI();
    expect(ui.host.parentElement).toBe(document.body);
    expect(ui.host.shadowRoot?.mode).toBe('open');
    // The launcher's rules, then the UI's (the file layer adds a third as the window opens).
    const sheets = ui.root.adoptedStyleSheets.map((s) => s.cssRules.length);
    expect(sheets).toHaveLength(2);
    expect(sheets.every((n) => n > 10)).toBe(true);
    expect(ui.root.querySelectorAll('style')).toHaveLength(0);
    expect(ui.$('.ln')).not.toBeNull();
  });

  it('renders inside config.renderTo (an element id) in the page flow', async () => {
    const box = document.createElement('section');
    box.id = 'chat-box';
    document.body.append(box);
    const ui = await mountUI({ renderTo: 'chat-box' });
    expect(ui.host.parentElement).toBe(box);
    expect(ui.$('.vc')!.className).toContain('in');
    expect(ui.$('.vc')!.className).not.toContain('fx');
    box.remove();
  });

  it('stays in the page corner when config.renderTo names no element', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const ui = await mountUI({ renderTo: 'no-such-box' });
      expect(ui.host.parentElement).toBe(document.body);
      expect(ui.$('.vc')!.className).toContain('fx');
      expect(ui.$('.vc')!.className).not.toContain('in');
      expect(warn).toHaveBeenCalledWith(
        '[visitor-chat] renderTo "no-such-box" not found; using the page corner',
      );
    } finally {
      warn.mockRestore();
    }
  });

  it('unmounts: the host is removed and state changes render nothing', async () => {
    const ui = await mountUI();
    ui.unmount();
    expect(document.querySelector('[data-visitor-chat]')).toBeNull();
    ui.server.say('still there?');
    await flush();
    expect(document.querySelector('[data-visitor-chat]')).toBeNull();
  });

  it('mounts one UI per widget: a second call warns and gives back the first unmount', async () => {
    const ui = await mountUI();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const again = mount(ui.widget);
      await flush();
      expect(document.querySelectorAll('[data-visitor-chat]')).toHaveLength(1);
      expect(warn.mock.calls.map((c) => c[0])).toEqual([
        '[visitor-chat] mount: this widget has a UI already',
      ]);
      again();
      expect(document.querySelector('[data-visitor-chat]')).toBeNull();
      // Once it is off, the widget may have a UI again.
      const third = mount(ui.widget);
      await flush();
      expect(document.querySelectorAll('[data-visitor-chat]')).toHaveLength(1);
      third();
    } finally {
      warn.mockRestore();
    }
  });
});

describe('the launcher', () => {
  it('shows an unread badge and says the count in its accessible name', async () => {
    const ui = await mountUI();
    expect(ui.$('.bd')).toBeNull();
    expect(ui.$('.ln')!.getAttribute('aria-label')).toBe('Open chat');
    ui.server.say('Hello!', { name: 'Eva' });
    ui.server.say('Anyone there?', { name: 'Eva' });
    await flush();
    expect(ui.text('.bd')).toBe('2');
    expect(ui.$('.bd')!.getAttribute('aria-hidden')).toBe('true');
    expect(ui.$('.ln')!.getAttribute('aria-label')).toBe('Open chat, unread messages: 2');
  });

  it('caps the badge at 99+', async () => {
    const ui = await mountUI();
    for (let i = 0; i < 120; i++) ui.server.say('m' + i);
    await flush(10);
    expect(ui.text('.bd')).toBe('99+');
  });

  it('opens and closes the chat, with aria-expanded', async () => {
    const ui = await mountUI();
    await ui.click('.ln');
    expect(ui.widget.state.open).toBe(true);
    expect(ui.$('.ln')!.getAttribute('aria-expanded')).toBe('true');
    expect(ui.$('.ln')!.getAttribute('aria-label')).toBe('Close chat');
    expect(ui.$('[role=dialog]')).not.toBeNull();
    await ui.click('.ln');
    expect(ui.widget.state.open).toBe(false);
    expect(ui.$('[role=dialog]')).toBeNull();
  });

  it('sits in the right corner by default with the configured offsets and z-index', async () => {
    const ui = await mountUI({ offsetX: 30, offsetY: 40, zIndex: 77 });
    const vc = ui.$('.vc')!;
    expect(vc.className).toBe('vc fx r');
    expect(vc.style.getPropertyValue('--x')).toBe('30px');
    expect(vc.style.getPropertyValue('--y')).toBe('40px');
    expect(vc.style.getPropertyValue('--z')).toBe('77');
  });

  it('moves to the left with orientation: left', async () => {
    const ui = await mountUI({ orientation: 'left' });
    expect(ui.$('.vc')!.className).toBe('vc fx l');
  });

  it('picks white or dark text by WCAG contrast with the brand colour', async () => {
    const ui = await mountUI({ color: '#1a237e' });
    const vc = () => ui.$('.vc')!.style;
    expect(vc().getPropertyValue('--c')).toBe('#1a237e');
    expect(vc().getPropertyValue('--f')).toBe('#ffffff');
    await ui.widget.run('theme:color', '#ffeb3b');
    await flush();
    expect(vc().getPropertyValue('--f')).toBe('#111827');
    // A yellow brand is not readable as text on white: accents fall back to dark.
    expect(vc().getPropertyValue('--a')).toBe('#111827');
  });

  it("reads the agent avatar's initials at least as well as the header text, on any brand", async () => {
    const ui = await mountUI();
    // The default blue, a red, a slate and a violet take white text; a yellow and an orange dark.
    for (const brand of ['#2563eb', '#e11d48', '#64748b', '#7c3aed', '#facc15', '#ff6600']) {
      await ui.widget.run('theme:color', brand);
      await flush();
      const style = ui.$('.vc')!.style;
      const text = hex(style.getPropertyValue('--f'));
      const veil = /^rgba\((\d+),(\d+),(\d+),([\d.]+)\)$/.exec(style.getPropertyValue('--o'));
      expect(veil, brand).not.toBeNull();
      const [r, g, b, a] = veil!.slice(1).map(Number) as [number, number, number, number];
      const disc = hex(brand).map((c, i) => c * (1 - a) + [r, g, b][i]! * a);
      expect(ratio(text, disc), brand).toBeGreaterThanOrEqual(ratio(text, hex(brand)));
      expect(ratio(text, disc), brand).toBeGreaterThanOrEqual(4.5);
    }
  });

  it('uses a gradient when theme:color sets color2 with colorGradient', async () => {
    const ui = await mountUI();
    await ui.widget.run('theme:color', {
      color: '#0d47a1',
      color2: '#7b1fa2',
      colorGradient: true,
    });
    await flush();
    const style = ui.$('.vc')!.style;
    expect(style.getPropertyValue('--c')).toBe('linear-gradient(135deg,#0d47a1,#7b1fa2)');
    expect(style.getPropertyValue('--f')).toBe('#ffffff');
  });

  it('is hidden with hideWidget, and chat:show / chat:hide toggle it live', async () => {
    const ui = await mountUI({ hideWidget: true });
    expect(ui.$('.ln')).toBeNull();
    await ui.widget.run('chat:show');
    await flush();
    expect(ui.$('.ln')).not.toBeNull();
    await ui.widget.run('chat:hide');
    await flush();
    expect(ui.$('.ln')).toBeNull();
  });
});
