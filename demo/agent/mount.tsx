/**
 * Starts the Visitors page in a document: token, API client, state, live feed, rendering.
 * The globals come in as parameters (main.tsx passes the real ones, tests pass fakes).
 */
import { render } from 'preact';
import { createApi, type Fetch } from './api';
import { App, NoToken } from './App';
import { connectFeed } from './feed';
import { createStore } from './store';
import { takeToken, type TokenEnv } from './token';

/** What the page takes from `window`. */
export interface AgentEnv extends TokenEnv {
  document: Document;
  fetch: Fetch;
  matchMedia?: (query: string) => MediaQueryList;
  /** The server's origin, '' (the default) for the page's own. */
  base?: string;
  /** requestAnimationFrame: feed batches are applied in a frame (without it, at once). */
  frame?: (run: () => void) => void;
  /** Imports the Automations screen's chunk (without it the page offers no Automations button). */
  automations?: () => Promise<typeof import('./automations/main')>;
}

/** Screens at most this wide get the compact view unless the agent chooses otherwise. */
export const NARROW_QUERY = '(max-width: 640px)';

/** Mounts the page into `#app` (created in the body when missing). */
export function mountAgentPage(env: AgentEnv) {
  const doc = env.document;
  let root = doc.getElementById('app');
  if (!root) {
    root = doc.createElement('div');
    root.id = 'app';
    doc.body.appendChild(root);
  }
  const token = takeToken(env);
  if (!token) {
    render(<NoToken />, root);
    return { store: null, unmount: () => render(null, root) };
  }
  const store = createStore(createApi(env.fetch, token, env.base), Date.now, env.frame);
  const mq = env.matchMedia?.(NARROW_QUERY);
  const onMedia = () => (store.narrow.value = !!mq?.matches);
  onMedia();
  mq?.addEventListener?.('change', onMedia);
  let feed: ReturnType<typeof connectFeed> | undefined;
  let gone = false;
  // The list first, then the feed from the event the list is current with: nothing between.
  void store.load().then(() => {
    if (gone) return;
    feed = connectFeed({
      fetch: env.fetch,
      token,
      base: env.base,
      lastId: store.lastEventId,
      onEvents: store.onFeedEvents,
      onState: store.setFeedState,
    });
  });
  // Time on site moves on its own; a coarse tick is enough for minutes.
  const tick = setInterval(() => (store.now.value = Date.now()), 10_000);
  const load = env.automations;
  // The screen takes the place of the page (`root`); its chunk loads on the first click only.
  const openAutomations =
    load &&
    (() =>
      load().then(
        (m) => m.mountAutomations({ ...env, token, root }),
        (e) => (store.listError.value = 'The Automations screen did not load: ' + e),
      ));
  render(<App store={store} onRetry={() => feed?.now()} onAutomations={openAutomations} />, root);
  return {
    store,
    unmount() {
      render(null, root);
      gone = true;
      feed?.close();
      clearInterval(tick);
      store.dispose();
      mq?.removeEventListener?.('change', onMedia);
    },
  };
}
