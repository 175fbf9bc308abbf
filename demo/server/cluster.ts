/**
 * A cluster node's link to the others through Redis (DESIGN.md §8; `REDIS_URL`): who is
 * connected (connections-redis.ts), the agent feed's shared log (event-log-redis.ts), the
 * Visitors list every node keeps a copy of (cluster-rows.ts) and the visitor frames and changes
 * nodes tell each other (cluster-bus.ts). The hub and the server take it as one object.
 */
import { randomBytes } from 'node:crypto';
import { createClusterBus } from './cluster-bus';
import { createClusterRows } from './cluster-rows';
import { createRedisConnections, type HeartbeatTiming } from './connections-redis';
import { createRedisEventLog } from './event-log-redis';
import type { Logger } from './log';

/** What a node needs to join. */
export interface ClusterOptions {
  url: string;
  node: string;
  log: Logger;
  /** Heartbeat timing (defaults: beat 2 s, TTL 6 s: a dead node's visitors go offline within 8 s). */
  timing?: Partial<HeartbeatTiming>;
  /** Least time between two `counts` events. */
  countsMs: number;
  onError?: () => void;
}

const noAgents = () => 0;

/** A node's link; see {@link joinCluster}. */
export type Cluster = Awaited<ReturnType<typeof joinCluster>>;

/** Connects to Redis and loads the list; rejects when Redis does not answer. */
export async function joinCluster(o: ClusterOptions) {
  const beatMs = o.timing?.beatMs ?? 2000;
  const ttlMs = o.timing?.ttlMs ?? 6000;
  const connections = await createRedisConnections({
    url: o.url,
    node: o.node,
    log: o.log,
    timing: { beatMs, ttlMs },
    onError: o.onError,
  });
  const events = await createRedisEventLog({ url: o.url, log: o.log, onError: o.onError });
  const rows = await createClusterRows({
    client: connections.client,
    events,
    log: o.log,
    countsMs: o.countsMs,
    // The nodes write their rows back at their first heartbeat once Redis answers again.
    settleMs: ttlMs + beatMs,
    onError() {
      o.onError?.();
      // Rows that did not reach Redis are written again with the next heartbeat.
      connections.resync();
    },
  });
  let localAgents: () => number = noAgents;
  const bus = await createClusterBus({
    url: o.url,
    self: `${o.node}:${randomBytes(6).toString('base64url')}`,
    log: o.log,
    beatMs,
    ttlMs,
    localAgents: () => localAgents(),
    onError: o.onError,
  });
  return {
    connections,
    events,
    rows,
    bus,
    /** Where the number of agent feeds open on this node comes from. */
    countAgents(fn: () => number) {
      localAgents = fn;
    },
    /** Whether Redis answers (for /healthz). */
    ping: () => bus.ping(),
    /**
     * Leaves: this node's connections are removed at once, its timers stop. Resolves false when
     * Redis did not take the removal (they go offline after the heartbeat TTL instead).
     */
    async close(): Promise<boolean> {
      rows.close();
      const [left] = await Promise.all([connections.close(), bus.close()]);
      events.close();
      return left !== false;
    },
  };
}
