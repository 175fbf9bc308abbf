/** Small helpers of the HTTP endpoints: JSON answers and bounded bodies. */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Sends a JSON answer; `body` may be an object, or already serialized (a string, or UTF-8 bytes). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = typeof body == 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(text);
}

/** Where {@link sendError} reports each refusal, per response (set by the server). */
const refusalLogs = new WeakMap<ServerResponse, (line: string) => void>();

/** Makes every {@link sendError} on `res` call `log` with the status and reason first. */
export function logRefusals(res: ServerResponse, log: (line: string) => void): void {
  refusalLogs.set(res, log);
}

/** Sends `{error, message}` (and logs it, see {@link logRefusals}). */
export function sendError(
  res: ServerResponse,
  status: number,
  error: string,
  message: string,
  headers?: Record<string, string>,
): void {
  refusalLogs.get(res)?.(`${status} ${error}: ${message}`);
  sendJson(res, status, { error, message }, headers);
}

/**
 * Reads a request body of at most `max` bytes. Resolves the text, or null when it was larger
 * (the rest is not read here: the caller answers with {@link sendTooLarge}).
 */
export function readBody(req: IncomingMessage, max: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length']) > max) return resolve(null);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.removeAllListeners('data');
        req.pause();
        resolve(null);
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString()));
    req.on('error', reject);
  });
}

/** What {@link readJson} resolves for a body over the limit. */
export const TOO_LARGE = Symbol('too large');

/**
 * Reads a JSON request body of at most `max` bytes: the parsed value, `undefined` when it is not
 * JSON, or {@link TOO_LARGE} (the caller answers 413 with {@link sendTooLarge}).
 */
export async function readJson(req: IncomingMessage, max: number): Promise<unknown> {
  const raw = await readBody(req, max);
  if (raw === null) return TOO_LARGE;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/**
 * How much of a refused request body is read and thrown away after the answer. A socket closed
 * with unread bytes is reset, and the reset can overtake the answer: a browser then shows a
 * network error, and nginx streaming an upload (`proxy_request_buffering off`) answers 502
 * instead of the node's 413. Up to this much is read to its end; a longer body is cut off.
 */
export const DRAIN_LIMIT = 32 * 1024 * 1024;

/**
 * Call before answering a request whose body may be left unread (a refusal): keeps the
 * connection until the rest of the body is read away ({@link DRAIN_LIMIT}), so the client gets
 * the answer, not a reset. A client that asked for `Connection: close` (nginx does by default)
 * is closed once its body is in, as Node would have done at once.
 */
export function lingerForBody(req: IncomingMessage, res: ServerResponse): void {
  if (req.complete || Number(req.headers['content-length']) > DRAIN_LIMIT) return;
  const close = !res.shouldKeepAlive;
  // Node decides when it writes the head whether to close right after the answer: not yet.
  res.shouldKeepAlive = true;
  res.once('finish', () => {
    if (req.complete) return void (close && req.socket.end());
    let read = 0;
    req.removeAllListeners('data');
    req.on('data', (chunk: Buffer) => {
      read += chunk.length;
      if (read > DRAIN_LIMIT) req.socket.destroy();
    });
    if (close) req.once('end', () => req.socket.end());
    req.resume();
  });
}

/** Answers 413 for a JSON body over `max`, and reads the rest away ({@link lingerForBody}). */
export function sendTooLarge(req: IncomingMessage, res: ServerResponse, max: number): void {
  lingerForBody(req, res);
  sendError(res, 413, 'too_large', `the body is larger than ${max} bytes`);
}
