/**
 * The filter tabs (an ARIA tablist: arrow keys, Home and End move and select, one tab stop) with
 * the counts from the last API answer.
 */
import type { TargetedKeyboardEvent } from 'preact';
import type { Store } from './store';
import { COUNT_OF } from '../shared/visitor-list';
import type { Filter } from './types';

/** Tab order and label of each filter (its `counts` field is the shared COUNT_OF). */
export const FILTERS: [Filter, string][] = [
  ['all', 'All'],
  ['active', 'Active'],
  ['chatting', 'In chat'],
  ['customers', 'Customers'],
  ['auto-message', 'Auto message received'],
  ['blocked', 'Blocked'],
];

/** The tablist; the list below is its tabpanel (`#visitor-panel`). */
export function Tabs({ store }: { store: Store }) {
  const current = store.filter.value;
  const counts = store.counts.value;
  function onKeyDown(e: TargetedKeyboardEvent<HTMLDivElement>) {
    // Read the signal now, not the render's value: two quick key presses must move twice.
    const i = FILTERS.findIndex(([f]) => f == store.filter.value);
    const n = FILTERS.length;
    const next =
      e.key == 'ArrowRight'
        ? (i + 1) % n
        : e.key == 'ArrowLeft'
          ? (i + n - 1) % n
          : e.key == 'Home'
            ? 0
            : e.key == 'End'
              ? n - 1
              : -1;
    if (next < 0) return;
    e.preventDefault();
    store.setFilter(FILTERS[next][0], true);
    (e.currentTarget.children[next] as HTMLElement | undefined)?.focus();
  }
  return (
    <div class="tabs" role="tablist" aria-label="Filter visitors" onKeyDown={onKeyDown}>
      {FILTERS.map(([f, label]) => {
        const selected = f == current;
        const count = counts?.[COUNT_OF[f]];
        return (
          <button
            key={f}
            type="button"
            role="tab"
            id={'tab-' + f}
            aria-selected={selected}
            aria-controls="visitor-panel"
            tabIndex={selected ? 0 : -1}
            onClick={() => store.setFilter(f)}
          >
            {label}
            {typeof count == 'number' && <span class="count"> {count}</span>}
          </button>
        );
      })}
    </div>
  );
}
