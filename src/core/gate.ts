import type { Warn } from './log';

/**
 * Calls that must keep their order across a module loaded on demand: some need the module, the
 * rest only need to run after whatever waits for it (frames, commands, tab messages in one line).
 */
export interface Gate<M> {
  /** The module, once loaded. */
  get(): M | undefined;
  /** Starts loading (once; again after a failure); resolves when loaded and what waited ran. */
  load(): Promise<M>;
  /** Runs `fn` with the module: at once when it is there and nothing waits, else after what waits. */
  need(fn: (m: M) => void): void;
  /** Runs `fn` at once unless something waits for the module; then after it, in order. */
  after(fn: () => void): void;
}

/**
 * Creates a gate in front of `load`. A call that throws is warned about and the line goes on;
 * a load that fails is warned about and tried again by the next call that needs the module
 * (the chunk loader itself retries a failed fetch: core/chunk.ts).
 *
 * @example
 * const gate = createGate(() => chunk('conversation.js'), warn);
 * gate.need((m) => m.send('hi')); // loads it
 * gate.after(() => set({ typing: true })); // runs after the send
 */
export function createGate<M>(load: () => Promise<M>, warn: Warn): Gate<M> {
  let mod: M | undefined;
  let loading: Promise<M> | undefined;
  const waiting: Array<(m: M) => void> = [];
  const run = (fn: (m: M) => void, m: M) => {
    try {
      fn(m);
    } catch (e) {
      warn('failed: ' + String(e));
    }
  };
  const gate: Gate<M> = {
    get: () => mod,
    load: () =>
      (loading ||= load().then(
        (m) => {
          // Set before the queue drains: what a queued call does next sees the module, and what
          // it queues lands behind the rest (the loop runs until the queue is empty).
          mod = m;
          while (waiting.length) run(waiting.shift()!, m);
          return m;
        },
        (e) => {
          loading = undefined;
          warn('a module failed to load: ' + String(e));
          throw e;
        },
      )),
    need(fn) {
      if (mod && !waiting.length) return run(fn, mod);
      waiting.push(fn);
      gate.load().catch(() => {});
    },
    after(fn) {
      if (waiting.length) waiting.push(() => fn());
      else run(fn, mod!);
    },
  };
  return gate;
}
