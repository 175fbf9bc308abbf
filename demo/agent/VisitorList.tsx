/**
 * The visitor list: one button per visitor (Enter or a click opens the detail panel), in a full
 * or a compact ("active only", what the mobile app shows) layout.
 */
import { Badges } from './Badges';
import { displayName, formatDuration, visitStart } from './format';
import { StateIcon } from './icons';
import { typingOf, type Store } from './store';
import { FILTERS } from './Tabs';
import type { Message, Visitor } from './types';

function lastMessageText(m: Message | null | undefined): string {
  if (!m || typeof m.text != 'string') return '';
  const who =
    m.from == 'visitor' ? '' : m.from == 'agent' ? 'Agent: ' : m.from == 'bot' ? 'Bot: ' : 'Auto: ';
  return who + m.text;
}

/** One visitor. */
function Row({ v, store }: { v: Visitor; store: Store }) {
  const page = v.currentPage;
  const selected = store.selectedId.value == v.id;
  const typing = typingOf(store.typing.value, v.id) ?? v.typing;
  const onSite = formatDuration(store.now.value - visitStart(v));
  const last = typing ? 'typing…' : lastMessageText(v.lastMessage);
  return (
    <li>
      <button
        type="button"
        class={'row' + (selected ? ' selected' : '')}
        data-id={v.id}
        aria-current={selected ? 'true' : undefined}
        onClick={() => store.select(v.id)}
      >
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
        <span class={'last' + (typing ? ' typing' : '')}>{last}</span>
      </button>
    </li>
  );
}

/** The list (the tabpanel of the filter tabs). */
export function VisitorList({ store }: { store: Store }) {
  const rows = store.rows.value;
  const hidden = store.compact.value ? store.visitors.value.length - rows.length : 0;
  const label = FILTERS.find(([f]) => f == store.filter.value)?.[1] || '';
  return (
    <section
      id="visitor-panel"
      role="tabpanel"
      aria-labelledby={'tab-' + store.filter.value}
      class={'list' + (store.compact.value ? ' compact' : '')}
    >
      {store.compact.value && (
        <p class="note">
          Compact view: active visitors only
          {hidden > 0 && ` (${hidden} idle hidden)`}.
        </p>
      )}
      {!store.compact.value && rows.length > 0 && (
        <div class="row head" aria-hidden="true">
          <span />
          <span>Visitor</span>
          <span>Current page</span>
          <span>On site</span>
          <span>Last message</span>
        </div>
      )}
      {rows.length ? (
        <ul aria-label={label + ' visitors'}>
          {rows.map((v) => (
            <Row key={v.id} v={v} store={store} />
          ))}
        </ul>
      ) : (
        store.loaded.value && (
          <p class="empty">
            {store.query.value.trim()
              ? 'No visitor matches “' + store.query.value.trim() + '”.'
              : 'No visitors here right now. Open the demo site in another tab to see one arrive.'}
          </p>
        )
      )}
    </section>
  );
}
