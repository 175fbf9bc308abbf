/**
 * The Visitors list across the nodes of a cluster (DESIGN.md §8). Keys (prefix `vc:`):
 * - `rows`: hash visitor → its list row (JSON) while it is online: where a starting node
 *   bootstraps its copy of the list;
 * - `masks`: hash visitor → the row's share of the counts (`countMask`), and `counts`: hash
 *   filter → count, both changed with the rows, so the counts are global and O(1);
 * - `counts:at` / `counts:dirty`: when the feed last carried `counts`, and whether they moved
 *   since (the feed carries them at most once per second); `pending`: the events that wait for
 *   moved counts (rows and their counts reach the feed together, as from one node).
 * The node where a visitor changes writes its row with one Lua script that also appends the
 * `visitor` event to the shared feed log (`vc:feed`, event-log-redis.ts): row, counts and event
 * change together. The script keeps a row only while the visitor is in the presence set
 * (`vc:online`, connections-redis.ts), so a node with a stale view cannot bring back a visitor
 * that went offline, and an offline row goes out once, by whichever node is first.
 * Every node keeps the list in memory (list-index.ts), fed from the log in log order. What it
 * keeps outlives Redis: while Redis is down a node answers the list it had (and the rows it
 * could not write: its own visitors stay listed on it), and after Redis lost its data (the log's
 * `reset`) it keeps its rows until the nodes have written theirs back; then it unlists, for
 * every node, the visitors no node holds any more (they left, or their node died, meanwhile).
 */
import type Redis from 'ioredis';
import { FILTERS, COUNT_OF, type ListRow } from '../shared/visitor-list';
import { RETENTION_MS, type EventLog } from './event-log';
import { createListIndex } from './list-index';
import type { Logger } from './log';
import { redisReason } from './redis-errors';

const P = 'vc:';
/** Count names in FILTERS order, as the `counts` event carries them. */
const NAMES = FILTERS.map((f) => COUNT_OF[f]);

/**
 * Appends what waits (Lua, shared): the events in `pending`, plus `counts` when they moved. While
 * moved counts wait for their second, every event waits with them, so rows and the counts that
 * go with them reach the feed in one entry, in the order they were written.
 */
const RELEASE = `
local function release(pending, countsKey, atKey, dirtyKey, stream, minId, now, interval, names)
  local dirty = redis.call('EXISTS', dirtyKey) == 1
  if dirty and now - tonumber(redis.call('GET', atKey) or '0') < interval then return 0 end
  local events = redis.call('LRANGE', pending, 0, -1)
  if dirty then
    redis.call('SET', atKey, now)
    redis.call('DEL', dirtyKey)
    local parts = {}
    for i, name in ipairs(names) do
      table.insert(parts, '"' .. name .. '":' .. tonumber(redis.call('HGET', countsKey, name) or '0'))
    end
    table.insert(events, cjson.encode({event = 'counts', data = '{' .. table.concat(parts, ',') .. '}'}))
  end
  if #events == 0 then return 0 end
  redis.call('DEL', pending)
  redis.call('XADD', stream, 'MINID', minId, '*', 'events', '[' .. table.concat(events, ',') .. ']')
  return #events
end
`;

/**
 * KEYS: rows, masks, counts, online, stream, counts:at, counts:dirty, pending.
 * ARGV: min stream id, now ms, counts interval ms, number of names, names…, number of rows,
 * then per row: vid, online (1, or 0; 2: offline, its event sent even when Redis holds no row,
 * for the nodes that still list it after Redis lost its data), mask, row JSON. Returns how many
 * events went to the feed.
 */
const WRITE =
  RELEASE +
  `
local now = tonumber(ARGV[2])
local nn = tonumber(ARGV[4])
local names = {}
for i = 1, nn do names[i] = ARGV[4 + i] end
local at = 5 + nn
local n = tonumber(ARGV[at])
for i = 0, n - 1 do
  local vid = ARGV[at + 1 + i * 4]
  local on = ARGV[at + 2 + i * 4] == '1'
  local announce = ARGV[at + 2 + i * 4] == '2'
  local mask = tonumber(ARGV[at + 3 + i * 4])
  local json = ARGV[at + 4 + i * 4]
  local listed = redis.call('SISMEMBER', KEYS[4], vid) == 1
  local keep = false
  if on and listed then
    redis.call('HSET', KEYS[1], vid, json)
    keep = true
  elseif not on and not listed then
    keep = redis.call('HDEL', KEYS[1], vid) == 1 or announce
    mask = 0
  end
  if keep then
    local old = tonumber(redis.call('HGET', KEYS[2], vid) or '0')
    if mask == 0 then redis.call('HDEL', KEYS[2], vid) else redis.call('HSET', KEYS[2], vid, mask) end
    if old ~= mask then
      for f = 1, nn do
        local d = math.floor(mask / 2 ^ f) % 2 - math.floor(old / 2 ^ f) % 2
        if d ~= 0 then redis.call('HINCRBY', KEYS[3], names[f], d) end
      end
      redis.call('SET', KEYS[7], '1')
    end
    redis.call('RPUSH', KEYS[8], cjson.encode({event = 'visitor', data = json}))
  end
end
return release(KEYS[8], KEYS[3], KEYS[6], KEYS[7], KEYS[5], ARGV[1], now, tonumber(ARGV[3]), names)
`;

/** KEYS: counts, stream, counts:at, counts:dirty, pending. ARGV: min id, now, interval, names… */
const FLUSH =
  RELEASE +
  `
local names = {}
for i = 4, #ARGV do names[i - 3] = ARGV[i] end
return release(KEYS[5], KEYS[1], KEYS[3], KEYS[4], KEYS[2], ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), names)
`;

/**
 * A row's JSON as UTF-8 bytes of its own (not a slice of Node's shared pool, which a row kept
 * for hours would pin with its neighbours): what the list's pages are copied from.
 */
function bytesOf(json: string): Buffer {
  const b = Buffer.allocUnsafeSlow(Buffer.byteLength(json));
  b.write(json);
  return b;
}

/** A row from Redis (JSON), or undefined when it is not one. */
function parse(json: string): ListRow | undefined {
  let row: ListRow | undefined;
  try {
    row = JSON.parse(json);
  } catch {
    return undefined;
  }
  return row && typeof row == 'object' && typeof row.id == 'string' ? row : undefined;
}

/** A row to write: the visitor, whether it is online, its share of the counts, its JSON. */
export interface RowWrite {
  vid: string;
  online: boolean;
  /** Offline, and told to the feed even when Redis holds no row for it (after a data loss). */
  announce?: boolean;
  mask: number;
  json: string;
}

/** The shared list; see {@link createClusterRows}. */
export type ClusterRows = Awaited<ReturnType<typeof createClusterRows>>;

/**
 * Creates the shared list over `events` (the Redis feed log) and `client` (the presence
 * registry's command connection: a row is checked against the presence set after this node's
 * own connection changes, in the order they were sent). Resolves once the list is loaded.
 */
export async function createClusterRows(o: {
  client: Redis;
  events: EventLog;
  log: Logger;
  /** Least time between two `counts` events (DESIGN.md §8: at most 1/s). */
  countsMs: number;
  retentionMs?: number;
  /**
   * After Redis lost its data, how long the rows kept from before wait for the nodes to write
   * theirs back before those of visitors no node holds are unlisted (several heartbeats).
   */
  settleMs: number;
  onError?: () => void;
}) {
  const { client, log } = o;
  const retentionMs = o.retentionMs ?? RETENTION_MS;
  const index = createListIndex<Buffer>();
  const rowListeners = new Set<(row: ListRow) => void>();
  let warned = false;
  const failed = (what: string) => (e: unknown) => {
    o.onError?.();
    if (!warned) log.warn(`redis list: ${what} failed: ${redisReason(e)}`);
    warned = true;
  };

  /** Rows kept from before Redis lost its data that no node has written back yet. */
  const unconfirmed = new Set<string>();
  let settleTimer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  const take = (json: string) => {
    const row = parse(json);
    if (!row) return;
    unconfirmed.delete(row.id);
    index.set(row, bytesOf(json));
    for (const l of rowListeners) l(row);
  };

  /**
   * Redis lost its data (the log started again). Emptying the list here would show agents no
   * visitor until every node wrote its rows back, and none for as long as Redis stayed down
   * if it went down again meanwhile: the rows stay, and wait to be written back.
   */
  function lost() {
    for (const id of index.ids()) unconfirmed.add(id);
    settleLater();
  }

  function settleLater() {
    clearTimeout(settleTimer);
    settleTimer = setTimeout(() => void settle(), o.settleMs);
    settleTimer.unref();
  }

  /**
   * The nodes had their time to write their rows back: the visitors still unconfirmed and in
   * nobody's presence set are unlisted, for every node (the write checks presence again,
   * atomically). Redis failing: tried again later, the rows kept meanwhile.
   */
  async function settle() {
    settleTimer = undefined;
    const ids = [...unconfirmed];
    let done = true;
    try {
      for (let i = 0; i < ids.length && done; i += 1000) {
        const some = ids.slice(i, i + 1000);
        const held = await client.smismember(P + 'online', ...some);
        const gone: RowWrite[] = [];
        some.forEach((vid, j) => {
          const row = index.get(vid);
          if (held[j] || !row || !unconfirmed.has(vid)) return;
          const json = JSON.stringify({ ...row, online: false, active: false });
          gone.push({ vid, online: false, announce: true, mask: 0, json });
        });
        done = await writeSome(gone);
        if (done) for (const vid of some) unconfirmed.delete(vid);
      }
    } catch (e) {
      failed('reading who is online')(e);
      done = false;
    }
    if (!done && !closed) settleLater();
  }

  // Subscribe first, then load: what changes while loading comes after in the log and wins.
  const unsubscribe = o.events.subscribe((batch) => {
    for (const e of batch) {
      if (e.event == 'visitor') take(e.data);
      else if (e.event == 'reset') lost();
    }
  });
  const loaded: { row: ListRow; item: Buffer }[] = [];
  let cursor = '0';
  do {
    const [next, flat] = (await client.hscan(P + 'rows', cursor, 'COUNT', 1000)) as [
      string,
      string[],
    ];
    cursor = next;
    for (let i = 1; i < flat.length; i += 2) {
      const row = parse(flat[i]!);
      if (row) loaded.push({ row, item: bytesOf(flat[i]!) });
    }
  } while (cursor != '0');
  // What the log brought meanwhile is newer than what was loaded: it stays.
  index.load(loaded.filter((r) => !index.has(r.row.id)));

  const minId = () => String(Date.now() - retentionMs);
  const flushTimer = setInterval(
    () => {
      client
        .eval(
          FLUSH,
          5,
          P + 'counts',
          P + 'feed',
          P + 'counts:at',
          P + 'counts:dirty',
          P + 'pending',
          minId(),
          Date.now(),
          o.countsMs,
          ...NAMES,
        )
        .then(() => void (warned = false))
        .catch(failed('sending what waits for the counts'));
    },
    Math.max(100, o.countsMs / 2),
  );
  flushTimer.unref();

  return {
    index,
    /** Hears every row the log brings (this node's own included). */
    onRow: (l: (row: ListRow) => void) => void rowListeners.add(l),
    /** Writes rows and appends their events; resolves when Redis has them (or refused them). */
    async write(rows: RowWrite[]): Promise<void> {
      // A few hundred rows per script: Redis does nothing else while one runs.
      for (let i = 0; i < rows.length; i += 500) await writeSome(rows.slice(i, i + 500));
    },
    close() {
      closed = true;
      clearInterval(flushTimer);
      clearTimeout(settleTimer);
      unsubscribe();
    },
  };

  /**
   * Writes rows; resolves false when Redis did not take them. This node's list takes them then
   * all the same (its own visitors stay listed on it, with their changes, while Redis is down);
   * the node writes them again once Redis answers (connections-redis.ts `resync`).
   */
  function writeSome(rows: RowWrite[]): Promise<boolean> {
    if (!rows.length) return Promise.resolve(true);
    const args: (string | number)[] = [minId(), Date.now(), o.countsMs, NAMES.length, ...NAMES];
    args.push(rows.length);
    for (const r of rows) args.push(r.vid, r.online ? 1 : r.announce ? 2 : 0, r.mask, r.json);
    return client
      .eval(
        WRITE,
        8,
        P + 'rows',
        P + 'masks',
        P + 'counts',
        P + 'online',
        P + 'feed',
        P + 'counts:at',
        P + 'counts:dirty',
        P + 'pending',
        ...args,
      )
      .then(
        () => {
          warned = false;
          return true;
        },
        (e: unknown) => {
          failed('writing rows')(e);
          for (const r of rows) take(r.json);
          return false;
        },
      );
  }
}
