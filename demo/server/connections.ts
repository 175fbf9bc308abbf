/**
 * Who is connected, across nodes: each node reports its visitors' connections opening and
 * closing; the implementation says whether a visitor is online anywhere and how many are. One
 * node keeps it in memory; a cluster keeps it in Redis (connections-redis.ts), where a node
 * that dies without warning has its connections removed by the others.
 */

/** The cross-node connection registry. */
export interface Connections {
  /** A connection of `vid` opened on this node. */
  opened(vid: string): void;
  /** A connection of `vid` on this node closed. */
  closed(vid: string): void;
  /** Whether `vid` has a connection on any live node. */
  isOnline(vid: string): Promise<boolean>;
  /** Visitors with a connection on any live node (O(1)). */
  onlineCount(): Promise<number>;
  /**
   * Hears visitors going online or offline anywhere (a dead node's visitors included); `mine`
   * says this node made the change (its connection, or its reaper), so one node acts on it.
   */
  onChange(listener: (vid: string, online: boolean, mine: boolean) => void): void;
  /**
   * Hears that this node's registration was removed by the others (it looked dead: a
   * partition, a long pause): it must close its sockets rather than serve stale state.
   */
  onFenced(listener: () => void): void;
  /** Leaves; false when this node's connections could not be removed from the shared store. */
  close(): Promise<boolean | void>;
}

/** One node: counts in memory. */
export function createMemoryConnections(): Connections {
  const counts = new Map<string, number>();
  const listeners = new Set<(vid: string, online: boolean, mine: boolean) => void>();
  return {
    opened(vid) {
      const n = (counts.get(vid) ?? 0) + 1;
      counts.set(vid, n);
      if (n == 1) for (const l of listeners) l(vid, true, true);
    },
    closed(vid) {
      const n = (counts.get(vid) ?? 0) - 1;
      if (n > 0) return void counts.set(vid, n);
      if (!counts.delete(vid)) return;
      for (const l of listeners) l(vid, false, true);
    },
    isOnline: async (vid) => counts.has(vid),
    onlineCount: async () => counts.size,
    onChange: (l) => void listeners.add(l),
    onFenced() {},
    async close() {
      listeners.clear();
    },
  };
}
