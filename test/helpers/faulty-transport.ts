/**
 * A fault-injecting network between the widget and the in-memory server
 * (src/transport/memory.ts), for the delivery property test (test/core/faults.test.ts).
 *
 * The fault model, per frame and per connection:
 * - every frame is delayed by `faults.delay()` ms, so frames overtake each other (reorder);
 * - a frame is duplicated with probability `faults.dup` (each copy has its own delay);
 * - a frame is lost with probability `faults.loss` while the connection stays up (what a
 *   lost POST or a server that skipped an ack looks like: only a timeout notices);
 * - `drop()` ends the connection (until `reconnect()`): server frames still in flight die with
 *   it; a client frame in flight arrives anyway, late, with probability `faults.late` (as a
 *   delayed HTTP POST can land after the client has reconnected), else is lost;
 * - `restart()` is a server restart: the connection drops and every frame in flight either way
 *   is lost; what the server stored (the conversation, its de-duplication by client id) persists.
 * - The handshake is exact, as on both real transports: a connection's `hello` reaches the
 *   server before any other frame of that connection, its `welcome` reaches the client before
 *   any other server frame of that connection, and neither is duplicated or lost on its own.
 *
 * Everything runs on timers, so tests drive it with fake timers; randomness comes from `rng`.
 */
import type { ClientFrame } from '../../src/protocol';
import { createMemoryTransport, type MemoryServer } from '../../src/transport/memory';
import type { ConnectionStatus, Transport, TransportListener } from '../../src/transport/types';

export { seededRandom } from './random';

/** The faults applied to each frame; change them at any time (`heal()` zeroes them). */
export interface FaultOptions {
  /** Delay of one frame, ms. */
  delay: () => number;
  /** Probability that a frame is delivered twice. */
  dup: number;
  /** Probability that a frame is lost while the connection stays up. */
  loss: number;
  /** Probability that a client frame in flight when the connection drops arrives anyway. */
  late: number;
}

/** What the network did, by kind. */
export interface FaultStats {
  frames: number;
  delayed: number;
  duplicated: number;
  reordered: number;
  /** Lost on their own (the connection stayed up). */
  lost: number;
  /** Lost because the connection dropped or the server restarted while they were in flight. */
  cut: number;
  /** Client frames that arrived after their connection had dropped. */
  late: number;
  drops: number;
  restarts: number;
}

export interface FaultyTransport extends Transport {
  server: MemoryServer;
  faults: FaultOptions;
  stats: FaultStats;
  /** The connection drops; the client sees `closed` until `reconnect()`. */
  drop(): void;
  /** The server restarts: the connection drops and every frame in flight is lost. */
  restart(): void;
  /** The server accepts the client again. */
  reconnect(): void;
  /** No more faults from now on (frames still in flight keep theirs), and reconnects. */
  heal(): void;
}

/** Creates the faulty network; `server` is the memory server behind it. */
export function createFaultyTransport(
  rng: () => number,
  faults: Partial<FaultOptions> = {},
): FaultyTransport {
  // The inner pair has no latency of its own: this layer decides every delay.
  const inner = createMemoryTransport();
  const server = inner.server;
  const stats: FaultStats = {
    frames: 0,
    delayed: 0,
    duplicated: 0,
    reordered: 0,
    lost: 0,
    cut: 0,
    late: 0,
    drops: 0,
    restarts: 0,
  };
  let listener: TransportListener | undefined;
  let status: ConnectionStatus = 'closed';
  /** Connection number, bumped at every status change; server restarts counted apart. */
  let conn = 0;
  let boots = 0;
  /** When this connection's handshake frame is delivered, per direction (0: not sent yet). */
  let helloAt = 0;
  let welcomeAt = 0;
  /** Send sequence numbers, per direction, to count frames that overtook an earlier one. */
  const seq = { up: 0, down: 0 };
  const newest = { up: 0, down: 0 };

  /** Schedules the copies of one frame; `arrive` gets called for each, unless it was lost. */
  function carry(dir: 'up' | 'down', handshake: boolean, arrive: (copy: number) => void): void {
    stats.frames++;
    const n = ++seq[dir];
    const copies = !handshake && rng() < t.faults.dup ? 2 : 1;
    if (copies == 2) stats.duplicated++;
    for (let i = 0; i < copies; i++) {
      if (!handshake && rng() < t.faults.loss) {
        stats.lost++;
        continue;
      }
      const d = Math.max(0, Math.round(t.faults.delay()));
      let at = Date.now() + d;
      if (d > 0) stats.delayed++;
      if (dir == 'up') {
        if (handshake) helloAt = at;
        else at = Math.max(at, helloAt);
      } else if (handshake) welcomeAt = at;
      else at = Math.max(at, welcomeAt);
      setTimeout(() => {
        if (n < newest[dir]) stats.reordered++;
        newest[dir] = Math.max(newest[dir], n);
        arrive(i);
      }, at - Date.now());
    }
  }

  const up = (frame: ClientFrame) => {
    const c = conn;
    const b = boots;
    const hello = frame.t == 'hello';
    carry('up', hello, () => {
      // A restart loses everything in flight; a plain drop, the handshake and maybe the rest.
      if (b != boots) return void stats.cut++;
      if (c != conn) {
        if (hello || rng() >= t.faults.late) return void stats.cut++;
        stats.late++;
      }
      if (!inner.send(frame)) stats.cut++;
    });
  };

  const innerListener: TransportListener = {
    status(s) {
      if (!listener) return;
      conn++;
      helloAt = welcomeAt = 0;
      status = s;
      listener.status(s);
    },
    frame(wire) {
      const c = conn;
      const welcome = String(wire).startsWith('{"t":"welcome"');
      carry('down', welcome, () => {
        if (c != conn || status != 'open') return void stats.cut++;
        listener?.frame(wire);
      });
    },
  };

  const t: FaultyTransport = {
    server,
    stats,
    faults: { delay: () => 0, dup: 0, loss: 0, late: 0, ...faults },
    open(l) {
      listener = l;
      inner.open(innerListener);
    },
    send(frame) {
      if (status != 'open') return false;
      up(frame);
      return true;
    },
    close() {
      listener = undefined;
      status = 'stopped';
      inner.close();
    },
    drop() {
      if (status != 'open') return;
      stats.drops++;
      server.disconnect();
    },
    restart() {
      stats.restarts++;
      boots++;
      server.disconnect();
    },
    reconnect() {
      server.connect();
    },
    heal() {
      t.faults = { delay: () => 1, dup: 0, loss: 0, late: 0 };
      server.connect();
    },
  };
  return t;
}
