// @vitest-environment node
import { createHmac } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { describe, expect, it, vi } from 'vitest';
import { addressRates, readSettings } from '../../demo/server/config';
import { createHttpLimiter } from '../../demo/server/http-limiter';
import { createBucket } from '../../demo/server/rate-limit';
import { checkUserHash } from '../../demo/server/secrets';
import { parseUserAgent } from '../../demo/server/user-agent';
import { parseClientFrame, parseStoredVariables } from '../../src/protocol';
import { hello } from './helpers';

describe('parseClientFrame', () => {
  it('accepts each client frame and keeps only known fields', () => {
    const h = hello({ profile: { name: 'Ada' }, variables: { a: 1 }, group: 'sales', token: 't' });
    expect(parseClientFrame(JSON.stringify({ ...h, extra: 1 }))).toEqual(h);
    expect(parseClientFrame({ t: 'hb', activeAt: 5, x: 1 })).toEqual({ t: 'hb', activeAt: 5 });
    expect(parseClientFrame({ t: 'hb', activeAt: 5, hidden: true })).toEqual({
      t: 'hb',
      activeAt: 5,
      hidden: true,
    });
    expect(parseClientFrame({ t: 'page', url: 'u', title: 't', referrer: '' })).toEqual({
      t: 'page',
      url: 'u',
      title: 't',
      referrer: '',
    });
    expect(parseClientFrame({ t: 'msg', cid: 'c_1-x', text: 'hi', at: 1 })).toEqual({
      t: 'msg',
      cid: 'c_1-x',
      text: 'hi',
      at: 1,
    });
    expect(parseClientFrame({ t: 'id', email: 'a@b.c', userHash: 'ff', form: true })).toEqual({
      t: 'id',
      email: 'a@b.c',
      userHash: 'ff',
      form: true,
    });
    expect(parseClientFrame({ t: 'vars', vars: { a: 'x', b: 2, c: false } })).toEqual({
      t: 'vars',
      vars: { a: 'x', b: 2, c: false },
    });
    expect(parseClientFrame({ t: 'group', group: 'g' })).toEqual({ t: 'group', group: 'g' });
    expect(parseClientFrame({ t: 'am', rule: 'r 1', text: 'x' })).toEqual({
      t: 'am',
      rule: 'r 1',
      text: 'x',
    });
    expect(parseClientFrame({ t: 'chat', open: true })).toEqual({ t: 'chat', open: true });
    expect(parseClientFrame({ t: 'read', at: 3 })).toEqual({ t: 'read', at: 3 });
    expect(parseClientFrame({ t: 'typing', on: false })).toEqual({ t: 'typing', on: false });
  });

  it('refuses malformed frames with a reason and never throws', () => {
    expect(parseClientFrame('{oops')).toBe('frame is not JSON');
    expect(parseClientFrame([1])).toBe('frame is not an object');
    expect(parseClientFrame({ t: 'zap' })).toBe('unknown frame type "zap"');
    expect(parseClientFrame('{"t":{"toString":1,"valueOf":1}}')).toBe('unknown frame type object');
    expect(parseClientFrame({ t: 'msg', cid: 'c', text: '', at: 1 })).toMatch(/^msg.text/);
    expect(parseClientFrame({ t: 'msg', cid: 'c', text: 'x'.repeat(4001), at: 1 })).toMatch(
      /^msg.text/,
    );
    expect(parseClientFrame({ ...hello(), vid: '../x' })).toBe('hello.vid must be an id');
    expect(parseClientFrame({ ...hello(), device: 'tv' })).toMatch(/^hello.device/);
    expect(parseClientFrame({ ...hello(), visits: 0 })).toMatch(/^hello.visits/);
    expect(
      parseClientFrame({ ...hello(), page: { url: 'x'.repeat(3000), title: '', referrer: '' } }),
    ).toMatch(/^hello.page/);
    expect(parseClientFrame(JSON.parse('{"t":"vars","vars":{"__proto__":{"x":1}}}'))).toMatch(
      /bad key/,
    );
    expect(
      parseClientFrame({
        t: 'vars',
        vars: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [i, 1])),
      }),
    ).toMatch(/more than 50/);
    expect(parseClientFrame({ t: 'id', phone: 'x'.repeat(51) })).toMatch(/^id.phone/);
    expect(parseClientFrame({ t: 'hb', activeAt: Infinity })).toMatch(/^hb/);
  });
});

describe('variable labels on the wire', () => {
  it('carries labels beside the values, in hello and vars', () => {
    const h = hello({ variables: { spending: '1234.5', plan: 'pro' } });
    expect(parseClientFrame({ ...h, variableLabels: { spending: 'Spending' } })).toMatchObject({
      variables: h.variables,
      variableLabels: { spending: 'Spending' },
    });
    expect(
      parseClientFrame({ t: 'vars', vars: { orders: 3 }, labels: { orders: 'Orders' } }),
    ).toEqual({ t: 'vars', vars: { orders: 3 }, labels: { orders: 'Orders' } });
  });

  it('refuses labels that are not short texts, and drops labels of keys not set', () => {
    expect(parseClientFrame({ t: 'vars', vars: { a: 1 }, labels: { a: 2 } })).toMatch(
      /^vars.labels.a must be a non-empty string/,
    );
    expect(parseClientFrame({ t: 'vars', vars: { a: 1 }, labels: { a: '' } })).toMatch(/^vars/);
    expect(parseClientFrame({ t: 'vars', vars: { a: 1 }, labels: { a: 'x'.repeat(201) } })).toMatch(
      /at most 200/,
    );
    expect(parseClientFrame({ t: 'vars', vars: { a: 1 }, labels: 'A' })).toMatch(/^vars.labels/);
    expect(parseClientFrame({ ...hello(), variables: { a: 1 }, variableLabels: [] })).toMatch(
      /^hello.variableLabels/,
    );
    expect(parseClientFrame({ t: 'vars', vars: { a: 1 }, labels: { b: 'B' } })).toEqual({
      t: 'vars',
      vars: { a: 1 },
      labels: {},
    });
    // {label, value} is how servers store them, not how they travel.
    expect(parseClientFrame({ t: 'vars', vars: { a: { label: 'A', value: 1 } } })).toMatch(
      /^vars.vars.a must be/,
    );
  });

  it('reads stored variables back with or without labels, and refuses bad ones', () => {
    expect(
      parseStoredVariables({ plan: 'pro', spending: { label: 'Spending', value: '1.5' } }),
    ).toEqual({ plan: 'pro', spending: { label: 'Spending', value: '1.5' } });
    expect(parseStoredVariables({ a: { label: 3, value: 1 } })).toMatch(/^variables.a.label/);
    expect(parseStoredVariables({ a: { label: 'A' } })).toMatch(/^variables.a must be/);
    expect(parseStoredVariables([1])).toMatch(/must be an object/);
  });
});

describe('readSettings', () => {
  it('has the documented defaults (demo/server/README.md)', () => {
    expect(readSettings({})).toEqual({
      port: 8080,
      host: '127.0.0.1',
      agentToken: '',
      db: './visitor-chat.db',
      plan: 'pro',
      activeWindowMs: 600000,
      heartbeatMs: 30000,
      userHashSecret: undefined,
      allowedOrigins: undefined,
      keys: ['demo'],
      databaseUrl: undefined,
      redisUrl: undefined,
      nodeId: expect.stringMatching(/^[\w.-]+-\d+$/),
      metricsToken: undefined,
      demo: true,
      trustProxy: undefined,
      storeIp: false,
      uploadDir: './uploads',
      maxUploadBytes: 10485760,
      uploadTypes: ['png', 'jpeg', 'gif', 'webp', 'pdf', 'txt'],
      fileRetentionDays: 0,
      smtpUrl: undefined,
      notifyEmail: undefined,
      mailFrom: expect.stringMatching(/^visitor-chat@/),
      notifyIntervalMs: 300000,
      publicUrl: undefined,
      visitorsPerAddress: 1000,
    });
    expect(readSettings({ DEMO: '0' }).demo).toBe(false);
    expect(() => readSettings({ DEMO: 'no' })).toThrow('DEMO must be 1 or 0');
    expect(
      readSettings({
        PORT: '0',
        PLAN: 'free',
        ALLOWED_ORIGINS: 'https://a.test, http://b.test:8080/',
        KEYS: 'a,b',
      }),
    ).toMatchObject({
      port: 0,
      plan: 'free',
      allowedOrigins: ['https://a.test', 'http://b.test:8080'],
      keys: ['a', 'b'],
    });
  });

  it('says which file and email setting is wrong', () => {
    expect(() => readSettings({ UPLOAD_TYPES: 'png,svg' })).toThrow(
      /^UPLOAD_TYPES must be a comma list of png, jpeg, gif, webp, pdf, txt, not "svg"/,
    );
    expect(readSettings({ UPLOAD_TYPES: 'png, pdf' }).uploadTypes).toEqual(['png', 'pdf']);
    expect(() => readSettings({ MAX_UPLOAD_BYTES: '10MB' })).toThrow(/^MAX_UPLOAD_BYTES must be/);
    expect(() => readSettings({ FILE_RETENTION_DAYS: '-1' })).toThrow(/^FILE_RETENTION_DAYS/);
    expect(() => readSettings({ SMTP_URL: 'mail.example.com' })).toThrow(/^SMTP_URL must be/);
    expect(() => readSettings({ NOTIFY_EMAIL: 'team@example.com' })).toThrow(
      /^NOTIFY_EMAIL needs SMTP_URL/,
    );
    expect(() =>
      readSettings({ SMTP_URL: 'smtp://127.0.0.1:2525', NOTIFY_EMAIL: 'not an address' }),
    ).toThrow(/^NOTIFY_EMAIL must be an email address/);
    expect(() => readSettings({ MAIL_FROM: 'Chat <chat@example.com>' })).toThrow(/^MAIL_FROM/);
    expect(() => readSettings({ PUBLIC_URL: 'chat.example.com' })).toThrow(/^PUBLIC_URL/);
    expect(
      readSettings({
        SMTP_URL: 'smtp://user:pass@127.0.0.1:2525',
        NOTIFY_EMAIL: 'team@example.com',
        PUBLIC_URL: 'https://chat.example.com/',
      }),
    ).toMatchObject({
      smtpUrl: 'smtp://user:pass@127.0.0.1:2525',
      notifyEmail: 'team@example.com',
      publicUrl: 'https://chat.example.com',
    });
  });

  it('says which variable is wrong', () => {
    expect(() => readSettings({ PORT: '80a' })).toThrow(/^PORT must be/);
    expect(() => readSettings({ PORT: '70000' })).toThrow(/^PORT/);
    expect(() => readSettings({ PLAN: 'gold' })).toThrow(/^PLAN must be free, standard or pro/);
    expect(() => readSettings({ ACTIVE_WINDOW_MS: '-5' })).toThrow(/^ACTIVE_WINDOW_MS/);
    expect(() => readSettings({ HEARTBEAT_MS: '1.5' })).toThrow(/^HEARTBEAT_MS/);
    expect(() => readSettings({ AGENT_TOKEN: 'short' })).toThrow(/^AGENT_TOKEN/);
    expect(() => readSettings({ ALLOWED_ORIGINS: 'shop.example.com' })).toThrow(/^ALLOWED_ORIGINS/);
    expect(() => readSettings({ ALLOWED_ORIGINS: 'https://a.test/path' })).toThrow(
      /^ALLOWED_ORIGINS/,
    );
    expect(() => readSettings({ KEYS: 'a b' })).toThrow(/^KEYS/);
  });
});

describe('small parts', () => {
  it('refills the token bucket at its rate', () => {
    let t = 0;
    const b = createBucket({ rate: 10, burst: 2 }, () => t);
    expect([b.take(), b.take(), b.take()]).toEqual([true, true, false]);
    expect(b.waitMs()).toBe(100);
    t += 100;
    expect(b.take()).toBe(true);
  });

  it('never gives a quiet key back more than its refill by forgetting its bucket', () => {
    // Buckets unused for 60 s were forgotten by the hourly sweep: an address quiet when it ran
    // got a full bucket back, so waiting about doubled the hourly transcript emails.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(0);
      const res = { writeHead: () => res, end: () => res } as unknown as ServerResponse;
      const rate = addressRates(1).email; // 10 at once, then 10 an hour
      const limiter = createHttpLimiter(rate);
      const pass = () => !limiter.limited(res, '198.51.100.7', 1, {});
      let sent = 0;
      for (let i = 0; i < 12; i++) if (pass()) sent++;
      expect(sent).toBe(10);
      // Quiet for two minutes, then the sweep: still (nearly) empty.
      vi.setSystemTime(120_000);
      limiter.sweep();
      expect(pass()).toBe(false);
      // Over the hour, with a sweep each minute and a try each second: 10 more at most.
      for (let t = 121; t <= 3600; t++) {
        vi.setSystemTime(t * 1000);
        if (t % 60 == 0) limiter.sweep();
        if (pass()) sent++;
      }
      expect(sent).toBeLessThanOrEqual(10 + 10);
      expect(sent).toBeGreaterThanOrEqual(10 + 9);
      // A bucket refilled to full is forgotten (nothing changes): a full burst again.
      vi.setSystemTime(3600_000 * 3);
      limiter.sweep();
      let again = 0;
      for (let i = 0; i < 12; i++) if (pass()) again++;
      expect(again).toBe(10);
    } finally {
      vi.useRealTimers();
    }
  });

  it('checks userHash only for the right length and value', () => {
    const good = createHmac('sha256', 's').update('x').digest('hex');
    expect(checkUserHash('s', 'x', good)).toBe(true);
    expect(checkUserHash('s', 'x', good.toUpperCase())).toBe(true);
    expect(checkUserHash('s', 'y', good)).toBe(false);
    expect(checkUserHash('s', 'x', good.slice(2))).toBe(false);
    expect(checkUserHash('s', 'x', 'zz'.repeat(32))).toBe(false);
  });

  it('names browsers and systems', () => {
    expect(
      parseUserAgent(
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 Edg/120.0',
      ),
    ).toEqual({ browser: 'Edge', os: 'Windows' });
    expect(
      parseUserAgent(
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1',
      ),
    ).toEqual({ browser: 'Safari', os: 'iOS' });
    expect(parseUserAgent(undefined)).toEqual({ browser: null, os: null });
  });
});
