// An HTTP proxy in front of the reference server that counts what the browser downloads
// (status line, headers and body bytes, event streams included as they flow), so KB per minute
// is measured on the wire the page sees, whatever the page does. `override` serves some paths
// from files instead (the old agent page, for the comparison in bench/agent-page.mjs).
import { readFileSync } from 'node:fs';
import http from 'node:http';

/** Starts the proxy on 127.0.0.1; resolves `{url, bytes(), requests(path?), close()}`. */
export function startCountingProxy(target, override = {}) {
  const upstream = new URL(target);
  let total = 0;
  const paths = [];
  const count = (head, stream) => {
    total += head;
    stream.on('data', (d) => (total += d.length));
  };
  const server = http.createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    paths.push(req.url);
    if (Object.hasOwn(override, path)) {
      const body = readFileSync(override[path]);
      const type = path.endsWith('.css') ? 'text/css' : 'text/javascript';
      res.writeHead(200, { 'content-type': type, 'content-length': body.length });
      total += 100 + body.length;
      return res.end(body);
    }
    const out = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (r) => {
        const head = 17 + r.rawHeaders.reduce((n, h) => n + h.length + 2, 0);
        count(head, r);
        res.writeHead(r.statusCode, r.headers);
        r.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        /** Bytes sent to the browser so far. */
        bytes: () => total,
        /** Request URLs so far (path and query), optionally only those for `path`. */
        requests: (path) =>
          path ? paths.filter((p) => new URL(p, 'http://x').pathname == path) : [...paths],
        close() {
          server.closeAllConnections();
          return new Promise((ok) => server.close(ok));
        },
      }),
    ),
  );
}
