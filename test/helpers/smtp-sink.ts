/**
 * A local SMTP sink (smtp-server) on 127.0.0.1 and a free port: it keeps every email it gets,
 * decoded enough to read (headers, and a quoted-printable or base64 body unfolded), so tests
 * check what the server emailed. `reject` makes it refuse every message (a failing SMTP server).
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** An email as received. */
export interface Received {
  from: string;
  to: string[];
  /** The raw message (headers and body as sent). */
  raw: string;
  /** The `Subject` header, decoded when it is an encoded word. */
  subject: string;
  /** Every text part, decoded, joined. */
  text: string;
  at: number;
}

function decodePart(headers: string, body: string): string {
  const enc = /content-transfer-encoding:\s*([\w-]+)/i.exec(headers)?.[1]?.toLowerCase();
  if (enc == 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (enc == 'quoted-printable') {
    const bytes = body
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

/** The text of a raw message: its text/plain parts (nested multipart included), decoded. */
export function textOf(raw: string): string {
  const split = raw.indexOf('\r\n\r\n');
  const headers = raw.slice(0, split);
  const body = raw.slice(split + 4);
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(headers)?.[1];
  if (/content-type:\s*multipart\//i.test(headers) && boundary)
    return body
      .split('--' + boundary)
      .slice(1, -1)
      .map((part) => textOf(part.replace(/^\r\n/, '')))
      .join('\n');
  return /content-type:\s*text\/plain/i.test(headers) || !/content-type:/i.test(headers)
    ? decodePart(headers, body)
    : '';
}

const decodeWords = (s: string) =>
  s.replace(/=\?utf-8\?([BQ])\?([^?]*)\?=\s*/gi, (_, kind: string, data: string) =>
    kind.toUpperCase() == 'B'
      ? Buffer.from(data, 'base64').toString('utf8')
      : Buffer.from(
          data
            .replace(/_/g, ' ')
            .replace(/=([0-9A-F]{2})/gi, (__, h: string) => String.fromCharCode(parseInt(h, 16))),
          'latin1',
        ).toString('utf8'),
  );

/** Starts a sink; `close()` stops it. */
export async function startSmtpSink(o: { reject?: boolean } = {}) {
  const received: Received[] = [];
  const waiters = new Set<() => void>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (o.reject) return callback(new Error('mailbox unavailable'));
        const raw = Buffer.concat(chunks).toString('utf8');
        const head = raw.slice(0, raw.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ');
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          subject: decodeWords(/^subject:\s*(.*)$/im.exec(head)?.[1] ?? ''),
          text: textOf(raw),
          at: Date.now(),
        });
        for (const w of waiters) w();
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    /** Resolves once `n` emails arrived (rejects after `ms`). */
    count(n: number, ms = 10_000): Promise<Received[]> {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (received.length < n) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(received.slice(0, n));
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${received.length} of ${n} emails within ${ms} ms`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
