// @vitest-environment node
import { describe, expect, it } from 'vitest';
import type { RunningServer } from '../../demo/server/server';
import { api, hello, serve, visit, type Frame } from './helpers';

/** A visitor whose open conversation holds `n` agent messages ("1" … "n"), oldest first. */
async function longChat(s: RunningServer, n: number) {
  const first = await visit(s.url);
  const { vid, token } = first;
  first.c.close();
  expect((await api(s, 'POST', `/api/visitors/${vid}/conversation`, { text: '1' })).status).toBe(
    201,
  );
  for (let i = 2; i <= n; i++)
    expect(
      (await api(s, 'POST', `/api/visitors/${vid}/messages`, { text: String(i) })).status,
    ).toBe(201);
  return { vid, token };
}

const texts = (list: Frame[]) => list.map((m) => m.text).join(',');
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i).join(',');

/** Posts frames over the HTTP transport; resolves the server frames of the answer. */
async function post(s: RunningServer, vid: string, token: string, frames: unknown[]) {
  const res = await fetch(`${s.url}/v1/frames?key=demo`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: JSON.stringify({ vid, token, frames }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { frames: Frame[] }).frames;
}

describe('a long conversation, a page at a time', () => {
  it('welcomes with the newest 50 messages and pages back with hist over WebSocket', async () => {
    const s = await serve();
    const { vid, token } = await longChat(s, 120);
    const { c, welcome } = await visit(s.url, { vid, token });
    expect(texts(welcome.messages)).toBe(range(71, 120));
    expect(welcome.more).toBe(true);
    c.send({ t: 'hist', before: welcome.messages[0].id });
    const page = await c.next('hist');
    expect(page).toMatchObject({ before: welcome.messages[0].id, more: true });
    expect(texts(page.messages)).toBe(range(21, 70));
    c.send({ t: 'hist', before: page.messages[0].id, limit: 30 });
    const last = await c.next('hist');
    expect(texts(last.messages)).toBe(range(1, 20));
    expect(last.more).toBe(false);
  });

  it('answers hist in the same response over HTTP', async () => {
    const s = await serve();
    const { vid, token } = await longChat(s, 60);
    const [welcome] = await post(s, vid, token, [hello({ vid, token })]);
    expect(welcome!.messages).toHaveLength(50);
    expect(welcome!.more).toBe(true);
    const [page] = await post(s, vid, token, [
      { t: 'hist', before: welcome!.messages[0].id, limit: 5 },
    ]);
    expect(page).toMatchObject({ t: 'hist', more: true });
    expect(texts(page!.messages)).toBe(range(6, 10));
  });

  it('sends no more flag for a short conversation and an empty page for an unknown id', async () => {
    const s = await serve();
    const { vid, token } = await longChat(s, 3);
    const { c, welcome } = await visit(s.url, { vid, token });
    expect(texts(welcome.messages)).toBe('1,2,3');
    expect(welcome.more).toBeUndefined();
    c.send({ t: 'hist', before: 'no-such-message' });
    expect(await c.next('hist')).toEqual({
      t: 'hist',
      before: 'no-such-message',
      messages: [],
      more: false,
    });
  });

  it('refuses a malformed hist request with a reason and keeps the connection', async () => {
    const s = await serve();
    const { c } = await visit(s.url);
    c.send({ t: 'hist', before: 'x', limit: 500 });
    expect(await c.next('err')).toMatchObject({
      code: 'bad_frame',
      message: 'hist.limit must be a whole number from 1 to 50',
    });
    c.send({ t: 'hist', before: 'x' });
    expect((await c.next('hist')).messages).toEqual([]);
  });
});
