/**
 * The visitor WebSocket endpoint, `GET /v1/ws?key=KEY` (docs/PROTOCOL.md): Origin and key
 * checks, 16 KiB frames (ws closes larger ones with 1009), a token bucket per connection
 * (4029), every frame validated, ping every 30 s, and slow consumers closed.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { parseClientFrame, type ServerFrame } from '../../src/protocol';
import type { AddressSlots } from './address-slots';
import { requestSource, type TrustProxy } from './client-address';
import type { Hub } from './hub';
import type { Logger } from './log';
import { originAllowed } from './origin';
import type { Conn, LiveVisitor } from './presence';
import { createBucket, type RateOptions } from './rate-limit';

/** Largest frame, in bytes (docs/PROTOCOL.md). */
export const MAX_FRAME = 16 * 1024;

/** A socket with more unsent bytes than this is too slow: it is dropped (default). */
export const MAX_BUFFERED = 1 << 20;

/** Refused messages a blocked visitor may send on one connection before it is closed (4003). */
const BLOCKED_TRIES = 20;

/** What the endpoint needs. */
export interface VisitorSocketOptions {
  hub: Hub;
  log: Logger;
  keys: string[];
  allowedOrigins?: string[];
  rate: RateOptions;
  /** How far `X-Forwarded-For` is believed (TRUST_PROXY); unset = never. */
  trustProxy?: TrustProxy;
  /** Ping interval; a socket that did not answer the previous ping is terminated. */
  pingMs: number;
  /** Unsent bytes after which a socket is too slow and terminated (default {@link MAX_BUFFERED}). */
  maxBuffered?: number;
  /** Open connections per client address (address-slots.ts); unset = no limit. */
  slots?: AddressSlots;
}

/** Refusals of parseClientFrame that mean the peer does not speak the protocol (close 4000). */
const STRUCTURAL = /^(frame is not|unknown frame type)/;

const text = (data: RawData) =>
  Array.isArray(data) ? Buffer.concat(data).toString() : Buffer.from(data as Buffer).toString();

/** Creates the endpoint; the HTTP server hands it its `upgrade` requests for `/v1/ws`. */
export function createVisitorSockets(o: VisitorSocketOptions) {
  const { hub, log } = o;
  const maxBuffered = o.maxBuffered ?? MAX_BUFFERED;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME,
    perMessageDeflate: false,
  });
  const alive = new WeakMap<WebSocket, boolean>();

  function connection(ws: WebSocket, req: IncomingMessage, key: string) {
    const who = req.socket.remoteAddress;
    const bucket = createBucket(o.rate);
    let visitor: LiveVisitor | undefined;
    let blockedTries = 0;
    alive.set(ws, true);

    const conn: Conn = {
      send(frame: ServerFrame) {
        if (ws.readyState != WebSocket.OPEN) return;
        if (ws.bufferedAmount > maxBuffered) {
          log.warn(`ws ${who}: too slow (${ws.bufferedAmount} bytes waiting), dropped`);
          ws.terminate();
          return;
        }
        ws.send(JSON.stringify(frame));
      },
      buffered: () => ws.bufferedAmount,
    };

    function refuse(code: number, reason: string) {
      log.warn(`ws ${who} ${visitor?.id ?? '-'}: closed ${code}: ${reason}`);
      // A close reason is at most 123 bytes.
      ws.close(code, reason.slice(0, 100));
    }

    /** Handles one frame; frames of a connection are handled one after another, in order. */
    async function handle(raw: string) {
      if (ws.readyState != WebSocket.OPEN) return;
      const f = parseClientFrame(raw);
      if (typeof f == 'string') {
        if (STRUCTURAL.test(f) || !visitor) return refuse(4000, f);
        log.warn(`ws ${who} ${visitor.id}: frame refused: ${f}`);
        return conn.send({ t: 'err', code: 'bad_frame', message: f });
      }
      if (f.t == 'hello') {
        if (f.key != key) return refuse(4004, 'hello.key is not the key of the URL');
        let r: Awaited<ReturnType<Hub['hello']>>;
        try {
          r = await o.hub.hello(f, requestSource(req, o.trustProxy));
        } catch (e) {
          // The store is unreachable: 1013 (try again later) makes the widget back off and retry.
          log.warn(`ws ${who}: hello failed: ${e}`);
          return ws.close(1013, 'try again later');
        }
        if (r == 'unknown_key') return refuse(4004, 'unknown account key');
        if (r == 'invalid_token') return refuse(4001, 'invalid visitor token');
        if (ws.readyState != WebSocket.OPEN) return;
        // A second hello (after logout) re-binds this connection.
        if (visitor && visitor !== r.visitor) hub.detach(visitor, conn);
        visitor = r.visitor;
        conn.send(r.welcome);
        hub.attach(visitor, conn);
        return;
      }
      if (!visitor) return refuse(4000, 'the first frame must be hello');
      if (!(await hub.frame(visitor, f, conn)) && ++blockedTries > BLOCKED_TRIES)
        refuse(4003, 'blocked visitor keeps sending messages');
    }

    let queue: Promise<unknown> = Promise.resolve();
    let stopped = false;
    /** Runs `job` after the frames received before it. */
    const enqueue = (job: () => unknown) => {
      queue = queue.then(job).catch((e) => {
        log.error(`ws ${who}: ${(e as Error)?.stack || String(e)}`);
        ws.close(1011, 'server error');
      });
    };
    function onMessage(data: RawData, isBinary: boolean) {
      if (stopped || ws.readyState != WebSocket.OPEN) return;
      // Refusals wait for the frames before them, which were within the limit and get answers.
      if (!bucket.take()) {
        stopped = true;
        return enqueue(() => refuse(4029, 'rate limit exceeded'));
      }
      if (isBinary) {
        stopped = true;
        return enqueue(() => refuse(4000, 'binary frames are not accepted'));
      }
      const t = text(data);
      enqueue(() => handle(t));
    }

    ws.on('message', (data, isBinary) => {
      try {
        onMessage(data, isBinary);
      } catch (e) {
        log.error(`ws ${who}: ${(e as Error)?.stack || String(e)}`);
        ws.close(1011, 'server error');
      }
    });
    ws.on('pong', () => alive.set(ws, true));
    // Oversized frames (1009) and protocol violations arrive here; ws closes the socket itself.
    ws.on('error', (e) => log.warn(`ws ${who}: ${e.message}`));
    ws.on('close', () => {
      if (visitor) hub.detach(visitor, conn);
    });
  }

  const pinger = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.get(ws)) {
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, o.pingMs);
  pinger.unref();

  return {
    /** Handles an upgrade request for `/v1/ws`. */
    upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) {
      socket.on('error', () => socket.destroy());
      wss.handleUpgrade(req, socket, head, (ws) => {
        // Accepted, then closed with a code: a refused upgrade looks like a network error
        // (1006) to the client, which would retry; 1008 and 4004 make it stop.
        if (!originAllowed(req.headers.origin, o.allowedOrigins, req.headers.host)) {
          log.warn(`ws ${req.socket.remoteAddress}: origin ${req.headers.origin} refused`);
          return ws.close(1008, 'origin not allowed');
        }
        const key = url.searchParams.get('key') || '';
        if (!o.keys.includes(key)) {
          log.warn(`ws ${req.socket.remoteAddress}: closed 4004: unknown account key`);
          return ws.close(4004, 'unknown account key');
        }
        // Too many at once from one address: 1013 (try again later), which the widget retries
        // with backoff.
        const address = requestSource(req, o.trustProxy).address ?? '';
        if (o.slots && !o.slots.take(address)) {
          log.warn(
            `ws ${req.socket.remoteAddress}: closed 1013: ${o.slots.max} connections open from ${address} already`,
          );
          return ws.close(1013, 'too many connections from this address');
        }
        if (o.slots) ws.once('close', () => o.slots!.give(address));
        connection(ws, req, key);
      });
    },
    /** Open sockets. */
    count: () => wss.clients.size,
    /** Closes every socket with 1012, and goes on accepting (a fenced cluster node). */
    dropAll() {
      for (const ws of wss.clients) ws.close(1012, 'server restart');
    },
    /** Closes every socket with 1012 (service restart: clients reconnect). */
    close() {
      clearInterval(pinger);
      for (const ws of wss.clients) ws.close(1012, 'server restart');
      const t = setTimeout(() => {
        for (const ws of wss.clients) ws.terminate();
      }, 1000);
      t.unref();
      wss.close();
    },
  };
}
