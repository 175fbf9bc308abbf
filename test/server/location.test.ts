// @vitest-environment node
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { clientAddress, parseTrustProxy } from '../../demo/server/client-address';
import { readSettings } from '../../demo/server/config';
import { countryOf, isLocalAddress } from '../../demo/server/country';
import { parseClientFrame } from '../../src/protocol';
import { api, hello, serve, visit } from './helpers';

/** The ids of a list answer. */
const ids = (r: { json: { visitors?: unknown } }) =>
  (r.json.visitors as { id: string }[]).map((v) => v.id);

/** What the SQLite file holds of a visitor's location. */
function stored(db: string, vid: string) {
  const d = new Database(db, { readonly: true });
  try {
    return d.prepare('SELECT ip, country, time_zone FROM visitors WHERE id = ?').get(vid);
  } finally {
    d.close();
  }
}

describe('TRUST_PROXY', () => {
  it('is off when unset or empty', () => {
    expect(parseTrustProxy(undefined)).toBeUndefined();
    expect(parseTrustProxy(' ')).toBeUndefined();
    expect(readSettings({}).trustProxy).toBeUndefined();
  });

  it('reads a hop count or a list of addresses and subnets', () => {
    expect(parseTrustProxy('2')).toEqual({ hops: 2 });
    const t = parseTrustProxy('10.0.0.1, 192.168.0.0/16, ::1, fd00::/8');
    for (const proxy of ['10.0.0.1', '192.168.7.7', '::1', 'fd00::5', '::ffff:10.0.0.1'])
      expect(clientAddress(proxy, '81.2.69.160', t)).toBe('81.2.69.160');
    expect(clientAddress('10.0.0.2', '81.2.69.160', t)).toBe('10.0.0.2');
  });

  it('refuses a bad value with a message naming the setting and the bad part', () => {
    expect(() => readSettings({ TRUST_PROXY: '0' })).toThrow(/TRUST_PROXY must be a hop count/);
    expect(() => readSettings({ TRUST_PROXY: '11' })).toThrow(/TRUST_PROXY/);
    expect(() => readSettings({ TRUST_PROXY: '10.0.0.1, proxy.local' })).toThrow(
      /TRUST_PROXY .*"proxy.local"/,
    );
    expect(() => readSettings({ TRUST_PROXY: '10.0.0.0/33' })).toThrow(/TRUST_PROXY/);
    expect(() => readSettings({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY/);
  });

  it('reads STORE_IP as 1 or 0, off by default', () => {
    expect(readSettings({}).storeIp).toBe(false);
    expect(readSettings({ STORE_IP: '1' }).storeIp).toBe(true);
    expect(() => readSettings({ STORE_IP: 'yes' })).toThrow(/STORE_IP must be 1 or 0/);
  });
});

describe('clientAddress', () => {
  it('ignores X-Forwarded-For without TRUST_PROXY (a spoofed header changes nothing)', () => {
    expect(clientAddress('203.0.113.9', '8.8.8.8', undefined)).toBe('203.0.113.9');
    expect(clientAddress('::ffff:203.0.113.9', '8.8.8.8', undefined)).toBe('203.0.113.9');
  });

  it('believes as many entries as the hop count, from the right', () => {
    const one = parseTrustProxy('1');
    expect(clientAddress('127.0.0.1', '1.1.1.1, 8.8.8.8', one)).toBe('8.8.8.8');
    expect(clientAddress('127.0.0.1', ['1.1.1.1', '8.8.8.8, 9.9.9.9'], parseTrustProxy('2'))).toBe(
      '8.8.8.8',
    );
    expect(clientAddress('127.0.0.1', '8.8.8.8', parseTrustProxy('3'))).toBe('8.8.8.8');
    expect(clientAddress('127.0.0.1', undefined, one)).toBe('127.0.0.1');
  });

  it('believes the header only from listed proxies, and spoofed entries before them are skipped', () => {
    const t = parseTrustProxy('127.0.0.1, 10.0.0.0/8');
    // A visitor sends "X-Forwarded-For: 8.8.8.8"; the proxy appends the real address.
    expect(clientAddress('127.0.0.1', '8.8.8.8, 81.2.69.160', t)).toBe('81.2.69.160');
    expect(clientAddress('127.0.0.1', '8.8.8.8, 81.2.69.160, 10.1.2.3', t)).toBe('81.2.69.160');
    // Straight from the internet: the header is not believed.
    expect(clientAddress('198.51.100.7', '8.8.8.8', t)).toBe('198.51.100.7');
  });

  it('works with IPv6 peers and entries, and stops at an entry that is not an address', () => {
    const t = parseTrustProxy('::1');
    expect(clientAddress('::1', '2a00:1450:4001::1', t)).toBe('2a00:1450:4001::1');
    expect(clientAddress('::1', 'unknown', t)).toBe('::1');
    expect(clientAddress('::1', '2001:db8::1, <script>', parseTrustProxy('2'))).toBe('::1');
  });
});

describe('hello.timeZone', () => {
  it('keeps an IANA zone Intl knows and drops anything else without refusing the hello', () => {
    expect(parseClientFrame({ ...hello(), timeZone: 'Europe/Paris' })).toMatchObject({
      timeZone: 'Europe/Paris',
    });
    for (const timeZone of ['Mars/Olympus', '', 42, 'x'.repeat(100), 'Europe/../Paris'])
      expect(parseClientFrame({ ...hello(), timeZone })).not.toHaveProperty('timeZone');
  });

  it('comes in the chat frame too (the widget reads it when its window opens), checked the same way', () => {
    expect(parseClientFrame({ t: 'chat', open: true, timeZone: 'Europe/Prague' })).toEqual({
      t: 'chat',
      open: true,
      timeZone: 'Europe/Prague',
    });
    for (const timeZone of ['Mars/Olympus', '', 42, 'x'.repeat(100)])
      expect(parseClientFrame({ t: 'chat', open: true, timeZone })).toEqual({
        t: 'chat',
        open: true,
      });
    // The widget's language comes with it; a bad one is dropped, the frame kept.
    expect(parseClientFrame({ t: 'chat', open: true, lang: 'fr-CA' })).toEqual({
      t: 'chat',
      open: true,
      lang: 'fr-CA',
    });
    for (const lang of ['', 42, 'x'.repeat(36), null])
      expect(parseClientFrame({ t: 'chat', open: true, lang })).toEqual({ t: 'chat', open: true });
  });
});

describe('countryOf', () => {
  it('names the country of IPv4 and IPv6 addresses in English', () => {
    expect(countryOf('81.2.69.160')).toEqual({ code: 'GB', name: 'United Kingdom' });
    expect(countryOf('::ffff:81.2.69.160')).toEqual({ code: 'GB', name: 'United Kingdom' });
    expect(countryOf('2a00:1450:4001::1')).toEqual({ code: 'DE', name: 'Germany' });
  });

  it('answers null for loopback, private, link-local and unique-local addresses and junk', () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.5.4',
      '192.168.1.1',
      '169.254.0.1',
      '100.64.0.1',
      '::1',
      'fd12:3456::1',
      'fe80::1',
      '::ffff:192.168.1.1',
    ]) {
      expect(isLocalAddress(a)).toBe(true);
      expect(countryOf(a)).toBeNull();
    }
    expect(countryOf('not an address')).toBeNull();
    expect(countryOf(undefined)).toBeNull();
    expect(isLocalAddress('81.2.69.160')).toBe(false);
  });
});

describe('the visitor’s country and time zone on the agent API', () => {
  it('believes X-Forwarded-For from a trusted proxy: country, time zone and search', async () => {
    const s = await serve({ trustProxy: parseTrustProxy('127.0.0.1, ::1') });
    // Fixed ids: a random one holds "gb" about once in fifty runs, and `q` searches ids too.
    const { vid } = await visit(
      s.url,
      { vid: 'london-visitor-1', timeZone: 'Europe/London' },
      { 'x-forwarded-for': '8.8.8.8, 81.2.69.160' },
    );
    const v = (await api(s, 'GET', '/api/visitors/' + vid)).json;
    expect(v).toMatchObject({
      country: { code: 'GB', name: 'United Kingdom' },
      timeZone: 'Europe/London',
    });
    expect(v).not.toHaveProperty('ip');
    const other = await visit(
      s.url,
      { vid: 'berlin-visitor-2' },
      { 'x-forwarded-for': '2a00:1450:4001::1' },
    );
    expect((await api(s, 'GET', '/api/visitors/' + other.vid)).json.country).toEqual({
      code: 'DE',
      name: 'Germany',
    });
    expect(ids(await api(s, 'GET', '/api/visitors?q=united%20kingdom'))).toEqual([vid]);
    expect(ids(await api(s, 'GET', '/api/visitors?q=GB'))).toEqual([vid]);
    expect(ids(await api(s, 'GET', '/api/visitors?q=germany'))).toEqual([other.vid]);
  });

  it('takes the time zone from the chat frame of a visitor whose hello had none, live on the list', async () => {
    const s = await serve();
    const { c, vid } = await visit(s.url);
    expect((await api(s, 'GET', '/api/visitors/' + vid)).json.timeZone).toBeNull();
    c.send({ t: 'chat', open: true, timeZone: 'Europe/Prague' });
    await expect
      .poll(async () => (await api(s, 'GET', '/api/visitors/' + vid)).json.timeZone)
      .toBe('Europe/Prague');
    // An unknown zone is dropped; the known one stays and the visitor stays connected.
    c.send({ t: 'chat', open: false, timeZone: 'Mars/Olympus' });
    c.send({ t: 'chat', open: true });
    c.send({ t: 'hb', activeAt: Date.now() });
    await expect
      .poll(async () => (await api(s, 'GET', '/api/visitors?q=' + vid)).json.visitors[0]?.timeZone)
      .toBe('Europe/Prague');
    await s.close();
  });

  it('ignores a spoofed X-Forwarded-For without TRUST_PROXY: a loopback visitor is unknown', async () => {
    const s = await serve();
    const { vid } = await visit(
      s.url,
      { timeZone: 'No/Such_Zone' },
      { 'x-forwarded-for': '81.2.69.160' },
    );
    const v = (await api(s, 'GET', '/api/visitors/' + vid)).json;
    expect(v.country).toBeNull();
    expect(v.timeZone).toBeNull();
    expect(ids(await api(s, 'GET', '/api/visitors?q=united'))).toEqual([]);
  });
});

describe('STORE_IP', () => {
  const dir = mkdtempSync(join(tmpdir(), 'visitor-chat-ip-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the address only when asked; the country and time zone always', async () => {
    const trustProxy = parseTrustProxy('1');
    const plain = join(dir, 'plain.db');
    const a = await serve({ db: plain, trustProxy });
    const one = await visit(
      a.url,
      { timeZone: 'Europe/Paris' },
      { 'x-forwarded-for': '81.2.69.160' },
    );
    await a.close();
    expect(stored(plain, one.vid)).toEqual({ ip: null, country: 'GB', time_zone: 'Europe/Paris' });

    const kept = join(dir, 'kept.db');
    const b = await serve({ db: kept, trustProxy, storeIp: true });
    const two = await visit(b.url, {}, { 'x-forwarded-for': '81.2.69.160' });
    await b.close();
    expect(stored(kept, two.vid)).toMatchObject({ ip: '81.2.69.160', country: 'GB' });
  });
});
