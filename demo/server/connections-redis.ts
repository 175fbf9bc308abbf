/**
 * The connection registry in Redis, for a cluster (DESIGN.md §8). Keys (prefix `vc:`):
 * - `node:<inc>`: this node incarnation's heartbeat, with an expiry (TTL); `nodes` (sorted set
 *   incarnation → expiry time) lets the others find incarnations whose heartbeat stopped.
 * - `conns:<vid>`: hash incarnation → open connections, so a visitor with tabs on two nodes
 *   stays online until both are gone; `inc:<inc>`: the visitors an incarnation holds.
 * - `online`: the set of visitors with any connection (SCARD: the count in O(1)).
 * - `dead:<inc>`: an incarnation the others removed; if it comes back it is fenced.
 * Every change is one Lua script (atomic). Transitions go out on the `vc:presence` channel.
 * This node's own counts are kept in memory too: after Redis lost its data (a restart) the node
 * writes them back at its next heartbeat.
 */
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import type { Connections } from './connections';
import type { Logger } from './log';
import { connectRedis, redisReason } from './redis-errors';

const P = 'vc:';
const CHANNEL = P + 'presence';

/** KEYS: conns, inc-set, online. ARGV: inc, vid. Returns 1 when the visitor came online. */
const OPEN = `
local n = redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('SADD', KEYS[2], ARGV[2])
return redis.call('SADD', KEYS[3], ARGV[2])`;

/**
 * KEYS: conns, inc-set, online. ARGV: inc, vid. Drops one visitor of this incarnation (Redis kept
 * a connection whose close it did not hear). Returns 1 when the visitor went offline.
 */
const FORGET = `
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('SREM', KEYS[2], ARGV[2])
if redis.call('HLEN', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[1])
  return redis.call('SREM', KEYS[3], ARGV[2])
end
return 0`;

/** KEYS: conns, inc-set, online. ARGV: inc, vid. Returns 1 when the visitor went offline. */
const CLOSE =
  `
local n = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
if n > 0 then return 0 end` + FORGET;

/**
 * KEYS: node, nodes, dead. ARGV: inc, ttl ms, expires-at ms. Returns 'fenced' when the others
 * removed this incarnation, 'new' when its heartbeat key was gone (first beat, or Redis lost
 * its data: the caller writes its connections back), 'ok' otherwise.
 */
const BEAT = `
if redis.call('EXISTS', KEYS[3]) == 1 then return 'fenced' end
local had = redis.call('EXISTS', KEYS[1])
redis.call('SET', KEYS[1], '1', 'PX', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
if had == 1 then return 'ok' end
return 'new'`;

/** Lua: removes incarnation `inc` (its connections; visitors no other node holds go offline). */
const REMOVE = `
local function remove(prefix, online, inc, gone)
  local set = prefix .. 'inc:' .. inc
  for _, vid in ipairs(redis.call('SMEMBERS', set)) do
    local conns = prefix .. 'conns:' .. vid
    redis.call('HDEL', conns, inc)
    if redis.call('HLEN', conns) == 0 then
      if redis.call('SREM', online, vid) == 1 then table.insert(gone, vid) end
    end
  end
  redis.call('DEL', set)
  redis.call('ZREM', prefix .. 'nodes', inc)
end`;

/**
 * KEYS: nodes, online. ARGV: prefix, now ms. Removes every incarnation whose heartbeat expired
 * and marks it dead (for an hour). Returns the visitors that went offline.
 */
const REAP =
  REMOVE +
  `
local gone = {}
for _, inc in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])) do
  if redis.call('EXISTS', ARGV[1] .. 'node:' .. inc) == 0 then
    remove(ARGV[1], KEYS[2], inc, gone)
    redis.call('SET', ARGV[1] .. 'dead:' .. inc, '1', 'EX', 3600)
  end
end
return gone`;

/** KEYS: node, online. ARGV: prefix, inc. A clean leave (SIGTERM): returns who went offline. */
const LEAVE =
  REMOVE +
  `
local gone = {}
remove(ARGV[1], KEYS[2], ARGV[2], gone)
redis.call('DEL', KEYS[1])
return gone`;

/** KEYS: conns, inc-set, online. ARGV: inc, vid, count. Writes one count back after a Redis restart. */
const RESTORE = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('SADD', KEYS[2], ARGV[2])
return redis.call('SADD', KEYS[3], ARGV[2])`;

/** Timing of the heartbeat: a dead node is noticed within `ttlMs + beatMs`. */
export interface HeartbeatTiming {
  /** How often this node renews its registration and looks for dead ones (default 2 s). */
  beatMs: number;
  /** How long a registration lives without renewal (default 6 s). */
  ttlMs: number;
}

/** The Redis registry: the interface plus what a cluster node and its tests need. */
export interface RedisConnections extends Connections {
  /**
   * The command connection: scripts that must run after this node's connection changes (the
   * list rows' online check) go through it, so Redis sees them in the order they were sent.
   */
  client: Redis;
  /**
   * Hears that this node wrote its connections back: after Redis lost its data, at start, or
   * after calls that failed (see `resync`).
   */
  onRestored(listener: () => void): void;
  /** Makes the next heartbeat write this node's state again (a write to Redis failed). */
  resync(): void;
  /** Stops the heartbeat without leaving (see the method). */
  freeze(): () => void;
}

/** Creates the registry for node `node`; resolves once the first heartbeat is written. */
export async function createRedisConnections(o: {
  url: string;
  node: string;
  log: Logger;
  timing?: Partial<HeartbeatTiming>;
  /** Counts Redis errors (metrics). */
  onError?: () => void;
}): Promise<RedisConnections> {
  const beatMs = o.timing?.beatMs ?? 2000;
  const ttlMs = o.timing?.ttlMs ?? 6000;
  const options = { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true };
  const redis = new Redis(o.url, options);
  const sub = new Redis(o.url, options);
  const changeListeners = new Set<(vid: string, online: boolean, mine: boolean) => void>();
  const fenceListeners = new Set<() => void>();
  const restoreListeners = new Set<() => void>();
  /** This process, in the transitions it publishes (listeners hear whether a change was theirs). */
  const self = randomBytes(6).toString('base64url');
  /** This node's open connections per visitor: the truth Redis mirrors. */
  const local = new Map<string, number>();
  let inc = '';
  let closed = false;
  let failing = false;
  /** A change did not reach Redis: the next heartbeat makes Redis what `local` says. */
  let stale = false;

  const newIncarnation = () => (inc = `${o.node}:${randomBytes(6).toString('base64url')}`);
  newIncarnation();
  const keys = (vid: string) => [P + 'conns:' + vid, P + 'inc:' + inc, P + 'online'];
  const failed = (what: string) => (e: unknown) => {
    stale = true;
    o.onError?.();
    if (!failing) o.log.warn(`redis: ${what} failed: ${redisReason(e)}`);
    failing = true;
  };
  const publish = (vid: string, online: boolean) =>
    redis.publish(CHANNEL, JSON.stringify({ vid, online, by: self })).catch(failed('publish'));
  /**
   * A change this node made: its listeners hear it at once and the others through the channel.
   * Not through the channel here too: this node's subscription may be coming back (Redis just
   * restarted), and a visitor whose holder did not hear it leave stayed listed everywhere.
   */
  const made = (vid: string, online: boolean) => {
    for (const l of changeListeners) l(vid, online, true);
    void publish(vid, online);
  };

  redis.on('error', () => {});
  sub.on('error', () => {});
  await connectRedis(redis, sub);
  // ioredis subscribes again by itself after a reconnect.
  await sub.subscribe(CHANNEL);
  sub.on('message', (_channel: string, raw: string) => {
    let m: { vid?: unknown; online?: unknown; by?: unknown };
    try {
      m = JSON.parse(raw);
    } catch {
      return;
    }
    if (typeof m.vid != 'string' || typeof m.online != 'boolean' || m.by === self) return;
    for (const l of changeListeners) l(m.vid, m.online, false);
  });

  /** Writes this node's connections back (after Redis lost them, or under a new incarnation). */
  async function restore() {
    const batch = redis.multi();
    for (const [vid, n] of local) batch.eval(RESTORE, 3, ...keys(vid), inc, vid, n);
    const results = (await batch.exec()) ?? [];
    let i = 0;
    for (const vid of local.keys()) if ((results[i++]?.[1] as number) == 1) made(vid, true);
  }

  /** Drops what Redis holds for this incarnation that `local` no longer has. */
  async function forgetClosed() {
    const held = (await redis.smembers(P + 'inc:' + inc)) as string[];
    for (const vid of held)
      if (!local.has(vid) && (await redis.eval(FORGET, 3, ...keys(vid), inc, vid)) == 1)
        made(vid, false);
  }

  async function beat() {
    const now = Date.now();
    const state = (await redis.eval(
      BEAT,
      3,
      P + 'node:' + inc,
      P + 'nodes',
      P + 'dead:' + inc,
      inc,
      ttlMs,
      now + ttlMs,
    )) as string;
    if (state == 'fenced') {
      o.log.warn(`redis: this node (${inc}) was taken for dead by the others: closing its sockets`);
      newIncarnation();
      for (const l of fenceListeners) l();
      // The sockets closing empties `local`; what is left (if anything) goes under the new name.
      await beat();
      return;
    }
    if (state == 'new' || stale) {
      stale = false;
      if (state != 'new') await forgetClosed();
      await restore();
      for (const l of restoreListeners) l();
    }
    const gone = (await redis.eval(REAP, 2, P + 'nodes', P + 'online', P, now)) as string[];
    for (const vid of gone) made(vid, false);
    if (failing) o.log.info('redis: answering again');
    failing = false;
  }

  let beating = false;
  let frozen = false;
  const timer = setInterval(() => {
    if (beating || closed || frozen) return;
    beating = true;
    beat()
      .catch(failed('heartbeat'))
      .finally(() => (beating = false));
  }, beatMs);
  timer.unref();
  await beat();

  return {
    opened(vid) {
      local.set(vid, (local.get(vid) ?? 0) + 1);
      redis
        .eval(OPEN, 3, ...keys(vid), inc, vid)
        .then((r) => void (r == 1 && made(vid, true)))
        .catch(failed('opening a connection'));
    },
    closed(vid) {
      const n = (local.get(vid) ?? 0) - 1;
      if (n > 0) local.set(vid, n);
      else if (!local.delete(vid)) return;
      redis
        .eval(CLOSE, 3, ...keys(vid), inc, vid)
        .then((r) => void (r == 1 && made(vid, false)))
        .catch(failed('closing a connection'));
    },
    isOnline: async (vid) => (await redis.hlen(P + 'conns:' + vid)) > 0,
    onlineCount: () => redis.scard(P + 'online'),
    onChange: (l) => void changeListeners.add(l),
    onFenced: (l) => void fenceListeners.add(l),
    onRestored: (l) => void restoreListeners.add(l),
    resync: () => void (stale = true),
    client: redis,
    /**
     * Stops the heartbeat without leaving, as a frozen or killed process would (tests and the
     * benchmark); returns the function that starts it again.
     */
    freeze() {
      frozen = true;
      return () => void (frozen = false);
    },
    /**
     * Leaves cleanly: this node's connections are removed at once, not after its TTL. Resolves
     * false when Redis did not take that (they go offline once the TTL runs out).
     */
    async close(): Promise<boolean> {
      closed = true;
      clearInterval(timer);
      try {
        const gone = (await redis.eval(
          LEAVE,
          2,
          P + 'node:' + inc,
          P + 'online',
          P,
          inc,
        )) as string[];
        await Promise.all(gone.map((vid) => publish(vid, false)));
        return true;
      } catch (e) {
        failed('leaving')(e);
        return false;
      } finally {
        redis.disconnect();
        sub.disconnect();
      }
    },
  };
}
