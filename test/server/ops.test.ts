// @vitest-environment node
/** What operators and load balancers read: `/healthz`, `/metrics`, and the cluster settings. */
import { describe, expect, it } from 'vitest';
import {
  addressRates,
  misspelledSettings,
  readSettings,
  settingWarnings,
} from '../../demo/server/config';
import { freePort } from '../helpers/free-port';
import { serve, visit } from './helpers';

const warn = (env: Record<string, string>) => settingWarnings(readSettings(env));

describe('GET /healthz', () => {
  it('answers 200 with the node, SQLite and memory presence on one node, without a token', async () => {
    const s = await serve({ nodeId: 'node-a' });
    const res = await fetch(s.url + '/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      ok: true,
      node: 'node-a',
      db: 'sqlite',
      presence: 'memory',
    });
  });
});

describe('GET /metrics', () => {
  it('is for the agent token or METRICS_TOKEN only', async () => {
    const s = await serve({ metricsToken: 'metrics-token-0123456789' });
    expect((await fetch(s.url + '/metrics')).status).toBe(401);
    const wrong = { authorization: 'Bearer not-the-token-at-all' };
    expect((await fetch(s.url + '/metrics', { headers: wrong })).status).toBe(401);
    for (const token of [s.agentToken, 'metrics-token-0123456789']) {
      const res = await fetch(s.url + '/metrics', {
        headers: { authorization: 'Bearer ' + token },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    }
  });

  it('counts connections, online visitors, frames, messages and their delivery', async () => {
    const s = await serve();
    const a = await visit(s.url);
    await visit(s.url);
    a.c.send({ t: 'msg', cid: 'm1', text: 'hello', at: Date.now() });
    await a.c.next('ack');
    const res = await fetch(s.url + '/metrics', {
      headers: { authorization: 'Bearer ' + s.agentToken },
    });
    const text = await res.text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(value('visitor_chat_connections')).toBe(2);
    expect(value('visitor_chat_online_visitors')).toBe(2);
    expect(value('visitor_chat_frames_total')).toBeGreaterThanOrEqual(1);
    expect(value('visitor_chat_messages_total\\{from="visitor"\\}')).toBe(1);
    expect(value('visitor_chat_delivery_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(value('visitor_chat_db_errors_total')).toBe(0);
    expect(value('visitor_chat_redis_errors_total')).toBe(0);
  });

  it("shows the event loop's delay and the garbage collector's pauses, for finding what a slow answer waited for", async () => {
    const s = await serve();
    const headers = { authorization: 'Bearer ' + s.agentToken };
    await fetch(s.url + '/metrics', { headers });
    const text = await (await fetch(s.url + '/metrics', { headers })).text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(value('nodejs_eventloop_lag_p99_seconds')).toBeGreaterThanOrEqual(0);
    expect(value('nodejs_eventloop_lag_max_seconds')).toBeGreaterThanOrEqual(0);
    expect(text).toMatch(/^# TYPE nodejs_gc_duration_seconds histogram$/m);
  });
});

describe('cluster settings', () => {
  it('reads DATABASE_URL, REDIS_URL, NODE_ID and METRICS_TOKEN', () => {
    expect(
      readSettings({
        DATABASE_URL: 'postgres://chat:pw@db.internal:5432/chat',
        REDIS_URL: 'redis://cache.internal:6379/2',
        NODE_ID: 'web-1',
        METRICS_TOKEN: 'metrics-token-0123456789',
      }),
    ).toMatchObject({
      databaseUrl: 'postgres://chat:pw@db.internal:5432/chat',
      redisUrl: 'redis://cache.internal:6379/2',
      nodeId: 'web-1',
      metricsToken: 'metrics-token-0123456789',
    });
  });

  it('reads VISITORS_PER_ADDRESS (default 1000) and scales the per-address limits with it', () => {
    expect(readSettings({}).visitorsPerAddress).toBe(1000);
    expect(readSettings({ VISITORS_PER_ADDRESS: '5000' }).visitorsPerAddress).toBe(5000);
    expect(() => readSettings({ VISITORS_PER_ADDRESS: '0' })).toThrow(
      'VISITORS_PER_ADDRESS must be a whole number from 1 to 1000000, not "0"',
    );
    // 1: the limits of before; 1000: 100 uploads then one a second, 50 emails then 100 an hour.
    expect(addressRates(1)).toEqual({
      connections: 100,
      upload: { rate: 0.5, burst: 40 },
      email: { rate: 10 / 3600, burst: 10 },
    });
    expect(addressRates(1000)).toEqual({
      connections: 2000,
      upload: { rate: 1, burst: 100 },
      email: { rate: 100 / 3600, burst: 50 },
    });
    expect(addressRates(5000).upload).toEqual({ rate: 5, burst: 500 });
  });

  it('does not start a node whose REDIS_URL is misspelt beside a DATABASE_URL', () => {
    const env = { DATABASE_URL: 'postgres://db/chat', REDIS_ULR: 'redis://cache:6379' };
    expect(() => readSettings(env)).toThrow(
      'REDIS_ULR is not a setting; did you mean REDIS_URL? Without REDIS_URL this node would run alone on the database of DATABASE_URL (rename it, or unset it for one node)',
    );
    // Spelt right, or on SQLite (one node anyway): it starts.
    expect(
      readSettings({ DATABASE_URL: 'postgres://db/chat', REDIS_URL: 'redis://cache:6379' })
        .redisUrl,
    ).toBe('redis://cache:6379');
    expect(readSettings({ REDIS_ULR: 'redis://cache:6379' }).databaseUrl).toBeUndefined();
    // Other variables of the platform are not mistaken for it.
    expect(
      readSettings({ DATABASE_URL: 'postgres://db/chat', REDIS_HOST: 'cache', REDIS_PORT: '6379' })
        .redisUrl,
    ).toBeUndefined();
  });

  it('reads a last word URI as URL: REDIS_URI beside DATABASE_URL stops the node, DATABASE_URI is pointed out', () => {
    expect(() =>
      readSettings({ DATABASE_URL: 'postgres://db/chat', REDIS_URI: 'redis://cache:6379' }),
    ).toThrow(
      'REDIS_URI is not a setting; did you mean REDIS_URL? Without REDIS_URL this node would run alone on the database of DATABASE_URL (rename it, or unset it for one node)',
    );
    expect(
      misspelledSettings({ DATABASE_URI: 'postgres://db/chat', REDIS_URI: 'redis://x' }),
    ).toEqual([
      'DATABASE_URI is not a setting; did you mean DATABASE_URL? (it is ignored)',
      'REDIS_URI is not a setting; did you mean REDIS_URL? (it is ignored)',
    ]);
    // Other last words stay their own, and so does a URI no setting is a URL of.
    expect(
      misspelledSettings({ REDIS_URN: 'x', REDIS_URIS: 'x', SITE_URI: 'x', STORE_URI: 'x' }),
    ).toEqual([]);
    // With REDIS_URL set, REDIS_URI is only pointed out.
    expect(
      readSettings({
        DATABASE_URL: 'postgres://db/chat',
        REDIS_URL: 'redis://cache:6379',
        REDIS_URI: 'redis://cache:6379',
      }).redisUrl,
    ).toBe('redis://cache:6379');
  });

  it('points out a misspelt setting, and nothing else in the environment', () => {
    expect(
      misspelledSettings({
        REDIS_ULR: 'redis://x',
        UPLOAD_DIRS: '/srv/up',
        DATABSE_URL: 'postgres://x/y',
        AGENT_TOKNE: 'x',
        PORTS: '80',
        // What a shell, a container or a CI runner sets besides: none of them is one.
        HOME: '/root',
        HOSTNAME: 'web-1',
        LANG: 'C',
        PATH: '/bin',
        NODE_ENV: 'production',
        TERM: 'xterm',
        USER: 'root',
        PWD: '/',
        CI: 'true',
        // Kubernetes, Docker, Marathon and others: variables of their own, not typos.
        NODE_IP: '10.0.0.3',
        POD_IP: '10.0.0.4',
        HOST_IP: '10.0.0.5',
        KUBERNETES_PORT: 'tcp://10.96.0.1:443',
        NODE_VERSION: '20.20.0',
        SITE_URL: 'https://shop.example.com',
        PORT0: '31000',
        STORE_ID: '7',
        STORE_DIR: '/srv',
        REDIS_HOST: 'cache',
        // Settings, spelt right.
        DEMO: '0',
        PORT: '80',
        KEYS: 'a',
        TRUST_PROXY: '1',
      }),
    ).toEqual([
      'REDIS_ULR is not a setting; did you mean REDIS_URL? (it is ignored)',
      'UPLOAD_DIRS is not a setting; did you mean UPLOAD_DIR? (it is ignored)',
      'DATABSE_URL is not a setting; did you mean DATABASE_URL? (it is ignored)',
      'AGENT_TOKNE is not a setting; did you mean AGENT_TOKEN? (it is ignored)',
      'PORTS is not a setting; did you mean PORT? (it is ignored)',
    ]);
  });

  it('warns at start when TRUST_PROXY is a hop count and HOST is not loopback', () => {
    // A hop count believes X-Forwarded-For from any peer: safe only when the proxy alone can
    // reach the node (HOST=127.0.0.1 behind nginx, as DEPLOY.md has it).
    expect(warn({ HOST: '0.0.0.0', TRUST_PROXY: '1' })).toEqual([
      "TRUST_PROXY=1 believes X-Forwarded-For from any client, and HOST=0.0.0.0 is not loopback: list the proxy's addresses instead (TRUST_PROXY=10.0.0.5)",
    ]);
    expect(warn({ HOST: '::', TRUST_PROXY: '2' })[0]).toMatch(/^TRUST_PROXY=2 .* HOST=:: is not/);
    expect(warn({ HOST: '10.0.0.7', TRUST_PROXY: '1' })).toHaveLength(1);
    expect(warn({ HOST: 'chat.internal', TRUST_PROXY: '1' })).toHaveLength(1);
    // Loopback, or the proxies named, or no TRUST_PROXY: nothing to say.
    for (const HOST of [
      '127.0.0.1',
      '127.0.0.2',
      '::1',
      '0:0:0:0:0:0:0:1',
      'localhost',
      'LocalHost',
    ])
      expect(warn({ HOST, TRUST_PROXY: '1' })).toEqual([]);
    expect(warn({ TRUST_PROXY: '1' })).toEqual([]); // HOST defaults to 127.0.0.1
    expect(warn({ HOST: '0.0.0.0', TRUST_PROXY: '10.0.0.5, 10.0.1.0/24' })).toEqual([]);
    expect(warn({ HOST: '0.0.0.0' })).toEqual([]);
  });

  it("lists every setting in the README's table and in demo/server/README.md", async () => {
    const { readFileSync } = await import('node:fs');
    const { settingNames } = await import('../../demo/server/config');
    const names = settingNames();
    expect(names.length).toBeGreaterThan(20);
    for (const file of ['README.md', 'demo/server/README.md']) {
      const doc = readFileSync(file, 'utf8');
      const missing = names.filter((n) => !doc.includes('| `' + n + '`'));
      expect(missing, file).toEqual([]);
    }
  });

  it('names DATABASE_URL or DB when the database cannot be opened at start', async () => {
    const { startServer } = await import('../../demo/server/server');
    const { quietLogger } = await import('../../demo/server/log');
    const port = await freePort();
    await expect(
      startServer({
        port: 0,
        host: '127.0.0.1',
        databaseUrl: `postgres://chat@127.0.0.1:${port}/chat`,
        log: quietLogger,
      }),
    ).rejects.toThrow(/^DATABASE_URL: cannot connect to or set up Postgres \(.*ECONNREFUSED/);
    // A SQLite file that cannot be opened names DB.
    await expect(
      startServer({ port: 0, host: '127.0.0.1', db: '/nonexistent-dir/x.db', log: quietLogger }),
    ).rejects.toThrow(/^DB: cannot open the SQLite file \/nonexistent-dir\/x\.db \(/);
  });

  it('refuses REDIS_URL without DATABASE_URL, saying why', () => {
    expect(() => readSettings({ REDIS_URL: 'redis://127.0.0.1:6379' })).toThrow(
      /REDIS_URL needs DATABASE_URL.*SQLite file cannot be shared/,
    );
  });

  it('refuses a REDIS_URL that is not a URL (a password not percent-encoded), saying how to encode it', () => {
    // ioredis threw "Invalid URL" at the first connection: exit 1, naming no password.
    const env = { DATABASE_URL: 'postgres://x/y', REDIS_URL: 'redis://:p#ss/w@cache:6379' };
    expect(() => readSettings(env)).toThrow(
      /^REDIS_URL cannot be read as a URL \(Invalid URL\): percent-encode .*# as %23/,
    );
    expect(() => readSettings(env)).not.toThrow(/p#ss/);
    expect(readSettings({ ...env, REDIS_URL: 'redis://:p%23ss%2Fw@cache:6379/2' }).redisUrl).toBe(
      'redis://:p%23ss%2Fw@cache:6379/2',
    );
  });

  it('refuses URLs of the wrong kind and bad node names', () => {
    expect(() => readSettings({ DATABASE_URL: 'mysql://x/y' })).toThrow(/DATABASE_URL must be/);
    expect(() => readSettings({ DATABASE_URL: 'postgres://x/y', REDIS_URL: 'http://x' })).toThrow(
      /REDIS_URL must be/,
    );
    expect(() => readSettings({ NODE_ID: 'a b' })).toThrow(/NODE_ID must be/);
    expect(() => readSettings({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN must be/);
  });
});
