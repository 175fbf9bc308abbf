/**
 * How visitor data reads on the page: names, anonymous labels, durations, times, variables.
 * Everything returns plain strings that Preact renders as text.
 */
import type { Variable, Visitor } from './types';

export { anonymousLabel, displayName } from '../shared/visitor-list';

/** "45 s", "12 min", "2 h 05", "3 d". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return s + ' s';
  const m = Math.floor(s / 60);
  if (m < 60) return m + ' min';
  const h = Math.floor(m / 60);
  if (h < 24) return h + ' h ' + String(m % 60).padStart(2, '0');
  return Math.floor(h / 24) + ' d';
}

/** "14:05" today, else "12 Mar 14:05". */
export function formatTime(at: number, now: number): string {
  const d = new Date(at);
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return new Date(now).toDateString() == d.toDateString()
    ? time
    : d.toLocaleDateString([], { day: 'numeric', month: 'short' }) + ' ' + time;
}

/** When this visit started: what the server offers, most specific first. */
export function visitStart(v: Visitor): number {
  return v.visitStartedAt || v.connectedAt || v.firstSeenAt;
}

/**
 * Custom variables as `[label, value]` text pairs: the label from `labels` (the agent API's
 * `variableLabels`) or a `{label, value}` entry, else the key.
 */
export function variableEntries(
  vars: Visitor['variables'],
  labels?: Visitor['variableLabels'],
): [string, string][] {
  if (!vars || typeof vars != 'object') return [];
  return Object.keys(vars).map((k) => {
    const raw: Variable = vars[k];
    const label = labels && typeof labels[k] == 'string' ? labels[k] : '';
    if (raw !== null && typeof raw == 'object')
      return [String(label || raw.label || k), String(raw.value ?? '')];
    return [label || k, String(raw)];
  });
}

/** The URL when it is http(s) and may be linked, else null (shown as text only). */
export function safeHref(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.protocol == 'http:' || u.protocol == 'https:' ? u.href : null;
  } catch {
    return null;
  }
}
