/**
 * The live presence index: every visitor this process has seen, in a Map, with what DESIGN.md §5
 * derives from it (online, active, status, filters, search). The agent list is computed here,
 * from memory, without touching the database.
 */
import type { Message, ServerFrame, Variable, VariableValue } from '../../src/protocol';
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
  /** Cached JSON and lowercase search text; null when something changed. */
  json: string | null;
  haystack: string | null;
  /** Activity not yet written to the database (written in batches). */
  dirty: boolean;
}

/** What presence depends on (DESIGN.md §6 settings). */
export interface PresenceOptions {
  activeWindowMs: number;
  heartbeatMs: number;
}

/** The list filters of `GET /api/visitors`. */
export const FILTERS = [
  'all',
  'active',
  'chatting',
  'customers',
  'auto-message',
  'blocked',
] as const;
export type Filter = (typeof FILTERS)[number];

/** Icon status (DESIGN.md §5). */
export type Status = 'served' | 'unserved' | 'triggered' | 'active' | 'idle';

/** List order: new chats first, then chatting, triggered, active, idle (as Smartsupp's list). */
const RANK: Record<Status, number> = { unserved: 0, served: 1, triggered: 2, active: 3, idle: 4 };

/** Online: a live WebSocket, an open event stream or poll, or an HTTP request within HEARTBEAT_MS + 60 s. */
export const isOnline = (v: LiveVisitor, now: number, o: PresenceOptions) =>
  v.sockets.size > 0 ||
  v.streams > 0 ||
  (v.httpSeenAt > 0 && now - v.httpSeenAt < o.heartbeatMs + 60_000);

/** Recomputes `online` and `active`; true when either changed (the cached JSON is then dropped). */
export function refresh(v: LiveVisitor, now: number, o: PresenceOptions): boolean {
  const online = isOnline(v, now, o);
  const active = online && now - v.lastActivityAt < o.activeWindowMs;
  if (online == v.online && active == v.active) return false;
  if (online && !v.online) v.connectedAt = now;
  v.online = online;
  v.active = active;
  v.json = null;
  return true;
}

/** Drops the cached JSON and search text after a change. */
export function changed(v: LiveVisitor): void {
  v.json = v.haystack = null;
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

/** The visitor as the agent API answers it (DESIGN.md §6), as a cached JSON string. */
export function visitorJson(v: LiveVisitor): string {
  if (v.json) return v.json;
  return (v.json = JSON.stringify({
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
    firstSeenAt: v.firstSeenAt,
    visitStartedAt: v.visitStartedAt,
    connectedAt: v.connectedAt || null,
    lastSeenAt: v.lastSeenAt,
    lastActivityAt: v.lastActivityAt,
    blockedAt: v.blockedAt,
    typing: v.typing,
    lastMessage: v.lastMessage,
  }));
}

const MATCH: Record<Filter, (v: LiveVisitor) => boolean> = {
  all: () => true,
  active: (v) => v.active,
  chatting: (v) => !!v.conversation,
  customers: (v) => v.customer,
  'auto-message': autoMessageReceived,
  blocked: (v) => v.blockedAt != null,
};

/** Lowercase text `q` searches: name, email, phone, id, current page URL and title, variable values. */
function haystack(v: LiveVisitor): string {
  if (v.haystack != null) return v.haystack;
  const parts = [v.name, v.email, v.phone, v.id, v.pageUrl, v.pageTitle];
  const { variables } = variablesJson(v.variables);
  for (const k in variables) parts.push(String(variables[k]));
  return (v.haystack = parts
    .filter((p) => p != null)
    .join('\n')
    .toLowerCase());
}

/** Visitor counts per filter, over online visitors. */
export interface Counts {
  all: number;
  active: number;
  chatting: number;
  customers: number;
  autoMessage: number;
  blocked: number;
}

/** Most visitors one list answer holds by default (`limit`, ours): a 10,000-row answer is 6 MB. */
export const LIST_LIMIT = 500;

/**
 * `GET /api/visitors`: the online visitors matching `filter` and `q`, sorted by status then most
 * recent activity, at most `limit` of them, with `total` (how many matched) and the counts per
 * filter (over online visitors, before `q`), as a JSON body built from the cached visitor strings.
 */
export function listJson(
  visitors: Iterable<LiveVisitor>,
  filter: Filter,
  q: string,
  now: number,
  o: PresenceOptions,
  extra: Record<string, unknown>,
  limit = LIST_LIMIT,
): string {
  const counts: Counts = {
    all: 0,
    active: 0,
    chatting: 0,
    customers: 0,
    autoMessage: 0,
    blocked: 0,
  };
  const found: { rank: number; at: number; v: LiveVisitor }[] = [];
  const needle = q.trim().toLowerCase();
  const keep = MATCH[filter];
  for (const v of visitors) {
    refresh(v, now, o);
    if (!v.online) continue;
    counts.all++;
    if (v.active) counts.active++;
    if (v.conversation) counts.chatting++;
    if (v.customer) counts.customers++;
    if (autoMessageReceived(v)) counts.autoMessage++;
    if (v.blockedAt != null) counts.blocked++;
    if (keep(v) && (!needle || haystack(v).includes(needle)))
      found.push({ rank: RANK[status(v)], at: v.lastActivityAt, v });
  }
  found.sort((a, b) => a.rank - b.rank || b.at - a.at);
  const n = Math.min(found.length, limit);
  let body = '{"visitors":[';
  for (let i = 0; i < n; i++) body += (i ? ',' : '') + visitorJson(found[i]!.v);
  const tail = JSON.stringify({ total: found.length, ...extra });
  return body + '],"counts":' + JSON.stringify(counts) + ',' + tail.slice(1);
}
