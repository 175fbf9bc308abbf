/**
 * Helpers of the reference-server tests: start a server in-process on 127.0.0.1 (port 0,
 * `:memory:`), real `ws` clients that collect frames, `fetch` against the agent API, and an
 * SSE reader for both event streams.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'node:net';
import { nanoid } from 'nanoid';
import { afterEach } from 'vitest';
import WebSocket from 'ws';
import type { HelloFrame } from '../../src/protocol';
import { quietLogger, type Logger } from '../../demo/server/log';
import { startServer, type RunningServer, type ServerOptions } from '../../demo/server/server';

/** A frame as received (loosely typed for the assertions). */
// oxlint-disable-next-line no-explicit-any
export type Frame = Record<string, any>;

const running = new Set<{ close(): unknown }>();

afterEach(async () => {
  const list = [...running];
  running.clear();
  await Promise.all(list.map((r) => r.close()));
});

/** Collects warnings, so a test can check a refusal was logged. */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    ...quietLogger,
    lines,
    warn: (m) => lines.push(m),
    error: (m) => lines.push('ERROR ' + m),
  };
}

/**
 * Starts a server (quiet, in memory, no bot delay, uploads in a temporary directory) closed
 * after the test.
 */
export async function serve(options: ServerOptions = {}): Promise<RunningServer> {
  const uploads = options.uploadDir ? undefined : mkdtempSync(join(tmpdir(), 'vc-uploads-'));
  if (uploads) running.add({ close: () => rmSync(uploads, { recursive: true, force: true }) });
  const server = await startServer({
    uploadDir: uploads,
    port: 0,
    host: '127.0.0.1',
    db: ':memory:',
    agentToken: 'test-agent-token-0123456789',
    log: quietLogger,
    botDelayMs: 0,
    root: process.cwd(),
    ...options,
  });
  running.add(server);
  return server;
}

/** A `hello` for a new visitor (or the given one). */
export function hello(over: Partial<HelloFrame> = {}): HelloFrame {
  return {
    t: 'hello',
    v: 1,
    key: 'demo',
    vid: nanoid(),
    visits: 1,
    firstSeenAt: Date.now() - 1000,
    page: { url: 'http://shop.test/', title: 'Home', referrer: '' },
    device: 'desktop',
    lang: 'en',
    activeAt: Date.now(),
    ...over,
  };
}

/** A WebSocket client that keeps every frame it receives. */
export interface Client {
  ws: WebSocket;
  frames: Frame[];
  send(frame: unknown): void;
  /** The next received frame (optionally of type `t`) not taken yet. */
  next(t?: string, ms?: number): Promise<Frame>;
  /** Resolves with the close code and reason. */
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

/** Opens `/v1/ws?key=` and waits until it is open (or closed: `closed` then says why). */
export async function connect(
  base: string,
  opts: { key?: string; origin?: string; headers?: Record<string, string> } = {},
): Promise<Client> {
  const url = base.replace(/^http/, 'ws') + '/v1/ws?key=' + (opts.key ?? 'demo');
  const ws = new WebSocket(url, {
    ...(opts.origin ? { origin: opts.origin } : {}),
    ...(opts.headers ? { headers: opts.headers } : {}),
  });
  const frames: Frame[] = [];
  let taken = 0;
  const waiters = new Set<() => void>();
  ws.on('message', (d) => {
    frames.push(JSON.parse(String(d)));
    for (const w of waiters) w();
  });
  ws.on('error', () => {});
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => {
      resolve({ code, reason: String(reason) });
      for (const w of waiters) w();
    }),
  );
  const client: Client = {
    ws,
    frames,
    closed,
    send: (f) => ws.send(typeof f == 'string' ? f : JSON.stringify(f)),
    next(t, ms = 2000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          for (let i = taken; i < frames.length; i++)
            if (!t || frames[i]!.t == t) {
              const f = frames[i]!;
              // Frames of other types before it stay available.
              if (i == taken) taken++;
              else frames.splice(i, 1);
              done();
              resolve(f);
              return;
            }
          if (ws.readyState == WebSocket.CLOSED) {
            done();
            reject(new Error(`socket closed while waiting for ${t ?? 'a frame'}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no ${t ?? 'frame'} within ${ms} ms; got ${JSON.stringify(frames)}`));
        }, ms);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close: () => ws.terminate(),
  };
  running.add({ close: () => ws.terminate() });
  await new Promise<void>((resolve) => {
    ws.once('open', () => resolve());
    ws.once('close', () => resolve());
  });
  return client;
}

/** Connects and says hello; resolves with the client and its welcome. */
export async function visit(
  base: string,
  over: Partial<HelloFrame> = {},
  headers?: Record<string, string>,
) {
  const c = await connect(base, { headers });
  const h = hello(over);
  c.send(h);
  const welcome = await c.next('welcome');
  return { c, welcome, vid: h.vid, token: (welcome.token ?? over.token) as string };
}

/**
 * Adds an auto message (shown on a `/pricing` page) to the server's automations; resolves its
 * rule id, the one a widget's `am` frame names.
 */
export async function addAutoMessage(server: RunningServer, text: string): Promise<string> {
  const r = await api(server, 'POST', '/api/automations', {
    kind: 'auto-message',
    name: 'Plans',
    text,
    frequency: 'visit',
    conditions: [{ type: 'url', contains: '/pricing' }],
  });
  if (r.status != 201) throw new Error('auto message not added: ' + JSON.stringify(r.json));
  return r.json!.automation.id;
}

/** Calls the agent API with the test token (or `token`). */
export async function api(
  server: RunningServer,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = server.agentToken,
) {
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = 'Bearer ' + token;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(server.url + path, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body == 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: Frame | undefined;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json: json as Frame, headers: res.headers };
}

/** Reads a Server-Sent Events stream; `next(event)` resolves the next event of that name. */
export async function sse(url: string, headers: Record<string, string> = {}) {
  const ac = new AbortController();
  const res = await fetch(url, { headers, signal: ac.signal });
  const events: { event: string; data: string; id: string }[] = [];
  const waiters = new Set<() => void>();
  const used = new Set<number>();
  void (async () => {
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let buf = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const e = { event: 'message', data: '', id: '' };
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) e.event = line.slice(7);
            else if (line.startsWith('data: ')) e.data = line.slice(6);
            else if (line.startsWith('id: ')) e.id = line.slice(4);
          }
          if (e.data) events.push(e);
          for (const w of waiters) w();
        }
      }
    } catch {
      // aborted
    }
  })();
  running.add({ close: () => ac.abort() });
  return {
    res,
    events,
    close: () => ac.abort(),
    /** The next event named `event` whose data matches `pred`. */
    next(event = 'message', pred: (data: Frame) => boolean = () => true, ms = 2000) {
      return new Promise<Frame & { _id: string }>((resolve, reject) => {
        const check = () => {
          for (let i = 0; i < events.length; i++) {
            const e = events[i]!;
            if (used.has(i) || e.event != event) continue;
            const data = JSON.parse(e.data);
            if (!pred(data)) continue;
            used.add(i);
            clearTimeout(timer);
            waiters.delete(check);
            resolve({ ...data, _id: e.id });
            return;
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${event} event within ${ms} ms; got ${JSON.stringify(events)}`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
  };
}

/** Waits until `fn` returns a truthy value (polling every 10 ms). */
export async function until<T>(
  fn: () => T | Promise<T>,
  ms = 2000,
): Promise<Exclude<T, false | null | undefined | 0 | ''>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as Exclude<T, false | null | undefined | 0 | ''>;
    if (Date.now() > end) throw new Error('condition not met within ' + ms + ' ms');
    await new Promise((r) => setTimeout(r, 10));
  }
}

export { seededRandom as mulberry32 } from '../helpers/random';

/** A WebSocket frame as raw bytes, masked unless told otherwise (RFC 6455 §5.2). */
export function wsFrame(
  opcode: number,
  payload: Buffer,
  opts: { fin?: boolean; rsv?: number; mask?: boolean; length?: bigint } = {},
): Buffer {
  const { fin = true, rsv = 0, mask = true } = opts;
  const len = opts.length ?? BigInt(payload.length);
  const head = [(fin ? 0x80 : 0) | (rsv << 4) | opcode];
  const m = mask ? 0x80 : 0;
  let ext = Buffer.alloc(0);
  if (len < 126n) head.push(m | Number(len));
  else if (len < 65536n) {
    head.push(m | 126);
    ext = Buffer.alloc(2);
    ext.writeUInt16BE(Number(len));
  } else {
    head.push(m | 127);
    ext = Buffer.alloc(8);
    ext.writeBigUInt64BE(len);
  }
  const key = mask ? Buffer.from([0x12, 0x34, 0x56, 0x78]) : Buffer.alloc(0);
  const body = Buffer.from(payload);
  if (mask) for (let i = 0; i < body.length; i++) body[i]! ^= key[i % 4]!;
  return Buffer.concat([Buffer.from(head), ext, key, body]);
}

/**
 * A WebSocket client on a bare TCP socket, for what `ws` will not send (bad framing), for peers
 * that stop reading, and for floods (it costs less than a `ws` client). `frames` collects the
 * server's text frames; `closeCode` resolves the code of its close frame (null when the socket
 * ended without one).
 */
export async function rawWs(
  base: string,
  path = '/v1/ws?key=demo',
  headers: Record<string, string> = {},
) {
  const url = new URL(base);
  const sock = createConnection({ host: url.hostname, port: Number(url.port) });
  sock.setNoDelay(true);
  running.add({ close: () => sock.destroy() });
  sock.on('error', () => {});
  const frames: Frame[] = [];
  let buf: Buffer = Buffer.alloc(0);
  let upgraded = false;
  let resolveOpen!: (ok: boolean) => void;
  const open = new Promise<boolean>((r) => (resolveOpen = r));
  let resolveClose!: (code: number | null) => void;
  const closeCode = new Promise<number | null>((r) => (resolveClose = r));
  sock.on('data', (d: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, d]) : d;
    if (!upgraded) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      upgraded = true;
      resolveOpen(buf.subarray(0, end).toString().startsWith('HTTP/1.1 101'));
      buf = buf.subarray(end + 4);
    }
    // Server frames are unmasked and not fragmented.
    while (buf.length >= 2) {
      let len = buf[1]! & 0x7f;
      let at = 2;
      if (len == 126) {
        if (buf.length < 4) return;
        len = buf.readUInt16BE(2);
        at = 4;
      } else if (len == 127) {
        if (buf.length < 10) return;
        len = Number(buf.readBigUInt64BE(2));
        at = 10;
      }
      if (buf.length < at + len) return;
      const payload = buf.subarray(at, at + len);
      const op = buf[0]! & 0x0f;
      if (op == 1) frames.push(JSON.parse(payload.toString()));
      if (op == 8) resolveClose(len >= 2 ? payload.readUInt16BE(0) : 1005);
      buf = buf.subarray(at + len);
    }
  });
  sock.on('close', () => {
    resolveOpen(false);
    resolveClose(null);
  });
  sock.write(
    `GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n` +
      Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('') +
      '\r\n',
  );
  if (!(await open)) throw new Error('the WebSocket upgrade failed');
  return {
    sock,
    frames,
    closeCode,
    /** Writes raw bytes. */
    write: (b: Buffer) => sock.write(b),
    /** Sends a frame: text (a string, or bytes sent as text) or binary. */
    send: (data: string | Buffer | object, binary = false) =>
      sock.write(
        wsFrame(
          binary ? 2 : 1,
          Buffer.isBuffer(data)
            ? data
            : Buffer.from(typeof data == 'string' ? data : JSON.stringify(data)),
        ),
      ),
  };
}

/** Runs `fn` over `items`, `n` at a time. */
export async function pool<T>(items: T[], n: number, fn: (item: T, i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

/** Counts the items of `list` by `key`. */
export function tally<T>(list: T[], key: (item: T) => string | number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of list) {
    const k = String(key(item));
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}
