/** The `Origin` check of the visitor endpoints (ALLOWED_ORIGINS). */

/**
 * True when `origin` may use the visitor endpoints: no list set, or the origin is in it. A
 * request without `Origin` is allowed: browsers always send it on WebSockets and cross-origin
 * requests (what the check protects against); same-origin GETs and non-browser clients omit it.
 */
export function originAllowed(origin: string | undefined, allowed: string[] | undefined): boolean {
  return !allowed || origin === undefined || allowed.includes(origin);
}
