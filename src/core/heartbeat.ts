import type { HeartbeatFrame } from '../protocol';

/** Activity heartbeats (docs/AGENT-API.md, "Visitor states"): they carry activity, not liveness. */
export interface Heartbeat {
  /** call on every activity: constant work */
  poke(): void;
  /** page hidden: cancel the timer and send the last frame {t:'hb', activeAt, hidden:true} with final=true */
  hide(): void;
  stop(): void;
}

/**
 * Creates the heartbeat: at most one frame per `intervalMs` while the visitor interacts, none
 * while idle or hidden, and no timer left once activity stops (the timer is armed by `poke` and
 * never re-arms itself). The last frame on `hide` counts as a frame for the interval, and is
 * only sent once per hide and only if there was ever an interaction: a page nobody touched has
 * no activity to report.
 */
export function createHeartbeat(options: {
  intervalMs: number;
  lastActivityAt: () => number;
  send: (frame: HeartbeatFrame, final: boolean) => void;
  now: () => number;
  /** Default: the global ones, looked up at each call (so fake timers installed later apply). */
  setTimeout?: typeof setTimeout;
  clearTimeout?: typeof clearTimeout;
}): Heartbeat {
  // Destructured so the timer functions are not called with `options` as `this`, which a
  // browser's window.setTimeout refuses ("Illegal invocation").
  const { intervalMs, lastActivityAt, send, now, setTimeout: set, clearTimeout: clear } = options;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let sentAt = -Infinity;
  let sentActive = 0;
  // 0 live, 1 hidden (final frame done), 2 stopped.
  let state = 0;
  // State is updated before send(), so a send that throws cannot make us repeat a frame.
  const emit = (activeAt: number, hidden?: boolean) => {
    sentActive = activeAt;
    sentAt = now();
    send({ t: 'hb', activeAt, ...(hidden && { hidden }) }, !!hidden);
  };
  const cancel = () => {
    if (timer !== undefined) (clear || clearTimeout)(timer);
    timer = undefined;
  };
  const fire = () => {
    timer = undefined;
    const a = lastActivityAt();
    if (a > sentActive) emit(a);
  };
  return {
    poke() {
      if (state < 2) {
        state = 0;
        // A delay below 0 (the interval is already over) waits no time, as 0 does.
        timer ??= (set || setTimeout)(fire, sentAt + intervalMs - now());
      }
    },
    hide() {
      cancel();
      if (!state) {
        state = 1;
        const a = lastActivityAt();
        if (a > 0) emit(a, true);
      }
    },
    stop() {
      state = 2;
      cancel();
    },
  };
}
