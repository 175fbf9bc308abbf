// @vitest-environment node
/**
 * The reverse proxy of docs/DEPLOY.md (docs/nginx/), run with Debian's nginx in front of the
 * server: WebSocket upgrades pass, event streams are not buffered, the HTTP transport works,
 * and with two nodes a node that is down is skipped.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port';
import { nginxAvailable, startNginx, type TestNginx } from '../helpers/nginx';
import { usePostgres } from '../helpers/postgres';
import { redisAvailable, startRedis, type TestRedis } from '../helpers/redis';
import { PDF, download, upload } from './file-helpers';
import { api, hello, serve, sse, until, visit } from './helpers';

const withNginx = nginxAvailable();
const postgres = usePostgres();
const withRedis = redisAvailable();
let proxy: TestNginx | undefined;
let redis: TestRedis | undefined;
afterEach(async () => {
  await proxy?.stop();
  proxy = undefined;
  await redis?.stop();
  redis = undefined;
});

describe('docs/DEPLOY.md', () => {
  it('shows the nginx files the tests run, word for word', () => {
    const doc = readFileSync('docs/DEPLOY.md', 'utf8');
    for (const file of ['visitor-chat.conf', 'visitor-chat-locations.conf'])
      expect(doc).toContain('```nginx\n' + readFileSync('docs/nginx/' + file, 'utf8') + '```');
  });
});

describe.runIf(withNginx)('nginx as docs/DEPLOY.md configures it', () => {
  it('passes an upload of MAX_UPLOAD_BYTES to the node, whose own 413 answers a larger one', async () => {
    const s = await serve();
    proxy = await startNginx([s.port]);
    const who = await visit(proxy.url);
    const max = s.settings.maxUploadBytes;
    const pdf = Buffer.concat([PDF, Buffer.alloc(max - PDF.length, 0x20)]);
    const r = await upload({ ...s, url: proxy.url }, who, pdf, 'big.pdf');
    expect(r.status).toBe(201);
    expect(r.json.file.size).toBe(max);
    // Refused before it is read: the node reads the rest away, so the 413 reaches nginx rather
    // than a reset (which nginx answers 502). Three times over, as the race was one in three.
    for (let i = 0; i < 3; i++) {
      const over = await upload({ ...s, url: proxy.url }, who, Buffer.concat([pdf, PDF]), 'x.pdf');
      expect(over.status).toBe(413);
      expect(over.json.error).toBe('too_large');
    }
  });

  it('passes WebSockets, and the agent feed arrives event by event', async () => {
    const s = await serve();
    proxy = await startNginx([s.port]);
    const auth = { authorization: 'Bearer ' + s.agentToken };
    expect(await (await fetch(proxy.url + '/healthz')).json()).toMatchObject({ ok: true });
    const feed = await sse(proxy.url + '/api/events', auth);
    expect(feed.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const { c, vid } = await visit(proxy.url);
    c.send({ t: 'msg', cid: 'n1', text: 'through the proxy', at: Date.now() });
    await c.next('ack');
    // Unbuffered: the one small event arrives on its own, long before any buffer would fill.
    const m = await feed.next('message', (d) => d.message.text == 'through the proxy', 3000);
    expect(m.visitorId).toBe(vid);
    const reply = await fetch(`${proxy.url}/api/visitors/${vid}/messages`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'and back' }),
    });
    expect(reply.status).toBe(201);
    await expect
      .poll(() => c.frames.some((f) => f.t == 'msg' && f.m.text == 'and back'))
      .toBe(true);
  });

  it('carries the HTTP transport: frames POSTed, answers streamed', async () => {
    const s = await serve();
    proxy = await startNginx([s.port]);
    const post = (body: unknown) =>
      fetch(proxy!.url + '/v1/frames?key=demo', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const vid = 'nginx-http-visitor';
    const welcome = (await (await post({ vid, frames: [hello({ vid })] })).json()).frames[0];
    expect(welcome.t).toBe('welcome');
    const stream = await sse(
      `${proxy.url}/v1/events?key=demo&vid=${vid}&token=${encodeURIComponent(welcome.token)}`,
    );
    await expect.poll(() => s.hub.visitors.get(vid)?.streams).toBe(1);
    await s.hub.agentMessage(s.hub.visitors.get(vid)!, 'streamed', 'Eva', true);
    expect((await stream.next('message', (f) => f.t == 'msg', 3000)).m.text).toBe('streamed');
  });

  it('writes no token to its access log: paths without their query', async () => {
    const s = await serve();
    proxy = await startNginx([s.port]);
    const via = { ...s, url: proxy.url };
    const who = await visit(proxy.url);
    const q = new URLSearchParams({ key: 'demo', vid: who.vid, token: who.token });
    // Each location: uploads, ordinary (a file: the visitor's, the agent's), streams, a named one.
    const up = await upload(via, who, PDF, 'a.pdf');
    expect(up.status).toBe(201);
    expect((await download(via, up.json.file.url, who)).status).toBe(200);
    const agent = await fetch(`${proxy.url}${up.json.file.url}?access_token=${s.agentToken}`);
    expect(agent.status).toBe(200);
    expect((await api(via, 'GET', '/api/visitors')).status).toBe(200);
    const stream = await sse(`${proxy.url}/v1/events?${q}`);
    await expect.poll(() => s.hub.visitors.get(who.vid)?.streams).toBe(1);
    stream.close();
    const big = await fetch(`${proxy.url}/v1/frames?${q}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ vid: who.vid, frames: [], pad: 'x'.repeat(200_000) }),
    });
    expect(big.status).toBe(413);
    who.c.close();
    // A line per request, once each has ended (the stream and the socket: when they close, which
    // on a busy machine can come after every other line is written).
    const want = [
      '"GET /v1/ws HTTP/1.1" 101',
      '"POST /v1/files HTTP/1.1" 201',
      `"GET ${up.json.file.url} HTTP/1.1" 200`,
      '"GET /api/visitors HTTP/1.1" 200',
      '"GET /v1/events HTTP/1.1"',
      '"POST /v1/frames HTTP/1.1" 413',
    ];
    await expect
      .poll(() => want.filter((line) => !proxy!.accessLog().includes(line)), { timeout: 15_000 })
      .toEqual([]);
    const log = proxy.accessLog();
    expect(log).not.toContain(who.token);
    expect(log).not.toContain(encodeURIComponent(who.token));
    expect(log).not.toContain(s.agentToken);
    expect(log).not.toContain('token=');
  });

  it('names itself on the demo pages with its own port, and answers a body over its limit in JSON', async () => {
    const s = await serve({ trustProxy: { hops: 1 } });
    proxy = await startNginx([s.port]);
    const html = await (await fetch(proxy.url + '/')).text();
    expect(html).toContain(`_smartsupp.server=${JSON.stringify(proxy.url)}`);
    const res = await fetch(proxy.url + '/api/visitors/x/messages', {
      method: 'POST',
      headers: { authorization: 'Bearer ' + s.agentToken, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'x'.repeat(200_000) }),
    });
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toMatchObject({ error: 'too_large' });
  });

  it('sends requests past a node that is down', async () => {
    const up = await serve();
    const down = await serve();
    const downPort = down.port;
    await down.close();
    proxy = await startNginx([downPort, up.port]);
    for (let i = 0; i < 4; i++) {
      const res = await fetch(proxy.url + '/healthz');
      expect(res.status).toBe(200);
    }
    const { welcome } = await visit(proxy.url);
    expect(welcome.t).toBe('welcome');
  });

  it('passes a GET past a hung node within seconds, and does not send it a POST twice', async () => {
    // A hung node (SIGSTOP, a stuck event loop): the kernel still accepts its connections, so
    // only a timeout tells nginx; it was proxy_read_timeout's 75 s for every request.
    const seen: string[] = [];
    const held = new Set<Socket>();
    const hung = createServer((s) => {
      held.add(s);
      s.on('data', (d) => seen.push(String(d).split('\r\n')[0]!));
    });
    const hungPort = await freePort();
    await new Promise<void>((r) => hung.listen(hungPort, '127.0.0.1', r));
    const up = await serve({ port: await freePort() });
    try {
      proxy = await startNginx([hungPort, up.port]);
      const timed = async (path: string, init?: RequestInit) => {
        const t = Date.now();
        const res = await fetch(proxy!.url + path, init);
        await res.arrayBuffer();
        return { status: res.status, ms: Date.now() - t };
      };
      // Until one GET was given to the hung node (each has an even chance).
      for (let i = 0; i < 30 && !seen.some((l) => l.startsWith('GET')); i++) {
        const r = await timed(i % 2 ? '/' : '/healthz');
        expect(r.status).toBe(200);
        expect(r.ms).toBeLessThan(15_000);
      }
      expect(seen.some((l) => l.startsWith('GET'))).toBe(true);
      // Past fail_timeout (5 s, counted in whole seconds by nginx: up to 7 s after the failure)
      // the hung node is tried again: a POST it got is not resent.
      await new Promise((r) => setTimeout(r, 5500));
      const post = () =>
        timed('/api/visitors/x/typing', {
          method: 'POST',
          headers: { authorization: 'Bearer wrong', 'content-type': 'application/json' },
          body: JSON.stringify({ on: true }),
        });
      let posted = { status: 0, ms: 0 };
      for (let i = 0; i < 30 && !seen.some((l) => l.startsWith('POST')); i++) {
        if (i) await new Promise((r) => setTimeout(r, 150));
        posted = await post();
        expect(posted.ms).toBeLessThan(15_000);
      }
      expect(seen.filter((l) => l.startsWith('POST'))).toHaveLength(1);
      // The last POST was the hung node's: nginx's JSON 502, not the other node's 401.
      expect(posted.status).toBe(502);
    } finally {
      for (const s of held) s.destroy();
      hung.close();
    }
  }, 120_000);

  it('answers in JSON when no node answers', async () => {
    const down = await serve();
    const downPort = down.port;
    await down.close();
    proxy = await startNginx([downPort]);
    const res = await fetch(proxy.url + '/api/visitors/x/messages', {
      method: 'POST',
      headers: { authorization: 'Bearer x', 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'anyone?' }),
    });
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toMatchObject({ error: 'unavailable' });
  });
});

describe.runIf(withNginx && postgres.available && withRedis)(
  'nginx as docs/DEPLOY.md configures it, in front of a cluster',
  () => {
    it("keeps an HTTP-transport visitor's polls on one node: each frame once, each poll waits", async () => {
      const databaseUrl = await postgres.server().freshDatabase();
      redis = await startRedis();
      const timing = { beatMs: 100, ttlMs: 400 };
      const nodes = [];
      for (const nodeId of ['node-a', 'node-b', 'node-c'])
        nodes.push(
          await serve({ databaseUrl, redisUrl: redis.url, nodeId, presenceTiming: timing }),
        );
      proxy = await startNginx(nodes.map((n) => n.port));
      const vid = 'nginx-poll-visitor';
      // As src/transport/http.ts asks: the vid in the query of every request.
      const res = await fetch(`${proxy.url}/v1/frames?key=demo&vid=${vid}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ vid, frames: [hello({ vid })] }),
      });
      const welcome = (await res.json()).frames[0];
      expect(welcome.t).toBe('welcome');
      const q = `key=demo&vid=${vid}&token=${encodeURIComponent(welcome.token)}`;
      const texts: string[] = [];
      let polls = 0;
      const stop = new AbortController();
      const loop = (async () => {
        let after = '';
        while (!stop.signal.aborted) {
          polls++;
          const r = await fetch(`${proxy!.url}/v1/poll?${q}${after}`, { signal: stop.signal });
          const answer = await r.json();
          for (const f of answer.frames) if (f.t == 'msg') texts.push(f.m.text);
          after = '&after=' + answer.seq;
        }
      })().catch(() => {});
      // The agent writes through nginx too: any node.
      const sent = ['one', 'two', 'three', 'four', 'five', 'six'];
      expect(
        (
          await api({ ...nodes[0]!, url: proxy.url }, 'POST', `/api/visitors/${vid}/conversation`, {
            text: sent[0],
          })
        ).status,
      ).toBe(201);
      for (const text of sent.slice(1)) {
        await new Promise((ok) => setTimeout(ok, 150));
        const r = await api(
          { ...nodes[0]!, url: proxy.url },
          'POST',
          `/api/visitors/${vid}/messages`,
          { text },
        );
        expect(r.status).toBe(201);
      }
      await until(() => texts.length >= sent.length, 10_000);
      await new Promise((ok) => setTimeout(ok, 300));
      stop.abort();
      await loop;
      expect(texts).toEqual(sent);
      // A poll waits for the next frame: about one per message, not a spin.
      expect(polls).toBeLessThan(sent.length * 3);
    }, 30_000);
  },
);
