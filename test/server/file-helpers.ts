/** Helpers of the file tests: sample files, and uploads and downloads as the widget makes them. */
import type { RunningServer } from '../../demo/server/server';
import type { Frame, visit } from './helpers';

/** A real 1×1 PNG. */
export const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
export const PDF = Buffer.from('%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n');

/** Who uploads: a visitor's id and token. */
export interface Uploader {
  vid: string;
  token: string;
}

/** `POST /v1/files` as the widget sends it; `json` is the answer's body. */
export async function upload(
  s: RunningServer,
  who: Partial<Uploader>,
  body: BodyInit | Buffer,
  name = 'file.bin',
  headers: Record<string, string> = {},
) {
  const q = new URLSearchParams({ key: 'demo', vid: who.vid ?? '' });
  if (who.token) q.set('token', who.token);
  const res = await fetch(`${s.url}/v1/files?${q}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/octet-stream',
      'x-filename': encodeURIComponent(name),
      ...headers,
    },
    body: body as BodyInit,
    // A stream body needs it (undici).
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
  const text = await res.text();
  let json: Frame = {};
  try {
    json = JSON.parse(text);
  } catch {
    json = { text };
  }
  return { status: res.status, json, headers: res.headers };
}

/** `GET` of a file path with a visitor's query or extra headers. */
export async function download(
  s: RunningServer,
  url: string,
  who?: Uploader,
  headers: Record<string, string> = {},
) {
  const q = who ? '?' + new URLSearchParams({ key: 'demo', vid: who.vid, token: who.token }) : '';
  const res = await fetch(s.url + url + q, { headers });
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()), headers: res.headers };
}

/** Sends files the visitor uploaded in a message of its own; resolves its ack. */
export async function sendFiles(who: Awaited<ReturnType<typeof visit>>, ids: string[]) {
  const cid = 'files-' + ids.join('-');
  who.c.send({ t: 'msg', cid, text: '', at: Date.now(), attachments: ids.map((id) => ({ id })) });
  return who.c.next('ack');
}
