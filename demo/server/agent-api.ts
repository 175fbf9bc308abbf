/**
 * The agent API (docs/AGENT-API.md), behind `Authorization: Bearer <AGENT_TOKEN>`. Errors are JSON
 * `{error, message}`. Our additions are marked "ours" (demo/server/README.md lists them).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isRecord, MAX_TEXT } from '../../src/protocol';
import type { AgentFeed } from './agent-feed';
import type { Files } from './files';
import type { Plan } from './config';
import { TOO_LARGE, lingerForBody, readJson, sendError, sendJson, sendTooLarge } from './http-json';
import type { Hub } from './hub';
import type { Logger } from './log';
import { FILTERS, LIST_LIMIT, MAX_PAGE } from '../shared/visitor-list';
import { visitorJson, type Filter, type LiveVisitor } from './presence';
import { safeEqual } from './secrets';
import { attachmentOf } from './store';

/** Largest request body of the agent API. */
const MAX_BODY = 64 * 1024;

/** What the API needs. */
export interface AgentApiOptions {
  hub: Hub;
  feed: AgentFeed;
  token: string;
  plan: Plan;
  log?: Logger;
  /** `POST /api/visitors/:id/files` (files.ts). */
  files?: Pick<Files, 'receive'>;
  /** `/api/automations` (automations-api.ts). */
  automations?: {
    handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean>;
  };
}

type Route = (v: LiveVisitor, req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** Reads `{text, name?}`; answers 400/413 and returns undefined when it is not right. */
async function readText(req: IncomingMessage, res: ServerResponse) {
  const body = await readJson(req, MAX_BODY);
  if (body === TOO_LARGE) return void sendTooLarge(req, res, MAX_BODY);
  if (body === undefined)
    return void sendError(res, 400, 'bad_request', 'the body must be JSON: {"text": "…"}');
  if (!isRecord(body) || typeof body.text != 'string' || !body.text.trim())
    return void sendError(res, 400, 'bad_request', 'text must be a non-empty string');
  if (body.text.length > MAX_TEXT)
    return void sendError(res, 400, 'bad_request', `text must be at most ${MAX_TEXT} characters`);
  if (body.name !== undefined && (typeof body.name != 'string' || body.name.length > 200))
    return void sendError(
      res,
      400,
      'bad_request',
      'name must be a string of at most 200 characters',
    );
  return { text: body.text, name: (body.name as string | undefined)?.trim() || undefined };
}

const BLOCKED = 'unblock the visitor before writing to it';

/** A whole-number query parameter from `min` to MAX_PAGE, `fallback` when absent; undefined when bad. */
function wholeParam(url: URL, name: string, fallback: number, min: number): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  const n = /^\d{1,6}$/.test(raw) ? Number(raw) : NaN;
  return n >= min && n <= MAX_PAGE ? n : undefined;
}

/** 405 with the methods a route takes (HEAD wherever GET is: Node sends its headers only). */
const notAllowed = (res: ServerResponse, allow: string[]) =>
  sendError(res, 405, 'method_not_allowed', 'use ' + allow.join(' or '), {
    allow: allow.flatMap((m) => (m == 'GET' ? ['GET', 'HEAD'] : m)).join(', '),
  });

/** Creates the API; `handle` answers every request under `/api/`. */
export function createAgentApi(o: AgentApiOptions) {
  const { hub } = o;
  /**
   * `extra` plus `visitor` (from the cached visitor string) and `lastEventId`, the feed event
   * the row is current with: a page that applied a later event of the visitor keeps its row.
   */
  const withVisitor = (v: LiveVisitor, extra: Record<string, unknown>) =>
    JSON.stringify({ ...extra, lastEventId: hub.lastEventId() }).slice(0, -1) +
    ',"visitor":' +
    visitorJson(v) +
    '}';
  /** Routes of `/api/visitors/:id/<action>`, by action then method. */
  const actions: Record<string, Record<string, Route>> = {
    '': { GET: async (v, _q, res) => sendJson(res, 200, await hub.detail(v)) },
    conversation: {
      async POST(v, req, res) {
        const body = await readText(req, res);
        if (!body) return;
        if (v.blockedAt != null) return sendError(res, 409, 'blocked', BLOCKED);
        // The free plan opens none, but writes into one the visitor opened (200, as elsewhere).
        const free = o.plan == 'free';
        const r = await hub.agentMessage(v, body.text, body.name, !free);
        if (!r)
          return sendError(
            res,
            403,
            'plan_required',
            'Opening a conversation needs the STANDARD or PRO plan (PLAN=standard or PLAN=pro).',
          );
        sendJson(
          res,
          r.opened ? 201 : 200,
          withVisitor(v, { message: r.message, opened: r.opened }),
        );
      },
      async DELETE(v, _q, res) {
        if (!(await hub.closeConversation(v)))
          return sendError(res, 409, 'no_conversation', 'the visitor has no open conversation');
        sendJson(res, 200, withVisitor(v, {}));
      },
    },
    messages: {
      async POST(v, req, res) {
        const body = await readText(req, res);
        if (!body) return;
        // A blocked visitor's widget is gone: what is written would wait for no one.
        if (v.blockedAt != null) return sendError(res, 409, 'blocked', BLOCKED);
        const r = await hub.agentMessage(v, body.text, body.name, false);
        if (!r)
          return sendError(
            res,
            409,
            'no_conversation',
            'the visitor has no open conversation: open one with POST …/conversation',
          );
        sendJson(res, 201, withVisitor(v, { message: r.message }));
      },
    },
    files: {
      /** Ours: sends a file (the raw body, or multipart) as an agent message, `?text=` with it. */
      async POST(v, req, res) {
        // The refusals below are answered before the file is read.
        lingerForBody(req, res);
        const url = new URL(req.url || '/', 'http://localhost');
        const text = url.searchParams.get('text') ?? '';
        const name = url.searchParams.get('name')?.trim() || undefined;
        if (text.length > MAX_TEXT || (name?.length ?? 0) > 200)
          return sendError(res, 400, 'bad_request', `text must be at most ${MAX_TEXT}, name 200`);
        if (!o.files) return sendError(res, 404, 'not_found', 'this server takes no files');
        if (v.blockedAt != null) return sendError(res, 409, 'blocked', BLOCKED);
        if (!v.conversation)
          return sendError(
            res,
            409,
            'no_conversation',
            'the visitor has no open conversation: open one with POST …/conversation',
          );
        let r;
        try {
          r = await o.files.receive(req, { visitorId: v.id, author: 'agent' });
        } catch (e) {
          // The agent went away mid-file (the page closed, a lost network, this node stopping):
          // nothing was kept, and the database is not the cause (it was logged as unreachable).
          if (req.socket.destroyed)
            return o.log?.warn(`agent api: visitor ${v.id}: upload cut off, nothing kept`);
          throw e;
        }
        if ('status' in r) return sendError(res, r.status, r.error, r.message);
        const sent = await hub.agentMessage(v, text, name, false, [attachmentOf(r)]);
        if (!sent)
          return sendError(res, 409, 'no_conversation', 'the conversation was closed meanwhile');
        sendJson(res, 201, withVisitor(v, { message: sent.message }));
      },
    },
    block: {
      async POST(v, _q, res) {
        await hub.setBlocked(v, true);
        sendJson(res, 200, withVisitor(v, {}));
      },
      async DELETE(v, _q, res) {
        await hub.setBlocked(v, false);
        sendJson(res, 200, withVisitor(v, {}));
      },
    },
    typing: {
      async POST(v, req, res) {
        const body = await readJson(req, MAX_BODY);
        if (body === TOO_LARGE) return sendTooLarge(req, res, MAX_BODY);
        if (!isRecord(body) || typeof body.on != 'boolean')
          return sendError(res, 400, 'bad_request', 'the body must be {"on": true|false}');
        hub.agentTyping(v, body.on);
        sendJson(res, 200, { ok: true });
      },
    },
  };

  /** Answers 503 for a store that rejected before anything was sent (nothing was changed). */
  function unavailable(res: ServerResponse, e: unknown) {
    if (res.headersSent) throw e;
    o.log?.warn('agent api: store unreachable: ' + String(e));
    sendError(res, 503, 'unavailable', 'the database is unavailable, try again', {
      'retry-after': '2',
    });
  }

  function authorized(req: IncomingMessage): boolean {
    const m = /^Bearer ([^\s]+)\s*$/i.exec(req.headers.authorization || '');
    return !!m && safeEqual(m[1]!, o.token);
  }

  return {
    /** Answers a request under `/api/`. */
    async handle(req: IncomingMessage, res: ServerResponse, url: URL) {
      if (!authorized(req))
        return sendError(
          res,
          401,
          'unauthorized',
          'send Authorization: Bearer <AGENT_TOKEN> (the token printed by the server)',
          { 'www-authenticate': 'Bearer' },
        );
      // HEAD is answered as GET is, without the body (Node drops what is written for it).
      const method = req.method == 'HEAD' ? 'GET' : req.method || 'GET';
      const path = url.pathname;
      if (path == '/api/events') {
        if (method != 'GET') return notAllowed(res, ['GET']);
        if (req.method == 'HEAD') {
          res.writeHead(200, {
            'content-type': 'text/event-stream; charset=utf-8',
            'cache-control': 'no-store',
          });
          return void res.end();
        }
        const last = req.headers['last-event-id'];
        // EventSource sends the header; `lastEventId` in the query serves clients that cannot.
        const after = (typeof last == 'string' ? last : url.searchParams.get('lastEventId')) || '';
        if (after.length > 200)
          return sendError(res, 400, 'bad_request', 'Last-Event-ID is longer than 200');
        return o.feed.open(res, after.trim() || undefined, req.headers['accept-encoding']);
      }
      if (path == '/api/visitors') {
        if (method != 'GET') return notAllowed(res, ['GET']);
        const filter = url.searchParams.get('filter') || 'all';
        const q = url.searchParams.get('q') || '';
        if (!FILTERS.includes(filter as Filter))
          return sendError(res, 400, 'bad_request', 'filter must be one of ' + FILTERS.join(', '));
        if (q.length > 200) return sendError(res, 400, 'bad_request', 'q is longer than 200');
        const limit = wholeParam(url, 'limit', LIST_LIMIT, 1);
        const offset = wholeParam(url, 'offset', 0, 0);
        if (limit === undefined || offset === undefined)
          return sendError(
            res,
            400,
            'bad_request',
            `limit must be a whole number from 1 to ${MAX_PAGE}, offset from 0 to ${MAX_PAGE}`,
          );
        return sendJson(res, 200, hub.list(filter as Filter, q, { limit, offset }));
      }
      if (path.startsWith('/api/automations') && o.automations)
        try {
          if (await o.automations.handle(req, res, path)) return;
        } catch (e) {
          return unavailable(res, e);
        }
      const m = /^\/api\/visitors\/([^/]+)(?:\/([a-z]+))?\/?$/.exec(path);
      const routes = m && Object.hasOwn(actions, m[2] ?? '') ? actions[m[2] ?? ''] : undefined;
      if (!m || !routes) return sendError(res, 404, 'not_found', 'no such endpoint');
      if (!Object.hasOwn(routes, method)) return notAllowed(res, Object.keys(routes));
      let id = '';
      try {
        id = decodeURIComponent(m[1]!);
      } catch {
        id = '';
      }
      try {
        const v = id && id.length <= 100 ? await hub.get(id) : undefined;
        if (!v) return sendError(res, 404, 'not_found', 'no visitor with this id');
        return await routes[method]!(v, req, res);
      } catch (e) {
        // The store is unreachable: nothing was changed; the agent page may try again.
        return unavailable(res, e);
      }
    },
  };
}
