/**
 * How frames change a live visitor in memory: activity, identity, variables, pages. Pure
 * functions over the LiveVisitor; writing it to the store is the caller's part.
 */
import type { PageInfo, Profile, VariableValue } from '../../src/protocol';
import { profileField, withoutBidi } from './bidi-controls';
import { changed, type LiveVisitor } from './presence';

/** Most variables one visitor keeps (a visitor cannot grow its stored row without bound). */
export const MAX_VARIABLES = 100;

/** Records activity (clamped: a client clock ahead of ours must not keep a visitor active). */
export function setActivity(v: LiveVisitor, at: number, t: number) {
  const a = Math.min(at, t);
  if (a > v.lastActivityAt) {
    v.lastActivityAt = a;
    // A heartbeat moves only the activity time: the cached row keeps everything else and the
    // search text stays (rebuilding both for every heartbeat made each list request rebuild
    // nearly every row at 10,000 visitors). Active → idle is `refresh`'s change.
    if (v.row) v.row = { ...v.row, lastActivityAt: a };
    v.json = null;
  }
  v.lastSeenAt = t;
  v.dirty = true;
}

/**
 * Applies identity fields as agents see them (`profileField`: without bidi controls, zero-width
 * and other invisible characters, runs of white space made one), so that two visitors cannot be
 * made to look alike on the agent page; a field that is then empty clears it, as an empty
 * string does. Returns whether the email changed.
 */
export function applyProfile(v: LiveVisitor, p: Profile): boolean {
  const email = v.email;
  for (const k of ['name', 'email', 'phone'] as const)
    if (p[k] !== undefined) v[k] = profileField(p[k]!) || null;
  if (v.name || v.email || v.phone) v.customer = true;
  changed(v);
  return v.email != email;
}

/**
 * Merges changed variables, each taking its label from `labels` or having none any more; false
 * (nothing changed) when the result would exceed MAX_VARIABLES. Keys, labels and text values
 * lose their bidi controls; a key that is empty or `__proto__` without them (`__\u202aproto__`
 * passes the frame check) is dropped: assigned, `__proto__` would set the object's prototype.
 */
export function mergeVariables(
  v: LiveVisitor,
  vars: Record<string, VariableValue>,
  labels: Record<string, string> = {},
): boolean {
  const next = { ...v.variables };
  for (const k of Object.keys(vars)) {
    const raw = vars[k]!;
    const value = typeof raw == 'string' ? withoutBidi(raw) : raw;
    const key = withoutBidi(k);
    if (!key || key == '__proto__') continue;
    next[key] = Object.prototype.hasOwnProperty.call(labels, k)
      ? { label: withoutBidi(labels[k]!), value }
      : value;
  }
  changed(v);
  if (Object.keys(next).length > MAX_VARIABLES) return false;
  v.variables = next;
  return true;
}

/**
 * The visitor arrived on a page at `t` (the caller stores the page view; both take the page
 * through `pageWithoutBidi`).
 */
export function pageViewed(v: LiveVisitor, page: PageInfo, t: number) {
  v.pageViews++;
  v.pageUrl = page.url;
  v.pageTitle = page.title;
  // Arriving on a page is activity: a visitor who just came is active, not idle.
  setActivity(v, t, t);
  changed(v);
}
