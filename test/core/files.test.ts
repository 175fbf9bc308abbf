import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryTransport } from '../../src/transport/memory';
import { parseMessage } from '../../src/protocol';
import { createFakeXHR, storedFile } from '../helpers/fake-xhr';
import { createSpyStore, flush, setup } from '../helpers/widget';

const SERVER = 'http://127.0.0.1:9';
const widgets: Array<{ destroy(): void }> = [];
function make(...args: Parameters<typeof setup>) {
  const s = setup({ server: SERVER, ...args[0] });
  widgets.push(s.widget);
  return s;
}
afterEach(() => {
  widgets.splice(0).forEach((w) => w.destroy());
  vi.unstubAllGlobals();
});

const png = () =>
  new File([new Uint8Array([137, 80, 78, 71, 1, 2, 3])], 'shot.png', { type: 'image/png' });
const stored = storedFile;

/** A first page that starts an upload of `png()` and is gone before it finishes (a reload). */
async function cutOff() {
  const storage = createSpyStore();
  const transport = createMemoryTransport();
  const first = await ready({ storage, transport });
  void first.widget.sendFile(png()).catch(() => {});
  await flush();
  first.widget.destroy();
  return { storage, transport };
}

async function ready(options: Parameters<typeof setup>[0] = {}) {
  const xhr = createFakeXHR();
  vi.stubGlobal('XMLHttpRequest', xhr.XHR);
  const s = make(options);
  await s.widget.ready();
  await flush();
  const files = await s.widget.files();
  return { ...s, ...xhr, files };
}

describe('sending a file', () => {
  it('refuses once the widget is destroyed: nothing is uploaded for no one to see', async () => {
    const { widget, files, requests } = await ready();
    widget.destroy();
    await expect(files.send(png())).rejects.toThrow('[visitor-chat] the widget was destroyed');
    await expect((await widget.files()).send(png())).rejects.toThrow('the widget was destroyed');
    await expect(widget.sendFile(png())).rejects.toThrow('the widget was destroyed');
    await flush();
    expect(requests).toHaveLength(0);
  });

  it('uploads it with the visitor token, shows its progress, then sends it as a message with the file id', async () => {
    const { widget, files, requests, server, frames } = await ready();
    const f = png();
    const sent = widget.sendFile(f);
    await flush();
    expect(requests).toHaveLength(1);
    const r = requests[0]!;
    const vid = widget.state.vid!;
    expect(r.method).toBe('POST');
    expect(r.url).toBe(
      SERVER +
        '/v1/files?key=test-key&vid=' +
        vid +
        '&token=' +
        encodeURIComponent('memory-' + vid),
    );
    expect(r.headers['content-type']).toBe('image/png');
    expect(r.headers['x-filename']).toBe('shot.png');
    expect(r.body).toBe(f);
    expect(files.state.uploads.map((u) => [u.name, u.progress])).toEqual([['shot.png', 0]]);
    r.progress(3, 7);
    expect(files.state.uploads[0]!.progress).toBeCloseTo(3 / 7);
    expect(frames('msg')).toEqual([]);

    server.files.set('f1', stored('f1', f));
    r.respond(201, { file: stored('f1', f) });
    const m = await sent;
    await flush();
    expect(files.state.uploads).toEqual([]);
    expect(m.attachments).toEqual([stored('f1', f)]);
    expect(frames('msg')).toEqual([
      { t: 'msg', cid: m.cid, text: '', at: m.at, attachments: [{ id: 'f1' }] },
    ]);
    expect(widget.state.messages.at(-1)).toMatchObject({
      cid: m.cid,
      status: 'sent',
      attachments: [stored('f1', f)],
    });
    expect(server.messages.at(-1)!.attachments).toEqual([stored('f1', f)]);
  });

  it('emits message_sent with the attachment', async () => {
    const { widget, requests } = await ready();
    const seen: unknown[] = [];
    widget.on('message_sent', (m) => seen.push(m.attachments));
    const sent = widget.sendFile(png());
    await flush();
    requests[0]!.respond(201, { file: stored('f2', png()) });
    await sent;
    expect(seen).toEqual([[stored('f2', png())]]);
  });

  it('sends files picked together in the order picked, whichever upload ends first', async () => {
    const { widget, files, requests, frames } = await ready();
    const ids = () =>
      frames('msg').map((f) => (f as { attachments: { id: string }[] }).attachments[0]!.id);
    const a = new File([new Uint8Array([1, 2, 3])], 'a.png', { type: 'image/png' });
    const b = new File([new Uint8Array([4, 5])], 'b.pdf', { type: 'application/pdf' });
    const c = new File([new Uint8Array([6])], 'c.png', { type: 'image/png' });
    const sent = [a, b, c].map((f) => widget.sendFile(f).catch((e: Error) => e.message));
    await flush();
    expect(requests).toHaveLength(3);
    // c and b finish first: they wait for a.
    requests[2]!.respond(201, { file: stored('fc', c) });
    requests[1]!.respond(201, { file: stored('fb', b) });
    await flush();
    expect(frames('msg')).toEqual([]);
    expect(files.state.uploads.map((u) => u.name)).toEqual(['a.png', 'b.pdf', 'c.png']);
    requests[0]!.respond(201, { file: stored('fa', a) });
    await flush();
    expect(ids()).toEqual(['fa', 'fb', 'fc']);
    expect(files.state.uploads).toEqual([]);
    expect((await Promise.all(sent)).map((m) => (m as { text: string }).text)).toEqual([
      '',
      '',
      '',
    ]);
    // One that fails does not hold the next back; one cancelled neither.
    const d = widget.sendFile(a).catch((e: Error) => e.message);
    const e = widget.sendFile(b).catch((e: Error) => e.message);
    await flush();
    requests[4]!.respond(201, { file: stored('fe', b) });
    await flush();
    expect(frames('msg')).toHaveLength(3);
    requests[3]!.respond(413, { error: 'too_large' });
    await flush();
    expect(ids()).toEqual(['fa', 'fb', 'fc', 'fe']);
    expect(await d).toBe('[visitor-chat] the upload failed: big');
    await e;
    const g = widget.sendFile(a).catch((e: Error) => e.message);
    void widget.sendFile(c);
    await flush();
    requests[6]!.respond(201, { file: stored('fg', c) });
    await flush();
    expect(frames('msg')).toHaveLength(4);
    files.cancel(files.state.uploads.find((u) => u.name == 'a.png' && !u.error)!.cid);
    expect(await g).toBe('[visitor-chat] the upload was cancelled');
    await flush();
    expect(ids()).toEqual(['fa', 'fb', 'fc', 'fe', 'fg']);
    // Done but waiting for one picked before it, then cancelled: never sent.
    void widget.sendFile(a).catch(() => {});
    const i = widget.sendFile(b).catch((e: Error) => e.message);
    await flush();
    requests[8]!.respond(201, { file: stored('fi', b) });
    await flush();
    files.cancel(files.state.uploads.find((u) => u.name == 'b.pdf')!.cid);
    expect(await i).toBe('[visitor-chat] the upload was cancelled');
    requests[7]!.respond(201, { file: stored('fh', a) });
    await flush();
    expect(ids()).toEqual(['fa', 'fb', 'fc', 'fe', 'fg', 'fh']);
    // Only the one refused as too big is left, to be removed.
    expect(files.state.uploads.map((u) => u.error)).toEqual(['big']);
  });

  it('stops an upload that is cancelled before it finishes: nothing is sent', async () => {
    const { widget, files, requests, frames } = await ready();
    const sent = widget.sendFile(png());
    await flush();
    files.cancel(files.state.uploads[0]!.cid);
    await expect(sent).rejects.toThrow('[visitor-chat] the upload was cancelled');
    expect(requests[0]!.aborted).toBe(true);
    requests[0]!.respond(201, { file: stored('f3', png()) });
    await flush();
    expect(files.state.uploads).toEqual([]);
    expect(frames('msg')).toEqual([]);
  });

  it('shows a file the server finds too big (413) or of a refused type (415) as failed, and a retry uploads it again', async () => {
    const { widget, files, requests, frames } = await ready();
    const a = widget.sendFile(png());
    const b = widget.sendFile(new File(['MZ'], 'tool.exe', { type: 'application/x-msdownload' }));
    await flush();
    requests[0]!.respond(413, { error: 'too_large' });
    requests[1]!.respond(415, { error: 'type_not_allowed' });
    await expect(a).rejects.toThrow(/big/);
    await expect(b).rejects.toThrow(/type/);
    expect(files.state.uploads.map((u) => u.error)).toEqual(['big', 'type']);
    files.retry(files.state.uploads[0]!.cid);
    expect(requests).toHaveLength(3);
    expect(files.state.uploads[0]!.error).toBeUndefined();
    requests[2]!.respond(201, { file: stored('f4', png()) });
    await flush();
    expect(files.state.uploads.map((u) => u.name)).toEqual(['tool.exe']);
    expect(frames('msg')).toHaveLength(1);
    files.remove(files.state.uploads[0]!.cid);
    expect(files.state.uploads).toEqual([]);
  });

  it("refuses a file over the welcome's maxFile at once as too big, without uploading it", async () => {
    // png() is 7 bytes: one over a 6-byte limit, one of exactly 7 still goes up.
    const transport = createMemoryTransport({ server: { maxFile: 6 } });
    const { widget, files, requests, frames, warnings } = await ready({ transport });
    await expect(widget.sendFile(png())).rejects.toThrow('[visitor-chat] the upload failed: big');
    expect(files.state.uploads.map((u) => [u.name, u.size, u.error, u.file])).toEqual([
      ['shot.png', 7, 'big', undefined],
    ]);
    widget.exec(['chat:file', png()]);
    await flush();
    expect(warnings()).toEqual(['[visitor-chat] the upload failed: big']);
    expect(requests).toEqual([]);
    expect(frames('msg')).toEqual([]);
    // A later welcome with a larger limit (the site raised it) lets the same file through.
    transport.server.options.maxFile = 7;
    transport.server.disconnect();
    transport.server.connect();
    await flush();
    void widget.sendFile(png()).catch(() => {});
    await flush();
    expect(requests).toHaveLength(1);
  });

  it('ignores a maxFile that is not a positive integer, with a warning, and uploads as before', async () => {
    for (const bad of [0, -5, 2.5, '6', null, { n: 6 }, [6]]) {
      const transport = createMemoryTransport({
        server: { maxFile: bad as unknown as number },
      });
      const { widget, files, requests, warnings } = await ready({ transport });
      expect(warnings()).toEqual([
        '[visitor-chat] ignored welcome.maxFile: it must be a positive integer',
      ]);
      const sent = widget.sendFile(png());
      await flush();
      expect(requests).toHaveLength(1);
      expect(files.state.uploads[0]!.error).toBeUndefined();
      // The server's 413 still tells, as with a server that sends no limit.
      requests[0]!.respond(413, { error: 'too_large' });
      await expect(sent).rejects.toThrow('[visitor-chat] the upload failed: big');
      widget.destroy();
    }
  });

  it('treats a network failure or a malformed answer as a failed upload, never as a message', async () => {
    const { widget, files, requests, frames } = await ready();
    const a = widget.sendFile(png());
    const b = widget.sendFile(png());
    await flush();
    requests[0]!.fail();
    requests[1]!.respond(201, { file: { id: 'x', name: 'a', size: 'big', type: 'image/png' } });
    await expect(a).rejects.toThrow(/network/);
    await expect(b).rejects.toThrow(/failed/);
    expect(files.state.uploads.map((u) => u.error)).toEqual(['network', 'network']);
    expect(frames('msg')).toEqual([]);
  });

  it('sends the uploaded file exactly once across a reconnect', async () => {
    const transport = createMemoryTransport({ server: { ack: false } });
    const { widget, requests, server } = await ready({ transport });
    const sent = widget.sendFile(png());
    await flush();
    server.files.set('f5', stored('f5', png()));
    requests[0]!.respond(201, { file: stored('f5', png()) });
    await sent;
    await flush();
    server.disconnect();
    await flush();
    server.options.ack = true;
    server.connect();
    await flush(10);
    expect(requests).toHaveLength(1);
    expect(server.messages.filter((m) => m.attachments)).toHaveLength(1);
    expect(widget.state.messages.at(-1)!.status).toBe('sent');
  });

  it('restarts an upload cut off by a reload from the copy the device kept', async () => {
    const second = await ready(await cutOff());
    await flush();
    expect(second.requests).toHaveLength(1);
    expect(second.files.state.uploads.map((u) => u.name)).toEqual(['shot.png']);
    expect((second.requests[0]!.body as Blob).size).toBe(png().size);
    second.requests[0]!.respond(201, { file: stored('f6', png()) });
    await flush();
    expect(second.files.state.uploads).toEqual([]);
    expect(second.frames('msg')).toHaveLength(1);
  });

  it('keeps the bytes of an upload on the device, not the Blob (WebKit private browsing refuses a Blob in IndexedDB)', async () => {
    const { storage } = await cutOff();
    const [kept] = (await storage.get('uploads')) as Array<{ file: unknown }>;
    expect(kept.file).toBeInstanceOf(ArrayBuffer);
    expect(new Uint8Array(kept.file as ArrayBuffer)).toEqual(
      new Uint8Array(await png().arrayBuffer()),
    );
  });

  it('keeps the bytes of an upload a reload restarted when the device copy is written again', async () => {
    const page = await cutOff();
    const { files } = await ready(page);
    await flush(10);
    // Another upload comes and goes: the list is written again, the restarted one with it.
    void files.send(png()).catch(() => {});
    await flush(10);
    files.cancel(files.state.uploads[files.state.uploads.length - 1]!.cid);
    await flush(10);
    const kept = (await page.storage.get('uploads')) as Array<{ name: string; file: unknown }>;
    expect(kept.map((u) => u.name)).toEqual(['shot.png']);
    expect(kept[0]!.file).toBeInstanceOf(ArrayBuffer);
  });

  it('restarts an upload cut off by a reload as the chat layer starts, before any UI asks for it', async () => {
    const page = await cutOff();
    const xhr = createFakeXHR();
    vi.stubGlobal('XMLHttpRequest', xhr.XHR);
    const second = make(page);
    await second.widget.ready();
    await flush(10);
    expect(xhr.requests.map((r) => r.headers['x-filename'])).toEqual(['shot.png']);
  });

  it('shows an upload whose file did not survive the reload as failed, to be removed', async () => {
    const storage = createSpyStore();
    const transport = createMemoryTransport();
    await storage.set('uploads', [
      { cid: 'c1', name: 'gone.pdf', size: 9, type: 'application/pdf', at: 1 },
    ]);
    const { files, requests } = await ready({ storage, transport });
    await flush();
    expect(requests).toEqual([]);
    expect(files.state.uploads.map((u) => [u.name, u.error])).toEqual([['gone.pdf', 'gone']]);
    files.retry('c1');
    expect(requests).toEqual([]);
    files.remove('c1');
    expect(files.state.uploads).toEqual([]);
    await flush();
    expect(await storage.get('uploads')).toEqual([]);
  });
});

describe('chat:file and sendFile', () => {
  it('refuses anything but a File or Blob with a clear warning and changes nothing', async () => {
    const { widget, warnings, requests, files } = await ready();
    const before = widget.state;
    widget.exec(['chat:file', 'shot.png']);
    widget.exec(['chat:file', { name: 'shot.png', size: 3 }]);
    await flush();
    expect(warnings()).toEqual(['[visitor-chat] chat:file needs a File or Blob']);
    await expect(widget.sendFile('x' as unknown as Blob)).rejects.toThrow(
      '[visitor-chat] sendFile needs a File or Blob',
    );
    expect(widget.state).toBe(before);
    expect(requests).toEqual([]);
    expect(files.state.uploads).toEqual([]);
  });

  it('uploads a file given to chat:file and warns when it fails', async () => {
    const { widget, warnings, requests } = await ready();
    widget.exec(['chat:file', png()]);
    await flush();
    expect(requests).toHaveLength(1);
    requests[0]!.respond(413);
    await flush();
    expect(warnings()).toEqual(['[visitor-chat] the upload failed: big']);
  });

  it('refuses an empty file, and any file without the server option', async () => {
    const { widget, files, requests } = await ready();
    await expect(widget.sendFile(new Blob([]))).rejects.toThrow('[visitor-chat] the file is empty');
    // The visitor who picked it sees it failed (no Retry: there is no file to send), not nothing.
    await expect(
      widget.sendFile(new File([], 'empty.txt', { type: 'text/plain' })),
    ).rejects.toThrow('[visitor-chat] the file is empty');
    expect(files.state.uploads.map((u) => [u.name, u.size, u.error, u.file])).toEqual([
      ['file', 0, 'empty', undefined],
      ['empty.txt', 0, 'empty', undefined],
    ]);
    expect(requests).toEqual([]);
    files.remove(files.state.uploads[0]!.cid);
    expect(files.state.uploads.map((u) => u.name)).toEqual(['empty.txt']);
    const other = make({ server: undefined });
    await expect(other.widget.sendFile(png())).rejects.toThrow(
      '[visitor-chat] files need the `server` option',
    );
  });
});

describe('attachments from the server', () => {
  it('keeps clean attachments on received messages and refuses malformed ones', () => {
    const a = { id: 'f', name: 'a.png', size: 3, type: 'image/png', url: '/v1/files/f', x: 1 };
    const ok = parseMessage({ id: 'm', from: 'agent', text: '', at: 1, attachments: [a] });
    expect(ok).toEqual({
      id: 'm',
      from: 'agent',
      text: '',
      at: 1,
      attachments: [{ id: 'f', name: 'a.png', size: 3, type: 'image/png', url: '/v1/files/f' }],
    });
    for (const bad of [{}, 'x', [{ ...a, size: '3' }], [{ ...a, id: '' }], Array(11).fill(a)])
      expect(parseMessage({ id: 'm', from: 'agent', text: '', at: 1, attachments: bad })).toMatch(
        /attachments/,
      );
  });

  it('fetches a file with the visitor token for a blob: URL, once per file', async () => {
    const xhr = createFakeXHR();
    vi.stubGlobal('XMLHttpRequest', xhr.XHR);
    const fetch = vi.fn(
      async (_url: string) => new Response(new Blob(['img'], { type: 'image/png' })),
    );
    vi.stubGlobal('fetch', fetch);
    const created = vi.spyOn(URL, 'createObjectURL').mockReturnValue('blob:x');
    const { widget } = make();
    await widget.ready();
    await flush();
    const files = await widget.files();
    const a = stored('f/7', png());
    expect(await files.url(a)).toBe('blob:x');
    expect(await files.url(a)).toBe('blob:x');
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(String(fetch.mock.calls[0]![0])).toMatch(
      new RegExp('^' + SERVER + '/v1/files/f%2F7\\?key=test-key&vid=[\\w-]+&token=memory-'),
    );
    expect(created).toHaveBeenCalledTimes(1);
  });
});

describe('rating and transcript', () => {
  it('asks for a rating when the agent closes the conversation, sends it and emits rating_submitted', async () => {
    const { widget, server, frames, files } = await ready();
    const ratings: unknown[] = [];
    widget.on('rating_submitted', (r) => ratings.push(r));
    server.closeConversation();
    await flush();
    expect(files.state.rating).toBe('ask');
    expect(files.rate('meh' as 'good')).toBe('rate needs "good" or "bad"');
    expect(files.rate('good', '  quick and kind  ')).toBeUndefined();
    await flush();
    expect(files.state.rating).toBe('thanks');
    expect(frames('rate')).toEqual([{ t: 'rate', value: 'good', comment: 'quick and kind' }]);
    expect(ratings).toEqual([{ value: 'good', comment: 'quick and kind' }]);
  });

  it('sends end when the visitor ends the chat, then asks for a rating', async () => {
    const { frames, files } = await ready();
    expect(files.end()).toBeUndefined();
    await flush();
    expect(frames('end')).toEqual([{ t: 'end' }]);
    expect(files.state.rating).toBe('ask');
    files.rate('bad');
    await flush();
    expect(frames('rate')).toEqual([{ t: 'rate', value: 'bad' }]);
  });

  it('asks again after a reload until the visitor rates or dismisses it', async () => {
    const storage = createSpyStore();
    const transport = createMemoryTransport();
    const page = async () => {
      const p = await ready({ storage, transport });
      await flush();
      return p;
    };
    const first = await page();
    first.server.closeConversation();
    await flush();
    first.widget.destroy();
    const second = await page();
    expect(second.files.state.rating).toBe('ask');
    second.files.skipRating();
    await flush();
    second.widget.destroy();
    expect((await page()).files.state.rating).toBeNull();

    const fourth = await page();
    fourth.files.closed();
    fourth.files.rate('good');
    await flush();
    fourth.widget.destroy();
    expect((await page()).files.state.rating).toBeNull();
  });

  it('says so when a rating cannot be sent while disconnected, and keeps asking', async () => {
    const { files, server } = await ready();
    files.closed();
    server.disconnect();
    await flush();
    expect(files.rate('good')).toMatch(/not connected/);
    expect(files.state.rating).toBe('ask');
  });

  it('emails the transcript, and reports a server without email as unavailable', async () => {
    const fetch = vi.fn(async () => new Response('{}', { status: 202 }));
    vi.stubGlobal('fetch', fetch);
    const { files } = await ready();
    expect(await files.emailTranscript('ada@example.com')).toBe('sent');
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toMatch(new RegExp('^' + SERVER + '/v1/transcript/email\\?key=test-key&vid='));
    expect(init.method).toBe('POST');
    expect(JSON.parse(String(init.body))).toEqual({ email: 'ada@example.com' });
    fetch.mockResolvedValueOnce(new Response('', { status: 501 }));
    expect(await files.emailTranscript('ada@example.com')).toBe('unavailable');
    fetch.mockResolvedValueOnce(new Response('', { status: 500 }));
    expect(await files.emailTranscript('ada@example.com')).toBe('failed');
    // Past the server's limits (429, for minutes): not "try again", which would fail again.
    fetch.mockResolvedValueOnce(
      new Response('{"error":"rate_limited"}', { status: 429, headers: { 'Retry-After': '300' } }),
    );
    expect(await files.emailTranscript('ada@example.com')).toBe('unavailable');
  });

  it('downloads the transcript as a text file through a link inside the given root', async () => {
    const fetch = vi.fn(
      async (_url: string) =>
        new Response('Ada: hi', { headers: { 'Content-Type': 'text/plain' } }),
    );
    vi.stubGlobal('fetch', fetch);
    vi.spyOn(URL, 'createObjectURL').mockReturnValue('blob:t');
    const { files } = await ready();
    const root = document.createElement('div');
    const clicked: string[] = [];
    root.addEventListener('click', (e) => {
      const a = e.target as HTMLAnchorElement;
      clicked.push(a.download + ' ' + a.getAttribute('href'));
      e.preventDefault();
    });
    const revoked = vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => {});
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    try {
      await files.transcript(root);
      expect(String(fetch.mock.calls[0]![0])).toMatch(/\/v1\/transcript\?key=test-key&vid=/);
      expect(clicked).toEqual(['chat-transcript.txt blob:t']);
      expect(root.children).toHaveLength(0);
      // Its blob is let go a minute later, not kept for the page's life (nor freed before the
      // download could start).
      expect(revoked).not.toHaveBeenCalled();
      vi.advanceTimersByTime(60_000);
      expect(revoked.mock.calls).toEqual([['blob:t']]);
    } finally {
      vi.useRealTimers();
      revoked.mockRestore();
    }
  });
});
