import {
  MAX_COMMENT,
  isRecord,
  parseAttachments,
  type Attachment,
  type Message,
} from '../protocol';
import type { Kernel } from './kernel';

import type {
  Files,
  FilesEnv,
  FilesState,
  Post,
  RatingStep,
  Upload,
  UploadError,
} from './files-types';

export type * from './files-types';

const KEY = 'uploads';
/** 1 while a rating is asked for: the prompt survives a reload until rated or dismissed. */
const RATING = 'rating';
/** Raster images: shown inline as thumbnails (never SVG: it may carry script). */
export const isImage = (type: string) => /^image\/(png|jpeg|gif|webp)$/.test(type);
const ERRORS: Record<number, UploadError> = { 413: 'big', 415: 'type', 401: 'auth', 400: 'empty' };
const OFFLINE = 'the chat is not connected; try again in a moment';

/** The chat server's HTTP base (`…/v1/`), from the `server` option (ws URLs too). */
export const httpBase = (server: string) =>
  server.replace(/^ws/, 'http').replace(/\/$/, '') + '/v1/';

/**
 * Creates the file layer of one widget. `post` adds the message a finished upload becomes to
 * the outbox; an upload cut off by a reload starts again from the device's copy of the file.
 */
export function createFiles(k: Kernel, post: Post, env: FilesEnv = {}): Files {
  const g = (k.win || globalThis) as unknown as Required<FilesEnv>;
  const XHR = env.XMLHttpRequest || g.XMLHttpRequest;
  const get = env.fetch || ((u: string, i?: RequestInit) => g.fetch(u, i));
  const U = env.URL || g.URL;
  const fns = new Set<(s: FilesState) => void>();
  const xhrs = new Map<string, XMLHttpRequest>();
  const urls = new Map<string, Promise<string>>();
  let state: FilesState = { uploads: [], rating: null };

  const set = (patch: Partial<FilesState>) => {
    state = { ...state, ...patch };
    for (const fn of fns) {
      try {
        fn(state);
      } catch (e) {
        k.warn('a file state subscriber threw: ' + String(e));
      }
    }
  };
  const save = () =>
    k.save(
      KEY,
      state.uploads.map((u) => ({
        cid: u.cid,
        name: u.name,
        size: u.size,
        type: u.type,
        at: u.at,
        // The bytes, not the Blob: WebKit's private browsing (Safari's, and every automated
        // WebKit) cannot store a Blob in IndexedDB, and that one failed write put all of the
        // widget's storage on memory for the page.
        file: u.buf,
      })),
    );
  const patch = (cid: string, p: Partial<Upload>) =>
    set({ uploads: state.uploads.map((u) => (u.cid == cid ? { ...u, ...p } : u)) });
  const drop = (cid: string) => {
    set({ uploads: state.uploads.filter((u) => u.cid != cid) });
    save();
  };

  /** `?key=…&vid=…&token=…`, or a reason why the server cannot be asked. */
  function query(): string | Error {
    // A destroyed widget sends nothing: an upload would be stored with no message to carry it.
    if (k.destroyed) return new Error('[visitor-chat] the widget was destroyed');
    const server = k.config.server;
    const vid = k.state.vid;
    if (!server) return new Error('[visitor-chat] files need the `server` option');
    if (!vid) return new Error('[visitor-chat] the visitor is not known yet');
    const e = encodeURIComponent;
    const token = k.identity?.token;
    return (
      httpBase(server) +
      '?key=' +
      e(k.config.key) +
      '&vid=' +
      e(vid) +
      (token ? '&token=' + e(token) : '')
    );
  }
  /** The URL of `path` under `/v1/` with the visitor's credentials. */
  const at = (path: string) => {
    const q = query();
    if (q instanceof Error) throw q;
    return q.replace('?', path + '?');
  };

  const waiting = new Map<string, [(m: Message) => void, (e: Error) => void]>();
  const settle = (cid: string, m: Message | Error) => {
    const w = waiting.get(cid);
    waiting.delete(cid);
    if (w && m instanceof Error) w[1](m);
    else if (w) w[0](m as Message);
  };

  /** Uploads done that wait for one picked before them: the messages go in the order picked. */
  const done = new Map<string, Attachment[]>();
  function flush() {
    for (const u of state.uploads) {
      const attachments = done.get(u.cid);
      if (!attachments) {
        if (u.error) continue;
        return;
      }
      done.delete(u.cid);
      const sent = post('', { id: u.cid, cid: u.cid, attachments });
      drop(u.cid);
      settle(u.cid, typeof sent == 'string' ? new Error('[visitor-chat] ' + sent) : sent);
    }
  }

  function start(u: Upload) {
    let url: string;
    try {
      url = at('files');
    } catch (e) {
      patch(u.cid, { error: 'network' });
      return settle(u.cid, e as Error);
    }
    if (!u.file) return patch(u.cid, { error: 'gone' });
    const x = new XHR();
    xhrs.set(u.cid, x);
    const fail = (error: UploadError) => {
      xhrs.delete(u.cid);
      patch(u.cid, { error, progress: 0 });
      settle(u.cid, new Error('[visitor-chat] the upload failed: ' + error));
      flush();
    };
    x.upload.onprogress = (e) =>
      e.lengthComputable && patch(u.cid, { progress: e.loaded / e.total });
    x.onerror = () => fail('network');
    x.onload = () => {
      xhrs.delete(u.cid);
      let f: unknown;
      try {
        f = JSON.parse(x.responseText).file;
      } catch {}
      // The server's answer is checked like the attachments of any message it sends.
      const attachments = x.status == 201 && parseAttachments([f]);
      if (!attachments) return fail(ERRORS[x.status] || (x.status >= 500 ? 'server' : 'network'));
      done.set(u.cid, attachments);
      flush();
    };
    x.open('POST', url);
    x.setRequestHeader('Content-Type', u.type || 'application/octet-stream');
    x.setRequestHeader('X-Filename', encodeURIComponent(u.name));
    x.send(u.file);
  }

  async function fetchFile(a: Attachment): Promise<Blob> {
    const r = await get(at('files/' + encodeURIComponent(a.id)));
    if (!r.ok) throw new Error('[visitor-chat] the file could not be loaded (' + r.status + ')');
    return r.blob();
  }

  function saveAs(blob: Blob, name: string, root: ParentNode) {
    const a = (root.ownerDocument || (root as Document)).createElement('a');
    a.href = U.createObjectURL(blob);
    a.download = name;
    a.hidden = true;
    root.appendChild(a);
    a.click();
    a.remove();
    // Its blob is freed once the download has surely started (at once could cancel it).
    setTimeout(() => U.revokeObjectURL(a.href), 6e4);
  }

  /** Asks for a rating, or stops asking, here and after a reload. */
  const rating = (step: RatingStep) => {
    set({ rating: step });
    k.save(RATING, step == 'ask' ? 1 : 0);
  };
  void k.booted
    .then(() => k.store.get(RATING))
    .then((r) => {
      if (r === 1 && !state.rating) set({ rating: 'ask' });
    });

  // Uploads a reload cut off: the device kept the file's bytes, or they are gone.
  void k.booted
    .then(() => k.store.get(KEY))
    .then((raw) => {
      if (!Array.isArray(raw)) return;
      const known = new Set(state.uploads.map((u) => u.cid));
      const back: Upload[] = [];
      for (const r of raw)
        if (isRecord(r) && typeof r.cid == 'string' && !known.has(r.cid)) {
          const buf = r.file instanceof ArrayBuffer ? r.file : undefined;
          back.push({
            cid: r.cid,
            name: String(r.name).slice(0, 255),
            size: Number(r.size) || 0,
            type: String(r.type).slice(0, 100),
            at: Number(r.at) || 0,
            progress: 0,
            // The bytes stay too: the next write of the list keeps them.
            buf,
            file: buf && new Blob([buf]),
          });
        }
      if (!back.length) return;
      set({ uploads: back.concat(state.uploads) });
      for (const u of back) start(u);
    });

  const files: Files = {
    get state() {
      return state;
    },
    subscribe(fn) {
      fns.add(fn);
      return () => fns.delete(fn);
    },
    send(file, name) {
      return new Promise((resolve, reject) => {
        if (typeof Blob != 'function' || !(file instanceof Blob))
          return reject(new Error('[visitor-chat] sendFile needs a File or Blob'));
        if (k.state.blocked)
          return reject(
            new Error('[visitor-chat] you were blocked by the site; chat is unavailable'),
          );
        const q = query();
        if (q instanceof Error) return reject(q);
        const u: Upload = {
          cid: k.newId(),
          name: (name || (file as File).name || 'file').slice(0, 255),
          size: file.size,
          type: file.type,
          at: k.now(),
          progress: 0,
          file,
        };
        // Empty, or over the server's `welcome.maxFile` (a browser shows a 413 only once all is
        // sent): shown as failed at once, never uploaded, no Retry.
        const error = file.size ? file.size > k.maxFile! && 'big' : 'empty';
        if (error) {
          set({ uploads: state.uploads.concat({ ...u, error, file: undefined }) });
          return reject(
            new Error(
              '[visitor-chat] ' + (file.size ? 'the upload failed: big' : 'the file is empty'),
            ),
          );
        }
        waiting.set(u.cid, [resolve, reject]);
        set({ uploads: state.uploads.concat(u) });
        start(u);
        // Kept on the device once its bytes are read (without them when they cannot be).
        file.arrayBuffer().then((buf) => {
          patch(u.cid, { buf });
          save();
        }, save);
      });
    },
    cancel(cid) {
      xhrs.get(cid)?.abort();
      xhrs.delete(cid);
      settle(cid, new Error('[visitor-chat] the upload was cancelled'));
      done.delete(cid);
      drop(cid);
      flush();
    },
    retry(cid) {
      const u = state.uploads.find((x) => x.cid == cid);
      if (!u || !u.error || !u.file) return;
      patch(cid, { error: undefined, progress: 0 });
      start(u);
    },
    remove(cid) {
      if (!xhrs.has(cid)) drop(cid);
    },
    url(a) {
      let p = urls.get(a.id);
      if (!p) {
        p = fetchFile(a).then((b) => U.createObjectURL(b));
        // A failed load is tried again next time, not remembered.
        p.catch(() => urls.delete(a.id));
        urls.set(a.id, p);
      }
      return p;
    },
    async download(a, root) {
      saveAs(await fetchFile(a), a.name, root);
    },
    async transcript(root) {
      const r = await get(at('transcript'));
      if (!r.ok)
        throw new Error('[visitor-chat] the transcript could not be loaded (' + r.status + ')');
      saveAs(await r.blob(), 'chat-transcript.txt', root);
    },
    async emailTranscript(email) {
      try {
        const r = await get(at('transcript/email'), {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ email }),
        });
        // 429 (too many asked from this address or server for now): the option goes like a server
        // without email's; "try again" would fail for minutes. The download stays.
        return r.ok
          ? 'sent'
          : r.status == 404 || r.status == 429 || r.status == 501
            ? 'unavailable'
            : 'failed';
      } catch {
        return 'failed';
      }
    },
    closed: () => rating('ask'),
    end() {
      if (!k.send({ t: 'end' })) return OFFLINE;
      rating('ask');
    },
    rate(value, comment) {
      if (value != 'good' && value != 'bad') return 'rate needs "good" or "bad"';
      const c = typeof comment == 'string' ? comment.trim().slice(0, MAX_COMMENT) : '';
      if (!k.send(c ? { t: 'rate', value, comment: c } : { t: 'rate', value })) return OFFLINE;
      rating('thanks');
      k.emitter.emit('rating_submitted', c ? { value, comment: c } : { value });
    },
    skipRating: () => rating(null),
  };
  return files;
}
