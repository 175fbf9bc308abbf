import { afterEach, describe, expect, it, vi } from 'vitest';
import { MessageList } from '../../src/ui/MessageList';
import { Row } from '../../src/ui/MessageRow';
import { cleanup, flush, mountUI, withHistory } from './setup';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

/** A mounted UI whose window is open on a conversation of `n` agent messages. */
async function longChat(n: number) {
  const ui = await mountUI();
  await withHistory(ui, n);
  await ui.open();
  // The file layer the window loads changes the strings the list gets (one more render): on a
  // busy machine its import can outlast the flush, and land in what a test counts.
  await vi.dynamicImportSettled();
  await flush();
  return ui;
}

describe('the message list of a long chat', () => {
  it('renders the list once and only the new row for a live message', async () => {
    const ui = await longChat(300);
    const list = vi.spyOn(MessageList.prototype, 'render');
    const row = vi.spyOn(Row.prototype, 'render');
    ui.server.say('Live one', { name: 'Eva' });
    await flush();
    expect(ui.$$('.m .bb').at(-1)!.textContent).toBe('Live one');
    // The live-region announcement that follows does not render the list again.
    expect(ui.text('[aria-live=polite]')).toBe('Eva: Live one');
    expect(list).toHaveBeenCalledTimes(1);
    expect(row).toHaveBeenCalledTimes(1);
  });

  it("reads no row's position on a scroll while it follows the bottom, and does away from it", async () => {
    const ui = await longChat(300);
    const ls = ui.$('.ls')!;
    // A list laid out (happy-dom lays nothing out): a live message renders it at its bottom.
    Object.defineProperty(ls, 'scrollHeight', { configurable: true, get: () => 5000 });
    Object.defineProperty(ls, 'clientHeight', { configurable: true, get: () => 400 });
    ui.server.say('Live one', { name: 'Eva' });
    await flush();
    const read = vi.spyOn(Element.prototype, 'getBoundingClientRect');
    // At the bottom (the scroll a live message causes): nothing to anchor.
    ls.dispatchEvent(new Event('scroll'));
    expect(read).not.toHaveBeenCalled();
    // Scrolled up: the row at the top of the view is the anchor, read from the DOM.
    ls.scrollTop = 0;
    ls.dispatchEvent(new Event('scroll'));
    expect(read).toHaveBeenCalled();
  });

  it('does not render the list while the visitor types', async () => {
    const ui = await longChat(300);
    const list = vi.spyOn(MessageList.prototype, 'render');
    await ui.type('textarea', 'Hello th');
    await ui.type('textarea', 'Hello there');
    expect(ui.widget.state.draft).toBe('Hello there');
    expect(list).not.toHaveBeenCalled();
  });

  it('empties an open window whose welcome brings no messages, throwing nothing', async () => {
    // The reference server's welcome after an agent closed the conversation: a reconnect, or a
    // second tab's, with the window open.
    const ui = await longChat(3);
    const thrown = vi.fn();
    window.addEventListener('error', thrown);
    try {
      ui.server.closeConversation();
      ui.server.messages.length = 0;
      ui.server.disconnect();
      await flush();
      ui.server.connect();
      await flush();
      expect(ui.widget.state.messages).toEqual([]);
      expect(ui.$$('.m .bb')).toEqual([]);
      ui.server.say('A new one');
      await flush();
      expect(ui.$$('.m .bb').map((b) => b.textContent)).toEqual(['A new one']);
      expect(thrown).not.toHaveBeenCalled();
    } finally {
      window.removeEventListener('error', thrown);
    }
  });
});
