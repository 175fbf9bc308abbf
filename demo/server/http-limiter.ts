/**
 * Per-key token buckets for HTTP endpoints (rate-limit.ts): a refused request is answered 429
 * with `Retry-After`. Buckets unused for a minute are forgotten by `sweep`.
 */
import type { ServerResponse } from 'node:http';
import { sendError } from './http-json';
import { createBucket, type Bucket, type RateOptions } from './rate-limit';

/** A set of buckets sharing one rate; see {@link createHttpLimiter}. */
export interface HttpLimiter {
  /**
   * Takes `n` tokens (at most a full bucket) from the bucket of `id`; when it has too few,
   * answers 429 and returns true.
   */
  limited(res: ServerResponse, id: string, n: number, headers: Record<string, string>): boolean;
  /** Forgets buckets unused for a minute. */
  sweep(): void;
}

/** Creates a limiter of `rate`. */
export function createHttpLimiter(rate: RateOptions): HttpLimiter {
  const buckets = new Map<string, { bucket: Bucket; at: number }>();
  return {
    limited(res, id, n, headers) {
      let b = buckets.get(id);
      if (!b) buckets.set(id, (b = { bucket: createBucket(rate), at: 0 }));
      b.at = Date.now();
      // A request may carry more than a full bucket (a batch of up to 100 frames): it takes a
      // full bucket, or it could never pass however long its client waited.
      const cost = Math.min(n, rate.burst);
      if (b.bucket.take(cost)) return false;
      const wait = Math.max(1, Math.ceil(b.bucket.waitMs(cost) / 1000));
      sendError(res, 429, 'rate_limited', 'too many requests', {
        ...headers,
        'retry-after': String(wait),
      });
      return true;
    },
    sweep() {
      const old = Date.now() - 60_000;
      for (const [id, b] of buckets) if (b.at < old) buckets.delete(id);
    },
  };
}
