// @vitest-environment node
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serve } from './helpers';

describe('demo pages and static files', () => {
  it('serves the demo pages with the real snippet for this server and a CSP hash of it', async () => {
    const s = await serve();
    for (const path of ['/', '/pricing', '/contact']) {
      const res = await fetch(s.url + path);
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain(`_smartsupp.server=${JSON.stringify(s.url)}`);
      expect(html).toContain('c.src="/widget.js"');
      expect(html).not.toContain('playground.js');
      const inline = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
      const hash = createHash('sha256').update(inline).digest('base64');
      expect(res.headers.get('content-security-policy')).toBe(
        `script-src 'self' 'sha256-${hash}'; style-src 'self'; object-src 'none'; base-uri 'none'`,
      );
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const http = await (await fetch(s.url + '/?transport=http')).text();
    expect(http).toContain('_smartsupp.transport="http"');
  });

  it('names the server by the address the browser used: the Host port, and https from a trusted proxy', async () => {
    /** The demo page's `_smartsupp.server` for a request with these headers. */
    const serverOf = (url: string, headers: Record<string, string>) =>
      new Promise<string>((resolve, reject) => {
        request(url + '/', { headers }, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve(/_smartsupp\.server=("[^"]*")/.exec(body)![1]!));
        })
          .on('error', reject)
          .end();
      });
    const plain = await serve();
    const https = { host: 'chat.example.com:8443', 'x-forwarded-proto': 'https' };
    // Anyone can send X-Forwarded-Proto: without TRUST_PROXY it is not believed.
    expect(await serverOf(plain.url, https)).toBe('"http://chat.example.com:8443"');
    const proxied = await serve({ trustProxy: { hops: 1 } });
    expect(await serverOf(proxied.url, https)).toBe('"https://chat.example.com:8443"');
    expect(await serverOf(proxied.url, { host: 'chat.example.com' })).toBe(
      '"http://chat.example.com"',
    );
  });

  it('serves the agent page, the site files and what exists in dist/', async () => {
    const s = await serve();
    const agent = await fetch(s.url + '/agent');
    expect(await agent.text()).toContain('<script src="/agent.js" defer></script>');
    expect(agent.headers.get('referrer-policy')).toBe('no-referrer');
    const css = await fetch(s.url + '/demo.css');
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const js = await fetch(s.url + '/console.js');
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    for (const path of [
      '/nothing',
      '/server.js',
      '/../package.json',
      '/chunks/../../package.json',
      '/lang/../../package.json',
    ])
      expect((await fetch(s.url + path)).status, path).toBe(404);
    expect((await fetch(s.url + '/', { method: 'POST' })).status).toBe(405);
  });

  it('serves the widget files to pages of any origin, revalidated by ETag, and the agent files same-origin only', async () => {
    const root = await mkdtemp(join(tmpdir(), 'vc-pages-'));
    try {
      await mkdir(join(root, 'dist', 'chunks'), { recursive: true });
      for (const f of ['widget.js', 'chat.js', 'ui.js', 'http.js', 'chat.js.map', 'agent.js'])
        await writeFile(join(root, 'dist', f), '// ' + f);
      await writeFile(join(root, 'dist', 'chunks', 'fr-0a1b2c.js'), '// fr');
      await mkdir(join(root, 'dist', 'lang'));
      await writeFile(join(root, 'dist', 'lang.js'), '// lang');
      for (const f of ['fr.js', 'pt-br.js'])
        await writeFile(join(root, 'dist', 'lang', f), '// ' + f);
      const s = await serve({ root });
      const origin = { origin: 'https://shop.example' };
      for (const path of [
        '/widget.js',
        '/chat.js',
        '/ui.js',
        '/http.js',
        '/chat.js.map',
        '/lang.js',
        '/lang/fr.js',
        '/lang/pt-br.js',
      ]) {
        const res = await fetch(s.url + path, { headers: origin });
        expect(res.status, path).toBe(200);
        expect(res.headers.get('access-control-allow-origin'), path).toBe('*');
        expect(res.headers.get('cross-origin-resource-policy'), path).toBe('cross-origin');
        expect(res.headers.get('cache-control'), path).toBe('public, no-cache');
        expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
        const type = path.endsWith('.map') ? 'application/json' : 'text/javascript';
        expect(res.headers.get('content-type'), path).toBe(type + '; charset=utf-8');
        const again = await fetch(s.url + path, {
          headers: { ...origin, 'if-none-match': res.headers.get('etag')! },
        });
        expect(again.status, path).toBe(304);
        expect(again.headers.get('access-control-allow-origin'), path).toBe('*');
      }
      const chunk = await fetch(s.url + '/chunks/fr-0a1b2c.js', { headers: origin });
      expect(chunk.headers.get('access-control-allow-origin')).toBe('*');
      expect(chunk.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      const agent = await fetch(s.url + '/agent.js', { headers: origin });
      expect(agent.status).toBe(200);
      expect(agent.headers.get('access-control-allow-origin')).toBeNull();
      expect(agent.headers.get('cache-control')).toBe('no-store');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
