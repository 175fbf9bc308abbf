/** First reconnect delay bound and the cap, in ms (docs/PROTOCOL.md, "Backoff"). */
export const BACKOFF_BASE = 1000;
export const BACKOFF_CAP = 30000;

/** How long a `msg` may go unanswered before the connection is taken for dead (the ack timeout). */
export const SILENCE_MS = 15000;

/**
 * Full-jitter exponential backoff: a delay drawn uniformly from `[0, min(cap, base × 2^attempt))`.
 * Full jitter spreads a crowd of visitors that lost the same server over the whole window.
 *
 * @example
 * backoffDelay(3, Math.random); // somewhere in [0, 8000)
 */
export const backoffDelay = (attempt: number, random: () => number): number =>
  random() * Math.min(BACKOFF_CAP, BACKOFF_BASE * 2 ** attempt);

/** Options shared by the built-in transports for their reconnect schedule. */
export interface RetryOptions {
  /** Source of jitter in `[0, 1)` (default `Math.random`; tests pass `() => 0`). */
  random?: () => number;
  setTimeout?: typeof setTimeout;
  clearTimeout?: typeof clearTimeout;
  /** Window whose `online` event, and whose document turning visible, retry at once. */
  window?: Window;
}

/** The reconnect schedule of one transport. */
export interface Retry {
  /** Calls `connect` after `ms`, or after the next backoff delay (which grows the attempt). */
  later(ms?: number): void;
  /** While a retry is pending, cancels the wait and connects now; otherwise does nothing. */
  now(): void;
  /** Starts the next backoff from the first attempt again (after a server `welcome`). */
  reset(): void;
  /** Cancels a pending retry. */
  cancel(): void;
  /** Cancels a pending retry and removes the window listeners, for good. */
  stop(): void;
}

/** Schedules reconnects with {@link backoffDelay}; retries at once on `online` and when visible again. */
export function createRetry(connect: () => void, options: RetryOptions): Retry {
  // Copied out of `options`: a browser refuses a native timer called as another object's method.
  const random = options.random || Math.random;
  const set = options.setTimeout || setTimeout;
  const clear = options.clearTimeout || clearTimeout;
  const win = options.window;
  const doc = win?.document;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const cancel = () => {
    clear(timer);
    timer = undefined;
  };
  const now = () => {
    if (timer !== undefined) {
      cancel();
      connect();
    }
  };
  // `online` while hidden waits: the document turning visible retries then.
  const kick = () => doc?.hidden || now();
  const listen = (method: 'addEventListener' | 'removeEventListener') => {
    win?.[method]('online', kick);
    doc?.[method]('visibilitychange', kick);
  };
  listen('addEventListener');
  return {
    later(ms = backoffDelay(attempt++, random)) {
      cancel();
      timer = set(() => {
        timer = undefined;
        connect();
      }, ms);
    },
    now,
    cancel,
    reset() {
      attempt = 0;
    },
    stop() {
      cancel();
      listen('removeEventListener');
    },
  };
}

/**
 * How long a `Retry-After` header asks to wait, in ms: 60 s when missing or not a number of
 * seconds (the HTTP-date form is not worth its bytes here), at most 5 min.
 *
 * @example
 * retryAfterMs('30'); // 30000
 */
export const retryAfterMs = (header: string | null): number =>
  header && +header >= 0 ? Math.min(+header * 1000, 300000) : 60000;
