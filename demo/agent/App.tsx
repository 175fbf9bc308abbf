/** The Visitors page: header, banners, search, filter tabs, the list and the detail panel. */
import { DetailPanel } from './DetailPanel';
import { Legend } from './icons';
import type { Store } from './store';
import { Tabs } from './Tabs';
import { VisitorList } from './VisitorList';

/** Shown instead of the page when the URL carries no token. */
export function NoToken() {
  return (
    <main class="agent no-token">
      <h1>Visitors</h1>
      <div class="error" role="alert">
        <p>
          <strong>This page needs the agent token.</strong> It is part of the agent page URL that
          the server prints when it starts:
        </p>
        <pre>
          <code>{'npm start\n…\n  Agent page: http://127.0.0.1:8080/agent#token=…'}</code>
        </pre>
        <p>
          Open that exact URL (the token after <code>#</code> never reaches the server logs). If you
          set <code>AGENT_TOKEN</code> yourself, add <code>#token=</code> and its value to this
          page's address.
        </p>
      </div>
    </main>
  );
}

function FeedBanner({ store, onRetry }: { store: Store; onRetry?: () => void }) {
  if (store.unauthorized.value)
    return (
      <p class="error" role="alert">
        The agent token was refused. Open the agent page with the URL printed by{' '}
        <code>npm start</code> (it ends in <code>#token=…</code>).
      </p>
    );
  if (store.feedState.value != 'down') return null;
  const s = Math.ceil(store.retryIn.value / 1000);
  return (
    <p class="banner" role="status">
      Live updates interrupted: reconnecting{s > 0 ? ` in ${s} s` : ''}…{' '}
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Retry now
        </button>
      )}
    </p>
  );
}

/** "12 online · 3 active": its own component, so new counts re-render only this line. */
function OnlineCounts({ store }: { store: Store }) {
  const counts = store.counts.value;
  return counts ? (
    <span class="online">
      {counts.all} online · {counts.active} active
    </span>
  ) : null;
}

/** The whole page for a store. `onRetry` reconnects the live feed at once. */
export function App(p: { store: Store; onRetry?: () => void; onAutomations?: () => void }) {
  const { store, onRetry } = p;
  const live = store.feedState.value == 'live';
  return (
    <main class={'agent' + (store.detail.value ? ' has-detail' : '')}>
      <header class="top">
        <h1>Visitors</h1>
        <OnlineCounts store={store} />
        <span class={'feed ' + (live ? 'live' : 'off')}>{live ? 'Live' : 'Connecting…'}</span>
        {p.onAutomations && (
          <button type="button" onClick={p.onAutomations}>
            Automations
          </button>
        )}
      </header>
      <FeedBanner store={store} onRetry={onRetry} />
      <div class="toolbar">
        <input
          type="search"
          class="search"
          aria-label="Search visitors"
          // The server takes searches of up to 200 characters.
          maxLength={200}
          placeholder="Search name, email, phone, id, page, variables"
          value={store.query.value}
          onInput={(e) => store.setQuery(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key == 'Enter') store.setQuery(e.currentTarget.value, true);
          }}
        />
        <label class="switch">
          <input
            type="checkbox"
            role="switch"
            checked={store.compact.value}
            onChange={(e) => (store.compactChoice.value = e.currentTarget.checked)}
          />{' '}
          Compact: active only
        </label>
        <Legend />
      </div>
      <Tabs store={store} />
      {store.listError.value && !store.unauthorized.value && (
        <p class="error" role="alert">
          {store.listError.value}
        </p>
      )}
      <div class="panes">
        <VisitorList store={store} />
        <DetailPanel store={store} />
      </div>
      <div class="sr-only" aria-live="polite">
        {store.announcement.value}
      </div>
    </main>
  );
}
