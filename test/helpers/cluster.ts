/**
 * A whole cluster on one machine, as docs/DEPLOY.md describes it: a test Postgres, a test Redis
 * (optional), N server processes (`node dist/server.js`, each with its own fixed port and
 * NODE_ID, all with the same DATABASE_URL, REDIS_URL and AGENT_TOKEN) and Debian's nginx in front
 * with the documented configuration (docs/nginx/). Everything on free 127.0.0.1 ports and in
 * temp dirs; `stop()` ends every process it started and removes the dirs, whatever state the
 * test left them in. Operations for the failure tests: kill -9 or SIGTERM a node and start it
 * again on the same port (nginx keeps the same upstream list), stop and start Redis or Postgres.
 */
import { startNode, type NodeProcess } from '../cluster/node-process';
import { freePort } from './free-port';
import { startNginx, type TestNginx } from './nginx';
import { startPostgres, type TestPostgres } from './postgres';
import { startRedis, type TestRedis } from './redis';

/** One server node of the cluster. */
export interface ClusterNode {
  /** Its NODE_ID (`node-1` …). */
  id: string;
  port: number;
  /** Its own URL, past nginx (`http://127.0.0.1:<port>`). */
  url: string;
  /** Whether its process is running. */
  running(): boolean;
  /** Everything it printed, this run and the earlier ones. */
  output(): string;
  /** kill -9: no warning, nothing flushed. Resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM; resolves with the exit code (or the signal's name). */
  terminate(): Promise<number | string>;
  /** Starts it again on the same port; resolves once it listens. */
  start(): Promise<void>;
}

/** A running cluster. */
export interface Cluster {
  /** nginx, the one address widgets and agents are given. */
  url: string;
  nodes: ClusterNode[];
  agentToken: string;
  databaseUrl: string;
  /** Undefined when started with `redis: false` (nodes on a shared Postgres only). */
  redisUrl?: string;
  postgres: TestPostgres;
  redis?: TestRedis;
  /** The agent page on `node` itself (default: the first), with the token in the fragment. */
  agentUrl(node?: ClusterNode): string;
  /** Stops Redis (its data is gone, as after a real restart); `startRedis` brings it back. */
  stopRedis(): Promise<void>;
  startRedis(): Promise<void>;
  /** Stops Postgres, keeping its data; `startPostgres` brings it back on the same port. */
  stopPostgres(): Promise<void>;
  startPostgres(): Promise<void>;
  /** Ends everything and removes the temp dirs. */
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /** How many nodes (default 3). */
  nodes?: number;
  /** Whether to start Redis and give the nodes REDIS_URL (default true). */
  redis?: boolean;
  /** More environment for every node (e.g. shorter presence timings). */
  env?: Record<string, string>;
}

export const CLUSTER_TOKEN = 'cluster-agent-token-0123456789abcdef';

/** Starts nodes on a port that was free a moment ago; retries while another process holds it. */
async function startOn(env: Record<string, string>): Promise<NodeProcess> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await startNode(env);
    } catch (e) {
      if (!/cannot listen/.test(String(e)) || attempt >= 20) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** Starts Postgres, Redis, the nodes (in parallel, as an operator's would) and nginx. */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const count = options.nodes ?? 3;
  let postgres: TestPostgres | undefined;
  let redis: TestRedis | undefined;
  let nginx: TestNginx | undefined;
  const procs = new Map<string, NodeProcess>();
  const nodes: ClusterNode[] = [];
  let databaseUrl = '';

  async function stopAll() {
    await nginx?.stop().catch(() => {});
    await Promise.all(
      [...procs.values()].map(async (p) => {
        if (p.proc.exitCode == null && p.proc.signalCode == null) p.proc.kill('SIGKILL');
        await p.exited;
      }),
    );
    await redis?.stop().catch(() => {});
    await postgres?.stop().catch(() => {});
  }

  try {
    [postgres, redis] = await Promise.all([
      startPostgres(),
      options.redis === false ? undefined : startRedis(),
    ]);
    databaseUrl = await postgres.freshDatabase();
    const base: Record<string, string> = {
      DATABASE_URL: databaseUrl,
      AGENT_TOKEN: CLUSTER_TOKEN,
      PLAN: 'pro',
      KEYS: 'demo',
      ...(redis ? { REDIS_URL: redis.url } : {}),
      ...options.env,
    };
    // The kernel may hand the same free port out twice in a row: every node gets its own.
    const ports = new Set<number>();
    while (ports.size < count) ports.add(await freePort());
    for (const [i, port] of [...ports].entries()) {
      const id = `node-${i + 1}`;
      const env = { ...base, NODE_ID: id, PORT: String(port) };
      let earlier = '';
      const node: ClusterNode = {
        id,
        port,
        url: `http://127.0.0.1:${port}`,
        running: () => {
          const p = procs.get(id);
          return !!p && p.proc.exitCode == null && p.proc.signalCode == null;
        },
        output: () => earlier + (procs.get(id)?.output() ?? ''),
        async kill() {
          const p = procs.get(id);
          if (!p || !node.running()) return;
          p.proc.kill('SIGKILL');
          await p.exited;
        },
        async terminate() {
          const p = procs.get(id);
          if (!p) throw new Error(`${id} was never started`);
          if (node.running()) p.proc.kill('SIGTERM');
          return p.exited;
        },
        async start() {
          if (node.running()) throw new Error(`${id} is running already`);
          earlier = node.output();
          procs.delete(id);
          procs.set(id, await startOn(env));
        },
      };
      nodes.push(node);
    }
    // Together, as nodes restarted by an orchestrator would: migrations run once, under a lock.
    await Promise.all(nodes.map((n) => n.start()));
    nginx = await startNginx(nodes.map((n) => n.port));
  } catch (e) {
    await stopAll();
    throw e;
  }

  const pg = postgres;
  return {
    url: nginx.url,
    nodes,
    agentToken: CLUSTER_TOKEN,
    databaseUrl,
    redisUrl: redis?.url,
    postgres: pg,
    redis,
    agentUrl: (node = nodes[0]!) => `${node.url}/agent#token=${CLUSTER_TOKEN}`,
    stopRedis: async () => redis!.pause(),
    startRedis: async () => redis!.resume(),
    stopPostgres: () => pg.pause(),
    startPostgres: () => pg.resume(),
    stop: stopAll,
  };
}
