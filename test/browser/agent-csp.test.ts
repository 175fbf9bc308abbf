import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { describeBrowser, launchBrowser, requireBuilt } from './harness';
import { agentApi, startRealServer, wsVisitor, type RealServer } from './real-server';
import { watchedPages } from './watched-pages';

/**
 * The agent page under the reference server's own Content-Security-Policy (demo/server/pages.ts
 * `AGENT_CSP`), in Chromium: it loads, lists a visitor, opens it with an image attachment whose
 * thumbnail shows (a `blob:` URL), opens the Automations screen (a chunk by `import()`), and not
 * one `securitypolicyviolation` event fires. Then what the policy is there to stop is stopped:
 * a request or an image elsewhere, an inline style, a form submitted, HTML written by script.
 */
const TOKEN = 'agent-csp-token-0123456789abcdef';
const POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; " +
  "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'; " +
  "object-src 'none'; require-trusted-types-for 'script'; trusted-types 'none'";
/** A 2×2 red PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==',
  'base64',
);
/** Records every violation from the very start of the page (the page's HTML is the server's). */
const RECORDER = `window.violations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.violations.push(e.effectiveDirective + ' ' + e.blockedURI);
});`;

type Win = Window & { violations: string[] };

describeBrowser("the agent page under the server's own CSP, in Chromium", () => {
  let browser: Browser;
  let server: RealServer;
  let agent: Page;
  let uploads: string | undefined;
  const { open, problems, failedLoads, closeAll } = watchedPages(() => browser);
  const api = agentApi(() => server.url, TOKEN);
  const violations = () => agent.evaluate(() => (window as unknown as Win).violations);

  beforeAll(async () => {
    requireBuilt('agent.js', 'agent.automations.js', 'agent.css');
    uploads = await mkdtemp(join(tmpdir(), 'vc-agent-csp-'));
    server = await startRealServer({ agentToken: TOKEN, demo: false, uploadDir: uploads });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await closeAll();
    await browser?.close();
    await server?.close();
    if (uploads) await rm(uploads, { recursive: true, force: true });
  });

  it('lists a visitor, shows its image thumbnail, opens Automations: 0 violations', async () => {
    // A visitor who writes, and an image the agent sends into the conversation.
    const { vid, ws } = await wsVisitor(server.url, 1, 'csp');
    ws.send(JSON.stringify({ t: 'msg', cid: 'c1', text: 'Hello', at: Date.now() }));
    await expect
      .poll(async () => (await api<{ messages?: unknown[] }>('/api/visitors/' + vid)).messages)
      .toHaveLength(1);
    const sent = await fetch(`${server.url}/api/visitors/${vid}/files`, {
      method: 'POST',
      headers: {
        authorization: 'Bearer ' + TOKEN,
        'content-type': 'image/png',
        'x-filename': 'red.png',
      },
      body: PNG,
    });
    expect(sent.status).toBe(201);

    agent = await open('about:blank');
    await agent.context().addInitScript(RECORDER);
    await agent.goto(server.url + '/agent#token=' + TOKEN);
    const row = agent.locator(`.row[data-id="${vid}"]`);
    await row.waitFor();
    await row.click();
    const thumb = agent.locator('.detail .file-thumb img');
    await thumb.waitFor();
    await expect.poll(() => thumb.evaluate((i: HTMLImageElement) => i.naturalWidth)).toBe(2);
    expect(await thumb.getAttribute('src')).toMatch(/^blob:/);

    await agent.getByRole('button', { name: 'Automations' }).click();
    await agent.getByRole('heading', { name: 'Automations', level: 1 }).waitFor();
    await agent.getByText('No automations yet.').waitFor();
    await agent.getByRole('button', { name: 'New auto message' }).click();
    await agent.getByLabel('Name (for this list)').waitFor();

    expect(await violations()).toEqual([]);
    expect(problems).toEqual([]);
    expect(failedLoads).toEqual([]);
    ws.close();
    const res = await fetch(server.url + '/agent');
    expect(res.headers.get('content-security-policy')).toBe(POLICY);
  });

  it('stops what it is there to stop: requests and images elsewhere, inline style, forms, HTML', async () => {
    const thrown = await agent.evaluate(async () => {
      const elsewhere = 'http://127.0.0.1:47999/x';
      await fetch(elsewhere).catch(() => {});
      const img = new Image();
      img.src = elsewhere + '.png';
      const style = document.createElement('style');
      style.textContent = 'body { color: red }';
      document.head.append(style);
      const form = document.createElement('form');
      form.action = '/agent';
      form.method = 'post';
      document.body.append(form);
      form.submit();
      try {
        document.createElement('div').innerHTML = '<b>x</b>';
        return '';
      } catch (e) {
        return (e as Error).name;
      }
    });
    expect(thrown).toBe('TypeError');
    await expect
      .poll(async () => (await violations()).map((v) => v.split(' ')[0]).sort())
      .toEqual([
        'connect-src',
        'form-action',
        'img-src',
        'require-trusted-types-for',
        'style-src-elem',
      ]);
  });
});
