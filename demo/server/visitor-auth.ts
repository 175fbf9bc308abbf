/** The visitor check of the HTTP endpoints: a known `vid` and its token. */
import type { ServerResponse } from 'node:http';
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
