import { afterEach, describe, expect, it, vi } from 'vitest';
import { fileKind, fileSize } from '../../src/ui/file-size';
import { createMemoryTransport } from '../../src/transport/memory';
import { mount } from '../../src/ui/index';
import { SHELL_CSS } from '../../src/ui/shell-styles';
import { createTables } from '../../src/ui/tables';
import { createFakeXHR, storedFile } from '../helpers/fake-xhr';
import { cleanup, flush, mountUI, readyWidget } from './setup';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const SERVER = 'http://127.0.0.1:9';
const pdf = () => new File(['%PDF-1.4 hello'], 'offer.pdf', { type: 'application/pdf' });
const png = () => new File([new Uint8Array([137, 80, 78, 71])], 'shot.png', { type: 'image/png' });
const stored = storedFile;

async function mountWithFiles() {
  const xhr = createFakeXHR();
  vi.stubGlobal('XMLHttpRequest', xhr.XHR);
  const fetch = vi.fn(
    async (_url: string) => new Response(new Blob(['img'], { type: 'image/png' })),
  );
  vi.stubGlobal('fetch', fetch);
  vi.spyOn(URL, 'createObjectURL').mockReturnValue('blob:thumb');
  const ui = await mountUI({ server: SERVER });
  await ui.open();
  // The file layer is a chunk of its own, loaded as the window opens.
  await vi.waitFor(() => expect(ui.$('#vc-fi')).not.toBeNull(), { timeout: 10_000 });
  return { ...ui, ...xhr, fetch };
}

/** Picks files in the composer's file input, as the attach button's dialog would. */
function pick(root: ShadowRoot, files: File[]) {
  const input = root.querySelector<HTMLInputElement>('#vc-fi')!;
  Object.defineProperty(input, 'files', { value: files, configurable: true });
  input.dispatchEvent(new Event('change', { bubbles: true }));
}

describe('files in the chat window', () => {
  it('has a labelled attach button that opens the file picker', async () => {
    const ui = await mountWithFiles();
    const clicked = vi.fn();
    ui.$('#vc-fi')!.addEventListener('click', clicked);
    expect(ui.$('.af')!.getAttribute('aria-label')).toBe('Attach a file');
    await ui.click('.af');
    expect(clicked).toHaveBeenCalledTimes(1);
  });

  it('offers no attach button without a chat server to send files to (an npm transport alone)', async () => {
    const ui = await mountUI();
    await ui.open();
    await flush(20);
    expect(ui.$('textarea')).not.toBeNull();
    expect(ui.$('.af')).toBeNull();
    expect(ui.$('#vc-fi')).toBeNull();
  });

  it('offers no transcript without a chat server to ask for it, End chat still (an npm transport alone)', async () => {
    const fetch = vi.fn(async () => new Response('', { status: 500 }));
    vi.stubGlobal('fetch', fetch);
    const ui = await mountUI();
    await ui.open();
    await ui.widget.send('hello');
    await vi.waitFor(() => expect(ui.$('.mn summary')).not.toBeNull(), { timeout: 10_000 });
    ui.$<HTMLDetailsElement>('.mn')!.open = true;
    await flush();
    // Download and email would always fail ("Something went wrong. Please try again.").
    expect(ui.$$('.mb > button').map((b) => b.textContent)).toEqual(['End chat']);
    expect(fetch).not.toHaveBeenCalled();
  });

  it('shows no options menu without a chat server while only a bot has written (it would open empty)', async () => {
    const ui = await mountUI();
    const sheets = ui.root.adoptedStyleSheets.length;
    await ui.open();
    ui.server.say('What brings you here?', { from: 'bot', name: 'Bot' });
    await vi.waitFor(() => expect(ui.$$('li.m').length).toBeGreaterThan(0), { timeout: 10_000 });
    // The file layer, which brings the menu, is here (its stylesheet adopted).
    await vi.waitFor(() => expect(ui.root.adoptedStyleSheets.length).toBeGreaterThan(sheets), {
      timeout: 10_000,
    });
    await flush();
    expect(ui.$('.mn')).toBeNull();
    // Once the visitor writes, End chat is there to offer.
    await ui.widget.send('hello');
    await vi.waitFor(() => expect(ui.$('.mn summary')).not.toBeNull(), { timeout: 10_000 });
    ui.$<HTMLDetailsElement>('.mn')!.open = true;
    await flush();
    expect(ui.$$('.mb > button').map((b) => b.textContent)).toEqual(['End chat']);
  });

  it('shows a picked file with its progress, then as a chip with name, kind and size', async () => {
    const ui = await mountWithFiles();
    pick(ui.root, [pdf()]);
    await flush();
    const bar = ui.$<HTMLProgressElement>('.up progress')!;
    expect(bar.getAttribute('aria-label')).toBe('Uploading offer.pdf…');
    expect(ui.text('.up .fn')).toBe('offer.pdf');
    expect(ui.text('[aria-live]')).toBe('Uploading offer.pdf…');
    ui.requests[0]!.progress(5, 10);
    await flush();
    expect(bar.value).toBe(0.5);
    ui.server.files.set('p1', stored('p1', pdf()));
    ui.requests[0]!.respond(201, { file: stored('p1', pdf()) });
    await flush();
    expect(ui.$('.up')).toBeNull();
    const chip = ui.$('.m.v .fc')!;
    expect(chip.textContent).toBe('offer.pdf' + 'PDF · ' + fileSize(pdf().size, 'en'));
    // The size is its own bidi run (Arabic's "1.5 م.ب" beside a Latin "PDF" split apart).
    expect(chip.querySelector('.fz bdi')!.textContent).toBe(fileSize(pdf().size, 'en'));
    expect(chip.getAttribute('title')).toBe('Download offer.pdf');
    expect(ui.$('.m.v .bb')).toBeNull();
  });

  it('shows an image as a thumbnail fetched with the visitor token', async () => {
    const ui = await mountWithFiles();
    pick(ui.root, [png()]);
    await flush();
    ui.requests[0]!.respond(201, { file: stored('i1', png()) });
    await flush(10);
    const img = ui.$<HTMLImageElement>('.m.v .th img')!;
    expect(img.getAttribute('src')).toBe('blob:thumb');
    expect(img.alt).toBe('shot.png');
    expect(String(ui.fetch.mock.calls[0]![0])).toMatch(/\/v1\/files\/i1\?key=t&vid=.+&token=/);
  });

  it('never puts the server URL of a file in the page', async () => {
    const ui = await mountWithFiles();
    const push = (id: string, url: string) =>
      ui.server.push({
        t: 'msg',
        m: {
          id,
          from: 'agent',
          text: '',
          at: Date.now(),
          attachments: [{ ...stored('e1', png()), url }],
        },
      });
    push('a1', '/v1/files/e1');
    push('a2', 'javascript:alert(1)');
    await flush(10);
    expect(ui.$$('.m.a .th img').map((i) => i.getAttribute('src'))[0]).toBe('blob:thumb');
    expect(ui.root.innerHTML).not.toContain('/v1/files/');
    expect(ui.root.innerHTML).not.toContain('javascript:');
  });

  it('says why an upload failed, retries one that may pass, and removes it with the focus back in the composer', async () => {
    const ui = await mountWithFiles();
    pick(ui.root, [pdf(), png(), pdf()]);
    await flush();
    ui.requests[0]!.respond(413);
    ui.requests[1]!.respond(415);
    ui.requests[2]!.fail();
    await flush();
    const rows = ui.$$('.up');
    // Sending the same file again cannot pass a size or type check: no Retry for those.
    expect(rows.map((r) => r.querySelector('.mt')!.textContent)).toEqual([
      'The file is too big.Remove',
      'This type of file is not allowed.Remove',
      'The upload failed.RetryRemove',
    ]);
    expect(ui.text('[aria-live]')).toBe('offer.pdf: The upload failed.');
    await ui.click(rows[2]!.querySelector('.rt')!);
    expect(ui.requests).toHaveLength(4);
    expect(ui.$$('.up progress')).toHaveLength(1);
    const remove = ui.$$('.up')[1]!.querySelector('.rt') as HTMLElement;
    remove.focus();
    await ui.click(remove);
    expect(ui.$$('.up')).toHaveLength(2);
    expect(ui.root.activeElement?.id).toBe('vc-in');
  });

  it('cancels an upload before it finishes', async () => {
    const ui = await mountWithFiles();
    pick(ui.root, [pdf()]);
    await flush();
    await ui.click('.up .rt');
    expect(ui.requests[0]!.aborted).toBe(true);
    expect(ui.$('.up')).toBeNull();
    expect(ui.server.received.filter((f) => f.t == 'msg')).toEqual([]);
  });

  it('shows a drop target while a file is dragged over the window and sends what is dropped', async () => {
    const ui = await mountWithFiles();
    const win = ui.$('.win')!;
    const drag = (type: string, files: File[] = []) => {
      const e = new Event(type, { bubbles: true, cancelable: true });
      Object.defineProperty(e, 'dataTransfer', { value: { types: ['Files'], files } });
      win.dispatchEvent(e);
      return e;
    };
    expect(drag('dragover').defaultPrevented).toBe(true);
    await flush();
    expect(ui.text('.dz')).toBe('Drop a file here to send it');
    expect(drag('drop', [pdf()]).defaultPrevented).toBe(true);
    await flush();
    expect(ui.$('.dz')).toBeNull();
    expect(ui.requests.map((r) => r.headers['x-filename'])).toEqual(['offer.pdf']);
  });

  it('sends a pasted screenshot as a file, and leaves pasted text alone', async () => {
    const ui = await mountWithFiles();
    const paste = (files: File[]) => {
      const e = new Event('paste', { bubbles: true, cancelable: true });
      Object.defineProperty(e, 'clipboardData', { value: { files } });
      ui.$('#vc-in')!.dispatchEvent(e);
      return e;
    };
    expect(paste([]).defaultPrevented).toBe(false);
    expect(paste([png()]).defaultPrevented).toBe(true);
    await flush();
    expect(ui.requests.map((r) => r.headers['x-filename'])).toEqual(['shot.png']);
  });

  it('names file kinds and sizes for people', () => {
    expect(fileKind('application/pdf')).toBe('PDF');
    expect(fileKind('text/plain')).toBe('TXT');
    expect(fileKind('text/plain; charset=utf-8')).toBe('TXT');
    expect(fileKind('application/json;charset=UTF-8')).toBe('JSON');
    expect(fileKind('image/svg+xml', 'logo.svg')).toBe('SVG+XML');
    // A type that says nothing in a few letters gives way to the name's extension.
    const docx = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
    expect(fileKind(docx, 'Offer 2026.docx')).toBe('DOCX');
    expect(fileKind('application/x-msdownload', 'setup.exe')).toBe('EXE');
    expect(fileKind('application/octet-stream', 'disk.img')).toBe('IMG');
    expect(fileKind('', 'notes.md')).toBe('MD');
    // Without an extension: the type's first letters, or "?" when there is nothing at all.
    expect(fileKind(docx, 'Offer')).toBe('VND.OPEN');
    expect(fileKind('', 'README')).toBe('?');
    expect(fileSize(1, 'en')).toBe('1 byte');
    expect(fileSize(25, 'en')).toBe('25 bytes');
    expect(fileSize(25, 'fr').replace(/\s/, ' ')).toBe('25 octets');
    expect(fileSize(1400, 'en')).toBe('1.4 kB');
    expect(fileSize(3_200_000, 'en')).toBe('3.2 MB');
  });
});

describe('rating and the options menu', () => {
  it('asks for a rating when the agent closes the conversation and thanks the visitor', async () => {
    const ui = await mountWithFiles();
    const ratings: unknown[] = [];
    ui.widget.on('rating_submitted', (r) => ratings.push(r));
    ui.server.closeConversation();
    await flush();
    expect(ui.text('#vc-rq')).toBe('How was this conversation?');
    expect(ui.text('[aria-live]')).toBe('How was this conversation?');
    const [good, bad] = ui.$$('.rv');
    expect(good!.getAttribute('aria-pressed')).toBe('false');
    await ui.click(bad!);
    expect(bad!.getAttribute('aria-pressed')).toBe('true');
    await ui.type('#vc-rc', 'too slow');
    ui.$('.rg .bt')!.focus();
    await ui.click('.rg .bt');
    // The form gave way to the thanks: the focus stays in the window, on the composer.
    expect(ui.root.activeElement).toBe(ui.$('textarea:not(#vc-rc)'));
    expect(ui.server.received.filter((f) => f.t == 'rate')).toEqual([
      { t: 'rate', value: 'bad', comment: 'too slow' },
    ]);
    expect(ratings).toEqual([{ value: 'bad', comment: 'too slow' }]);
    expect(ui.text('.rg p')).toBe('Thank you for your feedback!');
    // Its × closes the card, not the chat: it is not named like the window's close button.
    expect(ui.$('.rg .mo')!.getAttribute('aria-label')).toBe('Dismiss');
    ui.$('.rg .mo')!.focus();
    await ui.click('.rg .mo');
    expect(ui.$('.rg')).toBeNull();
    expect(ui.root.activeElement).toBe(ui.$('textarea'));
  });

  it('ends the chat from the options menu, which asks for a rating', async () => {
    const ui = await mountWithFiles();
    await ui.widget.send('hello');
    await flush();
    const menu = ui.$<HTMLDetailsElement>('.mn')!;
    expect(ui.$('.mn summary')!.getAttribute('aria-label')).toBe('More options');
    menu.open = true;
    await flush();
    const end = ui.$$('.mb > button').find((b) => b.textContent == 'End chat')!;
    end.focus();
    await ui.click(end);
    expect(ui.server.received.filter((f) => f.t == 'end')).toEqual([{ t: 'end' }]);
    expect(menu.open).toBe(false);
    // The menu closed around the focus: it goes back to the menu's button.
    expect(ui.root.activeElement).toBe(ui.$('.mn summary'));
    expect(ui.text('#vc-rq')).toBe('How was this conversation?');
  });

  it('closes the options menu on Escape, and the window only on the next one', async () => {
    const ui = await mountWithFiles();
    await ui.widget.send('hello');
    await flush();
    const menu = ui.$<HTMLDetailsElement>('.mn')!;
    menu.open = true;
    await flush();
    const first = ui.$('.mb > button')!;
    first.focus();
    await ui.key(first, 'Escape');
    expect(menu.open).toBe(false);
    expect(ui.widget.state.open).toBe(true);
    expect(ui.root.activeElement).toBe(ui.$('.mn summary'));
    await ui.key(ui.$('.mn summary')!, 'Escape');
    expect(ui.widget.state.open).toBe(false);
  });

  it('offers the options menu once there is a conversation, not for an auto message alone', async () => {
    const ui = await mountWithFiles();
    expect(ui.$('.mn')).toBeNull();
    ui.server.push({
      t: 'msg',
      m: { id: 'am-1', from: 'trigger', text: 'Need help?', at: Date.now() },
    } as never);
    await flush();
    expect(ui.$('.mn')).toBeNull();
    // The header keeps its layout: a placeholder holds the menu's place.
    expect(ui.$('.hd .mo')).not.toBeNull();
    await ui.widget.send('hello');
    await flush();
    expect(ui.$('.mn summary')).not.toBeNull();
  });

  it('emails the transcript, and hides the offer when the server sends no email', async () => {
    const ui = await mountWithFiles();
    await ui.widget.send('hello');
    await flush();
    ui.fetch.mockResolvedValue(new Response('', { status: 501 }));
    ui.$<HTMLDetailsElement>('.mn')!.open = true;
    await flush();
    const offer = () => ui.$$('.mb > button').find((b) => b.textContent == 'Email transcript');
    await ui.click(offer()!);
    await ui.type('#vc-tm', 'ada@example.com');
    ui.$('.mb form')!.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
    await flush();
    expect(ui.text('.mb p')).toBe('Emailing transcripts is not available.');
    expect(offer()).toBeUndefined();
    // The form went with the focus in it: the focus is on the menu's download, not the page.
    expect(ui.root.activeElement?.textContent).toBe('Download transcript');
  });

  it('keeps the focus in the menu once the transcript is sent, and the address when sending failed', async () => {
    const ui = await mountWithFiles();
    await ui.widget.send('hello');
    await flush();
    ui.$<HTMLDetailsElement>('.mn')!.open = true;
    await flush();
    // The menu's live region is there, empty, before it has anything to say.
    const region = ui.$('.mb p[role=status]')!;
    expect(region.textContent).toBe('');
    const offer = () => ui.$$('.mb > button').find((b) => b.textContent == 'Email transcript')!;
    await ui.click(offer());
    await ui.type('#vc-tm', 'ada@example.com');
    ui.$<HTMLInputElement>('#vc-tm')!.focus();
    const submit = async (says: string) => {
      ui.$('.mb form')!.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
      await vi.waitFor(() => expect(region.textContent).toBe(says));
      await flush();
    };
    // A failure keeps the form, the address and the focus: the visitor sends again.
    ui.fetch.mockResolvedValue(new Response('', { status: 500 }));
    await submit('Something went wrong. Please try again.');
    expect(ui.$<HTMLInputElement>('#vc-tm')!.value).toBe('ada@example.com');
    expect(ui.root.activeElement?.id).toBe('vc-tm');
    // Sent: the form goes, and the focus is on its button, not on the page.
    ui.fetch.mockResolvedValue(new Response(null, { status: 202 }));
    await submit('The transcript is on its way.');
    expect(ui.$('.mb p[role=status]')).toBe(region);
    expect(ui.$('#vc-tm')).toBeNull();
    expect(ui.root.activeElement).toBe(offer());
  });
});

describe('the file layer as a chunk of its own', () => {
  /** The UI mounted as the npm entry does, but with the file layer held until `release()`. */
  async function mountHeld() {
    const transport = createMemoryTransport();
    const widget = await readyWidget(transport, { server: SERVER });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const filesView = vi.fn(() => gate.then(() => import('../../src/ui/files-view')));
    const unmount = mount(widget, undefined, {
      shellCss: SHELL_CSS,
      tables: createTables(() => Promise.resolve({})),
      filesView,
    });
    held.push(() => {
      unmount();
      widget.destroy();
    });
    await flush();
    const root = document.querySelector('[data-visitor-chat]')!.shadowRoot!;
    return { widget, transport, root, filesView, release };
  }
  const held: Array<() => void> = [];
  afterEach(() => held.splice(0).forEach((stop) => stop()));

  it('is not loaded until the window opens, whose attach button and menu keep their places meanwhile', async () => {
    const ui = await mountHeld();
    expect(ui.filesView).not.toHaveBeenCalled();
    await ui.widget.open();
    // A conversation, so that the options menu has something to offer once it is here.
    ui.transport.server.say('Hello');
    await flush();
    expect(ui.filesView).toHaveBeenCalledTimes(1);
    expect(ui.root.querySelector('.cp .af')!.tagName).toBe('SPAN');
    expect(ui.root.querySelector('.hd .mo')!.tagName).toBe('SPAN');
    expect(ui.root.querySelector('#vc-fi')).toBeNull();
    expect(ui.root.activeElement?.id).toBe('vc-in');
    ui.release();
    await vi.waitFor(() => expect(ui.root.querySelector('#vc-fi')).not.toBeNull());
    expect(ui.root.querySelector('.cp .af')!.tagName).toBe('BUTTON');
    expect(ui.root.querySelector('.hd summary.mo')).not.toBeNull();
    // The attach button came in beside the box: the visitor's focus stayed where it was.
    expect(ui.root.activeElement?.id).toBe('vc-in');
    expect(ui.root.adoptedStyleSheets).toHaveLength(3);
    await ui.widget.close();
    await ui.widget.open();
    await flush();
    expect(ui.filesView).toHaveBeenCalledTimes(1);
  });

  it("shows a message's files by name until the file layer is here, then as chips that download", async () => {
    const ui = await mountHeld();
    await ui.widget.open();
    ui.transport.server.push({
      t: 'msg',
      m: { id: 'a1', from: 'agent', text: '', at: Date.now(), attachments: [stored('p1', pdf())] },
    });
    await flush();
    const chip = () => ui.root.querySelector<HTMLElement>('.m.a .fc')!;
    expect(chip().tagName).toBe('SPAN');
    expect(chip().textContent).toBe('offer.pdf');
    ui.release();
    await vi.waitFor(() => expect(chip().tagName).toBe('BUTTON'));
    expect(chip().getAttribute('title')).toBe('Download offer.pdf');
  });
});
