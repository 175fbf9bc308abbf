// A throwaway HTTP server on 127.0.0.1 for the host pages: given pages by path, dist/ files
// for the rest, and other folders under URL prefixes (`dirs`: a competitor's build). Every
// script served is listed in `served` with its brotli size, as a CDN would send it.
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { DIST } from './dist.mjs';

const TYPES = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.png': 'image/png',
};

/** Brotli (quality 11) sizes of files served, by path: compressing a big chunk takes a while. */
const brotliSizes = new Map();
const brotliOf = (file, raw) => {
  if (!brotliSizes.has(file)) brotliSizes.set(file, brotliCompressSync(raw).length);
  return brotliSizes.get(file);
};

/**
 * Starts the server on a free port; resolves `{url, served, close()}`. `dirs` maps a URL prefix
 * (`/livechat`) to a folder: the prefix itself answers with the folder's index.html.
 */
export async function serveStatic(pages, dirs = {}) {
  const served = [];
  const server = createServer((req, res) => {
    const path = new URL(req.url || '/', 'http://x').pathname;
    if (path in pages) {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
      });
      return res.end(pages[path]);
    }
    const prefix = Object.keys(dirs).find((d) => path == d || path.startsWith(d + '/'));
    const root = prefix ? dirs[prefix] : DIST;
    const file = normalize(
      join(root, prefix ? (path == prefix ? 'index.html' : path.slice(prefix.length)) : path),
    );
    if (!file.startsWith(root) || !existsSync(file) || !TYPES[extname(file)]) {
      res.writeHead(path == '/favicon.ico' ? 204 : 404).end();
      return;
    }
    // Compressed as a CDN would serve it (Chromium offers br only over HTTPS).
    const accept = String(req.headers['accept-encoding'] || '');
    const encoding = /\bbr\b/.test(accept) ? 'br' : /\bgzip\b/.test(accept) ? 'gzip' : '';
    const raw = readFileSync(file);
    if (extname(file) == '.js') served.push({ path, brotli: brotliOf(file, raw) });
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
    served,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
