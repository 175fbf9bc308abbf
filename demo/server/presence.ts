/**
 * The live presence index: every visitor this process has seen, in a Map, with what docs/AGENT-API.md
 * derives from it (online, active, status, its list row). The agent list is kept from these rows
 * by list-index.ts, from memory, without touching the database.
 */
import type { Message, ServerFrame, Variable, VariableValue } from '../../src/protocol';
import type { ListRow, Status } from '../shared/visitor-list';
import { countryRef } from './country';
import { rowKey } from './list-index';
import type { StoredConversation, StoredVisitor } from './store';

/** Where frames for one visitor go: a WebSocket, or the visitor's HTTP downlink. */
export interface Conn {
  send(frame: ServerFrame): void;
  /** Bytes sent but not yet written to the network (WebSockets), to watch slow consumers. */
  buffered?(): number;
}

/** A visitor in memory: what is stored plus what only lives while the process runs. */
export interface LiveVisitor extends StoredVisitor {
  conversation: StoredConversation | null;
  lastMessage: Message | null;
  /** Open WebSockets (one per tab). */
  sockets: Set<Conn>;
  /** HTTP downlink (event stream / long-poll), once the visitor used the HTTP transport. */
  http: Conn | null;
  /** Last HTTP request, ms epoch (0: none). */
  httpSeenAt: number;
  /** Open HTTP event streams and waiting polls: online while any is open. */
  streams: number;
  /** When the visitor last came online. */
  connectedAt: number;
  typing: boolean;
  /** online / active as last computed by `refresh`. */
  online: boolean;
  active: boolean;
  /** Cached row and its JSON; null when something changed. */
  row: ListRow | null;
  json: string | null;
  /** Activity not yet written to the database (written in batches). */
  dirty: boolean;
  /** In a cluster: this node told the connection registry it holds the visitor. */
  here: boolean;
  /**
   * Message ids up to this one the visitor's connections have (a `welcome`'s newest, or older
   * than every id in `sent`): after Redis was unreachable, what the visitor missed is what the
   * store holds after it and not in `sent`.
   */
  sentId: number;
  /**
   * The ids above `sentId` this node sent the visitor's connections (at most SENT_KEPT). Not
   * only the newest: a message stored on another node while Redis was down has a lower id than
   * the visitor's own, or an agent's written here, that reached the widget meanwhile.
   */
  sent: Set<number>;
}

/** What presence depends on (the settings in demo/server/README.md). */
export interface PresenceOptions {
  activeWindowMs: number;
  heartbeatMs: number;
  /** In a cluster: whether the visitor is online on another node (its row is listed). */
  remote?: (v: LiveVisitor) => boolean;
}

export type { Counts, Filter, ListRow, Status } from '../shared/visitor-list';
export { FILTERS, LIST_LIMIT } from '../shared/visitor-list';

/**
 * Online on this node: a live WebSocket, an open event stream or poll, or an HTTP request within
 * HEARTBEAT_MS + 60 s.
 */
export const isHere = (v: LiveVisitor, now: number, o: PresenceOptions) =>
  v.sockets.size > 0 ||
  v.streams > 0 ||
  (v.httpSeenAt > 0 && now - v.httpSeenAt < o.heartbeatMs + 60_000);

/** Online: here, or (in a cluster) on another node. */
export const isOnline = (v: LiveVisitor, now: number, o: PresenceOptions) =>
  isHere(v, now, o) || !!o.remote?.(v);

/** Recomputes `online` and `active`; true when either changed (the cached JSON is then dropped). */
export function refresh(v: LiveVisitor, now: number, o: PresenceOptions): boolean {
  const online = isOnline(v, now, o);
  const active = online && now - v.lastActivityAt < o.activeWindowMs;
  if (online == v.online && active == v.active) return false;
  if (online && !v.online) v.connectedAt = now;
  v.online = online;
  v.active = active;
  v.row = v.json = null;
  return true;
}

/** Drops the cached row and JSON after a change. */
export function changed(v: LiveVisitor): void {
  v.row = v.json = null;
}

/**
 * When `refresh` would next find a change with nothing else happening (the visitor going idle,
 * or an HTTP visitor going offline); Infinity when only an event can change it.
 */
export function nextChange(v: LiveVisitor, o: PresenceOptions): number {
  if (!v.online) return Infinity;
  let at = v.active ? v.lastActivityAt + o.activeWindowMs : Infinity;
  if (!v.sockets.size && !v.streams && v.httpSeenAt > 0 && !o.remote?.(v))
    at = Math.min(at, v.httpSeenAt + o.heartbeatMs + 60_000);
  return at;
}

export const autoMessageReceived = (v: LiveVisitor) => v.amVisit > 0 && v.amVisit == v.visits;

/** served: an agent replied and the visitor has not written since; unserved: the visitor waits. */
export function status(v: LiveVisitor): Status {
  const c = v.conversation;
  if (c) return c.lastVisitorAt > c.lastAgentAt ? 'unserved' : 'served';
  if (autoMessageReceived(v)) return 'triggered';
  return v.active ? 'active' : 'idle';
}

/**
 * Variables as the agent API answers them: `variables` keeps plain values (as before labels
 * existed) and `variableLabels` adds the labels of those that have one.
 */
export function variablesJson(stored: Record<string, Variable>): {
  variables: Record<string, VariableValue>;
  variableLabels: Record<string, string>;
} {
  const variables: Record<string, VariableValue> = {};
  const variableLabels: Record<string, string> = {};
  for (const k of Object.keys(stored)) {
    const x = stored[k];
    if (typeof x == 'object') {
      variables[k] = x.value;
      variableLabels[k] = x.label;
    } else variables[k] = x;
  }
  return { variables, variableLabels };
}

/** The visitor as a list row (docs/AGENT-API.md), cached until something changes. */
export function rowOf(v: LiveVisitor): ListRow {
  if (v.row) return v.row;
  return (v.row = {
    id: v.id,
    name: v.name,
    email: v.email,
    phone: v.phone,
    ...variablesJson(v.variables),
    group: v.group,
    online: v.online,
    active: v.active,
    chatting: !!v.conversation,
    customer: v.customer,
    verified: v.verified,
    autoMessageReceived: autoMessageReceived(v),
    blocked: v.blockedAt != null,
    status: status(v),
    returning: v.visits > 1,
    visits: v.visits,
    pageViews: v.pageViews,
    currentPage: { url: v.pageUrl, title: v.pageTitle },
    referrer: v.referrer,
    device: v.device,
    browser: v.browser,
    os: v.os,
    language: v.language,
    country: countryRef(v.country),
    timeZone: v.timeZone,
    firstSeenAt: v.firstSeenAt,
    visitStartedAt: v.visitStartedAt,
    connectedAt: v.connectedAt || null,
    lastSeenAt: v.lastSeenAt,
    lastActivityAt: v.lastActivityAt,
    blockedAt: v.blockedAt,
    typing: v.typing,
    lastMessage: v.lastMessage,
    rating: v.rating,
  });
}

/** The visitor as the agent API answers it, as a cached JSON string. */
export function visitorJson(v: LiveVisitor): string {
  return (v.json ??= JSON.stringify(rowOf(v)));
}

/**
 * What the list shows of a row, as a string to compare: the row without the fields that move
 * on their own (last activity and last seen: heartbeats) or have their own event (typing).
 * Equal keys mean a change the list does not show, which sends no `visitor` event.
 */
export const shownKey = (v: LiveVisitor): string => rowKey(rowOf(v));
