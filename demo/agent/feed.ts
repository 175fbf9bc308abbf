/**
 * The agent live feed: `GET /api/events` read with `fetch` + a stream reader, reconnected with
 * jittered exponential backoff (the same schedule as the widget, docs/PROTOCOL.md).
 */
import type { Fetch } from './api';
import { createSseParser } from './sse';
import type { FeedEvent } from './types';

/** `connecting` before the first answer, `live` while the stream is open, `down` between tries. */
export type FeedState = 'connecting' | 'live' | 'down' | 'unauthorized';

export interface FeedOptions {
  fetch: Fetch;
  token: string;
  base?: string;
  /**
   * Where to start and resume: the last event the page applied, or the list answer's
   * `lastEventId` (so nothing falls between list and feed). Default: the last id received.
   */
  lastId?: () => string;
  /**
   * Events that arrived together: the server writes the rows of a change and their counts at
   * once, so applying a batch at once never shows rows and counts that disagree.
   */
  onEvents(batch: FeedEvent[]): void;
  /** Called on every state change; `retryIn` is the delay before the next try, in ms. */
  onState(state: FeedState, retryIn?: number): void;
  random?: () => number;
}

const EVENTS = ['visitor', 'counts', 'message', 'typing', 'reset'];

/** Starts the feed at once; `close()` stops it for good. */
export function connectFeed(o: FeedOptions) {
  const random = o.random || Math.random;
  let attempt = 0;
  let closed = false;
  let controller: AbortController | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let received = '';
  const lastId = () => (o.lastId ? o.lastId() : received);

  function retry() {
    if (closed) return;
    const delay = Math.round(random() * Math.min(30_000, 1000 * 2 ** attempt));
    attempt++;
    o.onState('down', delay);
    timer = setTimeout(run, delay);
  }

  async function run() {
    timer = undefined;
    controller = new AbortController();
    const headers: Record<string, string> = {
      authorization: 'Bearer ' + o.token,
      accept: 'text/event-stream',
    };
    const resume = lastId();
    if (resume) headers['last-event-id'] = resume;
    let batch: FeedEvent[] = [];
    const parser = createSseParser((e) => {
      if (!EVENTS.includes(e.event)) return;
      let data: unknown;
      try {
        data = JSON.parse(e.data);
      } catch {
        // Not JSON: not an event this page could use.
        return;
      }
      batch.push({ type: e.event, data, id: e.id } as FeedEvent);
    });
    try {
      const res = await o.fetch((o.base || '') + '/api/events', {
        headers,
        signal: controller.signal,
        cache: 'no-store',
      });
      if (res.status == 401) return o.onState('unauthorized');
      if (!res.ok || !res.body) throw new Error('feed answered ' + res.status);
      attempt = 0;
      o.onState('live');
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.push(decoder.decode(value, { stream: true }));
        // A chunk that ends inside an event: the rest of its batch is still on the way.
        if (batch.length && !parser.partial()) {
          const ready = batch;
          batch = [];
          o.onEvents(ready);
        }
      }
    } catch {
      // Aborted, dropped or refused: the retry below (unless closed) is the answer to all three.
    }
    received = parser.lastId() || received;
    retry();
  }

  o.onState('connecting');
  void run();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      controller?.abort();
    },
    /** Skips the wait and reconnects now (e.g. the "Retry now" button, or `online`). */
    now() {
      if (!timer || closed) return;
      clearTimeout(timer);
      attempt = 0;
      o.onState('connecting');
      void run();
    },
  };
}
