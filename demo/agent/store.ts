/**
 * The Visitors page state (signals) and what changes it: API answers, live feed events and the
 * agent's actions. No rendering here; components read the signals and call the actions.
 */
import { batch, computed, signal } from '@preact/signals';
import { ApiError, type Api, type WriteAnswer } from './api';
import type { FeedState } from './feed';
import { displayName, variableEntries } from './format';
import type {
  Counts,
  FeedEvent,
  Filter,
  Message,
  Plan,
  Status,
  Visitor,
  VisitorDetail,
} from './types';

/** Wait after a keystroke in the search box before asking the server. */
/**
 * Whether the live feed says this visitor is typing (undefined when it has said nothing): own
 * keys only, so a visitor whose id is `constructor` or `toString` is not "typing".
 */
export function typingOf(typing: Record<string, boolean>, id: string): boolean | undefined {
  return Object.prototype.hasOwnProperty.call(typing, id) ? typing[id] : undefined;
}

export const SEARCH_DEBOUNCE_MS = 300;
/** Wait after a tab change (arrow keys go through tabs quickly). */
export const FILTER_DEBOUNCE_MS = 120;
/** At most one list + counts refresh per this interval because of feed events. */
export const REFRESH_INTERVAL_MS = 1000;

const MATCHES: Record<Filter, (v: Visitor) => boolean> = {
  all: () => true,
  active: (v) => v.active,
  chatting: (v) => v.chatting,
  customers: (v) => v.customer,
  'auto-message': (v) => v.autoMessageReceived,
  blocked: (v) => v.blocked,
};

/** Most urgent first, as Smartsupp sorts: new chat, chatting, auto message, active, idle. */
const RANK: Record<Status, number> = { unserved: 0, served: 1, triggered: 2, active: 3, idle: 4 };

/** The server's `q` match, repeated here only to keep a live-updated list close to it. */
function matchesQuery(v: Visitor, q: string): boolean {
  if (!q) return true;
  const needle = q.toLowerCase();
  const hay = [v.name, v.email, v.phone, v.id, v.currentPage?.url, v.currentPage?.title];
  for (const [, value] of variableEntries(v.variables)) hay.push(value);
  return hay.some((s) => typeof s == 'string' && s.toLowerCase().includes(needle));
}

function isMessage(x: unknown): x is Message {
  const m = x as Message;
  return !!m && typeof m.id == 'string' && typeof m.text == 'string' && typeof m.from == 'string';
}

function isVisitor(x: unknown): x is Visitor {
  const v = x as Visitor;
  return !!v && typeof v.id == 'string' && typeof v.online == 'boolean';
}

/** Why "Open a conversation" is not available on the free plan (README, agent page). */
export const PLAN_EXPLANATION =
  'Opening a conversation is a STANDARD and PRO plan feature; this server runs the Free plan ' +
  '(start it with PLAN=standard or PLAN=pro). You can still answer visitors who write first.';

/** Creates the page state around an API client. */
export function createStore(api: Api, clock: () => number = Date.now) {
  const visitors = signal<Visitor[]>([]);
  const counts = signal<Counts | null>(null);
  const filter = signal<Filter>('all');
  const query = signal('');
  const plan = signal<Plan | null>(null);
  const planRequired = signal(false);
  const loaded = signal(false);
  const listError = signal('');
  const unauthorized = signal(false);
  const selectedId = signal<string | null>(null);
  const detail = signal<VisitorDetail | null>(null);
  const detailError = signal('');
  const actionError = signal('');
  const busy = signal(false);
  const typing = signal<Record<string, boolean>>({});
  const feedState = signal<FeedState>('connecting');
  const retryIn = signal(0);
  const announcement = signal('');
  const compactChoice = signal<boolean | null>(null);
  const narrow = signal(false);
  const now = signal(clock());

  const compact = computed(() => compactChoice.value ?? narrow.value);
  const canOpen = computed(() => !planRequired.value && plan.value != 'free');
  /** The rows to show: sorted, and only active visitors in the compact view. */
  const rows = computed(() => {
    const list = compact.value ? visitors.value.filter((v) => v.active) : visitors.value.slice();
    return list.sort(
      (a, b) =>
        (RANK[a.status] ?? 5) - (RANK[b.status] ?? 5) || b.lastActivityAt - a.lastActivityAt,
    );
  });

  let listSeq = 0;
  let wasLive = false;
  let loadTimer: ReturnType<typeof setTimeout> | undefined;
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  let detailTimer: ReturnType<typeof setTimeout> | undefined;

  function fail(e: unknown, target: typeof listError) {
    if (e instanceof ApiError && e.status == 401) unauthorized.value = true;
    target.value = e instanceof Error ? e.message : String(e);
  }

  /** Fetches the list and counts for the current filter and search now. */
  async function load() {
    clearTimeout(loadTimer);
    clearTimeout(refreshTimer);
    loadTimer = refreshTimer = undefined;
    const seq = ++listSeq;
    try {
      const res = await api.list(filter.value, query.value.trim());
      if (seq != listSeq) return;
      batch(() => {
        visitors.value = Array.isArray(res.visitors) ? res.visitors.filter(isVisitor) : [];
        if (res.counts) counts.value = res.counts;
        if (res.plan) plan.value = res.plan;
        listError.value = '';
        loaded.value = true;
      });
    } catch (e) {
      if (seq == listSeq) fail(e, listError);
    }
  }

  function scheduleLoad(delay: number) {
    clearTimeout(loadTimer);
    loadTimer = setTimeout(load, delay);
  }

  /** Feed events refresh the counts (and the list) at most once per interval. */
  function scheduleRefresh() {
    if (!refreshTimer && !loadTimer) refreshTimer = setTimeout(load, REFRESH_INTERVAL_MS);
  }

  async function loadDetail(id: string) {
    clearTimeout(detailTimer);
    detailTimer = undefined;
    try {
      const d = await api.get(id);
      if (selectedId.value != id) return;
      batch(() => {
        detail.value = {
          ...d,
          messages: Array.isArray(d.messages) ? d.messages.filter(isMessage) : [],
          pages: Array.isArray(d.pages) ? d.pages : [],
        };
        detailError.value = '';
      });
    } catch (e) {
      if (selectedId.value == id) fail(e, detailError);
    }
  }

  function upsert(full: Visitor) {
    // A detail (with messages and pages) may come in: the list keeps only the visitor fields.
    const { messages: _m, pages: _p, ...v } = full as VisitorDetail;
    const keep = v.online && MATCHES[filter.value](v) && matchesQuery(v, query.value.trim());
    const list = visitors.value;
    const i = list.findIndex((x) => x.id == v.id);
    if (keep) visitors.value = i < 0 ? [...list, v] : list.map((x, j) => (j == i ? v : x));
    else if (i >= 0) visitors.value = list.filter((_, j) => j != i);
    const d = detail.value;
    if (d && d.id == v.id) detail.value = { ...d, ...v, messages: d.messages, pages: d.pages };
  }

  function addMessage(visitorId: string, m: Message) {
    visitors.value = visitors.value.map((v) => (v.id == visitorId ? { ...v, lastMessage: m } : v));
    const d = detail.value;
    if (d && d.id == visitorId && !d.messages.some((x) => x.id == m.id))
      detail.value = { ...d, lastMessage: m, messages: [...d.messages, m] };
  }

  function applyAnswer(id: string, a: WriteAnswer) {
    if (isVisitor(a.visitor)) upsert(a.visitor);
    else if (isVisitor(a)) upsert(a);
    if (isMessage(a.message)) addMessage(id, a.message);
    else if (isMessage(a)) addMessage(id, a);
  }

  function say(text: string) {
    // A different string each time, so the same words are announced twice.
    announcement.value = announcement.value.endsWith('\u200b') ? text : text + '\u200b';
  }

  function nameOf(id: string) {
    const v = detail.value?.id == id ? detail.value : visitors.value.find((x) => x.id == id);
    return v ? displayName(v) : 'a visitor';
  }

  return {
    visitors,
    counts,
    filter,
    query,
    plan,
    planRequired,
    canOpen,
    loaded,
    listError,
    unauthorized,
    selectedId,
    detail,
    detailError,
    actionError,
    busy,
    typing,
    feedState,
    retryIn,
    announcement,
    compactChoice,
    narrow,
    compact,
    now,
    rows,
    load,

    setFilter(f: Filter) {
      if (f == filter.value) return;
      filter.value = f;
      scheduleLoad(FILTER_DEBOUNCE_MS);
    },

    setQuery(q: string) {
      if (q == query.value) return;
      query.value = q;
      scheduleLoad(SEARCH_DEBOUNCE_MS);
    },

    /** Opens the detail panel of a visitor (with what the list knows until the API answers). */
    select(id: string | null) {
      batch(() => {
        selectedId.value = id;
        actionError.value = detailError.value = '';
        const known = id && visitors.value.find((v) => v.id == id);
        detail.value = known ? { ...known, messages: [], pages: [] } : null;
      });
      if (id) void loadDetail(id);
    },

    /** Feed state, from the feed. A reconnection means events may have been missed: reload. */
    setFeedState(state: FeedState, delay = 0) {
      batch(() => {
        feedState.value = state;
        retryIn.value = delay;
        if (state == 'unauthorized') unauthorized.value = true;
      });
      if (state == 'live' && wasLive) {
        void load();
        if (selectedId.value) void loadDetail(selectedId.value);
      }
      if (state == 'live') wasLive = true;
    },

    onFeedEvent(e: FeedEvent) {
      batch(() => {
        if (e.type == 'visitor' && isVisitor(e.data)) {
          upsert(e.data);
          if (e.data.id == selectedId.value && !detailTimer)
            detailTimer = setTimeout(() => loadDetail(e.data.id), REFRESH_INTERVAL_MS);
        } else if (e.type == 'message' && e.data && isMessage(e.data.message)) {
          const { visitorId, message } = e.data;
          addMessage(visitorId, message);
          if (message.from == 'visitor') {
            typing.value = { ...typing.value, [visitorId]: false };
            say('New message from ' + nameOf(visitorId) + ': ' + message.text);
          }
        } else if (e.type == 'typing' && e.data && typeof e.data.visitorId == 'string') {
          typing.value = { ...typing.value, [e.data.visitorId]: !!e.data.on };
        } else return;
        scheduleRefresh();
      });
    },

    /** Sends an agent message; opens a conversation first when none is open. True when sent. */
    async send(text: string): Promise<boolean> {
      const d = detail.value;
      if (!d || busy.value) return false;
      const opening = !d.chatting;
      busy.value = true;
      actionError.value = '';
      try {
        const a = opening ? await api.openConversation(d.id, text) : await api.send(d.id, text);
        if (opening) upsert({ ...(detail.value || d), chatting: true });
        applyAnswer(d.id, a);
        say(opening ? 'Conversation opened' : 'Message sent');
        void loadDetail(d.id);
        scheduleRefresh();
        return true;
      } catch (e) {
        if (e instanceof ApiError && e.code == 'plan_required') {
          // The composer shows PLAN_EXPLANATION from now on.
          planRequired.value = true;
        } else fail(e, actionError);
        return false;
      } finally {
        busy.value = false;
      }
    },

    /** Blocks or unblocks the visitor in the detail panel; the list shows the result at once. */
    async toggleBlock() {
      const d = detail.value;
      if (!d || busy.value) return;
      const blocking = !d.blocked;
      busy.value = true;
      actionError.value = '';
      try {
        const a = blocking ? await api.block(d.id) : await api.unblock(d.id);
        upsert({ ...(detail.value || d), blocked: blocking });
        applyAnswer(d.id, a);
        say(displayName(d) + (blocking ? ' is blocked' : ' is unblocked'));
        scheduleRefresh();
      } catch (e) {
        fail(e, actionError);
      } finally {
        busy.value = false;
      }
    },

    /** Stops the timers (tests, unmount). */
    dispose() {
      clearTimeout(loadTimer);
      clearTimeout(refreshTimer);
      clearTimeout(detailTimer);
    },
  };
}

/** The page state. */
export type Store = ReturnType<typeof createStore>;
