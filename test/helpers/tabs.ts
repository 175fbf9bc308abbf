/**
 * Fakes for the cross-tab tests in Node: a Web Locks manager (exclusive locks, queued requests,
 * released when the callback's promise settles) and a window that has it plus Node's own
 * BroadcastChannel, which delivers between instances of one process like tabs of one browser.
 */
import type { ClientFrame } from '../../src/protocol';
import type { Transport, TransportListener } from '../../src/transport/types';

export function createFakeLocks() {
  const held = new Set<string>();
  const waiting = new Map<string, Array<() => void>>();
  const next = (name: string) => {
    const run = waiting.get(name)?.shift();
    if (run) run();
    else held.delete(name);
  };
  return {
    /** Names requested, in order (to see who asked for what). */
    requests: [] as string[],
    /** As navigator.locks.request: `(name, cb)` or `(name, { ifAvailable }, cb)`. */
    request<T>(
      name: string,
      a: { ifAvailable?: boolean } | ((lock: { name: string } | null) => T | Promise<T>),
      b?: (lock: { name: string } | null) => T | Promise<T>,
    ): Promise<T> {
      const cb = typeof a == 'function' ? a : b!;
      const ifAvailable = typeof a == 'object' && !!a.ifAvailable;
      this.requests.push(name);
      return new Promise<T>((resolve, reject) => {
        const run = () => {
          held.add(name);
          Promise.resolve()
            .then(() => cb({ name }))
            .then(resolve, reject)
            .finally(() => next(name));
        };
        if (!held.has(name)) run();
        else if (ifAvailable)
          Promise.resolve()
            .then(() => cb(null))
            .then(resolve, reject);
        else waiting.set(name, [...(waiting.get(name) || []), run]);
      });
    },
  };
}

/**
 * A window with locks and BroadcastChannel; `fire('pagehide', {persisted})` dispatches.
 * `channels`: the BroadcastChannel class its code gets (Node's own by default).
 */
export function createTabWindow(
  locks: ReturnType<typeof createFakeLocks> | null,
  channels: unknown = globalThis.BroadcastChannel,
) {
  const listeners = new Map<string, Set<(e: unknown) => void>>();
  const win = {
    navigator: { locks, userAgent: 'Mozilla/5.0 (X11; Linux x86_64)', language: 'en' },
    BroadcastChannel: channels,
    addEventListener(type: string, fn: (e: unknown) => void) {
      if (!listeners.has(type)) listeners.set(type, new Set());
      listeners.get(type)!.add(fn);
    },
    removeEventListener(type: string, fn: (e: unknown) => void) {
      listeners.get(type)?.delete(fn);
    },
    fire(type: string, event: Record<string, unknown> = {}) {
      for (const fn of listeners.get(type) || []) fn(event);
    },
  };
  return win;
}

/**
 * BroadcastChannels delivering as a browser's do: each receiving channel object is its own pipe,
 * in order, with no order between two objects (two channels of one tab may overtake each other).
 * `tab()` gives one tab's BroadcastChannel class: its n-th channel object delivers to it
 * `delays[n]` ms late (the last delay for any later one).
 */
export function createPipedChannels() {
  const byName = new Map<string, Set<{ enqueue(data: unknown): void }>>();
  return {
    tab(delays: number[]) {
      let made = 0;
      return class PipedChannel {
        onmessage: ((e: { data: unknown }) => void) | null = null;
        readonly delay = delays[Math.min(made++, delays.length - 1)];
        readonly queue: Array<{ due: number; data: unknown }> = [];
        timer: ReturnType<typeof setTimeout> | undefined;
        closed = false;
        constructor(readonly name: string) {
          if (!byName.has(name)) byName.set(name, new Set());
          byName.get(name)!.add(this);
        }
        postMessage(data: unknown) {
          if (this.closed) throw new DOMException('channel closed', 'InvalidStateError');
          const copy = structuredClone(data);
          for (const to of byName.get(this.name)!) if (to != this) to.enqueue(copy);
        }
        enqueue(data: unknown) {
          this.queue.push({ due: Date.now() + this.delay, data });
          this.pump();
        }
        pump() {
          if (this.timer || !this.queue.length) return;
          this.timer = setTimeout(
            () => {
              this.timer = undefined;
              while (this.queue.length && this.queue[0].due <= Date.now())
                if (!this.closed) this.onmessage?.({ data: this.queue.shift()!.data });
              this.pump();
            },
            Math.max(0, this.queue[0].due - Date.now()),
          );
        }
        close() {
          this.closed = true;
          this.queue.length = 0;
          clearTimeout(this.timer);
          byName.get(this.name)!.delete(this);
        }
      };
    },
  };
}

/** A transport that records what it is asked to do; `open` reports `connecting`, then `open` a tick later. */
export function createRecordingTransport() {
  const t = {
    opened: 0,
    closed: 0,
    sent: [] as Array<{ frame: ClientFrame; final?: boolean }>,
    listener: undefined as TransportListener | undefined,
    open(l: TransportListener) {
      t.opened++;
      t.listener = l;
      l.status('connecting');
      setTimeout(() => t.listener == l && l.status('open'), 0);
    },
    send(frame: ClientFrame, final?: boolean) {
      if (!t.listener) return false;
      t.sent.push({ frame, final });
      return true;
    },
    close() {
      t.closed++;
      t.listener = undefined;
    },
  };
  return t satisfies Transport;
}

/** Resolves after BroadcastChannel messages and timers queued now have been delivered. */
export const settle = (ms = 30) => new Promise((r) => setTimeout(r, ms));
