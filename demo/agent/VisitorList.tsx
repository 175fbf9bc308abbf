/**
 * The visitor list: a virtualized listbox. Only the rows in view plus a margin are in the DOM
 * (constant size at any crowd), each an option with its position in the whole list
 * (`aria-posinset`/`aria-setsize`), one tab stop, arrow keys, Page Up/Down, Home and End to move,
 * Enter or a click to open the detail panel. Full or compact ("active only") layout. End loads
 * only the list's last page: the rows between the two loaded parts are one slot (a gap) until
 * they load, on the side of it the view is on.
 */
import { memo } from './memo';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { RefObject, TargetedKeyboardEvent } from 'preact';
import { Badges } from './Badges';
import { displayName, formatDuration, visitStart } from './format';
import { StateIcon } from './icons';
import { compareRows } from '../shared/visitor-list';
import { typingOf, type Store } from './store';
import { FILTERS } from './Tabs';
import type { Filter, Message, Visitor } from './types';

/**
 * Rows rendered beyond each edge of the view, so a quick scroll does not show blank space (four
 * rows are about 250 px, several frames of a fast scroll). Under a busy feed nearly every row in
 * the window is a new one at each batch (1,000 chats move their rows to the top), so each row
 * past the view is built, laid out and painted for nothing: 8 rows each side cost the page
 * 1,259 ms of main-thread CPU a minute where 4 cost 1,048 (a recorded 10,000-visitor feed replayed).
 */
export const OVERSCAN = 4;

/** Row height until one is measured (the stylesheet's `--row-h` decides it). */
const DEFAULT_ROW_H = 60;

/** Viewport height until one is measured (no layout, e.g. happy-dom). */
const DEFAULT_VIEW_H = 720;

/** What an empty tab means. */
const EMPTY: Record<Filter, string> = {
  all: 'No visitors online right now. Open the demo site in another tab to see one arrive.',
  active: 'No active visitors: nobody online has interacted in the last 10 minutes.',
  chatting: 'No visitors in a chat right now.',
  customers: 'No customers online: visitors who gave a name, email or phone appear here.',
  'auto-message': 'No visitors online have received an auto message in this visit.',
  blocked: 'No blocked visitors.',
};

function lastMessageText(m: Message | null | undefined): string {
  if (!m || typeof m.text != 'string') return '';
  const who =
    m.from == 'visitor' ? '' : m.from == 'agent' ? 'Agent: ' : m.from == 'bot' ? 'Bot: ' : 'Auto: ';
  return who + m.text;
}

interface RowProps {
  v: Visitor;
  store: Store;
  index: number;
  /** The row's place in the whole list (0-based). */
  pos: number;
  setSize: number;
  top: number;
  focusable: boolean;
}

/**
 * What a row shows. Memoized apart from the row's place: when a new chat moves every row down
 * by one, only the rows' `top` and position attributes change, not their content.
 */
const RowBody = memo(function RowBody({
  v,
  typing,
  onSite,
}: {
  v: Visitor;
  typing: boolean;
  onSite: string;
}) {
  const page = v.currentPage;
  return (
    <>
      <StateIcon status={v.status} />
      <span class="who">
        <span class="name">{displayName(v)}</span>
        <Badges v={v} />
      </span>
      <span class="page">
        <span class="page-title">{page?.title || '(untitled page)'}</span>
        <span class="page-url">{page?.url || ''}</span>
      </span>
      <span class="stats">
        <span title="Time on site">
          <span class="sr-only">On site </span>
          {onSite}
        </span>
        <span class="visits" title="Visits">
          {v.visits == 1 ? '1 visit' : v.visits + ' visits'}
        </span>
      </span>
      <span class={'last' + (typing ? ' typing' : '')}>
        {typing ? 'typing…' : lastMessageText(v.lastMessage)}
      </span>
    </>
  );
});

/**
 * One visitor: an option of the listbox, placed at `top`. Memoized: a feed batch re-renders
 * only the rows whose visitor (or place) changed; selection, typing and the clock are signals
 * read here, so they still reach the row. Clicks are handled once, by the listbox.
 */
const Row = memo(function Row({ v, store, index, pos, setSize, top, focusable }: RowProps) {
  const selected = store.selectedId.value == v.id;
  return (
    <div
      role="option"
      class={'row' + (selected ? ' selected' : '')}
      data-id={v.id}
      data-index={index}
      aria-selected={selected}
      aria-posinset={pos + 1}
      aria-setsize={setSize}
      tabIndex={focusable ? 0 : -1}
      style={{ top: top + 'px' }}
    >
      <RowBody
        v={v}
        typing={!!(typingOf(store.typing.value, v.id) ?? v.typing)}
        onSite={formatDuration(store.now.value - visitStart(v))}
      />
    </div>
  );
});

/** The indices to render: the view plus OVERSCAN each side, and `keep` (focus, selection). */
export function windowOf(
  count: number,
  scrollTop: number,
  viewH: number,
  rowH: number,
  keep: number[],
): number[] {
  const first = Math.max(0, Math.floor(scrollTop / rowH) - OVERSCAN);
  const end = Math.min(count, Math.ceil((scrollTop + viewH) / rowH) + OVERSCAN);
  const out: number[] = [];
  for (let i = first; i < end; i++) out.push(i);
  for (const k of keep) if (k >= 0 && k < count && (k < first || k >= end)) out.push(k);
  return out.sort((a, b) => a - b);
}

/**
 * Where the rows go: the first part's rows at their index, then (once End loaded the list's
 * last rows) one slot for the gap of rows not loaded, then the end part. `pos` is a row's place
 * in the whole list (0-based): the end part's count back from the list's end.
 */
export function layoutOf(count: number, tailLength: number, total: number) {
  const head = count - tailLength;
  const gap = tailLength ? 1 : 0;
  return {
    head,
    gap,
    slot: (i: number) => (i < head ? i : i + gap),
    /** The row in a slot; -1 for the gap. */
    row: (s: number) => (s < head ? s : s == head && gap ? -1 : s - gap),
    pos: (i: number) => (i < head ? i : Math.max(i, total - tailLength + (i - head))),
  };
}

/**
 * The view's height and a row's, kept current by a ResizeObserver: a window resize, the narrow
 * layout's taller rows, zoom or a font change re-measure them, and no render reads layout (a
 * layout read after each feed batch forced a layout per batch; in the observer's callback the
 * layout is already done). The observed row is the first one rendered, replaced when the
 * virtual list drops it.
 */
function useMeasured(viewport: RefObject<HTMLDivElement | null>): [number, number] {
  const [viewH, setViewH] = useState(0);
  const [rowH, setRowH] = useState(DEFAULT_ROW_H);
  const watch = useRef<{ ro: ResizeObserver; view?: Element; row?: Element }>(null);
  useLayoutEffect(() => {
    const w = (watch.current ??= {
      ro: new ResizeObserver((entries) => {
        for (const { target: t } of entries) {
          const h = t == w.view ? t.clientHeight : (t as HTMLElement).offsetHeight;
          // 0: no longer laid out (the list was just emptied).
          if (h) (t == w.view ? setViewH : setRowH)(h);
        }
      }),
    });
    const el = viewport.current ?? undefined;
    const row = el?.querySelector('.row[data-id]') ?? undefined;
    if (el != w.view || row != w.row) {
      w.ro.disconnect();
      if (el) w.ro.observe(el);
      if (row) w.ro.observe(row);
      w.view = el;
      w.row = row;
    }
  });
  useEffect(() => () => watch.current?.ro.disconnect(), []);
  return [viewH, rowH];
}

/** The list (the tabpanel of the filter tabs). */
export function VisitorList({ store }: { store: Store }) {
  const rows = store.rows.value;
  const compact = store.compact.value;
  // Hidden by the compact view: on the All tab (no search) every online visitor not active, from
  // the counts; elsewhere those among the loaded rows.
  const c = store.counts.value;
  /** On the All tab without a search the counts tell the compact view's size (`c.active`). */
  const counted = store.filter.value == 'all' && !store.query.value.trim() ? c : null;
  const hidden = !compact
    ? 0
    : counted
      ? counted.all - counted.active
      : store.visitors.value.length - rows.length;
  const filter = store.filter.value;
  const label = FILTERS.find(([f]) => f == filter)?.[1] || '';
  const viewport = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewH, rowH] = useMeasured(viewport);
  const [activeId, setActiveId] = useState<string | null>(null);
  /** The row keyboard moved to, focused once rendered. */
  const focusNext = useRef('');
  /** A row a key asked for past the loaded ones, while they load (-1: none), and its ask. */
  const [jump, setJump] = useState(-1);
  /** A key's page (End, across the gap) is loading. */
  const [waiting, setWaiting] = useState(false);
  const panel = useRef<HTMLElement>(null);
  /** The keyboard focus is in the list (a row has it, or had it when the feed removed it). */
  const focusIn = useRef(false);
  /** The row that just lost the focus (this task): a render that removed it moves the focus. */
  const blurred = useRef<Node | null>(null);
  /** The active row at the last render: its visitor, slot, index and place in the view. */
  const followed = useRef<{ id: string; slot: number; index: number; offset: number } | null>(null);
  const asked = useRef<object>(null);

  // A new filter or search starts at the top of its list. So does a viewport drawn anew (rows
  // after an empty tab or a search with no match): the window is drawn for it, not for where the
  // last list was scrolled (only its first row showed until the agent scrolled).
  const { filter: shownFilter, needle } = store.shown.value;
  useLayoutEffect(() => {
    if (viewport.current) viewport.current.scrollTop = 0;
    setScrollTop(0);
  }, [shownFilter, needle, !rows.length]);

  let active = activeId ? rows.findIndex((v) => v.id == activeId) : -1;
  /** The active visitor is a loaded row (not gone offline, nor sorted past the loaded rows). */
  const listed = active >= 0;
  if (active < 0) active = 0;
  const selectedId = store.selectedId.value;
  const selected = selectedId ? rows.findIndex((v) => v.id == selectedId) : -1;
  const h = rowH;
  const total = store.total.value;
  const at = layoutOf(rows.length, compact ? 0 : store.tail.value.length, total);
  const view = viewH || DEFAULT_VIEW_H;
  const slots = windowOf(rows.length + at.gap, scrollTop, view, h, [
    at.slot(active),
    selected < 0 ? -1 : at.slot(selected),
  ]);
  const shown = slots.map(at.row).filter((i) => i >= 0);
  const more = store.more.value;
  // The compact view's size: the active count where the counts tell it; elsewhere the rows
  // loaded once no more can come, and unknown (ARIA's -1) while more may.
  const setSize = !compact
    ? Math.max(total, rows.length)
    : counted
      ? Math.max(counted.active, rows.length)
      : more
        ? -1
        : rows.length;

  // Near the end of the loaded rows: the next page. Near the gap before the end part: the page
  // on the side of it the view is on (below the middle of the view: after the first part).
  const nearEnd = !at.gap && shown.length > 0 && shown[shown.length - 1]! >= rows.length - OVERSCAN;
  const nearGap = at.gap > 0 && slots.some((s) => Math.abs(s - at.head) <= OVERSCAN);
  const gapBelow = at.head * h >= scrollTop + view / 2;
  // (The loaded rows' count too: a page of the compact view may add no row it shows. And the
  // list's version: a list loaded again while a page was out may have as many rows as before.)
  const loadedCount = store.visitors.value.length;
  useEffect(() => {
    if (nearGap) void (gapBelow ? store.loadMore() : store.loadAbove());
    else if (more && (nearEnd || rows.length == 0)) void store.loadMore();
  }, [more, nearEnd, nearGap, gapBelow, rows.length, loadedCount, store.version.value]);

  // Rows loaded above the end part push it down: a view on it (the gap above the middle of the
  // view, or out of view above) stays on the same rows, whatever comes in above them.
  const anchor = useRef<{ id: string; slot: number; below: boolean } | null>(null);
  useLayoutEffect(() => {
    const el = viewport.current;
    const was = anchor.current;
    const i = was ? rows.findIndex((v) => v.id == was.id) : -1;
    if (el && was && !was.below && i >= 0 && at.slot(i) != was.slot) {
      el.scrollTop += (at.slot(i) - was.slot) * h;
      setScrollTop(el.scrollTop);
    }
    anchor.current = at.gap ? { id: rows[at.head]!.id, slot: at.head + 1, below: gapBelow } : null;
  });

  // While a jump loads, the view follows the loaded end, where its progress shows.
  useEffect(() => {
    const el = viewport.current;
    if (jump >= 0 && el) el.scrollTop = el.scrollHeight;
  }, [jump, rows.length]);

  // The agent's place while the feed re-sorts the list under it. The keyboard focus stays on its
  // visitor, and the view moves with that row, so it stays where it was on screen; when its
  // visitor leaves the loaded rows (offline, or sorted past them), the focus goes to the row now
  // in its place, or to the panel when none is left, not to the page.
  useLayoutEffect(() => {
    const el = viewport.current;
    const was = followed.current;
    const doc = panel.current?.ownerDocument;
    const removed = !!blurred.current && !blurred.current.isConnected;
    if ((focusIn.current || removed) && doc && was) {
      const lost = !doc.activeElement || doc.activeElement == doc.body;
      if (listed && was.id == activeId && el?.contains(doc.activeElement)) {
        // Where it was in the view, unless that has been seen to already (rows loaded above the
        // end part move the view with them, above); not on a scroll (the row keeps its slot).
        const slot = at.slot(active);
        const top = slot * h - was.offset;
        if (slot != was.slot && Math.abs(el.scrollTop - top) > 1) {
          el.scrollTop = top;
          setScrollTop(el.scrollTop);
        }
      } else if (lost && !listed) {
        const i = Math.min(was.index, rows.length - 1);
        // The row now in its place is drawn where it was (its focus makes it the active one).
        const row = el?.querySelector<HTMLElement>(`.row[data-index="${i}"]`);
        if (row) row.focus();
        else if (rows.length) moveTo(i);
        else {
          panel.current?.focus();
          focusIn.current = false;
        }
      }
    }
    followed.current = listed
      ? {
          id: activeId!,
          slot: at.slot(active),
          index: active,
          offset: at.slot(active) * h - (el?.scrollTop ?? 0),
        }
      : rows.length
        ? was
        : null;
  });

  // Rows that come in above the view (arrivals, re-ranked visitors) do not move the rows the
  // agent is reading: rows are placed by index, so the browser's scroll anchoring cannot keep
  // them, and the view moves with them here instead (the focused row's effect above does it
  // when the focus is in the list). Those that came in above the view since the agent left the
  // top are counted for the "new above" button, until they are scrolled into view.
  const kept = useRef<{ ids: [string, number, number][]; top?: Visitor; v: number } | null>(null);
  const fresh = useRef(new Set<string>());
  const byId = useRef<{ rows?: Visitor[]; map?: Map<string, number> }>({});
  const [newAbove, setNewAbove] = useState(0);
  useLayoutEffect(() => {
    const el = viewport.current;
    const was = kept.current;
    const v = store.version.value;
    const moved = store.takeMoved();
    if (byId.current.rows != rows) byId.current = { rows };
    const indexOf = (id: string) =>
      (byId.current.map ??= new Map(rows.map((r, i) => [r.id, i]))).get(id) ?? -1;
    const ok = el && was && was.v == v;
    if (ok && !(focusIn.current && listed)) {
      for (const [id, slot, offset] of was.ids) {
        const i = indexOf(id);
        if (i < 0) continue;
        // Not on a scroll (the row keeps its slot), nor when seen to already (the end part's).
        const top = at.slot(i) * h - offset;
        if (at.slot(i) != slot && Math.abs(el.scrollTop - top) > 1) {
          el.scrollTop = top;
          setScrollTop(el.scrollTop);
        }
        break;
      }
    }
    const st = el?.scrollTop ?? 0;
    /** Rows in slots before this one are above the view (more than half of them hidden). */
    const edge = Math.round(st / h);
    const set = fresh.current;
    if (!ok || !edge) set.clear();
    else {
      for (const [id, before] of moved) {
        const i = indexOf(id);
        // Not one that was above the view already.
        if (i >= 0 && at.slot(i) < edge && !(before && was.top && compareRows(before, was.top) < 0))
          set.add(id);
      }
      for (const id of set) {
        const i = indexOf(id);
        if (i < 0 || at.slot(i) >= edge) set.delete(id);
      }
    }
    setNewAbove(set.size);
    const ids: [string, number, number][] = [];
    let top: Visitor | undefined;
    // The rows in view and their places in it: the first of them still listed anchors the next
    // render. None at the top: there, rows that come in above push the others down, in view.
    const end = st > 0 ? st + view : 0;
    for (let s = Math.floor(st / h); s * h < end; s++) {
      const i = at.row(s);
      const r = rows[i];
      if (i >= 0 && r) {
        top ??= r;
        ids.push([r.id, s, s * h - st]);
      }
    }
    kept.current = el ? { ids, top, v } : null;
  });

  // Keyboard moves focus to a row that may just have been rendered.
  // (Not before: a render already on its way when a jump ends still has the old row.)
  useEffect(() => {
    if (focusNext.current != activeId) return;
    focusNext.current = '';
    viewport.current?.querySelector<HTMLElement>(`.row[data-index="${active}"]`)?.focus();
  });

  /**
   * Runs `load`, busy meanwhile, then moves where `then` says, unless another key or a click came
   * first. `jumpTo`: the row a key asked for past the loaded rows, whose progress the list shows.
   */
  function after(load: Promise<unknown>, then: () => number, jumpTo = -1) {
    const ask = (asked.current = {});
    if (jumpTo >= 0) setJump(jumpTo);
    else setWaiting(true);
    void load.then(() => {
      if (asked.current != ask) return;
      setJump(-1);
      setWaiting(false);
      // Not when the agent has gone elsewhere meanwhile (the search box, the tabs).
      const el = viewport.current;
      if (el?.contains(el.ownerDocument.activeElement)) moveTo(then());
    });
  }

  /**
   * Moves to row `i`. The list's end (End) loads its last page first, and a move across the gap
   * before it the page on the other side; one past the loaded rows (Page Down at their end) is
   * loaded first. Busy meanwhile, unless another key or a click comes before it is.
   */
  function go(i: number) {
    asked.current = {};
    setJump(-1);
    setWaiting(false);
    // (The compact view's last row is its last active visitor: the pages up to the first idle.)
    if (i == Infinity && !compact)
      return more && !at.gap
        ? after(store.loadEnd(), () => store.rows.value.length - 1)
        : moveTo(rows.length - 1);
    if (i == 0 || !at.gap)
      return i < rows.length || !more ? moveTo(i) : after(store.loadUntil(i + 1), () => i, i);
    const from = rows[active];
    const down = active < at.head && i >= at.head;
    if (!from || !(down || (active >= at.head && i < at.head))) return moveTo(i);
    // Across the gap: from the row it starts at, as far as the loaded rows go.
    const step = i - active;
    after(down ? store.loadMore() : store.loadAbove(), () => {
      const list = store.rows.value;
      const now = layoutOf(list.length, store.tail.value.length, store.total.value);
      const j = list.findIndex((v) => v.id == from.id) + step;
      return !now.gap ? j : down ? Math.min(j, now.head - 1) : Math.max(j, now.head);
    });
  }

  function moveTo(i: number) {
    // The rows now: a jump moves once its pages are in.
    const list = store.rows.value;
    const n = Math.max(0, Math.min(list.length - 1, i));
    const v = list[n];
    if (!v) return;
    const el = viewport.current;
    if (el) {
      const vh = el.clientHeight || viewH || DEFAULT_VIEW_H;
      const s = layoutOf(list.length, compact ? 0 : store.tail.value.length, 0).slot(n);
      if (s * h < el.scrollTop) el.scrollTop = s * h;
      else if ((s + 1) * h > el.scrollTop + vh) el.scrollTop = (s + 1) * h - vh;
      setScrollTop(el.scrollTop);
    }
    // The same row (Home on the first): no render comes, so nothing must wait for one (a later
    // feed render would take the focus back from wherever the agent went meanwhile).
    focusNext.current = v.id == activeId ? '' : v.id;
    setActiveId(v.id);
  }

  /** The "new above" button: to the top, and the focus on its first row (the button goes). */
  function toTop() {
    moveTo(0);
    focusNext.current = rows[0]!.id;
  }

  function onKeyDown(e: TargetedKeyboardEvent<HTMLDivElement>) {
    const page = Math.max(1, Math.floor((viewH || DEFAULT_VIEW_H) / h) - 1);
    const keys: Record<string, number> = {
      ArrowDown: active + 1,
      ArrowUp: active - 1,
      PageDown: active + page,
      PageUp: active - page,
      Home: 0,
      End: Infinity,
    };
    if (e.key in keys) {
      e.preventDefault();
      go(keys[e.key]!);
    } else if (e.key == 'Enter' || e.key == ' ') {
      const v = rows[active];
      if (!v) return;
      e.preventDefault();
      pick(v.id);
    }
  }

  function pick(id: string) {
    asked.current = null;
    setJump(-1);
    setWaiting(false);
    setActiveId(id);
    store.select(id);
  }

  return (
    <section
      id="visitor-panel"
      ref={panel}
      role="tabpanel"
      // A tab stop when it holds no row to focus (an empty tab), as the ARIA tabs pattern asks.
      tabIndex={rows.length ? -1 : 0}
      aria-labelledby={'tab-' + filter}
      aria-busy={store.listBusy.value || jump >= 0 || waiting}
      class={'list' + (compact ? ' compact' : '')}
    >
      {compact && (
        <p class="note">
          Compact view: active visitors only
          {hidden > 0 && ` (${hidden} idle hidden)`}.
        </p>
      )}
      {!compact && rows.length > 0 && (
        <div class="row head" aria-hidden="true">
          <span />
          <span>Visitor</span>
          <span>Current page</span>
          <span>On site</span>
          <span>Last message</span>
        </div>
      )}
      {rows.length ? (
        <div
          class="viewport"
          ref={viewport}
          onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
        >
          <div class="above" role="status">
            {newAbove > 0 && (
              <button type="button" onClick={toTop}>
                <span aria-hidden="true">↑ </span>
                {newAbove == 1 ? '1 new visitor above' : newAbove + ' new visitors above'}
              </button>
            )}
          </div>
          <div
            role="listbox"
            aria-label={label + ' visitors'}
            class="vlist"
            style={{ height: (rows.length + (more ? 1 : 0)) * h + 'px' }}
            onKeyDown={onKeyDown}
            onFocusIn={(e) => {
              focusIn.current = true;
              blurred.current = null;
              // A row focused by Tab or a click is the agent's place too, not only a key's.
              const id = (e.target as Element).closest?.('.row[data-id]')?.getAttribute('data-id');
              if (id && id != activeId) setActiveId(id);
            }}
            onFocusOut={(e) => {
              const to = e.relatedTarget as Node | null;
              if (to && e.currentTarget.contains(to)) return;
              // Elsewhere on the page, or away from it. Some engines blur a focused row as the
              // list removes it: the render that did is told by `blurred`, for this task only.
              focusIn.current = false;
              const row = (blurred.current = e.target as Node);
              setTimeout(() => blurred.current == row && (blurred.current = null));
            }}
            onClick={(e) => {
              const id = (e.target as Element).closest?.('.row[data-id]')?.getAttribute('data-id');
              if (id) pick(id);
            }}
          >
            {shown.map((i) => (
              <Row
                key={rows[i]!.id}
                v={rows[i]!}
                store={store}
                index={i}
                pos={at.pos(i)}
                setSize={setSize}
                top={at.slot(i) * h}
                focusable={i == active}
              />
            ))}
          </div>
          {more && (
            <p class="loading-more" style={{ top: (at.gap ? at.head : rows.length) * h + 'px' }}>
              Loading more visitors…
              {jump >= 0 && !compact && ` (${rows.length} of ${setSize})`}
              {at.gap > 0 && ` (${Math.max(1, total - rows.length)} not loaded yet)`}
            </p>
          )}
        </div>
      ) : (
        store.loaded.value && (
          <p class="empty">
            {compact && store.visitors.value.length
              ? // Idle visitors matched, and the compact view hides them: not "no match".
                (store.query.value.trim()
                  ? 'No active visitor matches “' + store.query.value.trim() + '”'
                  : 'No active visitors here') +
                ': switch the compact view off to see the idle ones.'
              : store.query.value.trim()
                ? 'No visitor matches “' + store.query.value.trim() + '”.'
                : EMPTY[filter]}
          </p>
        )
      )}
    </section>
  );
}
