/**
 * One browser per engine per test process, shared by the files that process runs
 * (vitest.browser.config.ts runs them one after another in one process, `isolate: false`).
 * A launch cost 1 s in Chromium and 7 s in Firefox, once per file; now it is paid once per leg.
 * A file gets a lease (harness.ts, engines.ts): its contexts are its own and its `close()`
 * closes them, so no cookie, storage or page outlives the file; the browser stays.
 *
 * The registry lives on `globalThis`: the test environment (browser-environment.ts) is loaded
 * apart from the test modules and closes every shared browser when the process's last file is
 * done.
 */

/** A shared browser: how to tell it died (then it is launched again) and how to close it. */
export interface Shared<T> {
  value: T;
  alive(): boolean;
  close(): Promise<void>;
}

type Registry = Map<string, Promise<Shared<unknown>>>;

const KEY = Symbol.for('visitor-chat.test.shared-browsers');

function registry(): Registry {
  const g = globalThis as unknown as Record<symbol, Registry | undefined>;
  return (g[KEY] ??= new Map());
}

/** The process's browser under `name`, launched by `start` the first time or after it died. */
export async function sharedBrowser<T>(name: string, start: () => Promise<Shared<T>>): Promise<T> {
  const all = registry();
  const known = all.get(name) as Promise<Shared<T>> | undefined;
  const current = known && (await known.catch(() => undefined));
  if (current?.alive()) return current.value;
  if (current) await current.close().catch(() => {});
  const launching = start();
  all.set(name, launching);
  // A failed launch is not remembered: the next file tries again (and reports its own error).
  launching.catch(() => all.get(name) == launching && all.delete(name));
  return (await launching).value;
}

/** Closes every shared browser of this process (the environment's teardown). */
export async function closeSharedBrowsers(): Promise<void> {
  const all = registry();
  const launched = [...all.values()];
  all.clear();
  await Promise.all(
    launched.map(async (p) => {
      const shared = await p.catch(() => undefined);
      await shared?.close().catch((e) => console.warn('closing a shared browser failed:', e));
    }),
  );
}
