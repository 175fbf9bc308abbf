/**
 * `GET /healthz` for load balancers (DESIGN.md §8): 200 `{ok: true, node, db, presence}` when
 * this node can serve, else 503 with `down` naming what is not answering. No token: it says
 * nothing a balancer should not know.
 */
import type { ServerResponse } from 'node:http';
import { sendJson } from './http-json';
import type { Store } from './store';

/** How long a dependency may take to answer before it counts as down. */
const TIMEOUT_MS = 2000;

/** A dependency the node needs, checked at each request. */
export interface Dependency {
  name: string;
  check(): Promise<void>;
}

const within = (p: Promise<void>, ms: number) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('timeout')), ms);
    p.then(resolve, reject).finally(() => clearTimeout(t));
  });

/** Creates the handler. */
export function createHealth(o: {
  node: string;
  store: Store;
  presence: 'memory' | 'redis';
  more?: Dependency[];
}) {
  const deps: Dependency[] = [
    { name: o.store.kind, check: () => o.store.ping() },
    ...(o.more ?? []),
  ];
  return async function health(res: ServerResponse) {
    const down: string[] = [];
    await Promise.all(
      deps.map((d) => within(d.check(), TIMEOUT_MS).catch(() => void down.push(d.name))),
    );
    const body = { ok: !down.length, node: o.node, db: o.store.kind, presence: o.presence };
    sendJson(res, down.length ? 503 : 200, down.length ? { ...body, down } : body);
  };
}
