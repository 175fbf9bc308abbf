/**
 * What `createWidget` (the npm entry) puts around what a developer hands it: their transport and
 * their store run inside the widget, and a throw or a rejection in them must neither escape into
 * the page nor leave `ready()` waiting forever. The script-tag build has its own transports and
 * IndexedDB store, which never throw: none of this is in widget.js.
 */
import type { Transport } from '../transport/types';
import type { Warn } from './log';
import type { KeyValueStore } from './storage';

/**
 * A transport whose `open`, `send` and `close` never throw: a throw is warned about; one from
 * `open` (a bad URL in `new WebSocket(url)`) reports `closed` (not `stopped`, which tells the
 * page the server refused it).
 */
export function guardTransport(t: Transport, warn: Warn): Transport {
  const attempt = <T>(method: string, f: () => T): T | undefined => {
    try {
      return f();
    } catch (e) {
      warn(`the transport's ${method}() threw: ${String(e)}`);
    }
  };
  return {
    open(listener) {
      if (!attempt('open', () => (t.open(listener), true))) listener.status('closed');
    },
    send: (frame, final) => attempt('send', () => t.send(frame, final)) === true,
    close: () => void attempt('close', () => t.close()),
  };
}

/**
 * A store that never rejects, and whose reads never hang (the widget's start waits for them): the
 * first `get`, `set` or `del` that rejects or throws, or `get` that takes longer than
 * `timeoutMs`, is warned about, and the page goes on in memory (what it wrote or read so far is
 * kept), as the IndexedDB store does. A slow write is waited for (a logout's wipe must finish).
 */
export function guardStore(s: KeyValueStore, warn: Warn, timeoutMs = 1500): KeyValueStore {
  const mirror = new Map<string, unknown>();
  let failed = false;
  const run = async (
    f: () => Promise<unknown>,
    timed?: boolean,
  ): Promise<{ v: unknown } | undefined> => {
    if (failed) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const late = new Promise<never>(
        (_, ko) => timed && (timer = setTimeout(ko, timeoutMs, 'timed out')),
      );
      return { v: await Promise.race([f(), late]) };
    } catch (e) {
      if (!failed)
        warn(
          `storage failed (${e instanceof Error ? e.message : String(e)}); keeping data in memory for this page`,
        );
      failed = true;
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    async get(key) {
      const r = await run(() => s.get(key), true);
      if (r && !mirror.has(key)) mirror.set(key, r.v);
      return r ? r.v : mirror.get(key);
    },
    async set(key, value) {
      mirror.set(key, value);
      await run(() => s.set(key, value));
    },
    async del(key) {
      mirror.set(key, undefined);
      await run(() => s.del(key));
    },
  };
}
