/**
 * What the nodes of a cluster tell each other about visitors, over Redis pub/sub (one channel,
 * so the number of subscriptions is the number of nodes, not of visitors):
 * - `frame`: a frame for a visitor's connections (an agent's message, typing, block), which the
 *   nodes holding that visitor send on;
 * - `changed`: a visitor's stored state changed (a conversation opened, a block), so the nodes
 *   holding it read it again before they act on it.
 * Pub/sub delivers at most once and keeps nothing: what was published while a node's connection
 * to Redis was down is lost. So a node whose subscription comes back (`onBack`) makes the
 * visitors it holds catch up, and a node that could not publish for a visitor tells the others
 * which visitors once it can again (`missed`), so their holders make them catch up.
 * Also "agents online" across nodes: each node that has agent feeds open keeps an entry with an
 * expiry in `vc:agents`, so a node that dies stops counting.
 */
import Redis from 'ioredis';
import { isRecord, type ServerFrame } from '../../src/protocol';
import type { Logger } from './log';
import { connectRedis, redisReason } from './redis-errors';

const CHANNEL = 'vc:visitors';
const AGENTS = 'vc:agents';

/** Creates the bus for node incarnation `self`, on two connections of its own. */
export async function createClusterBus(o: {
  url: string;
  self: string;
  log: Logger;
  /** How often this node's agent count is renewed and the others' read (ms). */
  beatMs: number;
  /** How long it lives without renewal (ms). */
  ttlMs: number;
  /** Agent feeds open on this node. */
  localAgents(): number;
  onError?: () => void;
}) {
  const options = { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true };
  const pub = new Redis(o.url, options);
  const sub = new Redis(o.url, options);
  pub.on('error', () => {});
  sub.on('error', () => {});
  await connectRedis(pub, sub);
  await sub.subscribe(CHANNEL);
  const frameListeners = new Set<(vid: string, f: ServerFrame) => void>();
  const changeListeners = new Set<(vid: string) => void>();
  const agentListeners = new Set<(online: boolean) => void>();
  const backListeners = new Set<() => void>();
  const missedListeners = new Set<(vids: string[]) => void>();
  /** Visitors whose frame or change this node could not publish. */
  const missed = new Set<string>();
  let warned = false;
  const failed = (what: string) => (e: unknown) => {
    o.onError?.();
    if (!warned) o.log.warn(`redis bus: ${what} failed: ${redisReason(e)}`);
    warned = true;
  };

  sub.on('message', (_channel: string, raw: string) => {
    let m: unknown;
    try {
      m = JSON.parse(raw);
    } catch {
      return;
    }
    if (!isRecord(m) || m.by === o.self || typeof m.vid != 'string') return;
    if (m.kind == 'frame' && isRecord(m.f) && typeof m.f.t == 'string')
      for (const l of frameListeners) l(m.vid, m.f as unknown as ServerFrame);
    else if (m.kind == 'changed') for (const l of changeListeners) l(m.vid);
    else if (m.kind == 'missed' && Array.isArray(m.vids)) {
      const vids = m.vids.filter((x): x is string => typeof x == 'string');
      for (const l of missedListeners) l(vids);
    }
  });

  // The subscription was lost (Redis restarted, or the connection dropped): whatever was
  // published meanwhile did not come. ioredis subscribes again by itself; the listeners hear
  // it once that is done.
  let subLost = false;
  sub.on('close', () => void (subLost = true));
  sub.on('ready', () => {
    if (!subLost) return;
    subLost = false;
    sub
      .subscribe(CHANNEL)
      .then(() => {
        for (const l of backListeners) l();
      })
      .catch(failed('subscribing again'));
  });

  /** Tells the others which visitors this node could not publish for (see `onMissed`). */
  function tellMissed() {
    if (!missed.size) return;
    const vids = [...missed];
    missed.clear();
    // '' is no visitor: the message is for every node (`by` is this one).
    pub
      .publish(CHANNEL, JSON.stringify({ kind: 'missed', vid: '', vids, by: o.self }))
      .catch((e: unknown) => {
        for (const vid of vids) missed.add(vid);
        failed('publishing')(e);
      });
  }

  const publish = (m: { vid: string } & Record<string, unknown>) =>
    void pub.publish(CHANNEL, JSON.stringify({ ...m, by: o.self })).then(
      () => {
        warned = false;
        tellMissed();
      },
      (e: unknown) => {
        missed.add(m.vid);
        failed('publishing')(e);
      },
    );

  let agentsOnline: boolean | undefined;
  async function beatAgents() {
    const now = Date.now();
    if (o.localAgents() > 0) await pub.zadd(AGENTS, now + o.ttlMs, o.self);
    else await pub.zrem(AGENTS, o.self);
    await pub.zremrangebyscore(AGENTS, '-inf', now);
    const online = (await pub.zcard(AGENTS)) > 0;
    if (online === agentsOnline) return;
    agentsOnline = online;
    for (const l of agentListeners) l(online);
  }
  const agentsTimer = setInterval(() => {
    tellMissed();
    void beatAgents().catch(failed('counting agents'));
  }, o.beatMs);
  agentsTimer.unref();
  await beatAgents().catch(failed('counting agents'));

  return {
    /** Sends a frame to the visitor's connections on the other nodes. */
    frame: (vid: string, f: ServerFrame) => publish({ kind: 'frame', vid, f }),
    /** Tells the other nodes the visitor's stored state changed. */
    changed: (vid: string) => publish({ kind: 'changed', vid }),
    onFrame: (l: (vid: string, f: ServerFrame) => void) => void frameListeners.add(l),
    onChanged: (l: (vid: string) => void) => void changeListeners.add(l),
    /** Hears that this node's subscription came back after it was lost (frames were missed). */
    onBack: (l: () => void) => void backListeners.add(l),
    /** Hears the visitors another node could not publish frames or changes for. */
    onMissed: (l: (vids: string[]) => void) => void missedListeners.add(l),
    /** Hears whether agents are online on any node, when that changes. */
    onAgents(l: (online: boolean) => void) {
      agentListeners.add(l);
      if (agentsOnline !== undefined) l(agentsOnline);
    },
    /** The number of agent feeds on this node changed. */
    agentsChanged: () => void beatAgents().catch(failed('counting agents')),
    ping: async () => void (await pub.ping()),
    async close() {
      clearInterval(agentsTimer);
      await pub.zrem(AGENTS, o.self).catch(() => {});
      pub.disconnect();
      sub.disconnect();
    },
  };
}

/** The bus; see {@link createClusterBus}. */
export type ClusterBus = Awaited<ReturnType<typeof createClusterBus>>;
