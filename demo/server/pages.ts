/**
 * The demo site (`/`, `/pricing`, `/contact`, from demo/site/page.html with the real snippet
 * pointing at this server), the agent page (`/agent`), and the built files from dist/.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { buildSnippet } from '../../src/loader';
import { forwardedProto, type TrustProxy } from './client-address';

const PAGES: Record<string, [title: string, lead: string]> = {
  '/': [
    'Home',
    'Welcome to the Acme demo shop. Browse around: the widget follows you from page to page.',
  ],
  '/pricing': [
    'Pricing',
    'Free, Standard and Pro plans. Stay 20 seconds on this page and an auto message appears.',
  ],
  '/contact': [
    'Contact',
    'Write to us through the chat: the bot answers, then an agent can take over.',
  ],
};

const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  map: 'application/json; charset=utf-8',
};

const AGENT_PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="referrer" content="no-referrer" />
    <title>Visitors · visitor-chat</title>
    <link rel="stylesheet" href="/agent.css" />
    <script src="/agent.js" defer></script>
  </head>
  <body>
    <div id="app"></div>
    <noscript>The Visitors page needs JavaScript.</noscript>
  </body>
</html>
`;

/**
 * The agent page's Content-Security-Policy: what the page needs and nothing more. Its script
 * (agent.js, and the Automations screen's chunk by `import()`) and its style sheet come from
 * here; its requests (the agent API and its feed, by `fetch`) go here; the images it shows are
 * thumbnails of attachments, read with the token and shown from `blob:` URLs ('self' keeps the
 * browser's own /favicon.ico probe allowed where a browser checks it against `img-src`). Its
 * forms are handled by script, never submitted. No page may frame it, no script may write HTML
 * into it (Trusted Types; Preact writes none). test/browser/agent-csp.test.ts: 0 violations.
 */
export const AGENT_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; " +
  "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'; " +
  "object-src 'none'; require-trusted-types-for 'script'; trusted-types 'none'";

const BASE_HEADERS = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

/** A Host header we may echo into a page: a name or IP, an optional port. */
const HOST = /^([a-z0-9.-]+|\[[0-9a-f:.]+\])(:\d{1,5})?$/i;

/**
 * Headers of the widget's own files (widget.js, chat.js, ui.js, http.js, lang.js, lang/,
 * chunks/, their maps),
 * which any site loads from here. `import()` fetches module chunks in CORS mode, so without
 * `Access-Control-Allow-Origin` a page of another origin gets widget.js (a classic script) but
 * not chat.js. `*` is right for public, credential-free files; CORP lets pages that send
 * `Cross-Origin-Embedder-Policy` load them. `no-cache` + ETag: always revalidated (a rebuild shows
 * at once), a 304 when unchanged; content-hashed chunks never change, so they are immutable.
 */
const widgetHeaders = (path: string) => ({
  'access-control-allow-origin': '*',
  'cross-origin-resource-policy': 'cross-origin',
  'cache-control': path.startsWith('chunks/')
    ? 'public, max-age=31536000, immutable'
    : 'public, no-cache',
  'x-content-type-options': 'nosniff',
});

/** The agent page's files: same origin only, as before. */
const isWidgetFile = (path: string) => !path.startsWith('agent.');

/** Sends a file; false when it cannot be read. */
async function file(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  type: string,
  headers: Record<string, string> = BASE_HEADERS,
) {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch {
    return false;
  }
  const etag = '"' + createHash('sha1').update(data).digest('base64url') + '"';
  if (headers != BASE_HEADERS && req.headers['if-none-match'] == etag) {
    res.writeHead(304, { ...headers, etag });
    res.end();
    return true;
  }
  res.writeHead(200, {
    ...headers,
    'content-type': type,
    ...(headers != BASE_HEADERS && { etag }),
  });
  res.end(req.method == 'HEAD' ? undefined : data);
  return true;
}

/** What the pages need. */
export interface PagesOptions {
  /** Project root: dist/ and demo/site/ are under it. */
  root: string;
  /** The account key the demo pages use. */
  siteKey: string;
  /** This server's base URL, used when the request has no usable Host header. */
  baseUrl: () => string;
  /** Send a strict Content-Security-Policy on the demo pages (default true). */
  csp?: boolean;
  /**
   * `TRUST_PROXY`: a trusted proxy's `X-Forwarded-Proto: https` makes the demo pages' server
   * `https://` (behind nginx with TLS, a `http://` server would be blocked as mixed content).
   */
  trustProxy?: TrustProxy;
}

/** Creates the page handler; `handle` answers GET/HEAD requests outside `/api/` and `/v1/`. */
export function createPages(o: PagesOptions) {
  const site = join(o.root, 'demo', 'site');
  const dist = join(o.root, 'dist');
  const template = existsSync(join(site, 'page.html'))
    ? readFileSync(join(site, 'page.html'), 'utf8')
    : '<!doctype html><title>{{title}}</title><script>{{snippet}}</script><h1>{{title}}</h1><p>{{lead}}</p>';

  function page(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    [title, lead]: [string, string],
  ) {
    // The address the browser used: the Host header as it came (a proxy must pass the port:
    // nginx's `$http_host`, not `$host`) and the scheme a trusted proxy says it was.
    const host = req.headers.host;
    const scheme =
      forwardedProto(req.socket.remoteAddress, req.headers['x-forwarded-proto'], o.trustProxy) ||
      'http';
    const server = host && HOST.test(host) ? scheme + '://' + host : o.baseUrl();
    const config: Record<string, unknown> = { key: o.siteKey, server };
    // `/?transport=http` tries the HTTP transport instead of the WebSocket.
    if (url.searchParams.get('transport') == 'http') config.transport = 'http';
    const html = template
      .replaceAll('{{title}}', title)
      .replace('{{lead}}', lead)
      .replace('{{snippet}}', () => buildSnippet('/widget.js', config));
    const headers: Record<string, string> = {
      ...BASE_HEADERS,
      'content-type': 'text/html; charset=utf-8',
    };
    if (o.csp !== false) {
      // Hashes of the inline scripts exactly as served (the snippet), so no 'unsafe-inline'.
      const hashes = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map(
        (m) => `'sha256-${createHash('sha256').update(m[1]!).digest('base64')}'`,
      );
      headers['content-security-policy'] =
        `script-src 'self' ${hashes.join(' ')}; style-src 'self'; object-src 'none'; base-uri 'none'`;
    }
    res.writeHead(200, headers);
    res.end(req.method == 'HEAD' ? undefined : html);
  }

  return {
    /** Answers the request; false when nothing is served at this path. */
    async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
      const path = url.pathname;
      if (Object.hasOwn(PAGES, path)) {
        page(req, res, url, PAGES[path]!);
        return true;
      }
      if (path == '/agent' || path == '/agent/') {
        res.writeHead(200, {
          ...BASE_HEADERS,
          'content-type': 'text/html; charset=utf-8',
          'referrer-policy': 'no-referrer',
          'x-frame-options': 'DENY',
          'content-security-policy': AGENT_CSP,
        });
        res.end(req.method == 'HEAD' ? undefined : AGENT_PAGE);
        return true;
      }
      if (path == '/favicon.ico') {
        // No icon: an empty answer keeps the browser console free of a 404.
        res.writeHead(204, BASE_HEADERS);
        res.end();
        return true;
      }
      if (path == '/console.js') return file(req, res, join(site, 'console.js'), TYPES.js!);
      if (path == '/demo.css') return file(req, res, join(site, 'demo.css'), TYPES.css!);
      // Built files: /widget.js, /chat.js, /agent.js, /agent.css, /chunks/*.js, the language
      // tables /lang/*.js and their maps.
      const m = /^\/((?:chunks\/|lang\/)?[\w-]+(?:\.[\w-]+)*\.(js|css|map))$/.exec(path);
      if (m && !m[1]!.startsWith('server.')) {
        const name = m[1]!;
        const headers = isWidgetFile(name) ? widgetHeaders(name) : BASE_HEADERS;
        return file(req, res, join(dist, name), TYPES[m[2]!]!, headers);
      }
      return false;
    },
  };
}
