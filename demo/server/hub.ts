/**
 * The chat logic, independent of the transport, put together from its parts: the visitor
 * registry (visitor-registry.ts), hellos (hello.ts), conversations and the bot
 * (conversations.ts). Here: frames, connections, blocking, typing and what goes to the agent
 * feed. The WebSocket and HTTP endpoints feed it frames; the agent API calls its actions.
 * Calls that touch the store are async and reject when the store is unreachable.
 */
import type { AutoMessageRule } from '../../src/core/rules';
import {
  HISTORY_PAGE,
  type Attachment,
  type ClientFrame,
  type ChatStateFrame,
  type HelloFrame,
  type HistoryFrame,
  type Message,
  type ServerFrame,
} from '../../src/protocol';
import {
  countMask,
  countRow,
  needleOf,
  noCounts,
  type Counts,
  type ListRow,
} from '../shared/visitor-list';
import type { AgentFeed } from './agent-feed';
import { pageWithoutBidi } from './bidi-controls';
import type { Cluster } from './cluster';
import type { RowWrite } from './cluster-rows';
import type { Plan } from './config';
import { createConversations, type ConversationOptions } from './conversations';
import type { EventLog, FeedEventInput } from './event-log';
import { createDeadlines } from './deadlines';
import { createHello, type HelloSource } from './hello';
import { inTurns } from './in-turns';
import { createListIndex, listBody, listBytes, type ListPage } from './list-index';
import type { Logger } from './log';
import type { Metrics } from './metrics';
import {
  changed,
  isHere,
  nextChange,
  refresh,
  rowOf,
  shownKey,
  visitorJson,
  type Conn,
  type Filter,
  type LiveVisitor,
  type PresenceOptions,
} from './presence';
import { checkUserHash } from './secrets';
import type { PageView, Store } from './store';
import { applyProfile, mergeVariables, pageViewed, setActivity } from './visitor-changes';
import { createRegistry } from './visitor-registry';

export type { HelloRefusal } from './hello';

/** What the hub needs. */
export interface HubOptions extends PresenceOptions {
  store: Store;
  feed: AgentFeed;
  /** Where the agent feed's events go (and are kept for `Last-Event-ID`). */
  events: EventLog;
  keys: string[];
  plan: Plan;
  userHashSecret?: string;
  /** The site's auto-message rules now for a visitor in `country` (automations.ts). */
  rules(country: string | null): AutoMessageRule[];
  /** The site's chatbot flows (automations.ts). */
  bots: ConversationOptions['bots'];
  log: Logger;
  metrics?: Pick<Metrics, 'frame' | 'message' | 'delivered' | 'rating'>;
  /** How long the bot "types" before it answers (default 700 ms). */
  botDelayMs?: number;
  /** How often presence is re-derived and activity written (default 5 s). */
  sweepMs?: number;
  now?: () => number;
  /**
   * A cluster node's link to the others (REDIS_URL): presence, the list and the feed are then
   * shared through Redis, and frames for a visitor reach its connections on every node.
   */
  cluster?: Cluster;
  /** Keep each visitor's address (STORE_IP=1). */
  storeIp?: boolean;
  /** The largest upload (MAX_UPLOAD_BYTES), told to widgets in `welcome.maxFile`. */
  maxUploadBytes?: number;
  /** Hears every stored message (offline notifications, notify.ts). */
  onStored?(v: LiveVisitor, m: Message): void;
  /** Uploaded files (files.ts): what a visitor message may attach. */
  files?: { forMessage(vid: string, ids: string[]): Promise<Attachment[] | string> };
}

/** Visitor frames after which the stored visitor changed (the other nodes read it again). */
const STORED_BY: ReadonlySet<string> = new Set([
  'msg',
  'page',
  'id',
  'vars',
  'group',
  'am',
  'rate',
  'end',
]);

/** The feed's `counts` event goes at most once per this interval (DESIGN.md §8). */
export const COUNTS_INTERVAL_MS = 1000;

/** A visitor offline everywhere is unlisted by the other nodes after this, if still listed. */
const UNLIST_AFTER_MS = 2000;

/** A widget brought up to date after Redis was unreachable gets at most this many history pages. */
const CATCH_UP_PAGES = 10;

/** Agents going offline is told to visitors after this grace (an agent page reloading). */
const OFFLINE_GRACE_MS = 5000;

const noop = () => {};

/** Sends a frame to every connection of the visitor (WebSockets and HTTP downlink). */
function deliver(v: LiveVisitor, f: ServerFrame, except?: Conn) {
  if (f.t == 'msg') noteSent(v, f.m.id);
  for (const c of v.sockets) if (c !== except) c.send(f);
  if (v.http && v.http !== except) v.http.send(f);
}

/** The message ids above `LiveVisitor.sentId` a visitor's record of what it was sent keeps. */
const SENT_KEPT = 100;

/**
 * Notes that the visitor's connections were sent message `id` (see `LiveVisitor.sent`); `upTo`:
 * and every older message (a `welcome`: the widget has the conversation up to its newest).
 */
function noteSent(v: LiveVisitor, id: string, upTo = false) {
  const n = Number(id) || 0;
  if (n <= v.sentId) return;
  if (upTo) {
    v.sentId = n;
    for (const s of v.sent) if (s <= n) v.sent.delete(s);
    return;
  }
  v.sent.add(n);
  if (v.sent.size > SENT_KEPT) {
    const oldest = Math.min(...v.sent);
    v.sent.delete(oldest);
    v.sentId = oldest;
  }
}

/** Whether the visitor's connections were sent message `id` (or have it: see `noteSent`). */
const wasSent = (v: LiveVisitor, id: string) => {
  const n = Number(id) || 0;
  return n <= v.sentId || v.sent.has(n);
};

/** The hub; see {@link createHub}. */
export type Hub = ReturnType<typeof createHub>;

/** Creates the hub. Call `close()` to stop its timers (the store is closed by its owner). */
export function createHub(o: HubOptions) {
  const { store, feed, events, log, cluster } = o;
  const now = o.now ?? Date.now;
  const index = cluster?.rows.index;
  /**
   * A single node's list: the same index a cluster node keeps (list-index.ts), fed from the
   * changes that feed the agent feed, each entry the live visitor (a page answers its current
   * JSON: a heartbeat's new activity time shows without a `visitor` event).
   */
  const local = cluster ? undefined : createListIndex<LiveVisitor>();
  /** Visitors changed since the local list last took them in. */
  const unlisted = new Set<LiveVisitor>();
  /** When a listed visitor turns idle (or, on HTTP, offline) with nothing else happening. */
  const wakes = createDeadlines<LiveVisitor>();
  /** Presence as this node derives it: in a cluster, a visitor listed by another node is online. */
  const po: PresenceOptions = index
    ? {
        activeWindowMs: o.activeWindowMs,
        heartbeatMs: o.heartbeatMs,
        remote: (v) => index.has(v.id),
      }
    : o;
  /** Rows this node wrote and Redis has not answered yet, by visitor: what the list will show. */
  const inflight = new Map<string, string>();
  /** Visitors this node holds whose row goes out at the next flush even if it looks listed. */
  const relisting = new Set<LiveVisitor>();
  const pending = new Set<LiveVisitor>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  /** What the feed last said about each visitor, and the counts of those rows. */
  const shown = new Map<LiveVisitor, { key: string; row: ListRow }>();
  const shownCounts: Counts = noCounts();
  let countsJson = JSON.stringify(shownCounts);
  let countsAt = -Infinity;
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  let flushQueued = false;
  let agentsOnline = feed.count() > 0;
  let offlineTimer: ReturnType<typeof setTimeout> | undefined;
  /** Stop the walks telling every visitor the agents' state, and the rules. */
  let stopStatus: () => void = noop;
  let stopRules: () => void = noop;
  let warnedSecret = false;

  const later = (fn: () => void, ms: number) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  /** Queues a `visitor` event; several changes in one tick make one event. */
  function emit(v: LiveVisitor) {
    pending.add(v);
    if (local) unlisted.add(v);
    if (flushQueued) return;
    flushQueued = true;
    setImmediate(flush);
  }

  /**
   * Sends what changed since the last flush as one batch: a `visitor` event per row the list
   * shows differently (none for a change it does not show), then `counts` when they moved. A
   * batch that moves the counts waits until COUNTS_INTERVAL_MS after the last `counts`, so the
   * rows and the counts that go with them always arrive together.
   */
  function flush() {
    if (cluster) return flushShared(cluster);
    flushQueued = false;
    flushTimer = undefined;
    const t = now();
    relist(local!, t);
    const changes: { v: LiveVisitor; key: string; prev?: { key: string; row: ListRow } }[] = [];
    let countsMove = false;
    for (const v of pending) {
      refresh(v, t, po);
      const prev = shown.get(v);
      if (!prev && !v.online) continue;
      const key = shownKey(v);
      if (prev?.key == key) continue;
      changes.push({ v, key, prev });
      if (countMask(rowOf(v)) != (prev ? countMask(prev.row) : 0)) countsMove = true;
    }
    if (countsMove && t - countsAt < COUNTS_INTERVAL_MS) {
      flushQueued = true;
      flushTimer = setTimeout(flush, countsAt + COUNTS_INTERVAL_MS - t);
      return;
    }
    pending.clear();
    const batch: FeedEventInput[] = [];
    for (const { v, key, prev } of changes) {
      const row = rowOf(v);
      if (prev) countRow(shownCounts, prev.row, -1);
      countRow(shownCounts, row, 1);
      shown.set(v, { key, row });
      batch.push({ event: 'visitor', data: visitorJson(v) });
    }
    const json = JSON.stringify(shownCounts);
    if (json != countsJson) {
      countsJson = json;
      countsAt = t;
      batch.push({ event: 'counts', data: json });
    }
    events.append(batch);
  }

  /**
   * The flush of a cluster node: the rows the list would show differently than it does now go
   * to the shared list (cluster-rows.ts), which appends their events and moves the counts.
   */
  function flushShared(c: Cluster) {
    flushQueued = false;
    flushTimer = undefined;
    const t = now();
    const out: (RowWrite & { key: string })[] = [];
    for (const v of pending) {
      refresh(v, t, po);
      const key = shownKey(v);
      const again = relisting.delete(v);
      const prev = again ? undefined : (inflight.get(v.id) ?? index!.keyOf(v.id));
      if ((prev === undefined && !v.online) || prev == key) continue;
      inflight.set(v.id, key);
      out.push({
        vid: v.id,
        online: v.online,
        mask: countMask(rowOf(v)),
        json: visitorJson(v),
        key,
      });
    }
    pending.clear();
    void c.rows.write(out).finally(() => {
      for (const r of out) if (inflight.get(r.vid) === r.key) inflight.delete(r.vid);
    });
  }

  /**
   * Brings a single node's list up to `t`: the visitors whose time came (gone idle, or offline
   * on HTTP) and those changed since, each put in place (or out) and given its next wake-up.
   * A change found here goes to the feed like any other.
   */
  function relist(l: NonNullable<typeof local>, t: number) {
    wakes.due(t, (v) => unlisted.add(v));
    for (const v of unlisted) {
      if (refresh(v, t, po)) emit(v);
      if (v.online) l.set(rowOf(v), v, shownKey(v));
      else l.remove(v.id);
      const at = nextChange(v, po);
      if (at < Infinity) wakes.at(v, at);
    }
    unlisted.clear();
  }

  /**
   * After a connection opened or closed, or an HTTP request: presence may have changed (a
   * `visitor` event) or only when it will (a new wake-up for the local list).
   */
  function presenceMoved(v: LiveVisitor) {
    if (refresh(v, now(), po)) emit(v);
    else if (local) unlisted.add(v);
  }

  /** Tells the connection registry whether this node holds the visitor (a cluster). */
  function track(v: LiveVisitor) {
    if (!cluster) return;
    const here = isHere(v, now(), po);
    if (here == v.here) return;
    v.here = here;
    if (here) cluster.connections.opened(v.id);
    else cluster.connections.closed(v.id);
  }

  /** Sends a frame to the visitor's connections here and on the other nodes. */
  function send(v: LiveVisitor, f: ServerFrame, except?: Conn) {
    deliver(v, f, except);
    cluster?.bus.frame(v.id, f);
  }

  /** In a cluster, a visitor this node does not hold may have changed elsewhere: read it again. */
  async function fresh(v: LiveVisitor) {
    if (cluster && !v.here) await registry.reload(v);
  }

  /**
   * The sweep found a visitor's presence changed (active → idle) on a cluster node. Only a node
   * that holds the visitor tells the list, and only after reading the activity the other nodes
   * wrote (heartbeats may arrive at another node than this one's stream).
   */
  function sweepChange(v: LiveVisitor) {
    if (!v.here) return;
    void serial(v.id, async () => {
      await registry.reload(v);
      refresh(v, now(), po);
      emit(v);
    }).catch((e) => log.warn(`visitor ${v.id}: not read again: ${e}`));
  }

  /** After an action: the other nodes read the visitor again. */
  const told = (v: LiveVisitor) => cluster?.bus.changed(v.id);
  const registry = createRegistry({
    store,
    log,
    presence: po,
    now,
    onChange: cluster ? sweepChange : emit,
    isPending: (v) => pending.has(v),
    onEvict(v) {
      shown.delete(v);
      relisting.delete(v);
      wakes.delete(v);
      unlisted.delete(v);
      local?.remove(v.id);
    },
  });
  const { visitors, serial } = registry;

  function setTyping(v: LiveVisitor, on: boolean) {
    if (v.typing == on) return;
    v.typing = on;
    changed(v);
    events.append([{ event: 'typing', data: JSON.stringify({ visitorId: v.id, on }) }]);
  }

  const hello = createHello({
    store,
    registry,
    log,
    keys: o.keys,
    rules: o.rules,
    now,
    agentsOnline: () => agentsOnline,
    emit,
    storeIp: o.storeIp,
    maxUploadBytes: o.maxUploadBytes,
  });
  const talk = createConversations({
    store,
    registry,
    log,
    now,
    botDelayMs: o.botDelayMs ?? 700,
    deliver: send,
    emit,
    messageStored(v, m: Message, startedAt: number, opened?: boolean) {
      // `first`: the agent page announces a new chat whether or not its row is loaded.
      const data = { visitorId: v.id, message: m, ...(opened && { first: true }) };
      events.append([{ event: 'message', data: JSON.stringify(data) }]);
      o.metrics?.message(m.from);
      o.metrics?.delivered((performance.now() - startedAt) / 1000);
      o.onStored?.(v, m);
    },
    setTyping,
    later,
    bots: o.bots,
    attachments: (vid, ids) =>
      o.files ? o.files.forMessage(vid, ids) : Promise.resolve('this server takes no files'),
    async capture(v, field, value) {
      if (applyProfile(v, { [field]: value })) v.verified = false;
      v.customer = true;
      await saved(v);
    },
  });

  /** Saves the visitor and tells the feed; a failed write is retried with the next batch. */
  async function saved(v: LiveVisitor) {
    emit(v);
    await registry.save(v).catch((e) => log.warn(`visitor ${v.id}: not written yet: ${e}`));
  }

  async function identify(v: LiveVisitor, f: Extract<ClientFrame, { t: 'id' }>, reply: Conn) {
    const emailChanged = applyProfile(v, f);
    if (f.form) v.customer = true;
    if (f.userHash !== undefined) {
      if (!o.userHashSecret) {
        if (!warnedSecret) log.warn('a userHash arrived but USER_HASH_SECRET is not set');
        warnedSecret = true;
        v.verified = false;
      } else v.verified = checkUserHash(o.userHashSecret, v.email || v.id, f.userHash);
      if (!v.verified) {
        log.warn(`visitor ${v.id}: identity not verified: userHash does not match`);
        reply.send({ t: 'err', code: 'user_hash', message: 'userHash does not match' });
      }
    } else if (emailChanged) v.verified = false;
    await saved(v);
  }

  async function frameNow(v: LiveVisitor, f: ClientFrame, reply: Conn): Promise<boolean> {
    const t = now();
    v.lastSeenAt = t;
    v.dirty = true;
    switch (f.t) {
      case 'hello':
        throw new Error('hello goes to hub.hello');
      case 'hb':
        setActivity(v, f.activeAt, t);
        if (refresh(v, t, po)) emit(v);
        break;
      case 'page': {
        const page = pageWithoutBidi(f);
        pageViewed(v, page, t);
        await store.addPageView(v.id, v.visits, page, t);
        await saved(v);
        break;
      }
      case 'msg':
        try {
          // An agent on another node may have opened a conversation an instant ago (its frame
          // can come before its "changed"): a first message looks in the store first.
          if (cluster && !v.conversation) await registry.reload(v);
          return await talk.visitorMessage(v, f, reply);
        } catch (e) {
          // Not acknowledged: the widget keeps it in its outbox and sends it again.
          log.warn(`visitor ${v.id}: message not stored: ${e}`);
          reply.send({ t: 'err', code: 'unavailable', message: 'try again later' });
          return true;
        }
      case 'id':
        await identify(v, f, reply);
        break;
      case 'vars':
        if (!mergeVariables(v, f.vars, f.labels))
          log.warn(`visitor ${v.id}: more than 100 variables, change ignored`);
        await saved(v);
        break;
      case 'group':
        v.group = f.group || null;
        changed(v);
        await saved(v);
        break;
      case 'am': {
        // One of the site's auto messages for this visitor, in the site's words: taken as sent,
        // a visitor could put any text at the start of a conversation labelled as the site's
        // (and in its transcript), and raise any rule's figures.
        const rule = o.rules(v.country).find((r) => r.id == f.rule);
        if (!rule) {
          reply.send({
            t: 'err',
            code: 'bad_frame',
            message: `am.rule: this visitor has no auto message "${f.rule}"`,
          });
          break;
        }
        await store.addAutoMessageShow(v.id, v.visits, rule.id, rule.text, t);
        v.amVisit = v.visits;
        v.pendingAm = { text: rule.text, at: t };
        changed(v);
        await saved(v);
        break;
      }
      case 'typing':
        if (v.blockedAt == null) setTyping(v, f.on);
        break;
      case 'end':
        // Nothing open: the widget's end is already done (another tab, an agent).
        await talk.closeConversation(v);
        break;
      case 'rate':
        await rate(v, f, reply);
        break;
      case 'hist':
        reply.send(await history(v, f.before, f.limit || HISTORY_PAGE));
        break;
      case 'chat':
        // The widget reads the time zone when its window first opens (not in every hello).
        // Its language too: a `language` command may have changed it since the hello (the
        // closing message is in it).
        if (teaches(v, f)) {
          v.timeZone = f.timeZone || v.timeZone;
          v.language = f.lang || v.language;
          changed(v);
          await saved(v);
        }
        break;
      case 'read':
        // Nothing to derive from this yet; it still counts as the visitor being there.
        break;
    }
    return true;
  }

  /** Rates the open conversation, else the last closed one (DESIGN.md §9). */
  async function rate(v: LiveVisitor, f: Extract<ClientFrame, { t: 'rate' }>, reply: Conn) {
    const c = v.conversation ?? (await store.lastConversation(v.id));
    if (!c) {
      reply.send({
        t: 'err',
        code: 'no_conversation',
        message: 'there is no conversation to rate',
      });
      return;
    }
    const rating: LiveVisitor['rating'] = { value: f.value, at: now() };
    if (f.comment?.trim()) rating.comment = f.comment.trim();
    await store.rateConversation(c.id, rating);
    v.rating = rating;
    changed(v);
    o.metrics?.rating(f.value);
    log.info(`visitor ${v.id}: conversation ${c.id} rated ${f.value}`);
    await saved(v);
  }

  /** The page of the open conversation before message `before` (none for an unknown id). */
  async function history(v: LiveVisitor, before: string, limit: number): Promise<HistoryFrame> {
    const id = Number(before);
    const c = v.conversation;
    const page =
      c && Number.isSafeInteger(id) ? await store.messagesBefore(c.id, id, limit + 1) : [];
    return { t: 'hist', before, messages: page.slice(-limit), more: page.length > limit };
  }

  /** Blocks or unblocks; the visitor's widgets hear it at once. */
  async function setBlockedNow(v: LiveVisitor, blocked: boolean) {
    if ((v.blockedAt != null) == blocked) return;
    const t = now();
    if (blocked) await store.block(v.id, t);
    else await store.unblock(v.id, t);
    v.blockedAt = blocked ? t : null;
    if (blocked) setTyping(v, false);
    changed(v);
    await registry.save(v);
    send(v, { t: blocked ? 'blocked' : 'unblocked' });
    emit(v);
  }

  /** `GET /api/visitors/:id`: the visitor, its open (else last) conversation's messages, its pages. */
  async function detail(v: LiveVisitor): Promise<string> {
    await registry.serial(v.id, () => fresh(v));
    refresh(v, now(), po);
    const c = v.conversation ?? (await store.lastConversation(v.id));
    const messages: Message[] = c ? await store.messages(c.id) : [];
    const pages: PageView[] = await store.pages(v.id);
    return (
      visitorJson(v).slice(0, -1) +
      ',"messages":' +
      JSON.stringify(messages) +
      ',"pages":' +
      JSON.stringify(pages) +
      '}'
    );
  }

  /**
   * `GET /api/visitors`: a page of the list, with `lastEventId`, the feed event the answer is
   * current with (a page resumes the feed after it, so nothing falls between list and feed).
   */
  function list(filter: Filter, q: string, page: ListPage): string | Buffer {
    const extra = { plan: o.plan, lastEventId: events.lastId() };
    const needle = needleOf(q);
    if (index) {
      const { rows, total } = index.page(filter, needle, page.offset, page.limit);
      return listBytes(rows, index.counts(), total, page.offset, extra);
    }
    const l = local!;
    relist(l, now());
    const { rows, total } = l.page(filter, needle, page.offset, page.limit);
    return listBody(rows.map(visitorJson), l.counts(), total, page.offset, extra);
  }

  /**
   * Tells every online visitor whether agents are online, in turns (in-turns.ts). A change that
   * overtakes a walk stops it: the visitors not reached yet hear only the newest state.
   */
  function broadcastStatus(online: boolean) {
    if (online == agentsOnline) return;
    agentsOnline = online;
    stopStatus();
    stopStatus = inTurns(visitors.values(), (v) => {
      if (v.online) deliver(v, { t: 'status', online });
    });
  }

  /** The agent feed count changed. */
  function agentsChanged(n: number) {
    clearTimeout(offlineTimer);
    if (n > 0) broadcastStatus(true);
    else offlineTimer = setTimeout(() => broadcastStatus(false), OFFLINE_GRACE_MS);
  }

  function sweep() {
    if (cluster) for (const v of visitors.values()) track(v);
    registry.sweep();
    return registry.flushDirty();
  }
  /** Whether a `chat` frame brings a time zone or language the visitor did not have. */
  const teaches = (v: LiveVisitor, f: ChatStateFrame) =>
    (!!f.timeZone && f.timeZone != v.timeZone) || (!!f.lang && f.lang != v.language);

  /** An agent's action on a visitor: on what the store holds now, and told to the other nodes. */
  async function agentAction<T>(v: LiveVisitor, act: () => Promise<T>): Promise<T> {
    const r = await serial(v.id, async () => {
      await fresh(v);
      // Online and active as the cluster sees them (the answer shows the visitor), as detail does.
      refresh(v, now(), po);
      return act();
    });
    told(v);
    return r;
  }

  /**
   * Redis was unreachable for this node, or for a node that wrote to the visitors in `only`:
   * the frames the nodes sent each other meanwhile are lost (pub/sub keeps nothing), though the
   * messages are stored. Each visitor this node holds (of `only`) is read again and sent what it
   * missed, over the connections it has: no reconnect. One visitor at a time, so many visitors
   * are not many reads of the store at once.
   */
  async function catchUp(only?: string[]) {
    const held = only
      ? only.map((id) => visitors.get(id)).filter((v) => v !== undefined)
      : [...visitors.values()];
    for (const v of held)
      if (v.here)
        await serial(v.id, () => catchUpOne(v)).catch((e) =>
          log.warn(`visitor ${v.id}: not brought up to date: ${e}`),
        );
  }

  /**
   * The visitor's messages its connections were not sent (those stored on another node while
   * Redis was down may be older than ones that reached it from this node meanwhile; in the
   * conversation it had, then its conversation now: at most 500 of each), its conversation
   * closing and its block or unblock, in that order. The widget shows a message once whatever
   * it is sent (by id).
   */
  async function catchUpOne(v: LiveVisitor) {
    let had = v.conversation?.id;
    const wasBlocked = v.blockedAt != null;
    await registry.reload(v);
    const has = v.conversation?.id;
    /**
     * Sends what the widget was not sent of conversation `id`, oldest first: pages back to
     * `sentId` (what it has for sure), at most {@link CATCH_UP_PAGES}. Resolves how many.
     */
    const missed = async (id: number | undefined) => {
      if (id === undefined) return 0;
      const news: Message[] = [];
      let page = await store.messages(id, HISTORY_PAGE);
      for (let n = 1; ; n++) {
        news.unshift(...page.filter((m) => !wasSent(v, m.id)));
        const oldest = page[0];
        if (!oldest || page.length < HISTORY_PAGE || Number(oldest.id) <= v.sentId) break;
        if (n == CATCH_UP_PAGES) break;
        page = await store.messagesBefore(id, Number(oldest.id), HISTORY_PAGE);
      }
      for (const m of news) deliver(v, { t: 'msg', m });
      return news.length;
    };
    if (had !== undefined) await missed(had);
    else {
      // The change that told this node of a conversation can be lost with Redis while the
      // agent's first message reached the widget: the conversation the widget was in is then
      // the visitor's newest, if that holds messages the widget was not sent.
      const last = await store.lastConversation(v.id);
      if (last && last.id !== has && (await missed(last.id))) had = last.id;
    }
    if (had !== undefined && had !== has) deliver(v, { t: 'closed' });
    if (has !== had) await missed(has);
    if (wasBlocked != (v.blockedAt != null))
      deliver(v, { t: v.blockedAt != null ? 'blocked' : 'unblocked' });
    emit(v);
  }

  if (cluster) listenToCluster(cluster);
  /** What the other nodes say: frames for visitors held here, changes, offline visitors. */
  function listenToCluster(c: Cluster) {
    c.bus.onFrame((vid, f) => {
      const v = visitors.get(vid);
      if (!v) return;
      // The widget may answer a block before this node's read of the store (the "changed"
      // that follows the frame): its next message must already find the visitor blocked.
      if (f.t == 'blocked' || f.t == 'unblocked') {
        v.blockedAt = f.t == 'blocked' ? (v.blockedAt ?? now()) : null;
        changed(v);
      }
      deliver(v, f);
    });
    c.bus.onBack(() => void catchUp());
    c.bus.onMissed((vids) => void catchUp(vids));
    c.bus.onChanged((vid) => {
      const v = visitors.get(vid);
      if (v)
        void serial(vid, () => registry.reload(v)).catch((e) =>
          log.warn(`visitor ${vid}: not read again: ${e}`),
        );
    });
    c.rows.onRow((row) => {
      const v = visitors.get(row.id);
      if (!v) return;
      // Activity seen by another node counts here too (the same visitor, the same state).
      if (row.lastActivityAt > v.lastActivityAt) {
        v.lastActivityAt = row.lastActivityAt;
        changed(v);
      }
      refresh(v, now(), po);
      // This node holds the visitor, yet the log unlists it: the offline row was written from a
      // view older than this node's connection (the presence set lacked the visitor for a moment,
      // e.g. a dead node's reaper before this node registered the reconnect) and reached this
      // node after it. Nothing else would list the visitor again while its state stays the
      // same, so the row goes out again; the write is refused unless the visitor is online.
      if (!row.online && v.here && v.online) {
        relisting.add(v);
        emit(v);
      }
    });
    /**
     * The list loses the row once (the write is refused while the visitor is online again).
     * `announce`: the offline event goes out even when Redis holds no row for it (lost with
     * Redis's data before this node wrote it back), so the other nodes' lists lose it too.
     */
    const unlist = (vid: string, announce?: boolean) => {
      const row = index!.get(vid);
      if (!row) return;
      const json = JSON.stringify({ ...row, online: false, active: false });
      void c.rows.write([{ vid, online: false, announce, mask: 0, json }]);
    };
    c.connections.onChange((vid, online, mine) => {
      if (online) return;
      // Offline everywhere: the node that made it so (its last connection went, or its reaper
      // found a dead node) unlists the row, and says so; the others do it later if that node
      // could not (it was leaving).
      if (mine) unlist(vid, true);
      else later(() => unlist(vid), UNLIST_AFTER_MS);
    });
    c.connections.onRestored(() => {
      // Redis lost the list (a restart): this node writes its visitors' rows again.
      const out: RowWrite[] = [];
      for (const v of visitors.values()) {
        if (!v.here) continue;
        refresh(v, now(), po);
        const row = { ...rowOf(v), online: true };
        out.push({ vid: v.id, online: true, mask: countMask(row), json: JSON.stringify(row) });
      }
      void c.rows.write(out);
    });
  }

  const sweeper = setInterval(sweep, o.sweepMs ?? 5000);
  sweeper.unref();

  return {
    visitors,
    /** The feed event the answers are current with (`lastEventId`, docs/AGENT-API.md). */
    lastEventId: () => events.lastId(),
    /** A visitor by id, from memory or the store; undefined when unknown. */
    get: registry.get,
    /**
     * Answers a `hello` (see hello.ts): the visitor and the `welcome`, or why it was refused;
     * rejects when the store is unreachable (the endpoint then asks the widget to retry).
     */
    async hello(f: HelloFrame, from: HelloSource = {}) {
      const held = cluster && visitors.get(f.vid);
      if (held) await registry.serial(held.id, () => fresh(held));
      const r = await hello(f, from);
      if (typeof r != 'string') {
        // The widget is now up to date with what is stored: its conversation's messages came in
        // the welcome, and an earlier conversation's are not sent again after an outage.
        for (const m of r.welcome.messages ?? []) noteSent(r.visitor, m.id, true);
        if (r.visitor.lastMessage) noteSent(r.visitor, r.visitor.lastMessage.id, true);
        told(r.visitor);
      }
      return r;
    },
    /**
     * Handles a validated frame (not `hello`) from a visitor's connection; `reply` gets the
     * answers (`ack`, `err`). Resolves false when the frame was refused (a blocked visitor's
     * msg). Frames of one visitor are handled one at a time, in order.
     */
    async frame(v: LiveVisitor, f: ClientFrame, reply: Conn) {
      o.metrics?.frame();
      // Every opening carries the zone and language the widget knows: only a new one changes
      // the visitor.
      const zone = f.t == 'chat' && teaches(v, f);
      const r = await serial(v.id, () => frameNow(v, f, reply));
      if (STORED_BY.has(f.t) || zone) told(v);
      return r;
    },
    /** A WebSocket of the visitor opened (after its welcome). */
    attach(v: LiveVisitor, c: Conn) {
      v.sockets.add(c);
      track(v);
      presenceMoved(v);
    },
    /** A WebSocket of the visitor closed. */
    detach(v: LiveVisitor, c: Conn) {
      v.sockets.delete(c);
      if (!v.sockets.size) setTyping(v, false);
      track(v);
      presenceMoved(v);
    },
    /** An HTTP request of the visitor (keeps it online for HEARTBEAT_MS + 60 s). */
    touchHttp(v: LiveVisitor, streamDelta = 0) {
      const t = now();
      v.httpSeenAt = v.lastSeenAt = t;
      v.streams += streamDelta;
      track(v);
      presenceMoved(v);
    },
    /** An agent message (see conversations.ts); rejects when the store is unreachable. */
    agentMessage: (
      v: LiveVisitor,
      text: string,
      name: string | undefined,
      open: boolean,
      attachments?: Attachment[],
    ) => agentAction(v, () => talk.agentMessage(v, text, name, open, attachments)),
    /** Closes the open conversation with a system message; false when none is open. */
    closeConversation: (v: LiveVisitor) => agentAction(v, () => talk.closeConversation(v)),
    /** Blocks or unblocks; the visitor's widgets hear it at once. */
    setBlocked: (v: LiveVisitor, blocked: boolean) =>
      agentAction(v, () => setBlockedNow(v, blocked)),
    /** The agent is typing (or stopped): the visitor's widgets show it. */
    agentTyping(v: LiveVisitor, on: boolean) {
      send(v, { t: 'typing', on });
    },
    detail,
    list,
    agentsChanged,
    /** Re-derives presence and writes batched activity. */
    sweep,
    /** The auto-message rules changed: every online widget of this node gets them. */
    broadcastRules(rulesFor: (country: string | null) => AutoMessageRule[]) {
      const byCountry = new Map<string | null, AutoMessageRule[]>();
      // In turns, like the agents' state; newer rules overtake a walk that is not done.
      stopRules();
      stopRules = inTurns(visitors.values(), (v) => {
        if (!v.online) return;
        let rules = byCountry.get(v.country);
        if (!rules) byCountry.set(v.country, (rules = rulesFor(v.country)));
        deliver(v, { t: 'rules', rules });
      });
    },
    /** Whether agents are online, as told to visitors. */
    agentsOnline: () => agentsOnline,
    /**
     * Stops the timers and writes what is pending (after a batch already under way); resolves
     * how many visitors' activity could not be written (the store did not answer).
     */
    async close(): Promise<number> {
      clearInterval(sweeper);
      clearTimeout(offlineTimer);
      stopStatus();
      stopRules();
      clearTimeout(flushTimer);
      for (const t of timers) clearTimeout(t);
      timers.clear();
      // The first call joins a write already under way (it returns that one); the second writes
      // what came after it, or tries once more what it could not write.
      await registry.flushDirty();
      await registry.flushDirty();
      let unwritten = 0;
      for (const v of visitors.values()) if (v.dirty) unwritten++;
      return unwritten;
    },
  };
}
