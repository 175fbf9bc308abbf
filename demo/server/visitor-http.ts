/**
 * The visitor HTTP endpoints (docs/PROTOCOL.md, "HTTP transport"): `POST /v1/frames`,
 * `GET /v1/events` (Server-Sent Events) and `GET /v1/poll` (long-poll). Each visitor on HTTP has
 * one downlink: a numbered queue of its last server frames that streams and polls read.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isRecord, parseClientFrame, type ClientFrame, type ServerFrame } from '../../src/protocol';
import type { AddressSlots } from './address-slots';
import { TOO_LARGE, readJson, sendError, sendJson, sendTooLarge } from './http-json';
import { requestSource, type TrustProxy } from './client-address';
import type { Hub } from './hub';
import type { Logger } from './log';
import { originAllowed } from './origin';
import type { Conn, LiveVisitor } from './presence';
import { createHttpLimiter } from './http-limiter';
import type { RateOptions } from './rate-limit';
import { createVisitorAuth, unavailable as storeDown, VID } from './visitor-auth';
import { MAX_FRAME } from './visitor-ws';

/** Largest `POST /v1/frames` body. */
const MAX_BODY = 64 * 1024;
/** Frames a downlink keeps for `Last-Event-ID` / `after` resumes. */
const KEEP = 200;
/** A stream with more unsent bytes than this is too slow: it is closed (default). */
const MAX_BUFFERED = 1 << 20;

/** A visitor's HTTP downlink. */
interface Downlink extends Conn {
  seq: number;
  /** `seq` at the last hello: a stream or poll without a position starts after it. */
  helloSeq: number;
  queue: { seq: number; data: string }[];
  streams: Set<ServerResponse>;
  wakers: Set<() => void>;
}

type WriteEvent = (res: ServerResponse, seq: number, data: string) => void;

function createDownlink(writeEvent: WriteEvent): Downlink {
  const d: Downlink = {
    seq: 0,
    helloSeq: 0,
    queue: [],
    streams: new Set(),
    wakers: new Set(),
    send(frame: ServerFrame) {
      const data = JSON.stringify(frame);
      const seq = ++d.seq;
      d.queue.push({ seq, data });
      if (d.queue.length > KEEP) d.queue.shift();
      for (const res of d.streams) writeEvent(res, seq, data);
      for (const wake of d.wakers) wake();
    },
  };
  return d;
}

/** Where a stream or poll starts: after `pos` when it is a sequence number of this downlink. */
function start(d: Downlink, pos: string | null | undefined): number {
  const n = pos == null || pos === '' ? NaN : Number(pos);
  return Number.isInteger(n) && n >= 0 && n <= d.seq ? n : d.helloSeq;
}

/** What the endpoints need. */
export interface VisitorHttpOptions {
  hub: Hub;
  log: Logger;
  keys: string[];
  allowedOrigins?: string[];
  rate: RateOptions;
  /** How far `X-Forwarded-For` is believed (TRUST_PROXY); unset = never. */
  trustProxy?: TrustProxy;
  /** How long a poll waits for frames (default 25 s). */
  pollMs?: number;
  /** Comment interval of event streams (default 25 s). */
  pingMs?: number;
  /** Unsent bytes after which an event stream is too slow and closed (default 1 MiB). */
  maxBuffered?: number;
  /** Open connections per client address (address-slots.ts; shared with the WebSockets). */
  slots?: AddressSlots;
  /** `/v1/files…` and `/v1/transcript…` (files-http.ts, transcript-http.ts), by path prefix. */
  more?: {
    prefix: string;
    handle(
      req: IncomingMessage,
      res: ServerResponse,
      url: URL,
      cors: Record<string, string>,
    ): Promise<void>;
  }[];
}

/** Creates the endpoints; `handle` answers every request under `/v1/` (except the WebSocket). */
export function createVisitorHttp(o: VisitorHttpOptions) {
  const { hub, log } = o;
  const downlinks = new WeakMap<LiveVisitor, Downlink>();
  const limiter = createHttpLimiter(o.rate);
  const limited = limiter.limited;
  const authorize = createVisitorAuth(hub, log);
  const unavailable = (res: ServerResponse, e: unknown, cors: Record<string, string>) =>
    storeDown(res, e, cors, log);
  const open = new Set<ServerResponse>();
  const maxBuffered = o.maxBuffered ?? MAX_BUFFERED;

  const writeEvent: WriteEvent = (res, seq, data) => {
    if (res.destroyed) return;
    if (res.writableLength > maxBuffered) {
      log.warn(
        `http ${res.req.socket.remoteAddress}: event stream too slow (${res.writableLength} bytes waiting), closed`,
      );
      return void res.destroy();
    }
    res.write('id: ' + seq + '\ndata: ' + data + '\n\n');
  };

  const downlink = (v: LiveVisitor): Downlink => {
    let d = downlinks.get(v);
    if (!d || v.http !== d) {
      d = createDownlink(writeEvent);
      downlinks.set(v, d);
      v.http = d;
    }
    return d;
  };

  const timer = setInterval(() => {
    limiter.sweep();
    for (const res of open) if (!res.destroyed) res.write(': ping\n\n');
  }, o.pingMs ?? 25_000);
  timer.unref();

  async function frames(
    req: IncomingMessage,
    res: ServerResponse,
    key: string,
    cors: Record<string, string>,
  ) {
    const type = (req.headers['content-type'] || '').split(';')[0]!.trim().toLowerCase();
    if (type != 'application/json' && type != 'text/plain')
      return sendError(
        res,
        400,
        'bad_request',
        'Content-Type must be application/json or text/plain',
        cors,
      );
    const body = await readJson(req, MAX_BODY);
    if (body === TOO_LARGE) return sendTooLarge(req, res, MAX_BODY);
    if (body === undefined) return sendError(res, 400, 'bad_request', 'the body is not JSON', cors);
    if (!isRecord(body) || typeof body.vid != 'string' || !Array.isArray(body.frames))
      return sendError(res, 400, 'bad_request', 'the body must be {vid, token?, frames: []}', cors);
    if (!VID.test(body.vid))
      return sendError(
        res,
        400,
        'bad_request',
        'vid must be an id (1 to 100 of A-Z a-z 0-9 _ -)',
        cors,
      );
    if (!body.frames.length || body.frames.length > 100)
      return sendError(res, 400, 'bad_request', 'frames must hold 1 to 100 frames', cors);
    const list: ClientFrame[] = [];
    for (const item of body.frames) {
      let size;
      try {
        size = Buffer.byteLength(JSON.stringify(item) ?? '');
      } catch {
        // Thousands of nested levels overflow the stack (parseClientFrame says the same).
        return sendError(res, 400, 'bad_request', 'frame is nested too deeply', cors);
      }
      if (size > MAX_FRAME)
        return sendError(res, 413, 'too_large', `a frame is larger than ${MAX_FRAME} bytes`, cors);
      const f = parseClientFrame(item);
      // sendError logs the reason (logRefusals).
      if (typeof f == 'string') return sendError(res, 400, 'bad_request', f, cors);
      if (f.t == 'hello' && list.length)
        return sendError(res, 400, 'bad_request', 'hello must be the first frame', cors);
      list.push(f);
    }
    // The visitor's rate budget is taken once it has proven who it is (below): a request with a
    // wrong token must not use it up, or anyone who read `smartsupp.vid` in the page could keep
    // that visitor refused.
    const out: ServerFrame[] = [];
    const reply: Conn = { send: (f) => out.push(f) };
    let v: LiveVisitor | undefined;
    const first = list[0]!;
    if (first.t == 'hello') {
      if (first.vid != body.vid)
        return sendError(res, 400, 'bad_request', 'hello.vid is not vid', cors);
      if (first.key != key)
        return sendError(res, 404, 'unknown_key', 'hello.key is not the key of the URL', cors);
      let r: Awaited<ReturnType<Hub['hello']>>;
      try {
        r = await hub.hello(first, requestSource(req, o.trustProxy));
      } catch (e) {
        return unavailable(res, e, cors);
      }
      if (r == 'unknown_key')
        return sendError(res, 404, 'unknown_key', 'unknown account key', cors);
      if (r == 'invalid_token')
        return sendError(res, 401, 'invalid_token', 'wrong visitor token', cors);
      v = r.visitor;
      if (limited(res, 'v ' + v.id, list.length, cors)) return;
      const d = downlink(v);
      d.helloSeq = d.seq;
      out.push(r.welcome);
    } else if (!(v = await authorize(res, body.vid, body.token, cors))) return;
    else if (limited(res, 'v ' + body.vid, list.length, cors)) return;
    try {
      for (const f of list) if (f.t != 'hello') await hub.frame(v, f, reply);
    } catch (e) {
      return unavailable(res, e, cors);
    }
    hub.touchHttp(v);
    sendJson(res, 200, { frames: out }, cors);
  }

  /**
   * Takes one of the client address's connection slots for an event stream or a waiting poll,
   * given back when the response closes (answered, or the client went away); false once it
   * answered 429 `too_many_connections` with `Retry-After: 30` (the HTTP transport waits that long).
   */
  function takeSlot(req: IncomingMessage, res: ServerResponse, cors: Record<string, string>) {
    const slots = o.slots;
    if (!slots) return true;
    const address = requestSource(req, o.trustProxy).address ?? '';
    if (!slots.take(address)) {
      sendError(
        res,
        429,
        'too_many_connections',
        `${slots.max} connections open from this address already`,
        { ...cors, 'retry-after': '30' },
      );
      return false;
    }
    res.once('close', () => slots.give(address));
    return true;
  }

  async function events(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    cors: Record<string, string>,
  ) {
    const vid = url.searchParams.get('vid') || '';
    if (!VID.test(vid)) return void (await authorize(res, undefined, undefined, cors));
    const v = await authorize(res, vid, url.searchParams.get('token'), cors);
    if (!v || res.destroyed || limited(res, 'v ' + vid, 1, cors)) return;
    if (!takeSlot(req, res, cors)) return;
    const d = downlink(v);
    res.writeHead(200, {
      ...cors,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      'x-content-type-options': 'nosniff',
    });
    res.write(': open\n\n');
    const after = start(d, req.headers['last-event-id'] as string | undefined);
    for (const e of d.queue) if (e.seq > after) writeEvent(res, e.seq, e.data);
    d.streams.add(res);
    open.add(res);
    hub.touchHttp(v, 1);
    res.on('close', () => {
      d.streams.delete(res);
      open.delete(res);
      hub.touchHttp(v, -1);
    });
  }

  async function poll(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    cors: Record<string, string>,
  ) {
    const vid = url.searchParams.get('vid') || '';
    if (!VID.test(vid)) return void (await authorize(res, undefined, undefined, cors));
    const v = await authorize(res, vid, url.searchParams.get('token'), cors);
    if (!v || res.destroyed || limited(res, 'v ' + vid, 1, cors)) return;
    const d = downlink(v);
    const after = start(d, url.searchParams.get('after'));
    const answer = () => {
      const list = d.queue.filter((e) => e.seq > after).map((e) => e.data);
      sendJson(res, 200, '{"frames":[' + list.join(',') + '],"seq":' + d.seq + '}', cors);
    };
    if (d.seq > after) {
      hub.touchHttp(v);
      return answer();
    }
    // A waiting poll holds a connection like an event stream: it takes a slot of its address,
    // or one client could hold thousands of them (its rate limit allows 20 requests a second).
    if (!takeSlot(req, res, cors)) return;
    hub.touchHttp(v, 1);
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(t);
      d.wakers.delete(wake);
      hub.touchHttp(v, -1);
    };
    const wake = () => {
      finish();
      answer();
    };
    const t = setTimeout(wake, o.pollMs ?? 25_000);
    d.wakers.add(wake);
    req.on('close', finish);
  }

  return {
    /** Open event streams. */
    count: () => open.size,
    /** Answers a request under `/v1/`. */
    async handle(req: IncomingMessage, res: ServerResponse, url: URL) {
      const origin = req.headers.origin;
      const cors: Record<string, string> = origin
        ? { 'access-control-allow-origin': origin, vary: 'Origin' }
        : {};
      if (!originAllowed(origin, o.allowedOrigins, req.headers.host))
        return sendError(res, 403, 'origin', 'this Origin may not use the chat');
      if (req.method == 'OPTIONS') {
        res.writeHead(204, {
          ...cors,
          'access-control-allow-methods': 'GET, POST',
          'access-control-allow-headers': 'content-type, last-event-id, authorization, x-filename',
          'access-control-max-age': '600',
        });
        return res.end();
      }
      const key = url.searchParams.get('key') || '';
      const route = url.pathname;
      const more = o.more?.find((m) => route == m.prefix || route.startsWith(m.prefix + '/'));
      if (more) return more.handle(req, res, url, cors);
      const method = route == '/v1/frames' ? 'POST' : 'GET';
      if (!['/v1/frames', '/v1/events', '/v1/poll', '/v1/ws'].includes(route))
        return sendError(res, 404, 'not_found', 'no such endpoint', cors);
      if (route == '/v1/ws')
        return sendError(res, 426, 'upgrade_required', 'this endpoint is a WebSocket', cors);
      if (req.method != method)
        return sendError(res, 405, 'method_not_allowed', `use ${method}`, {
          ...cors,
          allow: method,
        });
      if (!o.keys.includes(key))
        return sendError(res, 404, 'unknown_key', 'unknown account key', cors);
      if (route == '/v1/frames') return frames(req, res, key, cors);
      if (route == '/v1/events') return events(req, res, url, cors);
      return poll(req, res, url, cors);
    },
    /** Ends every event stream and waiting poll (a fenced cluster node: widgets reconnect). */
    dropAll() {
      for (const res of open) res.end();
      for (const v of hub.visitors.values()) downlinks.get(v)?.wakers.forEach((wake) => wake());
    },
    close() {
      clearInterval(timer);
      for (const res of open) res.end();
      for (const v of hub.visitors.values()) downlinks.get(v)?.wakers.forEach((wake) => wake());
    },
  };
}
