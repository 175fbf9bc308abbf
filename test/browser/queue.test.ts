import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildSnippetHtml } from '../../src/loader';
import { describeEngines, launchEngine, type EngineBrowser } from './engines';
import { freePort } from '../helpers/free-port';
import { requireBuilt, serve, type Served } from './harness';

/**
 * A shop page with the real generated snippet, then a page script that uses the command API
 * before the widget has loaded (/widget.js is answered 300 ms late to make that certain).
 */
const PAGE = `<!doctype html>
<html>
<head>
<meta charset="utf-8">
<title>Shop</title>
${buildSnippetHtml('/widget.js', { key: 'test-key' })}
<script>
  window.log = [];
  window.stub = window.smartsupp;
  smartsupp('on', 'message_sent', function (m) { log.push({ sent: m }); });
  smartsupp('name', 'Ada');
  smartsupp(function () { log.push('ready'); });
  smartsupp('chat:send', 'hello');
  smartsupp('chat:opne');
    // (WebKit's test pages start with the harness's console recorder, data-engine-log: not ours.)
  var scripts = [].filter.call(document.scripts, function (s) { return !s.hasAttribute('data-engine-log'); });
  window.before = { queued: smartsupp._.length, log: log.length, async: scripts[0].async, scripts: scripts.map(function (s) { return s.getAttribute('src'); }) };
</script>
</head>
<body><h1>Shop</h1></body>
</html>`;

/** A page whose config names a transport that does not exist, with a server. */
const PIGEON = `<!doctype html><html><head><meta charset="utf-8"><title>Shop</title>
${buildSnippetHtml('/widget.js', { key: 'test-key', server: 'http://127.0.0.1:9', transport: 'carrier-pigeon' })}
</head><body><h1>Shop</h1></body></html>`;

/**
 * A page whose server is written without a scheme, as a site owner might: a host and port where
 * nothing listens. The widget takes it as https:// (never a path on the page's own server), and
 * says it cannot reach it.
 */
const noScheme = (
  server: string,
) => `<!doctype html><html><head><meta charset="utf-8"><title>Shop</title>
${buildSnippetHtml('/widget.js', { key: 'test-key', server })}
<script>
  window.errors = [];
  smartsupp('on', 'error', function (e) { errors.push(e.code + ': ' + e.message); });
</script>
</head><body><h1>Shop</h1></body></html>`;

/**
 * A snippet without Smartsupp's `window.smartsupp ||` guard, as a plugin or a tag manager may
 * write it, pasted twice: the second copy puts a new stub in place, queues a call on it and
 * loads widget.js again (after the first has booted).
 */
const unguarded = (name: string) => `<script>
  var _smartsupp = { key: 'test-key' };
  (function () {
    var o = (window.smartsupp = function () { o._.push(arguments); });
    o._ = [];
    smartsupp('name', '${name}');
    smartsupp(function () { window.ran.push('${name}'); });
    var c = document.createElement('script');
    c.async = true;
    c.src = '/widget.js';
    document.head.appendChild(c);
  })();
</script>`;
const TWICE = `<!doctype html><html><head><meta charset="utf-8"><title>Shop</title>
<script>window.ran = [];</script>
${unguarded('First')}
</head><body><h1>Shop</h1></body></html>`;

interface Sent {
  sent: { id: string; cid: string; from: string; text: string; at: number };
}
type Page = Window & {
  log: (string | Sent)[];
  stub: unknown;
  before: { queued: number; log: number; async: boolean; scripts: (string | null)[] };
  smartsupp: ((...args: unknown[]) => void) & { vid?: unknown; _: unknown };
  errors: string[];
  ran: string[];
};

describeEngines('the snippet queue', (engine) => {
  let browser: EngineBrowser;
  let site: Served;
  let closedPort: number;

  beforeAll(async () => {
    requireBuilt('widget.js');
    site = await serve({
      '/': PAGE,
      '/pigeon': PIGEON,
      '/twice': TWICE,
      '/second.js': {
        body: unguarded('Second').replace(/^<script>|<\/script>$/g, ''),
        contentType: 'text/javascript',
      },
      // A loopback port nothing listens on: the connection is refused at once.
      '/no-scheme': noScheme('127.0.0.1:' + (closedPort = await freePort())),
      '/widget.js': { file: 'widget.js', delay: 300 },
    });
    browser = await launchEngine(engine);
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  it('runs the calls queued before load in call order, then live calls at once', async () => {
    const page = await browser.newPage();
    const consoleMessages: { type(): string; text(): string }[] = [];
    const pageErrors: string[] = [];
    page.on('console', (m) => consoleMessages.push(m));
    page.on('pageerror', (e) => pageErrors.push(e.message));

    await page.goto(site.url + '/');
    // 'hello' waits for the conversation module, loaded on demand after boot: on a busy machine
    // that can come well after 'ready', so wait for it rather than for a fixed time.
    await page.waitForFunction(() =>
      (window as unknown as Page).log.some((e) => typeof e == 'object'),
    );
    // Let anything the widget does right after boot (timers, storage) settle before checking.
    await page.waitForTimeout(200);

    const result = await page.evaluate(() => {
      const w = window as unknown as Page;
      const afterLoad = w.log.length;
      w.smartsupp('chat:send', 'again');
      const sentAtOnce = w.log.length == afterLoad + 1;
      let ranAtOnce = false;
      w.smartsupp(() => (ranAtOnce = true));
      return {
        before: w.before,
        sameFunction: w.smartsupp === w.stub,
        vid: w.smartsupp.vid,
        log: w.log,
        sentAtOnce,
        ranAtOnce,
      };
    });

    // Before /widget.js arrived, every call was only queued (and the script sat first, async).
    expect(result.before).toEqual({
      queued: 5,
      log: 0,
      async: true,
      scripts: ['/widget.js', null, null],
    });
    expect(result.sameFunction).toBe(true);
    expect(typeof result.vid).toBe('string');
    expect(result.vid).not.toBe('');

    const texts = result.log.map((e) => (typeof e == 'string' ? e : 'sent:' + e.sent.text));
    expect(texts).toEqual(['ready', 'sent:hello', 'sent:again']);
    for (const e of result.log.slice(1) as Sent[]) {
      expect(e.sent).toMatchObject({
        from: 'visitor',
        id: expect.any(String),
        cid: expect.any(String),
      });
      expect(typeof e.sent.at).toBe('number');
    }
    expect((result.log[1] as Sent).sent.cid).not.toBe((result.log[2] as Sent).sent.cid);
    expect(result.sentAtOnce).toBe(true);
    expect(result.ranAtOnce).toBe(true);

    const ours = consoleMessages.filter((m) => m.text().includes('[visitor-chat]'));
    const unknown = ours.filter((m) => m.text().includes('chat:opne'));
    expect(unknown.map((m) => [m.type(), m.text().startsWith('[visitor-chat]')])).toEqual([
      ['warning', true],
    ]);
    // The snippet names no chat server (this page runs offline): said once, as a warning. Nothing
    // else in this page deserves one.
    const offline = ours.filter((m) => m.text().includes('no chat server set'));
    expect(offline.map((m) => [m.type(), m.text()])).toEqual([
      [
        'warning',
        '[visitor-chat] no chat server set (_smartsupp.server, or widget.js?server=...); running offline',
      ],
    ]);
    expect(ours.map((m) => m.text()).sort()).toEqual(
      [...unknown, ...offline].map((m) => m.text()).sort(),
    );
    expect(pageErrors).toEqual([]);
    expect(consoleMessages.filter((m) => m.type() == 'error').map((m) => m.text())).toEqual([]);
    expect(site.requests.filter((r) => r.path == '/widget.js')).toHaveLength(1);

    await page.close();
  });

  it('warns about a transport name it does not know and uses WebSocket', async () => {
    const page = await browser.newPage();
    const texts: string[] = [];
    const pageErrors: string[] = [];
    page.on('console', (m) => texts.push(m.text()));
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(site.url + '/pigeon');
    await page.waitForFunction(() => typeof (window as unknown as Page).smartsupp.vid == 'string');
    expect(texts.filter((t) => t.includes('transport'))).toEqual([
      `[visitor-chat] config "transport" must be 'websocket', 'http' or a transport object; using the default`,
    ]);
    expect(texts.filter((t) => /running offline|failed to start/.test(t))).toEqual([]);
    // Nothing thrown (Firefox reports the socket nobody answers, on port 9, as a page error).
    expect(pageErrors.filter((e) => !/establish a connection/.test(e))).toEqual([]);
    await page.close();
  });

  it('takes a server written without a scheme as https://, and says once that it cannot reach it', async () => {
    const page = await browser.newPage();
    const texts: string[] = [];
    page.on('console', (m) => texts.push(m.text()));
    await page.goto(site.url + '/no-scheme');
    const message = `cannot reach the chat server at https://127.0.0.1:${closedPort}: check that it runs and the address`;
    // The warning comes with the chat layer, after `load`, once an attempt has failed.
    await page.waitForFunction(() => (window as unknown as Page).errors.length > 0);
    expect(await page.evaluate(() => (window as unknown as Page).errors)).toEqual([
      'unreachable: ' + message,
    ]);
    // Opening the chat says so in the window (the transport keeps retrying meanwhile).
    await page.evaluate(() => (window as unknown as Page).smartsupp('chat:open'));
    await page.waitForFunction(
      () =>
        document.querySelector('[data-visitor-chat]')?.shadowRoot?.querySelector('.bn')
          ?.textContent == 'Chat is unavailable right now.',
    );
    // Let the transport retry at least once more: still one warning, one event.
    await page.waitForTimeout(1500);
    expect(texts.filter((t) => t.includes('cannot reach'))).toEqual(['[visitor-chat] ' + message]);
    expect(await page.evaluate(() => (window as unknown as Page).errors)).toHaveLength(1);
    // The config check accepts what the widget used; nothing went to the page's own server.
    expect(texts.filter((t) => t.includes('"server"'))).toEqual([]);
    expect(site.requests.filter((r) => r.path.includes('127.0.0.1'))).toEqual([]);
    await page.close();
  });

  it('runs one widget when an unguarded snippet runs twice, and takes over the second stub and its calls', async () => {
    const page = await browser.newPage();
    const texts: string[] = [];
    page.on('console', (m) => texts.push(m.text()));
    await page.goto(site.url + '/twice');
    await page.waitForFunction(() => (window as unknown as Page).ran.length == 1);
    const vid = await page.evaluate(() => (window as unknown as Page).smartsupp.vid);
    expect(vid).toMatch(/\S/);
    // The snippet again (the page's own code, as a tag manager would run it).
    await page.evaluate(() => {
      const c = document.createElement('script');
      c.src = '/second.js';
      document.head.appendChild(c);
    });
    await page.waitForFunction(() => (window as unknown as Page).ran.length == 2);
    await page.waitForTimeout(500);
    const after = await page.evaluate(() => {
      const w = window as unknown as Page;
      return {
        ran: w.ran,
        hosts: document.querySelectorAll('[data-visitor-chat]').length,
        vid: w.smartsupp.vid,
      };
    });
    expect(after).toEqual({ ran: ['First', 'Second'], hosts: 1, vid });
    expect(texts.filter((t) => t.includes('loaded twice'))).toEqual([
      '[visitor-chat] widget.js loaded twice: ignored',
    ]);
    // Calls on the page's current stub reach the running widget.
    await page.evaluate(() => (window as unknown as Page).smartsupp('chat:open'));
    await page.waitForFunction(
      () =>
        !!document.querySelector('[data-visitor-chat]')?.shadowRoot?.querySelector('[role=dialog]'),
    );
    expect(await page.evaluate(() => document.querySelectorAll('[data-visitor-chat]').length)).toBe(
      1,
    );
    await page.close();
  });
});
