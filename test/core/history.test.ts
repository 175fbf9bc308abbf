import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryTransport } from '../../src/transport/memory';
import { flush, setup } from '../helpers/widget';

const widgets: Array<{ destroy(): void }> = [];
afterEach(() => widgets.splice(0).forEach((w) => w.destroy()));

/** A widget whose memory server already holds a conversation of `n` agent messages. */
async function longChat(n: number) {
  const transport = createMemoryTransport();
  for (let i = 1; i <= n; i++) transport.server.messages.push(msg(i));
  const s = setup({ transport });
  widgets.push(s.widget);
  await s.widget.ready();
  await flush();
  return s;
}
const msg = (i: number) => ({ id: 's-' + i, from: 'agent' as const, text: String(i), at: i });
const texts = (list: { text: string }[]) => list.map((m) => m.text);
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => String(from + i));

describe('a long conversation', () => {
  it('shows the newest 50 messages after the welcome and says older ones exist', async () => {
    const { widget } = await longChat(130);
    expect(texts(widget.state.messages)).toEqual(range(81, 130));
    expect(widget.state.older).toBe(true);
  });

  it('prepends older pages on loadOlder until the first message, one request at a time', async () => {
    const { widget, frames } = await longChat(130);
    widget.loadOlder();
    widget.loadOlder();
    expect(widget.state.loadingOlder).toBe(true);
    await flush();
    expect(frames('hist')).toEqual([{ t: 'hist', before: 's-81' }]);
    expect(texts(widget.state.messages)).toEqual(range(31, 130));
    expect(widget.state).toMatchObject({ older: true, loadingOlder: false });
    widget.loadOlder();
    await flush();
    expect(texts(widget.state.messages)).toEqual(range(1, 130));
    expect(widget.state.older).toBe(false);
    widget.loadOlder();
    await flush();
    expect(frames('hist')).toHaveLength(2);
  });

  it('asks nothing for a short conversation', async () => {
    const { widget, frames } = await longChat(10);
    expect(widget.state.older).toBe(false);
    widget.loadOlder();
    await flush();
    expect(frames('hist')).toEqual([]);
  });

  it('keeps the older messages already loaded across a reconnect', async () => {
    const { widget, server } = await longChat(130);
    widget.loadOlder();
    await flush();
    server.disconnect();
    await flush();
    server.say('131');
    server.connect();
    await flush();
    expect(texts(widget.state.messages)).toEqual(range(31, 131));
    expect(widget.state).toMatchObject({ older: true, loadingOlder: false });
  });

  it('ignores an answer that does not fit the list it would extend', async () => {
    const { widget, server } = await longChat(130);
    server.push({ t: 'hist', before: 's-5', messages: [msg(4)], more: true });
    await flush();
    expect(texts(widget.state.messages)).toEqual(range(81, 130));
  });
});
