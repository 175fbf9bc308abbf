/**
 * The agent token arrives in the URL fragment (`/agent#token=…`, so it never reaches server logs).
 * It is taken out of the address bar at once, and kept in sessionStorage so a reload still works.
 */

const KEY = 'visitor-chat:agent-token';

/** The globals this needs, passed in so tests can fake them. */
export interface TokenEnv {
  location: { hash: string; pathname: string; search: string };
  history: { replaceState(data: unknown, unused: string, url?: string): void; state: unknown };
  storage?: Pick<Storage, 'getItem' | 'setItem'> | null;
}

/** Returns the token from the fragment (then hides it) or from sessionStorage, else ''. */
export function takeToken(env: TokenEnv): string {
  const hash = env.location.hash.replace(/^#/, '');
  // Not URLSearchParams: it would turn a '+' in the token into a space.
  const m = /(?:^|&)token=([^&]*)/.exec(hash);
  let fromHash = '';
  try {
    fromHash = m ? decodeURIComponent(m[1]) : '';
  } catch {
    fromHash = m![1];
  }
  let stored = '';
  try {
    stored = env.storage?.getItem(KEY) || '';
    if (fromHash) env.storage?.setItem(KEY, fromHash);
  } catch {
    // Storage refused (privacy settings): the token then only lasts until a reload.
  }
  if (m) {
    const rest = hash.replace(m[0], '').replace(/^&/, '');
    env.history.replaceState(
      env.history.state,
      '',
      env.location.pathname + env.location.search + (rest ? '#' + rest : ''),
    );
  }
  return fromHash || stored;
}
