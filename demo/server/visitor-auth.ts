/** The visitor check of the HTTP endpoints: a known `vid` and its token. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendError } from './http-json';
import type { Hub } from './hub';
import type { Logger } from './log';
import type { LiveVisitor } from './presence';
import { hashToken, safeEqual } from './secrets';

/** A visitor id (as `parseClientFrame` checks `hello.vid`); also bounds the rate-limit keys. */
export const VID = /^[\w-]{1,100}$/;

/** Answers 503 for an unreachable store: the widget retries (its messages stay in its outbox). */
export function unavailable(
  res: ServerResponse,
  e: unknown,
  cors: Record<string, string>,
  log: Logger,
) {
  log.warn(`http ${res.req.socket.remoteAddress}: store unreachable: ${e}`);
  if (!res.headersSent)
    sendError(res, 503, 'unavailable', 'try again later', { ...cors, 'retry-after': '2' });
}

/**
 * The check over `hub`: resolves the visitor of `vid` when `token` is its token; otherwise
 * answers (400 unknown visitor, 401 wrong token, 503 store down) and resolves undefined.
 */
export function createVisitorAuth(hub: Hub, log: Logger) {
  return async function authorize(
    res: ServerResponse,
    vid: unknown,
    token: unknown,
    cors: Record<string, string>,
  ): Promise<LiveVisitor | undefined> {
    let v: LiveVisitor | undefined;
    try {
      v = typeof vid == 'string' && VID.test(vid) ? await hub.get(vid) : undefined;
    } catch (e) {
      unavailable(res, e, cors, log);
      return undefined;
    }
    if (!v) {
      sendError(res, 400, 'bad_request', 'unknown visitor: send hello first', cors);
      return undefined;
    }
    if (typeof token != 'string' || !safeEqual(hashToken(token), v.tokenHash)) {
      sendError(res, 401, 'invalid_token', 'wrong visitor token', cors);
      return undefined;
    }
    return v;
  };
}

/** The bearer token of a request: `Authorization: Bearer …`, else `?access_token=`. */
export function bearer(req: IncomingMessage, url: URL): string | undefined {
  const m = /^Bearer ([^\s]+)\s*$/i.exec(req.headers.authorization || '');
  return m?.[1] ?? (url.searchParams.get('access_token') || undefined);
}

/**
 * The check of the file and transcript endpoints: `key`, `vid` and the token in the query
 * (`token=`, or a bearer token). Resolves the visitor, or answers (404 unknown key, 401 no or a
 * wrong token, 400 unknown visitor) and resolves undefined. `limit` runs once the token is
 * right (a rate limit: a request with a wrong token must not use up the visitor's budget); it
 * answers and returns true to stop.
 */
export function createQueryAuth(
  hub: Hub,
  log: Logger,
  keys: string[],
  limit?: (
    res: ServerResponse,
    vid: string,
    cors: Record<string, string>,
    req: IncomingMessage,
  ) => boolean,
) {
  const authorize = createVisitorAuth(hub, log);
  return async (
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    cors: Record<string, string>,
  ): Promise<LiveVisitor | undefined> => {
    if (!keys.includes(url.searchParams.get('key') || '')) {
      sendError(res, 404, 'unknown_key', 'unknown account key', cors);
      return undefined;
    }
    const token = url.searchParams.get('token') || bearer(req, url);
    if (!token) {
      sendError(
        res,
        401,
        'invalid_token',
        'send the visitor token (token= or Authorization: Bearer)',
        cors,
      );
      return undefined;
    }
    const vid = url.searchParams.get('vid') || '';
    if (!VID.test(vid)) {
      sendError(res, 400, 'bad_request', 'vid must be an id (1 to 100 of A-Z a-z 0-9 _ -)', cors);
      return undefined;
    }
    const v = await authorize(res, vid, token, cors);
    return v && !res.destroyed && limit?.(res, vid, cors, req) ? undefined : v;
  };
}
