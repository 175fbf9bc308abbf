import type { ClientFrame } from '../protocol';

/**
 * Connection status reported by a transport.
 * - `connecting`: trying to (re)connect.
 * - `open`: frames can be sent; the core sends `hello` on every `open`.
 * - `closed`: disconnected; the transport retries by itself (with backoff).
 * - `stopped`: will not reconnect (closed by the core, or the server said stop: blocked, bad key).
 */
export type ConnectionStatus = 'connecting' | 'open' | 'closed' | 'stopped';

/** What the core gives a transport when it opens it. */
export interface TransportListener {
  /** A frame from the server, raw (string or parsed JSON): the core validates it. */
  frame(data: unknown): void;
  /** The connection status changed. */
  status(status: ConnectionStatus): void;
}

/**
 * How the core talks to a server. Write your own by implementing these three methods;
 * see the README ("Writing a transport").
 *
 * @example
 * const transport: Transport = {
 *   open(listener) { socket = connect(); socket.onmessage = (e) => listener.frame(e.data); ... },
 *   send(frame) { if (!connected) return false; socket.send(JSON.stringify(frame)); return true; },
 *   close() { socket.close(); },
 * };
 */
export interface Transport {
  /** Start connecting; keep reconnecting until `close()`, reporting through the listener. */
  open(listener: TransportListener): void;
  /**
   * Hand a frame to the connection. Returns false when it could not be sent (not open);
   * the core keeps visitor messages in its outbox and resends them after the next `open`.
   * `final` marks the last frames sent as the page is hidden (use sendBeacon / keepalive).
   */
  send(frame: ClientFrame, final?: boolean): boolean;
  /** Disconnect for good and stop reconnecting. */
  close(): void;
}
