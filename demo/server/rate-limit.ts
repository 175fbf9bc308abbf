/** A token bucket: `rate` tokens a second, at most `burst` saved up. */
export interface Bucket {
  /** Takes `n` tokens; false (and nothing taken) when there are not enough. */
  take(n?: number): boolean;
  /** How long until `n` tokens are there, in ms. */
  waitMs(n?: number): number;
}

/** Limits of a per-connection bucket. */
export interface RateOptions {
  rate: number;
  burst: number;
}

/** Creates a full bucket. `now` is injectable for tests. */
export function createBucket({ rate, burst }: RateOptions, now = Date.now): Bucket {
  let tokens = burst;
  let at = now();
  const refill = () => {
    const t = now();
    tokens = Math.min(burst, tokens + ((t - at) * rate) / 1000);
    at = t;
  };
  return {
    take(n = 1) {
      refill();
      if (tokens < n) return false;
      tokens -= n;
      return true;
    },
    waitMs(n = 1) {
      refill();
      return tokens >= n ? 0 : Math.ceil(((n - tokens) * 1000) / rate);
    },
  };
}
