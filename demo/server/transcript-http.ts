/**
 * `GET /v1/transcript` (the visitor downloads its conversation as text) and
 * `POST /v1/transcript/email` (has it emailed, with SMTP_URL), DESIGN.md §9.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isRecord } from '../../src/protocol';
import { TOO_LARGE, readJson, sendError, sendJson } from './http-json';
import { requestSource, type TrustProxy } from './client-address';
import type { HttpLimiter } from './http-limiter';
import type { Hub } from './hub';
import type { Logger } from './log';
import { EMAIL_ADDRESS, type Mailer } from './mailer';
import type { LiveVisitor } from './presence';
import type { Store, StoredConversation } from './store';
import { transcriptText } from './transcript';
import { transcriptWords } from './transcript-words';
import { createQueryAuth, unavailable } from './visitor-auth';

/** Most messages a transcript holds (the newest). */
const MAX_MESSAGES = 10_000;

/** What the endpoints need. */
export interface TranscriptHttpOptions {
  hub: Hub;
  store: Store;
  log: Logger;
  keys: string[];
  /** Unset: no SMTP_URL, so `…/email` answers 501. */
  mailer?: Mailer;
  /** Transcript emails per visitor. */
  limiter: HttpLimiter;
  /**
   * Transcript emails per client address, and per node: a new visitor costs one `hello`, so a
   * limit per visitor alone let anyone send any text from MAIL_FROM to any inbox, as fast as it
   * asked.
   */
  addressLimiter?: HttpLimiter;
  /** Downloads per visitor: each reads up to MAX_MESSAGES messages. */
  downloadLimiter?: HttpLimiter;
  nodeLimiter?: HttpLimiter;
  /** Reads the client's address behind the proxies TRUST_PROXY names. */
  trustProxy?: TrustProxy;
  /** Base of the file links (PUBLIC_URL, else the server's address). */
  baseUrl(): string;
}

/** Creates the endpoints. */
export function createTranscriptHttp(o: TranscriptHttpOptions) {
  const { hub, store, log } = o;
  const visitor = createQueryAuth(hub, log, o.keys);
  let warnedNode = false;

  /** The open (else last) conversation; undefined when there is none. */
  const conversationOf = async (v: LiveVisitor) =>
    v.conversation ?? (await store.lastConversation(v.id));

  /** The transcript of `c`, one of `v`'s conversations. */
  async function transcript(v: LiveVisitor, c: StoredConversation) {
    const messages = await store.messages(c.id, MAX_MESSAGES);
    // In the language the widget speaks to the visitor (its hello's `lang`).
    const words = transcriptWords(v.language);
    const text = transcriptText(messages, {
      visitorName: v.name,
      openedAt: c.openedAt,
      closedAt: c.closedAt,
      base: o.baseUrl(),
      words,
      lang: v.language,
      timeZone: v.timeZone,
    });
    return {
      text,
      subject: words.subject,
      filename: `chat-transcript-${new Date(c.openedAt).toISOString().slice(0, 10)}.txt`,
    };
  }

  async function download(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    cors: Record<string, string>,
  ) {
    const v = await visitor(req, res, url, cors);
    if (!v || o.downloadLimiter?.limited(res, v.id, 1, cors)) return;
    const c = await conversationOf(v);
    if (!c) return sendError(res, 404, 'no_conversation', 'there is no conversation yet', cors);
    const t = await transcript(v, c);
    res.writeHead(200, {
      ...cors,
      'content-type': 'text/plain; charset=utf-8',
      'content-disposition': `attachment; filename="${t.filename}"`,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    });
    res.end(t.text);
  }

  async function email(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    cors: Record<string, string>,
  ) {
    if (!o.mailer)
      return sendError(
        res,
        501,
        'not_configured',
        'this server sends no email (SMTP_URL is not set)',
        cors,
      );
    const v = await visitor(req, res, url, cors);
    if (!v) return;
    const body = await readJson(req, 4096);
    if (body === TOO_LARGE || (body !== undefined && !isRecord(body)))
      return sendError(res, 400, 'bad_request', 'the body must be {"email": "…"} (or empty)', cors);
    const given = isRecord(body) ? body.email : undefined;
    const to = given === undefined ? v.email : given;
    if (typeof to != 'string' || to.length > 254 || !EMAIL_ADDRESS.test(to))
      return sendError(
        res,
        400,
        'bad_request',
        given === undefined
          ? 'send {"email": "…"}: the visitor has no email'
          : 'email must be an email address',
        cors,
      );
    const c = await conversationOf(v);
    if (!c) return sendError(res, 404, 'no_conversation', 'there is no conversation yet', cors);
    // Only a request that will send an email spends the budgets (the visitor's, its address's,
    // the node's): a refused or pointless one (400, 404 above) costs an honest visitor nothing.
    if (o.limiter.limited(res, 't ' + v.id, 1, cors)) return;
    const from = requestSource(req, o.trustProxy).address ?? '';
    if (o.addressLimiter?.limited(res, from, 1, cors)) return;
    if (o.nodeLimiter?.limited(res, '', 1, cors)) {
      if (!warnedNode) log.warn('transcript emails: the limit per node was reached (429 for now)');
      warnedNode = true;
      return;
    }
    warnedNode = false;
    const t = await transcript(v, c);
    // Sent in the background: the answer does not wait for SMTP (failures are logged, counted).
    void o.mailer.send('transcript', {
      to,
      subject: t.subject,
      text: t.text,
      attachment: { filename: t.filename, content: t.text },
    });
    sendJson(res, 202, { ok: true }, cors);
  }

  return {
    prefix: '/v1/transcript',
    /** Answers `/v1/transcript` and `/v1/transcript/email`. */
    async handle(
      req: IncomingMessage,
      res: ServerResponse,
      url: URL,
      cors: Record<string, string>,
    ) {
      const route = url.pathname;
      const method =
        route == '/v1/transcript' ? 'GET' : route == '/v1/transcript/email' ? 'POST' : '';
      if (!method) return sendError(res, 404, 'not_found', 'no such endpoint', cors);
      if (req.method != method)
        return sendError(res, 405, 'method_not_allowed', `use ${method}`, {
          ...cors,
          allow: method,
        });
      try {
        return await (method == 'GET' ? download : email)(req, res, url, cors);
      } catch (e) {
        return unavailable(res, e, cors, log);
      }
    },
  };
}
