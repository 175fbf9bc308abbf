// A throwaway HTTP server on 127.0.0.1 for the host pages: given pages by path, dist/ files
// for the rest. `hold` lists paths it never answers (to keep the chat layer from loading).
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { DIST } from './dist.mjs';

const TYPES = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

/** Starts the server on a free port; resolves `{url, close()}`. */
export async function serveStatic(pages) {
  const server = createServer((req, res) => {
    const path = new URL(req.url || '/', 'http://x').pathname;
    if (path in pages) {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
      });
      return res.end(pages[path]);
    }
    const file = normalize(join(DIST, path));
    if (!file.startsWith(DIST) || !existsSync(file) || !TYPES[extname(file)]) {
      res.writeHead(path == '/favicon.ico' ? 204 : 404).end();
      return;
    }
    // Compressed as a CDN would serve it (Chromium offers br only over HTTPS).
    const accept = String(req.headers['accept-encoding'] || '');
    const encoding = /\bbr\b/.test(accept) ? 'br' : /\bgzip\b/.test(accept) ? 'gzip' : '';
    const raw = readFileSync(file);
    const body =
      encoding == 'br'
        ? brotliCompressSync(raw)
        : encoding == 'gzip'
          ? gzipSync(raw, { level: 9 })
          : raw;
    res.writeHead(200, {
      'content-type': TYPES[extname(file)],
      'cache-control': 'no-store',
      ...(encoding && { 'content-encoding': encoding }),
    });
    res.end(body);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
