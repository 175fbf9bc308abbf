// @vitest-environment node
/**
 * Messages with files (DESIGN.md §9): a visitor sends files it uploaded, exactly once, and only
 * its own; agents see them in the API and the feed and send files back.
 */
import { describe, expect, it } from 'vitest';
import { download, PDF, PNG, upload } from './file-helpers';
import { api, serve, sse, until, visit } from './helpers';

describe('messages with attachments', () => {
  it('sends uploaded files with a message: acked, echoed, in the feed, the agent API and the next welcome', async () => {
    const s = await serve();
    const feed = await sse(s.url + '/api/events', { authorization: 'Bearer ' + s.agentToken });
    const who = await visit(s.url);
    const tab2 = await visit(s.url, { vid: who.vid, token: who.token });
    const png = (await upload(s, who, PNG, 'shot.png')).json.file;
    const pdf = (await upload(s, who, PDF, 'order.pdf')).json.file;
    who.c.send({
      t: 'msg',
      cid: 'f1',
      text: '',
      at: Date.now(),
      attachments: [{ id: png.id }, { id: pdf.id }],
    });
    const ack = await who.c.next('ack');
    const echo = await tab2.c.next('msg');
    expect(echo.m).toMatchObject({
      id: ack.id,
      from: 'visitor',
      text: '',
      attachments: [png, pdf],
    });
    const event = await feed.next('message', (d) => d.visitorId == who.vid);
    expect(event.message.attachments).toEqual([png, pdf]);
    const detail = (await api(s, 'GET', '/api/visitors/' + who.vid)).json;
    expect(detail.messages.find((m: { id: string }) => m.id == ack.id).attachments).toEqual([
      png,
      pdf,
    ]);
    const again = await visit(s.url, { vid: who.vid, token: who.token });
    expect(again.welcome.messages.at(-1)).toMatchObject({ id: ack.id, attachments: [png, pdf] });
  });

  it('acknowledges a resent message with the same cid and files once, with the first id', async () => {
    const s = await serve();
    const who = await visit(s.url);
    const png = (await upload(s, who, PNG, 'shot.png')).json.file;
    const frame = {
      t: 'msg',
      cid: 'same',
      text: 'see',
      at: Date.now(),
      attachments: [{ id: png.id }],
    };
    who.c.send(frame);
    const first = await who.c.next('ack');
    who.c.send(frame);
    const second = await who.c.next('ack');
    expect(second.id).toBe(first.id);
    const detail = (await api(s, 'GET', '/api/visitors/' + who.vid)).json;
    const mine = detail.messages.filter((m: { from: string }) => m.from == 'visitor');
    expect(mine).toHaveLength(1);
    expect(mine[0].attachments).toEqual([png]);
  });

  it('refuses a file another visitor uploaded (err bad_attachment) and stores nothing', async () => {
    const s = await serve();
    const a = await visit(s.url);
    const b = await visit(s.url);
    const file = (await upload(s, a, PNG, 'a.png')).json.file;
    b.c.send({
      t: 'msg',
      cid: 'steal',
      text: 'mine now',
      at: Date.now(),
      attachments: [{ id: file.id }],
    });
    expect(await b.c.next('err')).toMatchObject({ code: 'bad_attachment' });
    b.c.send({ t: 'msg', cid: 'ghost', text: '', at: Date.now(), attachments: [{ id: 'nope' }] });
    expect(await b.c.next('err')).toMatchObject({ code: 'bad_attachment' });
    expect(b.c.frames.some((f) => f.t == 'ack')).toBe(false);
    const detail = (await api(s, 'GET', '/api/visitors/' + b.vid)).json;
    expect(detail.messages).toEqual([]);
    expect((await download(s, file.url, b)).status).toBe(404);
  });

  it('lets an agent send a file into the conversation, which its visitor can read', async () => {
    const s = await serve();
    const who = await visit(s.url);
    const auth = { authorization: 'Bearer ' + s.agentToken };
    const post = (q = '') =>
      fetch(`${s.url}/api/visitors/${who.vid}/files${q}`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'image/png', 'x-filename': 'map.png' },
        body: PNG,
      });
    expect((await post()).status).toBe(409);
    who.c.send({ t: 'msg', cid: 'q', text: 'where are you?', at: Date.now() });
    await who.c.next('ack');
    const res = await post('?text=' + encodeURIComponent('Here:') + '&name=Eva');
    expect(res.status).toBe(201);
    const { message } = await res.json();
    expect(message).toMatchObject({ from: 'agent', text: 'Here:', name: 'Eva' });
    expect(message.attachments).toEqual([
      expect.objectContaining({ name: 'map.png', type: 'image/png', size: PNG.length }),
    ]);
    const got = await until(() => who.c.frames.find((f) => f.t == 'msg' && f.m.from == 'agent'));
    expect(got.m.attachments).toEqual(message.attachments);
    const file = message.attachments[0];
    expect((await download(s, file.url, who)).body.equals(PNG)).toBe(true);
    expect((await download(s, file.url, await visit(s.url))).status).toBe(404);
    // A visitor cannot send the agent's file as its own.
    who.c.send({ t: 'msg', cid: 'x', text: '', at: Date.now(), attachments: [{ id: file.id }] });
    expect(await who.c.next('err')).toMatchObject({ code: 'bad_attachment' });
    const html = await fetch(`${s.url}/api/visitors/${who.vid}/files`, {
      method: 'POST',
      headers: { ...auth, 'x-filename': 'x.png' },
      body: '<html><script>alert(1)</script>',
    });
    expect(html.status).toBe(415);
  });
});
