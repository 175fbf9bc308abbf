/**
 * `/api/automations` (DESIGN.md §11, docs/AGENT-API.md): list, create, read, replace, switch on
 * or off, delete. The caller (agent-api.ts) has checked the bearer token. A 400 names the field
 * that is wrong; an unknown id is 404.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isRecord } from '../../src/protocol';
import type { Automation, AutomationStats } from './automation';
import type { Automations } from './automations';
import { TOO_LARGE, readJson, sendError, sendJson, sendTooLarge } from './http-json';

/** Largest automation body: a flow of 50 steps with long texts fits. */
const MAX_BODY = 256 * 1024;

/** What the routes need. */
export interface AutomationsApiOptions {
  automations: Automations;
  /** The figures of every automation, by id (absent: all zero). */
  stats(): Promise<Map<string, AutomationStats>>;
}

const ZERO: AutomationStats = { shown: 0, replied: 0, conversations: 0 };

const withStats = (a: Automation, stats: Map<string, AutomationStats>) => ({
  ...a,
  stats: stats.get(a.id) ?? ZERO,
});

/** The JSON body, or undefined after answering 400/413. */
async function body(req: IncomingMessage, res: ServerResponse) {
  const b = await readJson(req, MAX_BODY);
  if (b === TOO_LARGE) return void sendTooLarge(req, res, MAX_BODY);
  if (!isRecord(b))
    return void sendError(res, 400, 'bad_request', 'the body must be a JSON object');
  return b;
}

const notAllowed = (res: ServerResponse, allow: string) =>
  sendError(res, 405, 'method_not_allowed', 'use ' + allow, { allow });

/** Creates the routes; `handle` answers `/api/automations` and `/api/automations/:id`. */
export function createAutomationsApi(o: AutomationsApiOptions) {
  const { automations } = o;

  const one = async (res: ServerResponse, status: number, a: Automation) =>
    sendJson(res, status, { automation: withStats(a, await o.stats()) });

  async function collection(req: IncomingMessage, res: ServerResponse) {
    if (req.method == 'GET' || req.method == 'HEAD') {
      const stats = await o.stats();
      return sendJson(res, 200, { automations: automations.all().map((a) => withStats(a, stats)) });
    }
    if (req.method != 'POST') return notAllowed(res, 'GET, HEAD, POST');
    const b = await body(req, res);
    if (!b) return;
    if (b.id !== undefined)
      return sendError(res, 400, 'bad_request', 'id is chosen by the server: leave it out');
    delete b.stats;
    const a = await automations.create(b);
    if (typeof a == 'string') return sendError(res, 400, 'bad_request', a);
    return one(res, 201, a);
  }

  async function item(id: string, req: IncomingMessage, res: ServerResponse) {
    const a = automations.get(id);
    if (!a) return sendError(res, 404, 'not_found', 'no automation with this id');
    switch (req.method) {
      case 'GET':
      case 'HEAD':
        return one(res, 200, a);
      case 'PUT': {
        const b = await body(req, res);
        if (!b) return;
        if (b.id !== undefined && b.id !== id)
          return sendError(res, 400, 'bad_request', 'id must be the id in the path (or left out)');
        delete b.id;
        delete b.stats;
        const next = await automations.replace(id, b);
        if (typeof next == 'string') return sendError(res, 400, 'bad_request', next);
        return one(res, 200, next);
      }
      case 'PATCH': {
        const b = await body(req, res);
        if (!b) return;
        const extra = Object.keys(b).find((k) => k != 'enabled');
        if (typeof b.enabled != 'boolean' || extra !== undefined)
          return sendError(
            res,
            400,
            'bad_request',
            extra === undefined
              ? 'enabled must be true or false'
              : `${extra} cannot be patched: PATCH takes {enabled}; PUT replaces the whole automation`,
          );
        return one(res, 200, await automations.setEnabled(a, b.enabled));
      }
      case 'DELETE':
        await automations.remove(id);
        return sendJson(res, 200, { deleted: id });
      default:
        return notAllowed(res, 'GET, HEAD, PUT, PATCH, DELETE');
    }
  }

  return {
    /** Answers the request when the path is ours; false otherwise. */
    async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
      if (path == '/api/automations' || path == '/api/automations/') {
        await collection(req, res);
        return true;
      }
      const m = /^\/api\/automations\/([^/]+)\/?$/.exec(path);
      if (!m) return false;
      let id = '';
      try {
        id = decodeURIComponent(m[1]!);
      } catch {
        id = '';
      }
      await item(id, req, res);
      return true;
    },
  };
}
