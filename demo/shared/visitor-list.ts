/**
 * What the Visitors list means, written once for both sides of the wire: the row type, the
 * filters and their counts, search matching and rank order. The reference server answers
 * `GET /api/visitors` and the `/api/events` deltas with it; the agent page applies the deltas
 * with it, so a row the server would list is the row the page keeps, in the same place.
 */
import type { Device, Message, VariableValue } from '../../src/protocol';

/** The list filters, as sent in `?filter=`, in tab order. */
export const FILTERS = [
  'all',
  'active',
  'chatting',
  'customers',
  'auto-message',
  'blocked',
] as const;
export type Filter = (typeof FILTERS)[number];

/** The state an icon shows (docs/AGENT-API.md). */
export type Status = 'served' | 'unserved' | 'triggered' | 'active' | 'idle';

/** A custom variable as stored: a plain value, or a labelled one (`{k: {label, value}}`). */
export type Variable = VariableValue | { label?: string; value: VariableValue };

/** The visitor's rating of its last rated conversation (DESIGN.md §9). */
export interface Rating {
  value: 'good' | 'bad';
  comment?: string;
  /** When it was given, ms epoch. */
  at: number;
}

/** A page, as the list shows it. */
export interface PageRef {
  url: string;
  title: string;
}

/**
 * One row of the list: a visitor as `GET /api/visitors` and the feed's `visitor` event carry it
 * (docs/AGENT-API.md). Optional fields are the ones a server may leave out; every visitor-supplied
 * value is untrusted text.
 */
export interface ListRow {
  id: string;
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  variables?: Record<string, Variable> | null;
  /** Labels of some variables, by key ("Spending" for `spending`). */
  variableLabels?: Record<string, string> | null;
  group?: string | null;
  online: boolean;
  active: boolean;
  chatting: boolean;
  customer: boolean;
  verified: boolean;
  autoMessageReceived: boolean;
  blocked: boolean;
  status: Status;
  returning?: boolean;
  visits: number;
  pageViews: number;
  currentPage?: PageRef | null;
  referrer?: string | null;
  device?: Device | null;
  browser?: string | null;
  os?: string | null;
  language?: string | null;
  /** Where the connection's address is (ISO code, English name); null when unknown. */
  country?: { code: string; name: string } | null;
  /** The browser's IANA time zone (`Europe/Paris`), from the widget. */
  timeZone?: string | null;
  firstSeenAt: number;
  /** When this visit started (time on site is counted from it). */
  visitStartedAt?: number;
  connectedAt?: number | null;
  lastSeenAt?: number;
  lastActivityAt: number;
  blockedAt?: number | null;
  /** The visitor is typing right now (the feed's `typing` events keep it current). */
  typing?: boolean;
  lastMessage?: Message | null;
  /** The rating of the visitor's last rated conversation; null when none. */
  rating?: Rating | null;
}

/** Count per filter over online visitors, as `GET /api/visitors` and the `counts` event carry it. */
export interface Counts {
  all: number;
  active: number;
  chatting: number;
  customers: number;
  autoMessage: number;
  blocked: number;
}

/** The `counts` field each filter's tab shows. */
export const COUNT_OF: Record<Filter, keyof Counts> = {
  all: 'all',
  active: 'active',
  chatting: 'chatting',
  customers: 'customers',
  'auto-message': 'autoMessage',
  blocked: 'blocked',
};

/** Whether an (online) row belongs under a filter. */
export const MATCH: Record<Filter, (r: ListRow) => boolean> = {
  all: () => true,
  active: (r) => r.active,
  chatting: (r) => r.chatting,
  customers: (r) => r.customer,
  'auto-message': (r) => r.autoMessageReceived,
  blocked: (r) => r.blocked,
};

/** All counts at zero. */
export const noCounts = (): Counts => ({
  all: 0,
  active: 0,
  chatting: 0,
  customers: 0,
  autoMessage: 0,
  blocked: 0,
});

/** Adds (`sign` 1) or removes (-1) a row's share of the counts; an offline row has none. */
export function countRow(c: Counts, r: ListRow, sign: 1 | -1): void {
  if (!r.online) return;
  for (const f of FILTERS) if (MATCH[f](r)) c[COUNT_OF[f]] += sign;
}

/** A row's share of the counts as bits (online, then one per filter): equal masks, equal shares. */
export function countMask(r: ListRow): number {
  if (!r.online) return 0;
  let m = 1;
  FILTERS.forEach((f, i) => {
    if (MATCH[f](r)) m |= 2 << i;
  });
  return m;
}

/** Whether two counts are the same. */
export const sameCounts = (a: Counts, b: Counts) =>
  FILTERS.every((f) => a[COUNT_OF[f]] == b[COUNT_OF[f]]);

/** Whether a row is listed under `filter`: online and matching it. */
export const listed = (r: ListRow, filter: Filter) => r.online && MATCH[filter](r);

/**
 * A short, stable label for an anonymous visitor: "Visitor #3F2A1B" (24 bits of the id's FNV-1a:
 * among 10,000 visitors about three pairs share one; 16 bits gave hundreds).
 */
export function anonymousLabel(id: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
  return 'Visitor #' + ((h >>> 0) & 0xffffff).toString(16).toUpperCase().padStart(6, '0');
}

/** The name the page shows: the visitor's name, else email or phone, else the anonymous label. */
export const displayName = (v: Pick<ListRow, 'id' | 'name' | 'email' | 'phone'>): string =>
  (v.name || '').trim() || v.email || v.phone || anonymousLabel(v.id);

/**
 * The lowercase text `q` searches (docs/AGENT-API.md): name, email, phone, id, current page URL and
 * title, country code and name, variable values (the value of a labelled one), and the anonymous
 * label the page shows for a visitor without name, email or phone.
 */
export function searchText(r: ListRow): string {
  const parts: unknown[] = [
    !((r.name || '').trim() || r.email || r.phone) && anonymousLabel(r.id),
    r.name,
    r.email,
    r.phone,
    r.id,
    r.currentPage?.url,
    r.currentPage?.title,
    r.country?.code,
    r.country?.name,
  ];
  const vars = r.variables;
  if (vars && typeof vars == 'object')
    for (const k of Object.keys(vars)) {
      const x = vars[k];
      parts.push(x !== null && typeof x == 'object' ? x.value : x);
    }
  return parts
    .filter((p) => p != null && p !== '' && p !== false)
    .map(String)
    .join('\n')
    .toLowerCase();
}

/** The normalized search of `?q=`: trimmed, lowercase; '' matches everything. */
export const needleOf = (q: string) => q.trim().toLowerCase();

/** Whether a row matches a normalized search (see {@link needleOf}). */
export const matchesNeedle = (r: ListRow, needle: string) =>
  !needle || searchText(r).includes(needle);

/** List order: new chats first, then chatting, triggered, active, idle (as Smartsupp's list). */
export const RANK: Record<Status, number> = {
  unserved: 0,
  served: 1,
  triggered: 2,
  active: 3,
  idle: 4,
};

/**
 * When a row sorts within its rank, newest first: its last message, else the start of the
 * visit. Not the last activity: that moves with every heartbeat, and an order that moves with
 * heartbeats would need an event per heartbeat to stay the same on both sides.
 */
export const sortTime = (r: ListRow) =>
  Math.max(r.lastMessage?.at || 0, r.visitStartedAt || r.firstSeenAt || 0);

/** The list order: rank, then {@link sortTime} (newest first), then id (a total order, for paging). */
export function compareRows(a: ListRow, b: ListRow): number {
  return (
    (RANK[a.status] ?? 5) - (RANK[b.status] ?? 5) ||
    sortTime(b) - sortTime(a) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/** Most rows one `GET /api/visitors` answer holds unless `limit` says otherwise (a 10,000-row answer is 6 MB). */
export const LIST_LIMIT = 500;

/** Largest `limit` (and `offset`) a list request may ask for. */
export const MAX_PAGE = 100_000;
