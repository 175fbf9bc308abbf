import WebSocket from 'ws';

/**
 * The reference server (demo/server) started in-process for a browser test: a free port on
 * 127.0.0.1, an in-memory SQLite database, the `pro` plan and a quiet logger unless `options`
 * say otherwise. Imported lazily, so a file skipped for want of Chromium never loads SQLite.
 */
export interface RealServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** The agent page with its token in the fragment. */
  agentUrl: string;
  /** Resolves what the server could not finish (empty: a clean stop). */
  close(): Promise<string[]>;
}

export async function startRealServer(options: Record<string, unknown> = {}): Promise<RealServer> {
  const { startServer } = await import('../../demo/server/server');
  const { quietLogger } = await import('../../demo/server/log');
  return startServer({
    port: 0,
    host: '127.0.0.1',
    db: ':memory:',
    plan: 'pro',
    log: quietLogger,
    ...options,
  });
}

/**
 * Connects an agent: opens the live feed (`GET /api/events`) so the server counts an agent
 * online and the widget chats instead of asking for contact details first. The feed is read to
 * the end — one nobody reads fills up and the server drops it as a slow consumer, which would
 * take the agent offline mid-test. Call `abort()` on the result to disconnect.
 */
export async function connectAgent(server: RealServer, token: string): Promise<AbortController> {
  const feed = new AbortController();
  const res = await fetch(server.url + '/api/events', {
    headers: { authorization: 'Bearer ' + token },
    signal: feed.signal,
  });
  if (res.status != 200) throw new Error('the agent feed answered ' + res.status);
  void res.body!.pipeTo(new WritableStream()).catch(() => {});
  return feed;
}

/** What `GET /api/visitors` answers, as far as the tests read it (docs/AGENT-API.md). */
export interface VisitorList {
  visitors: { id: string }[];
  counts: Record<string, number>;
  total: number;
  lastEventId?: string;
}

/**
 * Calls the agent API of the server at `base()` (a function: a test may restart it) with the
 * Bearer token; resolves with the parsed JSON, throws with the status and body on an error.
 */
export const agentApi =
  (base: () => string, token: string) =>
  async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    const res = await fetch(base() + path, {
      ...init,
      headers: {
        authorization: 'Bearer ' + token,
        ...(init.body ? { 'content-type': 'application/json' } : {}),
      },
    });
    const body = await res.text();
    if (!res.ok) throw new Error(`${init.method || 'GET'} ${path}: ${res.status} ${body}`);
    return JSON.parse(body) as T;
  };

/**
 * A visitor over a real WebSocket, as the widget says hello (id `prefix-000n-…`, page
 * `/p/n`); resolves once welcomed.
 */
export function wsVisitor(
  base: string,
  n: number,
  prefix: string,
): Promise<{ vid: string; ws: WebSocket }> {
  const vid =
    prefix + '-' + String(n).padStart(4, '0') + '-' + Math.random().toString(36).slice(2, 8);
  const ws = new WebSocket(base.replace('http', 'ws') + '/v1/ws?key=demo');
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no welcome for ' + vid)), 20_000);
    ws.on('open', () =>
      ws.send(
        JSON.stringify({
          t: 'hello',
          v: 1,
          key: 'demo',
          vid,
          visits: 1,
          firstSeenAt: Date.now(),
          page: { url: `https://shop.example/p/${n}`, title: `Product ${n}`, referrer: '' },
          device: 'desktop',
          lang: 'en',
          activeAt: Date.now(),
        }),
      ),
    );
    ws.on('message', (d) => {
      if (JSON.parse(String(d)).t != 'welcome') return;
      clearTimeout(t);
      resolve({ vid, ws });
    });
    ws.on('error', reject);
  });
}
