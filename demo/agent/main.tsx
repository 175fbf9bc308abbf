/** Script entry of dist/agent.js: the one module with top-level effects. */
import { mountAgentPage } from './mount';

let storage: Storage | null = null;
try {
  storage = window.sessionStorage;
} catch {
  // Blocked storage (privacy settings): the token then lasts until a reload.
}

// The Automations screen is a module next to this script, imported on first use.
const automationsUrl = new URL(
  'agent.automations.js',
  (document.currentScript as HTMLScriptElement).src,
).href;

mountAgentPage({
  document,
  location,
  history,
  storage,
  fetch: window.fetch.bind(window),
  matchMedia: window.matchMedia?.bind(window),
  frame: (run) => requestAnimationFrame(run),
  automations: () => import(/* @vite-ignore */ automationsUrl),
});
