/**
 * A fake agent API for the Visitors page tests: canned JSON answers per route, every call
 * recorded, and a live feed (`GET /api/events`) whose events the test pushes by hand.
 */
import type { Fetch } from '../../demo/agent/api';
import type { Visitor } from '../../demo/agent/types';

/** A visitor with sensible defaults; override what the test is about. */
export function visitor(over: Partial<Visitor> = {}): Visitor {
  return {
    id: 'v1',
    name: null,
    email: null,
    phone: null,
    variables: {},
    online: true,
    active: true,
    chatting: false,
    customer: false,
    verified: false,
    autoMessageReceived: false,
    blocked: false,
    status: 'active',
    visits: 1,
    pageViews: 1,
    currentPage: { url: 'https://shop.example/', title: 'Home' },
    referrer: '',
    device: 'desktop',
    browser: 'Chrome',
    os: 'Linux',
    language: 'en',
    firstSeenAt: Date.now() - 5 * 60_000,
    lastActivityAt: Date.now() - 10_000,
    lastMessage: null,
    ...over,
  };
}

export interface Call {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: unknown;
}

type Answer = { status?: number; body?: unknown } | undefined;
type Handler = (call: Call) => Answer | Promise<Answer>;

function response(status: number, body: unknown) {
  return {
    ok: status >= 200 && status < 300,
    status,
    body: null,
    // A copy, as from the network: the fake's own state must not change under the page.
    json: async () =>
      body === undefined ? Promise.reject(new Error('empty')) : JSON.parse(JSON.stringify(body)),
    // A file's bytes: a Blob answer as it is, anything else as its JSON.
    blob: async () => (body instanceof Blob ? body : new Blob([JSON.stringify(body ?? null)])),
  } as unknown as Response;
}

/** Creates the fake. `handle` answers everything except `/api/events`; undefined → 404. */
export function createFakeApi(handle: Handler) {
  const calls: Call[] = [];
  const encoder = new TextEncoder();
  let pending: ((r: ReadableStreamReadResult<Uint8Array>) => void) | null = null;
  let queue: Uint8Array[] = [];
  let feedOpen = false;
  let feedStatus = 200;
  let connections = 0;

  const reader = {
    read(): Promise<ReadableStreamReadResult<Uint8Array>> {
      if (!feedOpen) return Promise.resolve({ done: true, value: undefined });
      const chunk = queue.shift();
      if (chunk) return Promise.resolve({ done: false, value: chunk });
      return new Promise((ok) => (pending = ok));
    },
  };

  function deliver(text: string) {
    const bytes = encoder.encode(text);
    if (pending) {
      const p = pending;
      pending = null;
      p({ done: false, value: bytes });
    } else queue.push(bytes);
  }

  const fetch: Fetch = async (input, init = {}) => {
    const headers = Object.fromEntries(
      Object.entries((init.headers || {}) as Record<string, string>).map(([k, v]) => [
        k.toLowerCase(),
        v,
      ]),
    );
    const call: Call = {
      method: init.method || 'GET',
      url: new URL(input, 'http://agent.test'),
      headers,
      body: typeof init.body == 'string' ? JSON.parse(init.body) : init.body,
    };
    calls.push(call);
    if (call.url.pathname == '/api/events') {
      connections++;
      if (feedStatus != 200) return response(feedStatus, { error: 'down' });
      feedOpen = true;
      queue = [];
      init.signal?.addEventListener('abort', () => api.dropFeed());
      return { ok: true, status: 200, body: { getReader: () => reader } } as unknown as Response;
    }
    const a = await handle(call);
    return a ? response(a.status ?? 200, a.body) : response(404, { error: 'not_found' });
  };

  const api = {
    fetch,
    calls,
    /** Calls other than the live feed, as "METHOD /path?query". */
    requests: () =>
      calls
        .filter((c) => c.url.pathname != '/api/events')
        .map((c) => c.method + ' ' + c.url.pathname + c.url.search),
    /** List calls' `filter` and `q` parameters. */
    listParams: () =>
      calls
        .filter((c) => c.url.pathname == '/api/visitors')
        .map((c) => [c.url.searchParams.get('filter'), c.url.searchParams.get('q')]),
    /** Sends one SSE event (split in two chunks, to exercise the parser), with `id` if given. */
    push(event: string, data: unknown, id?: string) {
      const text = (id ? `id: ${id}\n` : '') + `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
      const cut = Math.floor(text.length / 2);
      deliver(text.slice(0, cut));
      deliver(text.slice(cut));
    },
    /**
     * Sends events as the server writes a batch: in one write, here cut into `chunks` pieces at
     * arbitrary places (the page must still apply it as one).
     */
    pushBatch(events: { event: string; data: unknown; id?: string }[], chunks = 1) {
      const text = events
        .map(
          (e) =>
            (e.id ? `id: ${e.id}\n` : '') +
            `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`,
        )
        .join('');
      const size = Math.ceil(text.length / chunks);
      for (let i = 0; i < text.length; i += size) deliver(text.slice(i, i + size));
    },
    /** Ends the stream, as a dropped connection would. */
    dropFeed() {
      feedOpen = false;
      if (pending) {
        const p = pending;
        pending = null;
        p({ done: true, value: undefined });
      }
    },
    /** Status the next feed connections answer (e.g. 503 to keep it down). */
    setFeedStatus(status: number) {
      feedStatus = status;
    },
    connections: () => connections,
    feedOpen: () => feedOpen,
  };
  return api;
}

/** Fake `matchMedia` whose `matches` the test sets; `change` listeners are called on set. */
export function fakeMedia(matches = false) {
  const listeners = new Set<() => void>();
  const mql = {
    matches,
    addEventListener: (_: string, fn: () => void) => listeners.add(fn),
    removeEventListener: (_: string, fn: () => void) => listeners.delete(fn),
  };
  return {
    matchMedia: () => mql as unknown as MediaQueryList,
    set(value: boolean) {
      mql.matches = value;
      for (const fn of listeners) fn();
    },
  };
}

/** An in-memory sessionStorage. */
export function memoryStorage(init: Record<string, string> = {}) {
  const data = new Map(Object.entries(init));
  return {
    data,
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void data.set(k, String(v)),
  };
}
