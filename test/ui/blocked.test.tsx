import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, flush, mountUI } from './setup';

afterEach(cleanup);

describe('a blocked visitor', () => {
  it('sees the widget disappear, and come back live when unblocked', async () => {
    const ui = await mountUI();
    await ui.open();
    expect(ui.$('[role=dialog]')).not.toBeNull();
    ui.server.block();
    await flush();
    expect(ui.widget.state.visible).toBe(false);
    expect(ui.root.childNodes).toHaveLength(0);
    ui.server.unblock();
    await flush();
    expect(ui.$('.ln')).not.toBeNull();
    // The window stays closed: the agent unblocked, the visitor did not ask to chat.
    expect(ui.$('[role=dialog]')).toBeNull();
  });
});
