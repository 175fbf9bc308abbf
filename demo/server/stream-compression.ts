/**
 * A compressed long-lived response (the agent feed): brotli or gzip as the client accepts,
 * flushed after every write so each event reaches the client at once, while the compressor's
 * window spans the whole stream (the JSON keys of one row compress against the rows before it).
 */
import type { ServerResponse } from 'node:http';
import zlib from 'node:zlib';

/** Where a stream's writes go, and how much of it waits unsent. */
export interface StreamOut {
  /** Writes a chunk and flushes it through the compressor. */
  write(chunk: string): void;
  /** Bytes waiting in the compressor and the socket. */
  buffered(): number;
  end(): void;
}

/** `content-encoding` to use for an `accept-encoding` header, or undefined for none. */
export function pickEncoding(accept: string | undefined): 'br' | 'gzip' | undefined {
  const a = (accept || '').toLowerCase();
  if (/\bbr\b/.test(a)) return 'br';
  if (/\bgzip\b/.test(a)) return 'gzip';
  return undefined;
}

/** Wraps `res` (headers already written with `encoding`) in a flushing compressor. */
export function compressedOut(res: ServerResponse, encoding: 'br' | 'gzip' | undefined): StreamOut {
  if (!encoding)
    return {
      write: (chunk) => void res.write(chunk),
      buffered: () => res.writableLength,
      end: () => res.end(),
    };
  const z =
    encoding == 'br'
      ? zlib.createBrotliCompress({
          params: {
            [zlib.constants.BROTLI_PARAM_QUALITY]: 5,
            [zlib.constants.BROTLI_PARAM_LGWIN]: 20,
          },
        })
      : zlib.createGzip({ level: 6 });
  const flushKind =
    encoding == 'br' ? zlib.constants.BROTLI_OPERATION_FLUSH : zlib.constants.Z_SYNC_FLUSH;
  z.pipe(res);
  z.on('error', () => res.destroy());
  res.on('close', () => z.destroy());
  return {
    write(chunk) {
      z.write(chunk);
      z.flush(flushKind);
    },
    buffered: () => z.writableLength + res.writableLength,
    end: () => z.end(),
  };
}
