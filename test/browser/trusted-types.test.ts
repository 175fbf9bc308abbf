import { randomBytes } from 'node:crypto';
import { request, createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { describeBrowser, launchBrowser, requireBuilt, serve, type Served } from './harness';
import { startRealServer, type RealServer } from './real-server';
import { buildSnippet, buildTagInstallHtml } from '../../src/loader';

/**
 * A strict Content-Security-Policy with Trusted Types enforced, against the real reference
 * server: `require-trusted-types-for 'script'; trusted-types 'none'` (no policy may even be
 * created), scripts only by nonce (no 'self', no 'unsafe-inline', no 'unsafe-eval', no
 * 'strict-dynamic': the chunks' `import()` inherits the nonce of widget.js), styles only from
 * 'self', connections only to the chat server. The widget boots, loads chat.js and
 * ui.js with `import()`, opens, sends and receives; the agent page (served by the reference
 * server, its CSP replaced by the same strict one) lists the visitor and sends a reply. Not
 * one `securitypolicyviolation` event, no CSP message in the console, nothing thrown.
 *
 * The paste-in snippet assigns a string to `script.src`, which Trusted Types refuses (and
 * `trusted-types 'none'` forbids the policy it would need): such sites install the widget with
 * a plain `<script src=".../widget.js" async>` after `window._smartsupp` and the queue stub
 * (README, "Content Security Policy"), as `buildTagInstallHtml` prints it: the page here is that
 * install, with a call queued before widget.js has run. The last test proves the snippet is
 * refused there, so the README's advice stays true.
 */
const TOKEN = 'tt-agent-token-0123456789abcdef0123';
const TT = "require-trusted-types-for 'script'; trusted-types 'none'";

/** Records every violation from the very start of the page (an init script: the agent page's
 * HTML is the server's). */
const RECORDER = `window.violations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.violations.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || ''));
});`;

type Win = Window & {
  violations: string[];
  smartsupp: ((...a: unknown[]) => void) & { vid?: string | null };
};

// Chromium only: it needs an init script on the reference server's agent page and Chromium's
// Trusted Types enforcement as the reference.
describeBrowser('Trusted Types and a nonce-only CSP, in Chromium', () => {
  let browser: Browser;
  let server: RealServer;
  let site: Served;
  let proxy: Server;
  let proxyUrl: string;
  const nonce = randomBytes(16).toString('base64');

  beforeAll(async () => {
    requireBuilt('widget.js', 'chat.js', 'ui.js', 'agent.js');
    server = await startRealServer({
      agentToken: TOKEN,
      demo: false,
    });
    const ws = server.url.replace(/^http/, 'ws');
    const csp =
      `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'self'; ` +
      `connect-src ${ws}; img-src 'self'; object-src 'none'; base-uri 'none'; ${TT}`;
    const head = `<meta charset="utf-8"><title>Shop</title>`;
    site = await serve({
      // The install Trusted Types sites use: config and stub, then the script by URL.
      '/': {
        body: `<!doctype html><html lang="en"><head>${head}
${buildTagInstallHtml('/widget.js', { key: 'demo', server: server.url }, nonce)}
<script nonce="${nonce}">smartsupp('name', 'Queued before widget.js');</script>
</head><body><h1>Shop</h1></body></html>`,
        headers: { 'content-security-policy': csp },
      },
      // The paste-in snippet, under the same policy.
      '/snippet': {
        body: `<!doctype html><html lang="en"><head>${head}
<script nonce="${nonce}">${buildSnippet('/widget.js', { key: 'demo', server: server.url })}</script>
</head><body><h1>Shop</h1></body></html>`,
        headers: { 'content-security-policy': csp },
      },
    });
    // The agent page through a proxy that puts the strict policy on it instead of the server's.
    const target = new URL(server.url);
    proxy = createServer((req, res) => {
      const up = request(
        {
          host: target.hostname,
          port: target.port,
          path: req.url,
          method: req.method,
          headers: req.headers,
        },
        (r) => {
          const headers = { ...r.headers };
          if (headers['content-security-policy'])
            headers['content-security-policy'] =
              "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
              `img-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; ${TT}`;
          res.writeHead(r.statusCode!, headers);
          r.pipe(res);
        },
      );
      req.pipe(up);
    });
    await new Promise<void>((ok) => proxy.listen(0, '127.0.0.1', ok));
    proxyUrl = 'http://127.0.0.1:' + (proxy.address() as AddressInfo).port;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    proxy?.closeAllConnections();
    await new Promise((ok) => (proxy ? proxy.close(ok) : ok(undefined)));
    await site?.close();
    await server?.close();
  });

  /** A page that collects errors and CSP console messages. */
  async function open() {
    const context = await browser.newContext();
    await context.addInitScript(RECORDER);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push('error: ' + e.message));
    page.on('console', (m) => {
      if (m.type() == 'error' || /Content Security Policy|Trusted Type/i.test(m.text()))
        problems.push(m.type() + ': ' + m.text());
    });
    return { page, problems, close: () => context.close() };
  }

  const violations = (p: Page) => p.evaluate(() => (window as unknown as Win).violations);

  it('the widget boots, loads its chunks, opens, sends and receives; the agent page works: zero violations', async () => {
    const v = await open();
    const $ = (sel: string) => v.page.locator('[data-visitor-chat] ' + sel);
    await v.page.goto(site.url + '/');
    await $('.ln').click();
    await $('#vc-in').fill('Hello under Trusted Types');
    await v.page.keyboard.press('Enter');
    const vid = await v.page.evaluate(() => (window as unknown as Win).smartsupp.vid!);
    expect(vid).toBeTruthy();

    // The agent page, under the same kind of policy, shows the visitor and its message and
    // answers through its composer.
    const a = await open();
    await a.page.goto(proxyUrl + '/agent#token=' + TOKEN);
    // The name the page queued before widget.js had run came through the install's stub.
    await a.page.locator(`.row[data-id="${vid}"]`, { hasText: 'Queued before widget.js' }).click();
    await a.page.locator('.messages', { hasText: 'Hello under Trusted Types' }).waitFor();
    await a.page.locator('#composer-text').fill('Answered under Trusted Types');
    await a.page.getByRole('button', { name: 'Send' }).click();
    await v.page
      .locator('[data-visitor-chat] .m.a', { hasText: 'Answered under Trusted Types' })
      .waitFor();
    await expect
      .poll(() => $('.m.a .bb').allTextContents())
      .toEqual(['Answered under Trusted Types']);
    // The file layer (files.js) came with the window: its attach button is drawn.
    await $('button.af').waitFor();
    await $('.x').click();

    // Every chunk really came (and by import(), under the policy).
    const loaded = await v.page.evaluate(() =>
      performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname),
    );
    expect(loaded).toEqual(
      expect.arrayContaining(['/widget.js', '/chat.js', '/ui.js', '/files.js']),
    );
    expect(await violations(v.page)).toEqual([]);
    expect(v.problems).toEqual([]);
    expect(await violations(a.page)).toEqual([]);
    expect(a.problems).toEqual([]);
    await v.close();
    await a.close();
  });

  it('the paste-in snippet is refused by Trusted Types (hence the plain script tag above)', async () => {
    const v = await open();
    await v.page.goto(site.url + '/snippet');
    await expect
      .poll(() => violations(v.page))
      .toEqual([expect.stringMatching(/^require-trusted-types-for /)]);
    await v.page.waitForTimeout(300);
    expect(await v.page.locator('[data-visitor-chat]').count()).toBe(0);
    await v.close();
  });
});
