/**
 * The agent REST API (docs/AGENT-API.md) over `fetch`, with the bearer token on every request.
 */
import type { Filter, Message, Visitor, VisitorDetail, VisitorList } from './types';

/** An API answer that was not 2xx, or a network failure (`status` 0). */
export class ApiError extends Error {
  constructor(
    /** HTTP status; 0 when the request never got an answer. */
    readonly status: number,
    /** The server's `error` code, e.g. `plan_required`, `not_found`, `network`. */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** What the page needs from `window`: fetch, bound. */
export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

/**
 * What the page says for refusals whose server message is written for integrators (it names
 * API routes): said for the agent instead.
 */
const FOR_AGENTS: Record<string, string> = {
  no_conversation: 'The conversation was closed meanwhile: open one to write.',
};

/**
 * The answer to the write calls: the server may send the message, the visitor, or nothing
 * useful; `lastEventId`, the feed event the visitor's row is current with (docs/AGENT-API.md).
 */
export type WriteAnswer = {
  message?: Message;
  visitor?: Visitor;
  lastEventId?: string;
} & Partial<Message>;

/** Agent API client. */
export interface Api {
  /** A page of the list: `limit` rows from `offset` (the server's default when absent). */
  list(filter: Filter, q: string, page?: { limit: number; offset: number }): Promise<VisitorList>;
  get(id: string): Promise<VisitorDetail>;
  openConversation(id: string, text: string): Promise<WriteAnswer>;
  send(id: string, text: string): Promise<WriteAnswer>;
  block(id: string): Promise<WriteAnswer>;
  unblock(id: string): Promise<WriteAnswer>;
  /** Sends a file as an agent message into the open conversation (raw body, `X-Filename`). */
  sendFile(id: string, file: Blob, name: string): Promise<WriteAnswer>;
  /** A file of a conversation (`GET /v1/files/:id` with the bearer token). */
  file(fileId: string): Promise<Blob>;
}

const v = (id: string) => '/api/visitors/' + encodeURIComponent(id);

/** A JSON request with the token: resolves with the answer, throws an ApiError. */
export type Call = <T>(method: string, path: string, body?: unknown) => Promise<T>;

/** The request function both the Visitors page and the Automations chunk use. */
export function createCall(fetchFn: Fetch, token: string, base = ''): Call {
  return async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: 'Bearer ' + token };
    const raw = body instanceof Blob;
    if (raw) headers['x-filename'] = encodeURIComponent((body as File).name || 'file');
    if (body !== undefined)
      headers['content-type'] = raw ? body.type || 'application/octet-stream' : 'application/json';
    let res: Response;
    try {
      res = await fetchFn(base + path, {
        method,
        headers,
        body: body === undefined ? undefined : raw ? body : JSON.stringify(body),
      });
    } catch {
      // The browser's own text ("TypeError: Failed to fetch") tells an agent nothing more.
      throw new ApiError(
        0,
        'network',
        'Cannot reach the server: check the connection, then try again.',
      );
    }
    if (res.ok && path.startsWith('/v1/files/')) return (await res.blob()) as T;
    let data: unknown = null;
    try {
      data = await res.json();
    } catch {
      // An empty or non-JSON body: the status alone says what happened.
    }
    if (!res.ok) {
      const d = (data || {}) as { error?: unknown; message?: unknown };
      const code = typeof d.error == 'string' ? d.error : 'http_' + res.status;
      // The reference server always explains; a proxy's bare error page does not.
      const message =
        (Object.hasOwn(FOR_AGENTS, code) && FOR_AGENTS[code]) ||
        (typeof d.message == 'string' && d.message
          ? d.message
          : 'The server answered ' + res.status + ' (' + code + ').');
      throw new ApiError(res.status, code, message);
    }
    return (data ?? {}) as T;
  };
}

/** Creates the client. `base` is the server's origin ('' for the page's own). */
export function createApi(fetchFn: Fetch, token: string, base = ''): Api {
  const call = createCall(fetchFn, token, base);
  return {
    list(filter, q, page) {
      const p: Record<string, string> = { filter };
      if (q) p.q = q;
      if (page) Object.assign(p, { limit: String(page.limit), offset: String(page.offset) });
      return call('GET', '/api/visitors?' + new URLSearchParams(p));
    },
    get: (id) => call('GET', v(id)),
    openConversation: (id, text) => call('POST', v(id) + '/conversation', { text }),
    send: (id, text) => call('POST', v(id) + '/messages', { text }),
    block: (id) => call('POST', v(id) + '/block'),
    unblock: (id) => call('DELETE', v(id) + '/block'),
    sendFile: (id, file, name) =>
      call('POST', v(id) + '/files', new File([file], name, { type: file.type })),
    file: (fileId) => call('GET', '/v1/files/' + encodeURIComponent(fileId)),
  };
}
