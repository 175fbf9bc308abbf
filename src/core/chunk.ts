import { createRetry, type RetryOptions } from '../transport/backoff';

/**
 * Loads one of the widget's module chunks (`chat.js`, `ui.js`, `http.js`) next to the script.
 * The promise resolves when the chunk has loaded, however many tries that takes; it never
 * rejects: a failed load (404, network, a CORS refusal) is reported through `failed` and tried
 * again with the transports' backoff (and at once when the browser comes back online or the page
 * becomes visible), so a visitor who is online always ends up with the chat. Each call loads
 * anew: callers keep the promise. A caller that shows the load (the contact form) passes
 * `failing`: called on every failed try, with a function that tries again at once.
 */
export type ChunkLoader = <T>(name: string, failing?: (now: () => void) => void) => Promise<T>;

/** Options of {@link createChunkLoader}; the retry schedule's options are the transports'. */
export interface ChunkLoaderOptions extends RetryOptions {
  /** URL the chunk names resolve against: the widget script's own URL. */
  base: string;
  /** Imports a module by URL (the script-tag entry passes `(url) => import(url)`). */
  import: (url: string) => Promise<unknown>;
  /**
   * Called on the first failure of each load (not on every retry), 99 ms after it (a load the
   * page's unloading cut off is not reported): warn, emit `error`.
   */
  failed: (name: string, error: unknown) => void;
}

/**
 * Creates the chunk loader.
 *
 * @example
 * const chunk = createChunkLoader({ base: script.src, import: (u) => import(u), failed, window });
 * chunk<typeof import('./chat')>('chat.js').then((m) => m.installChat(kernel));
 */
export const createChunkLoader =
  (o: ChunkLoaderOptions): ChunkLoader =>
  <T>(name: string, failing?: (now: () => void) => void) =>
    new Promise<T>((resolve) => {
      let tries = 0;
      const url = new URL(name, o.base).href;
      const attempt = () =>
        // A browser may keep a failed module URL failed for the page's lifetime (its module
        // map), so each retry asks for a URL of its own.
        o.import(url + (tries ? '?retry=' + tries : '')).then(
          (m) => {
            retry.stop();
            resolve(m as T);
          },
          (e) => {
            // Said a moment later: a load cut off by the page going away (a link, a reload)
            // fails too, and that page is gone before then.
            if (!tries++) setTimeout(o.failed, 99, name, e);
            retry.later();
            failing?.(retry.now);
          },
        );
      // Own keys only: an option left out must not be read from a polluted Object.prototype.
      const retry = createRetry(attempt, Object.assign(Object.create(null), o));
      attempt();
    });
