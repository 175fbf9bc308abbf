/** The `Origin` check of the visitor endpoints (ALLOWED_ORIGINS). */

/**
 * True when `origin` may use the visitor endpoints: no list set, the origin is in it, or it is
 * the server's own (its host is the request's `Host`: the demo site `npm start` prints, also
 * behind a proxy that passes the host on). A request without `Origin` is allowed: browsers always
 * send it on WebSockets and cross-origin requests (what the check protects against); same-origin
 * GETs and non-browser clients omit it.
 */
export function originAllowed(
  origin: string | undefined,
  allowed: string[] | undefined,
  host?: string,
): boolean {
  if (!allowed || origin === undefined || allowed.includes(origin)) return true;
  try {
    return !!host && new URL(origin).host == host.toLowerCase();
  } catch {
    return false;
  }
}
