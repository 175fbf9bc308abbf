/**
 * Per-key token buckets for HTTP endpoints (rate-limit.ts): a refused request is answered 429
 * with `Retry-After`. `sweep` forgets the buckets that have refilled to full: forgetting one then
 * changes nothing (a new bucket is full too), so however the sweep falls, a key never gets more
 * than its rate and burst (forgetting any bucket unused for a minute let an address that was quiet
 * when the hourly sweep ran start a full burst again: about twice the hourly email limit).
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
  /** Forgets the buckets that have refilled to full (memory: keys gone quiet). */
  sweep(): void;
}

/** Creates a limiter of `rate`. */
export function createHttpLimiter(rate: RateOptions): HttpLimiter {
  const buckets = new Map<string, Bucket>();
  return {
    limited(res, id, n, headers) {
      let b = buckets.get(id);
      if (!b) buckets.set(id, (b = createBucket(rate)));
      // A request may carry more than a full bucket (a batch of up to 100 frames): it takes a
      // full bucket, or it could never pass however long its client waited.
      const cost = Math.min(n, rate.burst);
      if (b.take(cost)) return false;
      const wait = Math.max(1, Math.ceil(b.waitMs(cost) / 1000));
      sendError(res, 429, 'rate_limited', 'too many requests', {
        ...headers,
        'retry-after': String(wait),
      });
      return true;
    },
    sweep() {
      // Full: time since the last take ≥ (burst − tokens left) / rate.
      for (const [id, b] of buckets) if (b.waitMs(rate.burst) == 0) buckets.delete(id);
    },
  };
}
