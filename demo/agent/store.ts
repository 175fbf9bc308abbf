/**
 * The Visitors page state (signals) and what changes it: API answers, live feed events and the
 * agent's actions. No rendering here; components read the signals and call the actions.
 */
import { batch, computed, signal } from '@preact/signals';
import {
  COUNT_OF,
  LIST_LIMIT,
  compareRows,
  countRow,
  listed,
  matchesNeedle,
  needleOf,
  type ListRow,
} from '../shared/visitor-list';
import { ApiError, type Api, type WriteAnswer } from './api';
import type { FeedState } from './feed';
import { displayName } from './format';
import type { Counts, FeedEvent, Filter, Message, Plan, Visitor, VisitorDetail } from './types';

/**
 * Whether the live feed says this visitor is typing (undefined when it has said nothing): own
 * keys only, so a visitor whose id is `constructor` or `toString` is not "typing".
 */
export function typingOf(typing: Record<string, boolean>, id: string): boolean | undefined {
  return Object.prototype.hasOwnProperty.call(typing, id) ? typing[id] : undefined;
}

/** Wait after a keystroke in the search box before asking the server. */
export const SEARCH_DEBOUNCE_MS = 300;
/** Wait after a tab change (arrow keys go through tabs quickly). */
export const FILTER_DEBOUNCE_MS = 120;
/** The selected visitor's detail (pages, messages) is refreshed at most this often on feed events. */
export const DETAIL_REFRESH_MS = 1000;

/**
 * Feed events are applied at most this often: a quiet feed's first event at once, a busy feed's
 * in one batch per interval (one render instead of one per network chunk), but a message of
 * the open conversation or of a new chat at once, with what waited before it. Whole server
 * batches only, so rows and counts still change together.
 */
export const APPLY_INTERVAL_MS = 500;

/** A batch waits at most this long for an animation frame (frames stop in a hidden tab). */
export const FRAME_FALLBACK_MS = 100;

/**
 * Rows asked for past where the end part should start (see loadAbove in createStore): more
 * than the list's total can lag the server's between two counts.
 */
export const OVERLAP = 10;

/** Rows asked for when scrolling reaches the end of the loaded ones. */
export const PAGE_SIZE = 100;

/**
 * Rows of the first answer (load, filter switch, search): a tall screen's view plus margin, so
 * the answer that a filter switch waits for is small; scrolling asks for PAGE_SIZE more.
 */
export const FIRST_PAGE = 50;

/** Where `row` goes in a list sorted by `compareRows` (after its equals). */
function insertionPoint(list: Visitor[], row: Visitor): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareRows(list[mid]!, row) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The visitor a `visitor` or `message` feed event is of. */
const visitorOf = (e: FeedEvent) =>
  e.type == 'visitor' ? e.data?.id : e.type == 'message' ? e.data?.visitorId : 0;

function isMessage(x: unknown): x is Message {
  const m = x as Message;
  return !!m && typeof m.id == 'string' && typeof m.text == 'string' && typeof m.from == 'string';
}

function isVisitor(x: unknown): x is Visitor {
  const v = x as Visitor;
  return !!v && typeof v.id == 'string' && typeof v.online == 'boolean';
}

function isCounts(x: unknown): x is Counts {
  const c = x as Counts;
  return !!c && Object.values(COUNT_OF).every((k) => typeof c[k] == 'number');
}

/** Why "Open a conversation" is not available on the free plan (README, agent page). */
export const PLAN_EXPLANATION =
  'Opening a conversation is a STANDARD and PRO plan feature; this server runs the Free plan ' +
  '(start it with PLAN=standard or PLAN=pro). You can still answer visitors who write first.';

/**
 * Creates the page state around an API client. `frame` (requestAnimationFrame in the page) is
 * where feed batches are applied: their DOM writes then happen once, right before the frame's
 * layout, instead of in the network task.
 */
export function createStore(
  api: Api,
  clock: () => number = Date.now,
  frame?: (run: () => void) => void,
) {
  /** The loaded rows of the list, in the shared list order: a prefix of what the server holds. */
  const visitors = signal<Visitor[]>([]);
  /**
   * The rows at the end of the list, after a gap of rows not loaded: a suffix of what the server
   * holds, loaded by End so that the last rows do not wait for every row before them. Empty
   * until then, and again once the two parts meet (they are joined into `visitors`).
   */
  const tail = signal<Visitor[]>([]);
  const counts = signal<Counts | null>(null);
  const filter = signal<Filter>('all');
  const query = signal('');
  const plan = signal<Plan | null>(null);
  const planRequired = signal(false);
  const loaded = signal(false);
  /** A list request is waiting (debounce) or out: the list shows the previous answer. */
  const listBusy = signal(false);
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
  /** The filter and search the loaded rows answer (the inputs may already say something else). */
  const shown = signal<{ filter: Filter; needle: string }>({ filter: 'all', needle: '' });
  /** How many rows match, with a search (without one, the counts say it). */
  const searchTotal = signal(0);
  /** Every matching row is loaded, so a row the feed adds belongs in the list wherever it sorts. */
  let complete = false;
  /**
   * The rows put into the list (arrived or moved) since the list last took them, each with its
   * row from before (none for an arrival): the list counts those that came in above its view.
   */
  let moved: [string, Visitor | undefined][] = [];

  const compact = computed(() => compactChoice.value ?? narrow.value);
  const canOpen = computed(() => !planRequired.value && plan.value != 'free');
  /** How many rows the list has on the server (the counts move with the rows, in one batch). */
  const total = computed(() => {
    const c = counts.value;
    const { filter: f, needle } = shown.value;
    return !needle && c ? c[COUNT_OF[f]] : searchTotal.value;
  });
  /** The loaded rows, the end part after the first: every row the page holds, in order. */
  const loadedRows = computed(() =>
    tail.value.length ? visitors.value.concat(tail.value) : visitors.value,
  );
  /**
   * The rows to show: only the first part's active visitors in the compact view (the end part
   * holds the list's last rows, idle ones, as the list sorts idle visitors last).
   */
  const rows = computed(() =>
    compact.value ? visitors.value.filter((v) => v.active) : loadedRows.value,
  );
  /** More rows are on the server than loaded (after the first part, or between the two). */
  const hasMore = computed(() => loadedRows.value.length < total.value);
  /**
   * More rows to show may come: in the compact view, only until the first idle visitor loaded
   * (every active one sorts before it).
   */
  const more = computed(
    () =>
      hasMore.value &&
      (!compact.value || visitors.value[visitors.value.length - 1]?.status != 'idle'),
  );
  /** A loaded row by id, in either part. */
  const findRow = (id: string) =>
    visitors.value.find((v) => v.id == id) || tail.value.find((v) => v.id == id);

  let listSeq = 0;
  /**
   * Bumped when a list answer replaces the rows: a view at the end of them asks for the next page
   * again (the one out, if any, was for the list before, and is dropped).
   */
  const version = signal(0);
  let loadTimer: ReturnType<typeof setTimeout> | undefined;
  let detailTimer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped when the open visitor's panel changes from an answer or the feed (see loadDetail). */
  let detailChanges = 0;
  /** The last feed event applied, and those that came while a list request was out. */
  let lastEventId = '';
  let sinceRequest: FeedEvent[] | null = null;
  /** The feed events applied while a page request is out (see fetchPage). */
  let sincePage: FeedEvent[] | null = null;
  /** Those of them newer than the page answer (see fetchPage). */
  let newer: FeedEvent[] = [];
  /** For each `visitor` event of them: whether its row was loaded just before it (see redo). */
  let hadRow = new Map<FeedEvent, boolean>();
  /** The rows of the page answer, and its total (null when it had none). */
  let answered = new Set<string>();
  let answerTotal: number | null = null;
  /** Feed events up to this id are counted in the search total of a page answer already. */
  let totalThrough = '';
  /** The feed events applied while the agent's write request is out (see watch). */
  let sinceWrite: FeedEvent[] | null = null;
  /** Feed events up to this id are already in the list answer just applied. */
  let skipThrough = '';
  /** Feed events waiting for the next apply, and when the last apply was. */
  let queued: FeedEvent[] = [];
  let applyTimer: ReturnType<typeof setTimeout> | undefined;
  /** Set while a batch waits out APPLY_INTERVAL_MS (before it waits for a frame). */
  let intervalTimer: ReturnType<typeof setTimeout> | undefined;
  let applyScheduled = false;
  let appliedAt = -Infinity;

  function fail(e: unknown, target: typeof listError) {
    if (e instanceof ApiError && e.status == 401) unauthorized.value = true;
    target.value = e instanceof Error ? e.message : String(e);
  }

  /**
   * Fetches the first page of the list for the current filter and search, then applies the
   * feed events that came after the answer's `lastEventId` (no gap, no event applied twice).
   */
  /** The next list answer comes for the agent's filter or search: it is announced. */
  let announceList = false;

  async function load() {
    clearTimeout(loadTimer);
    loadTimer = undefined;
    const seq = ++listSeq;
    const before = lastEventId;
    sinceRequest = [];
    const f = filter.value;
    const needle = needleOf(query.value);
    try {
      const res = await api.list(f, query.value.trim(), { limit: FIRST_PAGE, offset: 0 });
      if (seq != listSeq) return;
      listBusy.value = false;
      const list = Array.isArray(res.visitors) ? res.visitors.filter(isVisitor) : [];
      const came = sinceRequest || [];
      sinceRequest = null;
      batch(() => {
        visitors.value = list.sort(compareRows);
        tail.value = [];
        shown.value = { filter: f, needle };
        searchTotal.value = typeof res.total == 'number' ? res.total : list.length;
        totalThrough = '';
        complete = list.length >= searchTotal.value;
        if (isCounts(res.counts)) counts.value = res.counts;
        if (res.plan) plan.value = res.plan;
        listError.value = '';
        loaded.value = true;
        version.value++;
        // The answer to the agent's own filter or search is said, not only drawn.
        if (announceList) {
          announceList = false;
          const q = query.value.trim();
          const n = searchTotal.value;
          const what = n == 1 ? '1 visitor' : n.toLocaleString('en') + ' visitors';
          const verb = n == 1 ? 'matches' : 'match';
          say(q ? (n ? `${what} ${verb} “${q}”` : `No visitor matches “${q}”.`) : what);
        }
        const at = res.lastEventId || '';
        const newer = after(came, before, at);
        const live = feedState.value == 'live';
        if (newer) newer.forEach(apply);
        // Events up to `at` are still on their way: they are in this answer already.
        else if (live) skipThrough = at;
        // No feed yet (or it is down): it starts, or resumes, right after this answer.
        if (at && !live) lastEventId = at;
      });
    } catch (e) {
      if (seq == listSeq) {
        sinceRequest = null;
        listBusy.value = false;
        fail(e, listError);
      }
    }
  }

  /**
   * The events of `came` (applied since a list request went out, when `before` was the last
   * one) that are newer than its answer, which says it is current with `lastEventId`; null when
   * the answer is newer than them all (the events up to it are still on their way).
   */
  function after(came: FeedEvent[], before: string, at?: string) {
    const i = at ? came.findIndex((e) => e.id == at) : -1;
    return !at || at == before || i >= 0 ? came.slice(i + 1) : null;
  }

  /**
   * The page request out (which a second ask of the same kind for the same list joins), its
   * kind and list.
   */
  let pending: { kind: string; seq: number; p: Promise<boolean> } | undefined;

  /** Runs one page request of `kind` after the one out, if any; an ask of the kind already out joins it. */
  function page(kind: string, run: (seq: number) => Promise<boolean>): Promise<boolean> {
    const seq = listSeq;
    if (pending?.kind == kind && pending.seq == seq) return pending.p;
    const p = (pending?.p || Promise.resolve(false))
      .then(() => (seq == listSeq && loaded.value ? run(seq) : false))
      .catch((e) => {
        fail(e, listError);
        return false;
      })
      .finally(() => {
        if (pending?.p == p) pending = undefined;
      });
    pending = { kind, seq, p };
    return p;
  }

  /** The rows of a page answer that belong in the list and are not loaded yet. */
  function newRows(res: { visitors?: unknown }) {
    const { filter: f, needle } = shown.value;
    const known = new Set(loadedRows.value.map((v) => v.id));
    return (Array.isArray(res.visitors) ? res.visitors.filter(isVisitor) : []).filter(
      (v) => !known.has(v.id) && listed(v, f) && matchesNeedle(v, needle),
    );
  }

  /**
   * Asks for `limit` rows from `offset` of the list shown; null when the list changed meanwhile.
   * Keeps in `newer` the feed events the page applied after the server built the answer (its
   * `lastEventId`), for `redo`. The answer's `total` (a search's) counts the events up to that
   * id: those still on their way move it no more when they come (`totalThrough`).
   */
  async function fetchPage(seq: number, offset: number, limit: number) {
    const before = lastEventId;
    const came: FeedEvent[] = (sincePage = []);
    hadRow = new Map();
    const res = await api
      .list(shown.value.filter, query.value.trim(), { limit, offset })
      .finally(() => (sincePage = null));
    if (seq != listSeq) return null;
    const at = res.lastEventId || '';
    const later = after(came, before, at);
    newer = later || [];
    totalThrough = later ? '' : at;
    answerTotal = typeof res.total == 'number' ? res.total : null;
    if (answerTotal != null) searchTotal.value = answerTotal;
    answered = new Set(
      Array.isArray(res.visitors) ? res.visitors.filter(isVisitor).map((v) => v.id) : [],
    );
    return res;
  }

  /**
   * Applies again, once the rows of the page answer just taken in are in (in their batch), the
   * rows of the feed events newer than it: a row of the answer never overrides them (a visitor
   * who left is not put back, a row does not go back to an older state, a visitor who arrived
   * among its rows is not left out until its next change), and each moves where it now sorts.
   * A search's total is the answer's, plus or minus each of their visitors now in or out of the
   * rows (in before: loaded before its first event, or a row of the answer).
   */
  function redo() {
    const was = new Map<string, boolean>();
    for (const e of newer)
      if (e.type == 'visitor' && isVisitor(e.data)) {
        const id = e.data.id;
        if (!was.has(id)) was.set(id, !!hadRow.get(e) || answered.has(id));
        upsert(e.data);
      }
    if (answerTotal == null) return;
    let n = answerTotal;
    was.forEach((before, id) => (n += +!!findRow(id) - +before));
    searchTotal.value = Math.max(0, n);
  }

  /** Both parts and `rows` as one list again: the gap between them is loaded. */
  function join(rows: Visitor[]) {
    visitors.value = visitors.value.concat(rows, tail.value).sort(compareRows);
    tail.value = [];
  }

  /**
   * The rows of a page answer before the first one of the end part (all of them when it holds
   * none), and whether it reached the end part or the list's end (fewer rows than `asked`).
   */
  function upTo(res: { visitors?: unknown }, asked: number) {
    const got = Array.isArray(res.visitors) ? res.visitors.filter(isVisitor) : [];
    const end = new Set(tail.value.map((v) => v.id));
    const k = got.findIndex((v) => end.has(v.id));
    return { rows: k < 0 ? got : got.slice(0, k), reached: k >= 0 || got.length < asked };
  }

  /**
   * Fetches the next page (`limit` rows) after the first part when the agent scrolls to its end,
   * or joins the one out. True when it added rows.
   */
  function loadMore(limit = PAGE_SIZE): Promise<boolean> {
    if (!hasMore.value || !loaded.value) return Promise.resolve(false);
    return page('more', async (seq) => {
      // From OVERLAP rows back: a row that left above the loaded ones on the server (its event
      // still on the way) moves the server's rows up by one, the next row past `offset`.
      const offset = Math.max(0, visitors.value.length - OVERLAP);
      const asked = limit + visitors.value.length - offset;
      const res = await fetchPage(seq, offset, asked);
      if (!res) return false;
      // The answer's total says every row is loaded: only the newer events' rows count.
      if (!hasMore.value) return (batch(redo), false);
      const { rows, reached } = upTo(res, asked);
      const more = newRows({ visitors: rows });
      const end = tail.value[0];
      batch(() => {
        // The answer reached the end part: one list again.
        if (end && reached) join(more);
        else {
          const before = end ? more.filter((v) => compareRows(v, end) < 0) : more;
          visitors.value = visitors.value.concat(before).sort(compareRows);
        }
        complete = !tail.value.length && (!more.length || visitors.value.length >= total.value);
        redo();
      });
      return more.length > 0;
    });
  }

  /**
   * Fetches the `limit` rows before the end part (scrolling up to it, a key across the gap), or
   * joins the one out; with no end part yet, the list's last `limit` rows become it. True when it
   * added rows.
   *
   * Where the end part starts is counted back from the list's total, which can lag the
   * server's by a few rows (the feed's counts come at most once a second; a search's total moves
   * only with the rows the page holds): the page asks for OVERLAP rows more, and takes the
   * answer only when it reaches the end part (or the list's end), else asks once more from the
   * server's total in the answer. A part never has a hole.
   */
  function loadAbove(limit = PAGE_SIZE): Promise<boolean> {
    if (!hasMore.value || !loaded.value) return Promise.resolve(false);
    return page('above', async (seq) => {
      let n = total.value;
      for (let tries = 0; tries < 2; tries++) {
        const start = n - tail.value.length;
        const offset = Math.max(visitors.value.length, start - limit);
        const asked = Math.max(1, start - offset) + OVERLAP;
        const res = await fetchPage(seq, offset, asked);
        if (!res) return false;
        // The answer's total says every row is loaded: only the newer events' rows count.
        if (!hasMore.value) return (batch(redo), false);
        const { rows, reached } = upTo(res, asked);
        if (!reached) {
          if (typeof res.total == 'number') n = res.total;
          continue;
        }
        const above = newRows({ visitors: rows });
        const after = visitors.value[visitors.value.length - 1];
        batch(() => {
          if (offset <= visitors.value.length) join(above);
          else
            tail.value = (after ? above.filter((v) => compareRows(v, after) > 0) : above)
              .concat(tail.value)
              .sort(compareRows);
          complete = !tail.value.length && visitors.value.length >= total.value;
          redo();
        });
        return above.length > 0;
      }
      return false;
    });
  }

  /**
   * End: the list's last rows, unless they are loaded. One page whatever the crowd, instead of
   * every page before them; the rows between load as the agent scrolls or moves up to them.
   */
  const loadEnd = () => (tail.value.length ? Promise.resolve(true) : loadAbove(FIRST_PAGE));

  /**
   * Loads pages of LIST_LIMIT rows until `n` rows are loaded in the first part, there are no
   * more to show, a request fails or the list is another (Page Down past the loaded rows; End
   * in the compact view).
   */
  async function loadUntil(n: number) {
    while (visitors.value.length < n && more.value && (await loadMore(LIST_LIMIT)));
  }

  function scheduleLoad(delay: number) {
    clearTimeout(loadTimer);
    listBusy.value = true;
    if (delay > 0) loadTimer = setTimeout(load, delay);
    else void load();
  }

  async function loadDetail(id: string) {
    clearTimeout(detailTimer);
    detailTimer = undefined;
    const since = detailChanges;
    try {
      const d = await api.get(id);
      if (selectedId.value != id) return;
      const messages = Array.isArray(d.messages) ? d.messages.filter(isMessage) : [];
      const pages = Array.isArray(d.pages) ? d.pages : [];
      const now = detail.value;
      batch(() => {
        if (since != detailChanges && now?.id == id) {
          // The visitor changed while this answer was on its way (Block answered, a feed event):
          // its fields are older than what the panel shows, its messages and pages are not.
          const { messages: had, pages: _p, ...fields } = now;
          const ids = new Set(messages.map((m) => m.id));
          detail.value = {
            ...d,
            ...fields,
            messages: messages.concat(had.filter((m) => !ids.has(m.id))),
            pages,
          };
        } else detail.value = { ...d, messages, pages };
        detailError.value = '';
      });
    } catch (e) {
      if (selectedId.value == id) fail(e, detailError);
    }
  }

  /**
   * Puts a row where the shared list order says, or takes it out when it no longer belongs
   * (offline, another filter, not matching the search). A row that sorts after the loaded ones,
   * or into the gap before the end part, waits for its page. `ownCounts`: the row comes from an
   * API answer, not the feed, so the counts move here with it (the feed's own `counts` come in
   * its batch).
   */
  function upsert(full: Visitor, ownCounts = false) {
    // A detail (with messages and pages) may come in: the list keeps only the visitor fields.
    const { messages: _m, pages: _p, ...v } = full as VisitorDetail;
    const { filter: f, needle } = shown.value;
    const without = (list: Visitor[]) => {
      const i = list.findIndex((x) => x.id == v.id);
      return i < 0
        ? undefined
        : { row: list[i]!, rest: list.slice(0, i).concat(list.slice(i + 1)) };
    };
    const inHead = without(visitors.value);
    const inTail = inHead ? undefined : without(tail.value);
    const was = inHead || inTail;
    const prev: ListRow | undefined = was
      ? was.row
      : detail.value?.id == v.id
        ? detail.value
        : undefined;
    const head = inHead ? inHead.rest : visitors.value.slice();
    const end = inTail ? inTail.rest : tail.value.slice();
    const edge = tail.value[0];
    let into: Visitor[] | undefined;
    if (listed(v, f) && matchesNeedle(v, needle)) {
      const at = insertionPoint(head, v);
      if (at < head.length || (complete && !end.length)) into = head;
      // At or after the end part's first row as it was (that row itself, changed in place,
      // stays when it still sorts there): the rows of the gap all sort before it.
      else if (edge && compareRows(v, edge) >= 0) into = end;
      into?.splice(into == head ? at : insertionPoint(end, v), 0, v);
    }
    const inserted = !!into;
    // (Bounded: a list not drawn, the Automations screen open, does not take them.)
    if (inserted) (moved.length > 9999 ? (moved = []) : moved).push([v.id, was?.row]);
    if (inHead || into == head) visitors.value = head;
    if (inTail || into == end) tail.value = end;
    if (needle && !was && inserted) searchTotal.value++;
    if (needle && was && !inserted) searchTotal.value = Math.max(0, searchTotal.value - 1);
    if (ownCounts && prev && counts.value) {
      const c = { ...counts.value };
      countRow(c, prev, -1);
      countRow(c, v, 1);
      counts.value = c;
    }
    const d = detail.value;
    if (d && d.id == v.id) {
      detail.value = { ...d, ...v, messages: d.messages, pages: d.pages };
      detailChanges++;
    }
  }

  function addMessage(visitorId: string, m: Message) {
    // The row's own event follows with its new state; until then it moves with its message.
    const row = findRow(visitorId);
    if (row) upsert({ ...row, lastMessage: m });
    const d = detail.value;
    if (d && d.id == visitorId && !d.messages.some((x) => x.id == m.id)) {
      detail.value = { ...d, lastMessage: m, messages: [...d.messages, m] };
      detailChanges++;
    }
  }

  /**
   * Starts an agent's write request (its call follows at once): the answer is applied with
   * the function returned, which knows the feed events applied meanwhile.
   */
  function watch() {
    const before = lastEventId;
    const came: FeedEvent[] = (sinceWrite = []);
    return (id: string, a: WriteAnswer) => applyAnswer(id, a, came, before);
  }

  function applyAnswer(id: string, a: WriteAnswer, came: FeedEvent[], before: string) {
    // Feed events that came before this answer are applied first, in the order sent: one from
    // before it cannot put back what it changed (a Block shown as not blocked until the next
    // batch).
    if (queued.length) applyQueued();
    sinceWrite = null;
    // The feed said something of this visitor after the feed event the answer is current with
    // (`lastEventId`): the page shows that newer state already (a visitor who left after the
    // block stays gone), and the counts that went with it.
    const at = a.lastEventId;
    if (at && after(came, before, at)?.some((e) => visitorOf(e) == id)) return;
    if (isVisitor(a.visitor)) upsert(a.visitor, true);
    else if (isVisitor(a)) upsert(a, true);
    if (isMessage(a.message)) addMessage(id, a.message);
    else if (isMessage(a)) addMessage(id, a);
  }

  function say(text: string) {
    // A different string each time, so the same words are announced twice.
    announcement.value = announcement.value.endsWith('\u200b') ? text : text + '\u200b';
  }

  function nameOf(id: string) {
    const v = detail.value?.id == id ? detail.value : findRow(id);
    return v ? displayName(v) : 'a visitor';
  }

  const applyNow = () => applyScheduled && applyQueued();
  /** Applies the queue in the next animation frame, or after FRAME_FALLBACK_MS if none comes. */
  function applyInFrame() {
    if (!frame) return applyQueued();
    applyTimer = setTimeout(applyNow, FRAME_FALLBACK_MS);
    frame(applyNow);
  }

  function applyQueued() {
    clearTimeout(applyTimer);
    applyScheduled = false;
    appliedAt = clock();
    const events = queued;
    queued = [];
    let reset = false;
    batch(() => {
      for (const e of events) {
        if (e.id) lastEventId = e.id;
        sinceWrite?.push(e);
        if (sincePage) {
          sincePage.push(e);
          if (e.type == 'visitor' && isVisitor(e.data)) hadRow.set(e, !!findRow(e.data.id));
        }
        // Counted in a page answer's total already (see fetchPage).
        const counted = totalThrough ? searchTotal.value : -1;
        if (e.id == totalThrough) totalThrough = '';
        if (skipThrough) {
          if (e.id == skipThrough) skipThrough = '';
          continue;
        }
        sinceRequest?.push(e);
        if (e.type == 'reset') reset = true;
        else apply(e);
        if (counted >= 0) searchTotal.value = counted;
      }
    });
    if (reset) {
      void load();
      if (selectedId.value) void loadDetail(selectedId.value);
    }
  }

  /**
   * Whether a visitor's message is one the agent is told of: the open conversation's, and the
   * first of a new chat (not every message of a thousand chats). The server marks that one
   * (`first`), so a new chat is told of whether or not its row is loaded in the window.
   */
  function announced(visitorId: string, message: Message, first: unknown) {
    if (message.from != 'visitor') return false;
    if (first === true || visitorId == selectedId.value) return true;
    const row = findRow(visitorId);
    return !!row && !row.chatting;
  }

  /**
   * Whether a batch is applied without waiting out APPLY_INTERVAL_MS: it holds a message the
   * agent is told of (the messages of other chats move their rows with the next batch). Those
   * are visitors' messages, the ones the feed writes at once (demo/shared/feed-urgency.ts).
   */
  const urgent = (events: FeedEvent[]) =>
    events.some(
      (e) =>
        e.type == 'message' &&
        isMessage(e.data?.message) &&
        announced(e.data.visitorId, e.data.message, e.data.first),
    );

  /** Applies one feed event (inside a batch). */
  function apply(e: FeedEvent) {
    if (e.type == 'visitor' && isVisitor(e.data)) {
      upsert(e.data);
      if (e.data.id == selectedId.value && !detailTimer)
        detailTimer = setTimeout(() => loadDetail(e.data.id), DETAIL_REFRESH_MS);
    } else if (e.type == 'counts' && isCounts(e.data)) {
      counts.value = e.data;
    } else if (e.type == 'message' && e.data && isMessage(e.data.message)) {
      const { visitorId, message, first } = e.data;
      const announce = announced(visitorId, message, first);
      addMessage(visitorId, message);
      if (message.from == 'visitor') {
        if (typingOf(typing.value, visitorId))
          typing.value = { ...typing.value, [visitorId]: false };
        if (announce) say('New message from ' + nameOf(visitorId) + ': ' + message.text);
      }
    } else if (e.type == 'typing' && e.data && typeof e.data.visitorId == 'string') {
      typing.value = { ...typing.value, [e.data.visitorId]: !!e.data.on };
    }
  }

  return {
    visitors,
    version,
    tail,
    counts,
    filter,
    query,
    /** The filter and search the loaded rows answer. */
    shown,
    plan,
    planRequired,
    canOpen,
    loaded,
    listBusy,
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
    total,
    hasMore,
    more,
    load,
    loadMore,
    loadEnd,
    loadAbove,
    loadUntil,
    /** The last feed event applied (where a reconnecting feed resumes). */
    lastEventId: () => lastEventId,
    /** The rows put into the list since the last call, with their rows from before. */
    takeMoved() {
      const m = moved;
      moved = [];
      return m;
    },

    /** Shows a filter: at once for a click, after FILTER_DEBOUNCE_MS for arrow keys (`debounce`). */
    setFilter(f: Filter, debounce = false) {
      if (f == filter.value) return;
      filter.value = f;
      announceList = true;
      scheduleLoad(debounce ? FILTER_DEBOUNCE_MS : 0);
    },

    /** Searches after SEARCH_DEBOUNCE_MS of no typing, or at once (`atOnce`: Enter). */
    setQuery(q: string, atOnce = false) {
      if (q == query.value && !atOnce) return;
      query.value = q;
      announceList = true;
      scheduleLoad(atOnce ? 0 : SEARCH_DEBOUNCE_MS);
    },

    /** Opens the detail panel of a visitor (with what the list knows until the API answers). */
    select(id: string | null) {
      batch(() => {
        selectedId.value = id;
        actionError.value = detailError.value = '';
        const known = id && findRow(id);
        detail.value = known ? { ...known, messages: [], pages: [] } : null;
      });
      if (id) void loadDetail(id);
    },

    /** Feed state, from the feed. A reconnection resumes after the last event: nothing to fetch. */
    setFeedState(state: FeedState, delay = 0) {
      batch(() => {
        feedState.value = state;
        retryIn.value = delay;
        if (state == 'unauthorized') unauthorized.value = true;
      });
    },

    /**
     * Takes a batch of feed events (rows and the counts that go with them), applied whole, at
     * most every APPLY_INTERVAL_MS unless it holds a message the agent is told of. `reset`
     * means the feed could not resume: the list is fetched again.
     */
    onFeedEvents(events: FeedEvent[]) {
      queued.push(...events);
      const atOnce = urgent(events);
      if (applyScheduled && !(atOnce && intervalTimer)) return;
      clearTimeout(intervalTimer);
      intervalTimer = undefined;
      applyScheduled = true;
      const wait = atOnce ? 0 : appliedAt + APPLY_INTERVAL_MS - clock();
      if (wait <= 0) applyInFrame();
      else
        intervalTimer = setTimeout(() => {
          intervalTimer = undefined;
          applyInFrame();
        }, wait);
    },

    /** Sends an agent message; opens a conversation first when none is open. True when sent. */
    async send(text: string): Promise<boolean> {
      const d = detail.value;
      if (!d || busy.value) return false;
      const opening = !d.chatting;
      busy.value = true;
      actionError.value = '';
      try {
        const done = watch();
        const a = opening ? await api.openConversation(d.id, text) : await api.send(d.id, text);
        if (opening && !isVisitor(a.visitor))
          upsert({ ...(detail.value || d), chatting: true }, true);
        done(d.id, a);
        say(opening ? 'Conversation opened' : 'Message sent');
        void loadDetail(d.id);
        return true;
      } catch (e) {
        if (e instanceof ApiError && e.code == 'plan_required') {
          // The composer shows PLAN_EXPLANATION from now on.
          planRequired.value = true;
        } else fail(e, actionError);
        return false;
      } finally {
        sinceWrite = null;
        busy.value = false;
      }
    },

    /** Sends a file as an agent message into the open conversation. True when sent. */
    async sendFile(file: File): Promise<boolean> {
      const d = detail.value;
      if (!d || busy.value) return false;
      busy.value = true;
      actionError.value = '';
      try {
        const done = watch();
        done(d.id, await api.sendFile(d.id, file, file.name));
        say('File sent');
        void loadDetail(d.id);
        return true;
      } catch (e) {
        fail(e, actionError);
        return false;
      } finally {
        sinceWrite = null;
        busy.value = false;
      }
    },

    /** A file of a conversation, read with the agent token. */
    file: (fileId: string) => api.file(fileId),

    /** Blocks or unblocks the visitor in the detail panel; the list and counts show it at once. */
    async toggleBlock() {
      const d = detail.value;
      if (!d || busy.value) return;
      const blocking = !d.blocked;
      busy.value = true;
      actionError.value = '';
      try {
        const done = watch();
        const a = blocking ? await api.block(d.id) : await api.unblock(d.id);
        done(d.id, a);
        if (!isVisitor(a.visitor) && !isVisitor(a))
          upsert({ ...(detail.value || d), blocked: blocking }, true);
        say(displayName(d) + (blocking ? ' is blocked' : ' is unblocked'));
      } catch (e) {
        fail(e, actionError);
      } finally {
        sinceWrite = null;
        busy.value = false;
      }
    },

    /** Stops the timers (tests, unmount). */
    dispose() {
      applyScheduled = false;
      clearTimeout(loadTimer);
      clearTimeout(detailTimer);
      clearTimeout(applyTimer);
      clearTimeout(intervalTimer);
    },
  };
}

/** The page state. */
export type Store = ReturnType<typeof createStore>;
