/** Script entry of dist/agent.js: the one module with top-level effects. */
import { mountAgentPage } from './mount';

let storage: Storage | null = null;
try {
  storage = window.sessionStorage;
} catch {
  // Blocked storage (privacy settings): the token then lasts until a reload.
}

mountAgentPage({
  document,
  location,
  history,
  storage,
  fetch: window.fetch.bind(window),
  matchMedia: window.matchMedia?.bind(window),
  frame: (run) => requestAnimationFrame(run),
});
