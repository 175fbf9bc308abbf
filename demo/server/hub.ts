/**
 * The chat logic, independent of the transport: hellos and tokens, presence updates, messages
 * with acks and de-duplication, identity, auto-message shows, the chatbot, agent actions and
 * blocking, and what goes to the agent feed. The WebSocket and HTTP endpoints feed it frames.
 */
import type { AutoMessageRule } from '../../src/core/rules';
import {
  PROTOCOL_VERSION,
  type ClientFrame,
  type HelloFrame,
  type IdentifyFrame,
  type Message,
  type PageInfo,
  type Profile,
  type ServerFrame,
  type VariableValue,
  type WelcomeFrame,
} from '../../src/protocol';
import { countMask, countRow, noCounts, type Counts, type ListRow } from '../shared/visitor-list';
import type { AgentFeed } from './agent-feed';
import { BOT_NAME, botReply } from './bot';
import type { Plan } from './config';
import type { EventLog, FeedEventInput } from './event-log';
import type { Logger } from './log';
import {
  changed,
  listJson,
  refresh,
  rowOf,
  shownKey,
  visitorJson,
  type Conn,
  type Filter,
  type ListPage,
  type LiveVisitor,
  type PresenceOptions,
} from './presence';
import { randomBytes } from 'node:crypto';
import { checkUserHash, hashToken, newToken, safeEqual } from './secrets';
import type { PageView, Store, StoredConversation, StoredVisitor } from './store';
import { parseUserAgent } from './user-agent';

/** What the hub needs. */
export interface HubOptions extends PresenceOptions {
  store: Store;
  feed: AgentFeed;
  /** Where the agent feed's events go (and are kept for `Last-Event-ID`). */
  events: EventLog;
  keys: string[];
  plan: Plan;
  userHashSecret?: string;
  rules: AutoMessageRule[];
  log: Logger;
  /** How long the bot "types" before it answers (default 700 ms). */
  botDelayMs?: number;
  /** How often presence is re-derived and activity written (default 5 s). */
  sweepMs?: number;
  now?: () => number;
}

/** Why a hello was refused. */
export type HelloRefusal = 'unknown_key' | 'invalid_token';

/** Text of the message a closed conversation ends with. */
const CLOSED_TEXT = 'The conversation was closed. Write again any time.';

/** Offline visitors are dropped from memory after this long (they stay in the database). */
const EVICT_MS = 3_600_000;

/** The feed's `counts` event goes at most once per this interval (docs/PROTOCOL.md, "Agent live feed"). */
export const COUNTS_INTERVAL_MS = 1000;

/** Agents going offline is told to visitors after this grace (an agent page reloading). */
const OFFLINE_GRACE_MS = 5000;

/** Sends a frame to every connection of the visitor (WebSockets and HTTP downlink). */
function deliver(v: LiveVisitor, f: ServerFrame, except?: Conn) {
  for (const c of v.sockets) if (c !== except) c.send(f);
  if (v.http && v.http !== except) v.http.send(f);
}

/** Records activity (clamped: a client clock ahead of ours must not keep a visitor active). */
function setActivity(v: LiveVisitor, at: number, t: number) {
  const a = Math.min(at, t);
  if (a > v.lastActivityAt) {
    v.lastActivityAt = a;
    changed(v);
  }
  v.lastSeenAt = t;
  v.dirty = true;
}

/** Applies identity fields; an empty string clears one. Returns whether the email changed. */
function applyProfile(v: LiveVisitor, p: Profile): boolean {
  const email = v.email;
  for (const k of ['name', 'email', 'phone'] as const)
    if (p[k] !== undefined) v[k] = p[k]!.trim() || null;
  if (v.name || v.email || v.phone) v.customer = true;
  changed(v);
  return v.email != email;
}

/** The hub; see {@link createHub}. */
export type Hub = ReturnType<typeof createHub>;

/** Creates the hub. Call `close()` to stop its timers (the store is closed by its owner). */
export function createHub(o: HubOptions) {
  const { store, feed, events, log } = o;
  const now = o.now ?? Date.now;
  const visitors = new Map<string, LiveVisitor>();
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
    flushQueued = false;
    flushTimer = undefined;
    const t = now();
    const changes: { v: LiveVisitor; key: string; prev?: { key: string; row: ListRow } }[] = [];
    let countsMove = false;
    for (const v of pending) {
      refresh(v, t, o);
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

  function live(s: StoredVisitor): LiveVisitor {
    const v: LiveVisitor = Object.assign(s, {
      conversation: store.openConversation(s.id) ?? null,
      lastMessage: store.lastMessage(s.id),
      sockets: new Set<Conn>(),
      http: null,
      httpSeenAt: 0,
      streams: 0,
      connectedAt: 0,
      typing: false,
      online: false,
      active: false,
      row: null,
      json: null,
      haystack: null,
      dirty: false,
    });
    visitors.set(v.id, v);
    return v;
  }

  /** A visitor by id, from memory or the database; undefined when unknown. */
  function get(id: string): LiveVisitor | undefined {
    const v = visitors.get(id);
    if (v) return v;
    const s = store.loadVisitor(id);
    return s && live(s);
  }

  function save(v: LiveVisitor) {
    store.saveVisitor(v);
    v.dirty = false;
  }

  function addPageView(v: LiveVisitor, page: PageInfo, t: number) {
    store.addPageView(v.id, v.visits, page, t);
    v.pageViews++;
    v.pageUrl = page.url;
    v.pageTitle = page.title;
    // Arriving on a page is activity: a visitor who just came is active, not idle.
    setActivity(v, t, t);
    changed(v);
  }

  function mergeVariables(v: LiveVisitor, vars: Record<string, VariableValue>) {
    const next = { ...v.variables, ...vars };
    // A visitor cannot grow its stored variables without bound either.
    if (Object.keys(next).length <= 100) v.variables = next;
    else log.warn(`visitor ${v.id}: more than 100 variables, change ignored`);
    changed(v);
  }

  /**
   * Answers a `hello`: checks the key and the token (a known vid needs its token), creates the
   * visitor on its first hello, records visit, page, identity and activity, and returns the
   * `welcome` to send. The caller attaches the connection.
   */
  function hello(
    f: HelloFrame,
    userAgent?: string,
  ): { visitor: LiveVisitor; welcome: WelcomeFrame } | HelloRefusal {
    if (!o.keys.includes(f.key)) return 'unknown_key';
    const t = now();
    let v = get(f.vid);
    let token: string | undefined;
    let created = false;
    if (v && !f.token) {
      // A known id without any token: a page that never got (or lost) the token, e.g. one opened
      // before the first welcome was stored. It starts as a new visitor under a new id (welcome
      // carries it) instead of a dead end; acting as the old visitor still needs its token.
      f = { ...f, vid: randomBytes(16).toString('base64url').slice(0, 21) };
      v = undefined;
    }
    if (v) {
      if (!f.token || !safeEqual(hashToken(f.token), v.tokenHash)) return 'invalid_token';
    } else {
      token = newToken();
      const first = f.firstSeenAt > 0 ? Math.min(f.firstSeenAt, t) : t;
      const s: StoredVisitor = {
        id: f.vid,
        tokenHash: hashToken(token),
        name: null,
        email: null,
        phone: null,
        variables: {},
        group: null,
        customer: false,
        verified: false,
        blockedAt: null,
        firstSeenAt: first,
        lastSeenAt: t,
        lastActivityAt: 0,
        visits: 0,
        visitStartedAt: t,
        pageViews: 0,
        pageUrl: '',
        pageTitle: '',
        referrer: '',
        device: null,
        browser: null,
        os: null,
        language: null,
        amVisit: 0,
      };
      store.insertVisitor(s);
      v = live(s);
      created = true;
    }
    const visits = Math.min(f.visits, 1e6);
    const newVisit = visits > v.visits;
    if (newVisit) {
      v.visits = visits;
      v.visitStartedAt = t;
      v.referrer = f.page.referrer;
      store.addVisit(v.id, visits, t, f.page.referrer);
    }
    // A reconnect on the same page is not a page view; a new page or a new visit is.
    if (created || newVisit || f.page.url != v.pageUrl) addPageView(v, f.page, t);
    else v.pageTitle = f.page.title;
    const ua = parseUserAgent(userAgent);
    v.device = f.device;
    v.language = f.lang || null;
    if (ua.browser) v.browser = ua.browser;
    if (ua.os) v.os = ua.os;
    if (f.group !== undefined) v.group = f.group || null;
    if (f.profile && applyProfile(v, f.profile)) v.verified = false;
    if (f.variables) mergeVariables(v, f.variables);
    setActivity(v, f.activeAt, t);
    changed(v);
    save(v);
    emit(v);
    const welcome: WelcomeFrame = {
      t: 'welcome',
      v: PROTOCOL_VERSION,
      vid: v.id,
      blocked: v.blockedAt != null,
      online: agentsOnline,
      messages: v.conversation ? store.messages(v.conversation.id) : [],
      rules: o.rules,
    };
    if (token) welcome.token = token;
    return { visitor: v, welcome };
  }

  function identify(v: LiveVisitor, f: IdentifyFrame, reply: Conn) {
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
    save(v);
    emit(v);
  }

  /** Stores a message in the conversation and sends it everywhere it goes. */
  function post(
    v: LiveVisitor,
    c: StoredConversation,
    m: Omit<Message, 'id'>,
    except?: Conn,
  ): Message {
    const stored = store.addMessage(c.id, v.id, m);
    if (m.from == 'visitor') c.lastVisitorAt = m.at;
    if (m.from == 'agent') c.lastAgentAt = m.at;
    store.saveConversation(c);
    v.lastMessage = stored;
    changed(v);
    deliver(v, { t: 'msg', m: stored }, except);
    events.append([
      { event: 'message', data: JSON.stringify({ visitorId: v.id, message: stored }) },
    ]);
    emit(v);
    return stored;
  }

  function runBot(v: LiveVisitor, c: StoredConversation, text: string) {
    if (c.lastAgentAt > 0) return;
    const r = botReply(c.bot, text);
    if (!r) return;
    c.bot = r.next;
    store.saveConversation(c);
    const say = () => {
      // Closed meanwhile, or an agent replied: the bot stays quiet.
      if (v.conversation !== c || c.lastAgentAt > 0) return;
      const m: Omit<Message, 'id'> = { from: 'bot', name: BOT_NAME, text: r.text, at: now() };
      if (r.replies) m.replies = r.replies;
      post(v, c, m);
    };
    const delay = o.botDelayMs ?? 700;
    if (delay <= 0) return say();
    deliver(v, { t: 'typing', on: true });
    later(say, delay);
  }

  function setTyping(v: LiveVisitor, on: boolean) {
    if (v.typing == on) return;
    v.typing = on;
    changed(v);
    events.append([{ event: 'typing', data: JSON.stringify({ visitorId: v.id, on }) }]);
  }

  /** A visitor message: refused when blocked, acked (same id for a known cid), echoed to other tabs. */
  function visitorMessage(v: LiveVisitor, f: Extract<ClientFrame, { t: 'msg' }>, reply: Conn) {
    if (v.blockedAt != null) {
      log.warn(`visitor ${v.id}: message refused: the visitor is blocked`);
      reply.send({ t: 'err', code: 'blocked', message: 'blocked visitors cannot send messages' });
      return false;
    }
    const dup = store.messageByCid(v.id, f.cid);
    if (dup) {
      reply.send({ t: 'ack', cid: f.cid, id: dup.id, at: dup.at });
      return true;
    }
    const t = now();
    let c = v.conversation;
    if (!c) c = v.conversation = store.createConversation(v.id, 'visitor', t);
    setTyping(v, false);
    const m = post(v, c, { cid: f.cid, from: 'visitor', text: f.text, at: t }, reply);
    reply.send({ t: 'ack', cid: f.cid, id: m.id, at: m.at });
    runBot(v, c, f.text);
    return true;
  }

  /**
   * Handles a validated frame (not `hello`) from a visitor's connection; `reply` gets the
   * answers (`ack`, `err`). Returns false when the frame was refused (a blocked visitor's msg).
   */
  function frame(v: LiveVisitor, f: ClientFrame, reply: Conn): boolean {
    const t = now();
    v.lastSeenAt = t;
    v.dirty = true;
    switch (f.t) {
      case 'hello':
        throw new Error('hello goes to hub.hello');
      case 'hb':
        setActivity(v, f.activeAt, t);
        if (refresh(v, t, o)) emit(v);
        break;
      case 'page':
        addPageView(v, f, t);
        save(v);
        emit(v);
        break;
      case 'msg':
        return visitorMessage(v, f, reply);
      case 'id':
        identify(v, f, reply);
        break;
      case 'vars':
        mergeVariables(v, f.vars);
        save(v);
        emit(v);
        break;
      case 'group':
        v.group = f.group || null;
        changed(v);
        save(v);
        emit(v);
        break;
      case 'am':
        store.addAutoMessageShow(v.id, v.visits, f.rule, f.text, t);
        v.amVisit = v.visits;
        changed(v);
        save(v);
        emit(v);
        break;
      case 'typing':
        if (v.blockedAt == null) setTyping(v, f.on);
        break;
      case 'chat':
      case 'read':
        // Nothing to derive from these yet; they still count as the visitor being there.
        break;
    }
    return true;
  }

  /** A WebSocket of the visitor opened (after its welcome) or closed. */
  function attach(v: LiveVisitor, c: Conn) {
    v.sockets.add(c);
    if (refresh(v, now(), o)) emit(v);
  }
  function detach(v: LiveVisitor, c: Conn) {
    v.sockets.delete(c);
    if (!v.sockets.size) setTyping(v, false);
    if (refresh(v, now(), o)) emit(v);
  }

  /** An HTTP request of the visitor (keeps it online for HEARTBEAT_MS + 60 s). */
  function touchHttp(v: LiveVisitor, streamDelta = 0) {
    const t = now();
    v.httpSeenAt = v.lastSeenAt = t;
    v.streams += streamDelta;
    if (refresh(v, t, o)) emit(v);
  }

  /**
   * An agent message. With `open`, a conversation is opened first when none is (proactive
   * chat); without, there must be one. Returns the message and whether a conversation was
   * opened, or undefined when there is no conversation to write into.
   */
  function agentMessage(v: LiveVisitor, text: string, name: string | undefined, open: boolean) {
    const t = now();
    let c = v.conversation;
    const opened = !c;
    if (!c) {
      if (!open) return undefined;
      c = v.conversation = store.createConversation(v.id, 'agent', t);
    }
    const m: Omit<Message, 'id'> = { from: 'agent', text, at: t };
    if (name) m.name = name;
    return { message: post(v, c, m), opened };
  }

  /** Closes the open conversation with a system message; false when none is open. */
  function closeConversation(v: LiveVisitor): boolean {
    const c = v.conversation;
    if (!c) return false;
    post(v, c, { from: 'system', text: CLOSED_TEXT, at: now() });
    store.closeConversation(c.id, now());
    v.conversation = null;
    changed(v);
    emit(v);
    return true;
  }

  /** Blocks or unblocks; the visitor's widgets hear it at once. */
  function setBlocked(v: LiveVisitor, blocked: boolean) {
    if ((v.blockedAt != null) == blocked) return;
    const t = now();
    v.blockedAt = blocked ? t : null;
    if (blocked) store.block(v.id, t);
    else store.unblock(v.id, t);
    if (blocked) setTyping(v, false);
    changed(v);
    save(v);
    deliver(v, { t: blocked ? 'blocked' : 'unblocked' });
    emit(v);
  }

  /** `GET /api/visitors/:id`: the visitor, its open (else last) conversation's messages, its pages. */
  function detail(v: LiveVisitor): string {
    refresh(v, now(), o);
    const c = v.conversation ?? store.lastConversation(v.id);
    const messages: Message[] = c ? store.messages(c.id) : [];
    const pages: PageView[] = store.pages(v.id);
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
  function list(filter: Filter, q: string, page: ListPage): string {
    const extra = { plan: o.plan, lastEventId: events.lastId() };
    return listJson(visitors.values(), filter, q, now(), o, extra, page, emit);
  }

  /** Tells every online visitor whether agents are online. */
  function broadcastStatus(online: boolean) {
    if (online == agentsOnline) return;
    agentsOnline = online;
    for (const v of visitors.values()) if (v.online) deliver(v, { t: 'status', online });
  }

  /** The agent feed count changed. */
  function agentsChanged(n: number) {
    clearTimeout(offlineTimer);
    if (n > 0) broadcastStatus(true);
    else offlineTimer = setTimeout(() => broadcastStatus(false), OFFLINE_GRACE_MS);
  }

  /** Writes batched activity to the database. */
  function flushDirty() {
    const dirty: LiveVisitor[] = [];
    for (const v of visitors.values()) if (v.dirty) dirty.push(v);
    try {
      store.saveVisitors(dirty);
      for (const v of dirty) v.dirty = false;
    } catch (e) {
      log.error('writing activity failed: ' + String(e));
    }
  }

  /** Re-derives presence (online → offline, active → idle), writes activity, forgets old visitors. */
  function sweep() {
    const t = now();
    for (const v of visitors.values()) {
      if (refresh(v, t, o)) emit(v);
      else if (!v.online && !v.dirty && !pending.has(v) && t - v.lastSeenAt > EVICT_MS) {
        visitors.delete(v.id);
        shown.delete(v);
      }
    }
    flushDirty();
  }
  const sweeper = setInterval(sweep, o.sweepMs ?? 5000);
  sweeper.unref();

  return {
    visitors,
    get,
    hello,
    frame,
    attach,
    detach,
    touchHttp,
    agentMessage,
    closeConversation,
    setBlocked,
    /** The agent is typing (or stopped): the visitor's widgets show it. */
    agentTyping(v: LiveVisitor, on: boolean) {
      deliver(v, { t: 'typing', on });
    },
    detail,
    list,
    agentsChanged,
    sweep,
    /** Whether agents are online, as told to visitors. */
    agentsOnline: () => agentsOnline,
    close() {
      clearInterval(sweeper);
      clearTimeout(offlineTimer);
      clearTimeout(flushTimer);
      for (const t of timers) clearTimeout(t);
      timers.clear();
      flushDirty();
    },
  };
}
