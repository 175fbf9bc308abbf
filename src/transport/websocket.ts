import { createRetry, SILENCE_MS, type RetryOptions } from './backoff';
import type { Transport, TransportListener } from './types';

/** Options of {@link createWebSocketTransport}. */
export interface WebSocketTransportOptions extends RetryOptions {
  /** The server's base URL, `ws(s)://` or `http(s)://`; the endpoint is `/v1/ws?key=`. */
  url: string;
  /** Account key from the snippet. */
  key: string;
  /** WebSocket constructor (default the global one; in Node, e.g. the `ws` package's). */
  WebSocket?: typeof WebSocket;
}

/** Close codes after which the server wants no reconnect: Origin refused, bad token, blocked, bad key. */
const STOP_CODES = [1008, 4001, 4003, 4004];

/** A `welcome` frame, found without parsing: inside a JSON string every `"` is escaped. */
const WELCOME = /"t"\s*:\s*"welcome"/;

/**
 * A transport over one WebSocket (docs/PROTOCOL.md): JSON text frames, reconnects with
 * full-jitter backoff (reset when a welcomed connection held 10 s), stops for good on the "do not reconnect" close
 * codes. Never throws: a constructor that throws (bad URL, CSP) counts as a failed attempt.
 *
 * @example
 * createWidget({ key: 'demo', transport: createWebSocketTransport({ url: 'wss://chat.example.com', key: 'demo', window }) });
 */
export function createWebSocketTransport(options: WebSocketTransportOptions): Transport {
  const WS = options.WebSocket || globalThis.WebSocket;
  const url =
    options.url.replace(/^http/, 'ws').replace(/\/$/, '') +
    '/v1/ws?key=' +
    encodeURIComponent(options.key);
  let listener: TransportListener | undefined;
  let socket: WebSocket | undefined;
  /** When this connection's `welcome` came (0: not yet). */
  let welcomedAt = 0;
  /** When a `msg` went out that nothing has come back since (0: none; any frame clears it). */
  let quiet = 0;
  const report = (s: Parameters<TransportListener['status']>[0]) => listener?.status(s);
  const retry = createRetry(connect, options);

  function connect() {
    report('connecting');
    try {
      const ws = (socket = new WS(url));
      ws.onopen = () => report('open');
      ws.onmessage = (e) => {
        quiet = 0;
        if (WELCOME.test(e.data)) welcomedAt ||= Date.now();
        listener?.frame(e.data);
      };
      // Node's `ws` throws an 'error' event nobody listens to; browsers follow it with `close`.
      ws.onerror = () => {};
      ws.onclose = (e) => {
        if (socket != ws) return;
        socket = undefined;
        // The backoff starts over only after a connection that held 10 s: a server that
        // welcomes and then drops every connection is not hammered.
        if (welcomedAt && Date.now() - welcomedAt >= 1e4) retry.reset();
        welcomedAt = 0;
        if (STOP_CODES.includes(e.code)) report('stopped');
        else {
          report('closed');
          retry.later();
        }
      };
    } catch {
      // (`socket` is still undefined.)
      report('closed');
      retry.later();
    }
  }

  return {
    open(l) {
      listener = l;
      // Waiting for a retry (e.g. a back/forward-cache restore): now. Connecting or open: nothing.
      if (!socket) {
        retry.cancel();
        connect();
      }
    },
    send(frame) {
      if (socket?.readyState != 1) return false;
      // Silent since a `msg` that long ago (the core resends at its ack timeout): a stalled
      // network, which closes nothing. Dropped now, the backoff reconnects; its own close event
      // comes a minute later, if ever, and is ignored.
      if (frame.t == 'msg' && Date.now() - (quiet ||= Date.now()) >= SILENCE_MS) {
        socket.close();
        socket.onclose!({} as CloseEvent);
        return false;
      }
      socket.send(JSON.stringify(frame));
      return true;
    },
    close() {
      listener = undefined;
      retry.stop();
      socket?.close(1000);
      socket = undefined;
    },
  };
}
