/**
 * `POST /v1/files` (a visitor uploads) and `GET /v1/files/:id` (the owning visitor or an agent
 * reads), DESIGN.md §9. Files are served so that no browser runs them: `nosniff`, a sandboxing
 * CSP, and a download (`Content-Disposition: attachment`) for anything but raster images.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { requestSource, type TrustProxy } from './client-address';
import { INLINE_TYPES } from './file-types';
import type { Files } from './files';
import { lingerForBody, sendError, sendJson } from './http-json';
import type { HttpLimiter } from './http-limiter';
import type { Hub } from './hub';
import type { Logger } from './log';
import { attachmentOf } from './store';
import { safeEqual } from './secrets';
import { bearer, createQueryAuth, unavailable } from './visitor-auth';

/** What the endpoints need. */
export interface FilesHttpOptions {
  hub: Hub;
  files: Files;
  log: Logger;
  keys: string[];
  agentToken: string;
  /** Uploads per visitor. */
  limiter: HttpLimiter;
  /** Uploads per client address, whatever visitors it claims to be. */
  addressLimiter: HttpLimiter;
  /** Whose `X-Forwarded-For` names the client's address (TRUST_PROXY). */
  trustProxy?: TrustProxy;
}

/** `Content-Disposition` with the name as RFC 6266 wants it (an ASCII fallback, then UTF-8). */
export function disposition(kind: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const utf8 = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => '%' + c.charCodeAt(0).toString(16),
  );
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${utf8}`;
}

/** Headers every served file gets: nothing in it runs, nothing is cached for others. */
const SAFE = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; sandbox",
  'cache-control': 'private',
  'cross-origin-resource-policy': 'cross-origin',
};

/**
 * Lets go of a file's bytes without reading them: a stream (an open file) is destroyed, which
 * closes its file. Not through its async iterator: `return()` on an iterator that never started
 * runs none of its clean-up, and the file stayed open until garbage collection.
 */
function unread(body: AsyncIterable<Buffer>) {
  (body as Partial<Readable>).destroy?.();
}

/** Creates the endpoints. */
export function createFilesHttp(o: FilesHttpOptions) {
  const { hub, files, log } = o;
  const visitor = createQueryAuth(hub, log, o.keys);
  // Uploads are limited per visitor (once the token is right) before anything is read, and per
  // client address: a new visitor costs one hello, so visitors alone bound nothing. The
  // visitor's bucket is asked first, so one visitor past its own limit takes nothing from the
  // others behind the same address (an office behind one NAT).
  const uploader = createQueryAuth(
    hub,
    log,
    o.keys,
    (res, vid, cors, req) =>
      o.limiter.limited(res, 'f ' + vid, 1, cors) ||
      o.addressLimiter.limited(
        res,
        'fa ' + (requestSource(req, o.trustProxy).address ?? ''),
        1,
        cors,
      ),
  );

  async function upload(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    cors: Record<string, string>,
  ) {
    // Every refusal below (401, 403, 429, 413, 415…) is answered before the file is read.
    lingerForBody(req, res);
    const v = await uploader(req, res, url, cors);
    if (!v) return;
    if (v.blockedAt != null)
      return sendError(res, 403, 'blocked', 'blocked visitors cannot send files', cors);
    let r;
    try {
      r = await files.receive(req, { visitorId: v.id, author: 'visitor' });
    } catch (e) {
      // The uploader went away mid-file (a reload, a lost network): nothing was kept, and
      // the widget starts the upload again.
      if (req.socket.destroyed) return log.warn(`visitor ${v.id}: upload cut off, nothing kept`);
      return unavailable(res, e, cors, log);
    }
    if ('status' in r) {
      return sendError(res, r.status, r.error, r.message, cors);
    }
    hub.touchHttp(v);
    sendJson(res, 201, { file: attachmentOf(r) }, cors);
  }

  async function serve(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    id: string,
    cors: Record<string, string>,
  ) {
    const token = bearer(req, url);
    const agent = token !== undefined && safeEqual(token, o.agentToken);
    let owner: string | undefined;
    if (!agent) {
      // Without a visitor id the request can only be an agent's: a wrong or missing bearer.
      if (!url.searchParams.get('vid'))
        return sendError(
          res,
          401,
          'unauthorized',
          token === undefined
            ? 'send the visitor token (key, vid, token) or the agent bearer token'
            : 'wrong agent token',
          { ...cors, 'www-authenticate': 'Bearer' },
        );
      const v = await visitor(req, res, url, cors);
      if (!v) return;
      owner = v.id;
    }
    let found;
    try {
      found = /^[\w-]{1,100}$/.test(id) ? await files.open(id) : undefined;
    } catch (e) {
      return unavailable(res, e, cors, log);
    }
    // Another visitor's file is "not found" too: its existence is not told.
    if (!found || (owner !== undefined && found.file.visitorId != owner)) {
      if (found) unread(found.body);
      return sendError(res, 404, 'not_found', 'no such file', cors);
    }
    const { file, body } = found;
    res.writeHead(200, {
      ...cors,
      ...SAFE,
      'content-type': file.type,
      'content-length': String(file.size),
      'content-disposition': disposition(
        INLINE_TYPES.has(file.type) ? 'inline' : 'attachment',
        file.name,
      ),
    });
    if (req.method == 'HEAD') {
      unread(body);
      return void res.end();
    }
    await pipeline(Readable.from(body), res).catch((e) => {
      log.warn(`file ${file.id}: not sent whole: ${e}`);
      res.destroy();
    });
  }

  return {
    prefix: '/v1/files',
    /** Answers `/v1/files` and `/v1/files/:id`. */
    async handle(
      req: IncomingMessage,
      res: ServerResponse,
      url: URL,
      cors: Record<string, string>,
    ) {
      const path = url.pathname;
      if (path == '/v1/files') {
        if (req.method != 'POST')
          return sendError(res, 405, 'method_not_allowed', 'use POST', { ...cors, allow: 'POST' });
        return upload(req, res, url, cors);
      }
      const id = path.slice('/v1/files/'.length);
      if (id.includes('/')) return sendError(res, 404, 'not_found', 'no such file', cors);
      if (req.method != 'GET' && req.method != 'HEAD')
        return sendError(res, 405, 'method_not_allowed', 'use GET', {
          ...cors,
          allow: 'GET, HEAD',
        });
      return serve(req, res, url, id, cors);
    },
  };
}
