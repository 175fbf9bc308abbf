import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryTransport } from '../../src/transport/memory';
import { mount } from '../../src/ui/npm';
import { cleanup, flush, mountUI, readyWidget } from './setup';

afterEach(cleanup);

describe('the composer', () => {
  it('sends on Enter and clears itself', async () => {
    const ui = await mountUI();
    await ui.open();
    await ui.type('#vc-in', 'Hello there');
    await ui.key('#vc-in', 'Enter');
    expect(ui.sent()).toEqual(['Hello there']);
    expect(ui.$<HTMLTextAreaElement>('#vc-in')!.value).toBe('');
    expect(ui.$('.m.v .bb')!.textContent).toBe('Hello there');
  });

  it('adds a line on Shift+Enter instead of sending, and ignores Enter while an IME composes', async () => {
    const ui = await mountUI();
    await ui.open();
    await ui.type('#vc-in', 'line one');
    await ui.key('#vc-in', 'Enter', { shiftKey: true });
    await ui.key('#vc-in', 'Enter', { isComposing: true });
    expect(ui.sent()).toEqual([]);
  });

  it('sends with the send button, which is disabled while the text is blank', async () => {
    const ui = await mountUI();
    await ui.open();
    expect(ui.$<HTMLButtonElement>('.sd')!.disabled).toBe(true);
    await ui.type('#vc-in', '   ');
    expect(ui.$<HTMLButtonElement>('.sd')!.disabled).toBe(true);
    await ui.type('#vc-in', ' hi ');
    expect(ui.$<HTMLButtonElement>('.sd')!.getAttribute('aria-label')).toBe('Send');
    ui.$('form.cp')!.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
    await flush();
    expect(ui.sent()).toEqual(['hi']);
  });

  it('is pre-filled by chat:message without sending', async () => {
    const ui = await mountUI();
    await ui.widget.run('chat:message', 'I have a question about order #42');
    await ui.open();
    expect(ui.$<HTMLTextAreaElement>('#vc-in')!.value).toBe('I have a question about order #42');
    expect(ui.sent()).toEqual([]);
  });

  it('tells the server the visitor is typing through setDraft', async () => {
    const ui = await mountUI();
    await ui.open();
    await ui.type('#vc-in', 'h');
    await ui.type('#vc-in', 'hi');
    await ui.type('#vc-in', '');
    await flush();
    const typing = ui.server.received.filter((f) => f.t == 'typing');
    expect(typing).toEqual([
      { t: 'typing', on: true },
      { t: 'typing', on: false },
    ]);
  });

  it('limits the text to 4000 characters and shows a counter near the limit', async () => {
    const ui = await mountUI();
    await ui.open();
    const input = ui.$<HTMLTextAreaElement>('#vc-in')!;
    expect(input.maxLength).toBe(4000);
    await ui.type('#vc-in', 'x'.repeat(3000));
    expect(ui.$('.cn')).toBeNull();
    await ui.type('#vc-in', 'x'.repeat(3900));
    expect(ui.text('.cn')).toBe('100 characters left');
    expect(input.getAttribute('aria-describedby')).toBe('vc-cn');
  });
});

describe('a UI mounted on an open chat', () => {
  it('takes what the visitor typed before its first frame: Enter sends it', async () => {
    // The launcher shell opened the chat; ui.js mounts and the visitor types and presses Enter
    // at once, before the browser paints (a busy page delays the frame by hundreds of ms).
    const transport = createMemoryTransport();
    const widget = await readyWidget(transport);
    await widget.open();
    await flush();
    const unmount = mount(widget);
    try {
      const root = document.querySelector('[data-visitor-chat]')!.shadowRoot!;
      const input = root.querySelector<HTMLTextAreaElement>('#vc-in')!;
      input.value = 'Typed at once';
      input.dispatchEvent(new Event('input', { bubbles: true }));
      // Microtasks only (Preact's re-render), no timer or frame.
      for (let i = 0; i < 5; i++) await Promise.resolve();
      input.dispatchEvent(
        new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }),
      );
      await flush();
      expect(transport.server.received.flatMap((f) => (f.t == 'msg' ? [f.text] : []))).toEqual([
        'Typed at once',
      ]);
      expect(input.value).toBe('');
    } finally {
      unmount();
      widget.destroy();
    }
  });
});
