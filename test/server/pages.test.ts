// @vitest-environment node
import { createHash } from 'node:crypto';
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

  it('serves the agent page, the site files and what exists in dist/', async () => {
    const s = await serve();
    const agent = await fetch(s.url + '/agent');
    expect(await agent.text()).toContain('<script src="/agent.js" defer></script>');
    expect(agent.headers.get('referrer-policy')).toBe('no-referrer');
    const css = await fetch(s.url + '/demo.css');
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const js = await fetch(s.url + '/console.js');
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    for (const path of ['/nothing', '/server.js', '/../package.json', '/chunks/../../package.json'])
      expect((await fetch(s.url + path)).status, path).toBe(404);
    expect((await fetch(s.url + '/', { method: 'POST' })).status).toBe(405);
  });
});
