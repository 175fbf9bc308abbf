import type { ClientFrame } from '../protocol';
import { createRetry, retryAfterMs, SILENCE_MS, type RetryOptions } from './backoff';
import type { Transport, TransportListener } from './types';

/** Options of {@link createHttpTransport}. */
export interface HttpTransportOptions extends RetryOptions {
  /** The server's base URL, `http(s)://` (or `ws(s)://`, same host); endpoints are under `/v1/`. */
  url: string;
  /** Account key from the snippet. */
  key: string;
  /** Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Default: the global one; without any, server frames come by long-poll. */
  EventSource?: typeof EventSource;
  /** Sends the last frames as the page is hidden (default `navigator.sendBeacon`). */
  sendBeacon?: (url: string, data: Blob) => boolean;
  /** How long frames are collected into one POST, in ms (default 50). */
  batchMs?: number;
}

/**
 * A transport over plain HTTP (docs/PROTOCOL.md): frames go by batched `POST /v1/frames`
 * (text/plain, so no CORS preflight), server frames come by EventSource or long-poll.
 *
 * It behaves like a socket, so the core needs nothing special: it reports `open` at once (the
 * POST carrying `hello` is the probe); a failed POST, poll or event stream drops the
 * "connection": the frames in flight and queued are lost, as on a dropped socket, the status
 * turns `closed`, and after the backoff (or `Retry-After`) it is `open` again, so the core says
 * `hello` (which carries identity, variables and page) and resends its outbox after `welcome`.
 * Hence `send` returns true for every frame it queues while open. After a reconnect the
 * `welcome` carries the conversation, so the event stream restarts without `Last-Event-ID`.
 *
 * @example
 * createWidget({ key: 'demo', transport: createHttpTransport({ url: 'https://chat.example.com', key: 'demo' }) });
 */
export function createHttpTransport(options: HttpTransportOptions): Transport {
  const base = options.url.replace(/^ws/, 'http').replace(/\/$/, '') + '/v1/';
  const key = 'key=' + encodeURIComponent(options.key);
  const request = options.fetch || globalThis.fetch;
  const ES = options.EventSource || globalThis.EventSource;
  const nav = globalThis.navigator;
  const beacon = options.sendBeacon || nav?.sendBeacon?.bind(nav);
  const wait = options.setTimeout || setTimeout;
  const batchMs = options.batchMs ?? 50;
  const enc = encodeURIComponent;
  let listener: TransportListener | undefined;
  let up = false;
  /** Bumped when the "connection" ends: answers to older requests are ignored. */
  let gen = 0;
  /** True while a batch waits for its timer or its answer: one POST at a time keeps order. */
  let busy = false;
  let queue: ClientFrame[] = [];
  let vid = '';
  let token: string | undefined;
  /** The query of the running event stream or poll loop. */
  let stream = '';
  let events: EventSource | undefined;
  /** When a `msg` was handed over that no POST has been answered since (0: none). */
  let quiet = 0;
  /** Frames that wait for the welcome of a hello in flight (docs/PROTOCOL.md). */
  let held: unknown[] | undefined;
  const down = (f: unknown) => (held ? held.push(f) : listener?.frame(f));
  const report = (s: Parameters<TransportListener['status']>[0]) => listener?.status(s);
  const body = (frames: ClientFrame[]) => JSON.stringify({ vid, token, frames });
  // The vid rides in the query too, for a load balancer that keeps a visitor's requests on one
  // node (docs/DEPLOY.md); the body's is the one the server reads.
  const post = () => base + 'frames?' + key + '&vid=' + enc(vid);
  const connect = () => {
    up = true;
    report('open');
  };
  const retry = createRetry(connect, options);

  function end() {
    gen++;
    up = busy = false;
    queue = [];
    held = undefined;
    stream = '';
    events?.close();
    retry.cancel();
  }

  function fail(ms?: number) {
    end();
    report('closed');
    retry.later(ms);
  }

  /** True for a 2xx answer; otherwise stops (401, 403, 404) or fails with backoff. */
  function check(res: Response): boolean {
    const s = res.status;
    if (s < 300) return true;
    if (s == 401 || s == 403 || s == 404) {
      end();
      report('stopped');
    } else fail(s == 429 ? retryAfterMs(res.headers.get('Retry-After')) : undefined);
    return false;
  }

  function schedule() {
    if (busy) return;
    busy = true;
    const g = gen;
    wait(() => g == gen && void flush(), batchMs);
  }

  async function flush() {
    const g = gen;
    // Under the server's 100 frames and 64 KiB per POST: at most 50 frames, added while they
    // hold under 10 000 UTF-16 units (30 KB of UTF-8) — the last may add its 16 KiB. A long
    // outbox resent after a reconnect takes several POSTs. A `hello` must come first in its
    // POST: one relayed from another tab (README, "Many tabs") starts the next one.
    let n = 0;
    let size = 0;
    while (n < queue.length && n < 50 && size < 1e4 && !(n && queue[n]!.t == 'hello'))
      size += JSON.stringify(queue[n++]).length;
    const batch = queue.splice(0, n);
    // (Empty when a final send took the queue while the timer ran.)
    if (batch.length)
      try {
        // keepalive: a POST still on its way when the visitor leaves or reloads is not cancelled
        // (the message typed just before is on no other path: the outbox write may not finish).
        if (batch.some((f) => f.t == 'hello')) held = [];
        const res = await request(post(), { method: 'POST', body: body(batch), keepalive: true });
        if (g != gen) return;
        quiet = 0;
        // A malformed or oversized batch is dropped, not retried: resending cannot fix it.
        if (res.status == 400 || res.status == 413)
          listener?.frame({ t: 'err', code: 'rejected_' + res.status });
        else if (check(res))
          for (const f of (await res.json()).frames)
            if (g == gen) {
              if (f?.t == 'welcome') {
                // The backoff starts over only once this "connection" has held for 10 s: a
                // server that welcomes and then drops the stream every time is not hammered.
                wait(() => g == gen && retry.reset(), 1e4);
                vid = f.vid || vid;
                token = f.token || token;
                listen();
              }
              listener?.frame(f);
            }
      } catch {
        if (g == gen) fail();
      }
    // A stop or a failure bumped `gen`: nothing more to send on this "connection".
    if (g == gen) {
      const h = held;
      held = undefined;
      h?.map(down);
      busy = false;
      if (queue.length) schedule();
    }
  }

  /** Starts receiving server frames for the current visitor, unless already doing so. */
  function listen() {
    const q = key + '&vid=' + enc(vid) + '&token=' + enc(token || '');
    if (q == stream) return;
    events?.close();
    stream = q;
    if (ES) {
      const es = (events = new ES(base + 'events?' + q));
      es.onmessage = (e) => down(e.data);
      // EventSource would retry by itself, but a reconnect with `hello` also resyncs the chat.
      es.onerror = () => events == es && fail();
    } else void poll(q, gen);
  }

  async function poll(q: string, g: number) {
    let after = '';
    const live = () => g == gen && q == stream;
    try {
      while (live()) {
        const res = await request(base + 'poll?' + q + after);
        if (!live() || !check(res)) return;
        const answer = await res.json();
        for (const f of answer.frames) if (live()) down(f);
        if (answer.seq !== undefined) after = '&after=' + enc(answer.seq);
      }
    } catch {
      if (live()) fail();
    }
  }

  return {
    open(l) {
      listener = l;
      if (!up) {
        retry.cancel();
        connect();
      }
    },
    send(frame, final) {
      if (!up) return false;
      // A POST on a stalled network hangs without an error: as in the WebSocket transport.
      if (frame.t == 'msg' && Date.now() - (quiet ||= Date.now()) >= SILENCE_MS) {
        fail();
        return false;
      }
      if (frame.t == 'hello') {
        // A logout's new visitor: earlier frames belong to the old one. (Another tab's hello,
        // relayed by this one, is the same visitor: what is queued still goes.)
        if (frame.vid != vid) queue = [];
        vid = frame.vid;
        token = frame.token;
      }
      queue.push(frame);
      if (final)
        try {
          const data = body(queue);
          queue = [];
          if (!beacon?.(post(), new Blob([data], { type: 'text/plain' })))
            request(post(), { method: 'POST', body: data, keepalive: true }).catch(() => {});
        } catch {
          /* no Blob or no fetch: nothing more can be done as the page goes away */
        }
      else schedule();
      return true;
    },
    close() {
      listener = undefined;
      end();
      retry.stop();
    },
  };
}
