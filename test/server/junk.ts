/**
 * Seeded generators of hostile visitor input for test/server/hostile.test.ts. Every item is
 * refused by construction and says how: the generator is the oracle, not the server's validator
 * (a validator that let something through would not agree with it).
 */
import { MAX_FRAME } from '../../demo/server/visitor-ws';
import { wsFrame } from './helpers';

export type Rand = () => number;

const int = (r: Rand, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rand, list: readonly T[]): T => list[int(r, list.length)]!;

/** A JSON number literal that parses to ±Infinity (what `JSON.stringify` cannot write). */
const RAW = ['1e999', '-1e999', '1e309', '-123456789e400'] as const;
/** JSON text to put in place of a marker string (see {@link toJson}). */
const raws: string[] = [];
const rawTag = (json: string) => `\u0001raw:${raws.push(json) - 1}\u0001`;
const huge = (r: Rand) => rawTag(pick(r, RAW));

/** Serializes `value`, writing the {@link rawTag} markers as the JSON text they stand for. */
function toJson(value: unknown): string {
  return JSON.stringify(value).replace(/"\\u0001raw:(\d+)\\u0001"/g, (_, i) => raws[+i]!);
}

/** Keys that would pollute a prototype if copied carelessly; `__proto__` is written raw. */
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

/** Nested arrays and objects, `depth` deep, with prototype keys inside. */
function nested(r: Rand, depth: number): string {
  let s = pick(r, ['1', '"x"', 'null', '{"polluted":true}', '[]']);
  for (let i = 0; i < depth; i++)
    s = r() < 0.5 ? `[${s}]` : `{${JSON.stringify(pick(r, [...PROTO_KEYS, 'a', 't']))}:${s}}`;
  return s;
}

/** Extra members (ignored by a correct server) put in front of a frame's own members. */
function extras(r: Rand): string[] {
  const out: string[] = [];
  const n = int(r, 3);
  for (let i = 0; i < n; i++) {
    const k = pick(r, [...PROTO_KEYS, 'hasOwnProperty', 'toString', 'junk']);
    out.push(`${JSON.stringify(k)}:${nested(r, int(r, 40))}`);
  }
  if (r() < 0.05) {
    const depth = 1000 + int(r, 2000);
    out.push(`"deep":${'['.repeat(depth)}1${']'.repeat(depth)}`);
  }
  return out;
}

/** A frame object as JSON text with junk members in front. */
function frameText(r: Rand, f: Record<string, unknown>): string {
  const body = toJson(f);
  const junk = extras(r);
  return junk.length ? '{' + junk.join(',') + ',' + body.slice(1) : body;
}

// ---- bad values, by what the field must be ----

const wrongTypes = (r: Rand): unknown[] => [
  null,
  true,
  false,
  {},
  [],
  [1, 2],
  { valueOf: 1, toString: 1 },
  1e308,
  -0,
  Number.MAX_SAFE_INTEGER + 2,
  huge(r),
];
const notNumber = (r: Rand) =>
  pick(r, [
    ...wrongTypes(r).filter((v) => typeof v != 'number'),
    '1',
    '',
    '0x10',
    huge(r),
    huge(r),
  ]);
const notBool = (r: Rand) =>
  pick(r, [...wrongTypes(r).filter((v) => typeof v != 'boolean'), 'true', 1, 0]);
const notString = (r: Rand, max: number) =>
  pick(r, [...wrongTypes(r).filter((v) => typeof v != 'string'), 'x'.repeat(max + 1 + int(r, 40))]);
const notId = (r: Rand) =>
  pick(r, [
    notString(r, 100),
    'a b',
    'x!',
    '<script>alert(1)</script>',
    '../../etc/passwd',
    'é',
    '',
    'a\u0000b',
    '__proto__.x',
    'a'.repeat(101),
  ]);
const notText = (r: Rand) => (r() < 0.2 ? '' : notString(r, 4000));
function notVars(r: Rand): unknown {
  switch (int(r, 8)) {
    case 0:
      return pick(r, [[], ['a'], 'x', 1, null, true]);
    case 1:
      // An own __proto__ key: JSON.parse makes one, the validator must refuse it.
      return rawTag('{"__proto__":{"polluted":true}}');
    case 2:
      return Object.fromEntries(
        Array.from({ length: 51 + int(r, 10) }, (_, i) => [PROTO_KEYS[i % 3] + i, i]),
      );
    case 3:
      return { ['k'.repeat(101)]: 1 };
    case 4:
      return { '': 1 };
    case 5:
      return { constructor: pick(r, [{}, [], null, { prototype: {} }]) };
    case 6:
      return { prototype: 'v'.repeat(1001) };
    default:
      return { k: huge(r) };
  }
}

/** Valid frames of every type but `hello`, and how to break each field. */
const FRAMES: Record<
  string,
  { base: Record<string, unknown>; bad: Record<string, (r: Rand) => unknown> }
> = {
  hb: { base: { activeAt: 1 }, bad: { activeAt: notNumber, hidden: notBool } },
  page: {
    base: { url: 'http://shop.test/', title: 'Home', referrer: '' },
    bad: {
      url: (r) => notString(r, 2048),
      title: (r) => notString(r, 1000),
      referrer: (r) => notString(r, 2048),
    },
  },
  msg: {
    base: { cid: 'c1', text: 'hi', at: 1 },
    bad: { cid: notId, text: notText, at: notNumber },
  },
  id: {
    base: { name: 'Ada' },
    bad: {
      name: (r) => notString(r, 200),
      email: (r) => notString(r, 254),
      phone: (r) => notString(r, 50),
      userHash: (r) => notString(r, 200),
      form: notBool,
    },
  },
  vars: { base: { vars: { plan: 'pro' } }, bad: { vars: notVars } },
  group: { base: { group: 'sales' }, bad: { group: (r) => notString(r, 100) } },
  am: {
    base: { rule: 'r1', text: 'Hi' },
    bad: { rule: (r) => (r() < 0.3 ? '' : notString(r, 100)), text: (r) => notString(r, 4000) },
  },
  chat: { base: { open: true }, bad: { open: notBool } },
  read: { base: { at: 1 }, bad: { at: notNumber } },
  typing: { base: { on: true }, bad: { on: notBool } },
};

/** A valid hello (for a visitor id nobody has), and how to break each field. */
const HELLO_BAD: Record<string, (r: Rand) => unknown> = {
  v: notNumber,
  key: (r) => (r() < 0.3 ? '' : notString(r, 100)),
  vid: notId,
  token: (r) => notString(r, 500),
  visits: (r) => pick(r, [0, -1, 0.5, notNumber(r)]),
  firstSeenAt: notNumber,
  activeAt: notNumber,
  page: (r) =>
    pick(r, [null, 'http://x/', [], { url: 'http://x/' }, { url: 1, title: '', referrer: '' }]),
  device: (r) => pick(r, ['watch', '', 'Desktop', 1, null, '__proto__']),
  lang: (r) => notString(r, 35),
  group: (r) => notString(r, 100),
  profile: (r) => pick(r, [[], 'Ada', 1, { name: 5 }, { email: 'e'.repeat(255) }, null]),
  variables: notVars,
};
export function validHello(vid: string, key = 'demo'): Record<string, unknown> {
  return {
    t: 'hello',
    v: 1,
    key,
    vid,
    visits: 1,
    firstSeenAt: 1,
    page: { url: 'http://shop.test/', title: 'Home', referrer: '' },
    device: 'desktop',
    lang: 'en',
    activeAt: 1,
  };
}

/** A frame of a known type with one or two fields broken: answered `err bad_frame` after hello. */
export function badFieldFrame(r: Rand): string {
  if (r() < 0.15) {
    const f = validHello('h' + int(r, 1e9));
    for (let i = 0, n = 1 + int(r, 2); i < n; i++) {
      const k = pick(r, Object.keys(HELLO_BAD));
      f[k] = HELLO_BAD[k]!(r);
    }
    return frameText(r, f);
  }
  const t = pick(r, Object.keys(FRAMES));
  const spec = FRAMES[t]!;
  const f: Record<string, unknown> = { t, ...spec.base };
  for (let i = 0, n = 1 + int(r, 2); i < n; i++) {
    const k = pick(r, Object.keys(spec.bad));
    f[k] = spec.bad[k]!(r);
  }
  return frameText(r, f);
}

/** A valid frame other than hello (refused before hello). */
export function validFrame(r: Rand): string {
  const t = pick(r, Object.keys(FRAMES));
  return frameText(r, { t, ...FRAMES[t]!.base });
}

/** What a WebSocket peer sends, and what must happen. */
export interface WsJunk {
  data: string | Buffer;
  /** Sent as a binary frame. */
  binary?: boolean;
  /** Close code, or 'err' (an `err bad_frame` frame, the socket stays open). */
  expect: number | 'err';
  kind: string;
}

const printable = (r: Rand, n: number) =>
  Array.from({ length: n }, () => String.fromCharCode(32 + int(r, 95))).join('');

/** Text that is not JSON. */
function notJson(r: Rand): string {
  const valid = validFrame(r);
  switch (int(r, 8)) {
    case 0:
      return printable(r, int(r, 200));
    case 1:
      return valid.slice(0, int(r, valid.length));
    case 2:
      return valid.replace(/"/g, "'");
    case 3:
      return valid.slice(0, -1) + ',}';
    case 4:
      return '\ufeff' + valid;
    case 5:
      return pick(r, ['', 'NaN', 'undefined', '{t:hb}', '// hi\n{}', '{"t":"hb","activeAt":NaN}']);
    case 6:
      return '['.repeat(1 + int(r, 5000));
    default:
      return Buffer.from(Array.from({ length: 1 + int(r, 300) }, () => int(r, 256))).toString(
        'latin1',
      );
  }
}

/** Valid JSON that is not a frame: not an object, or an unknown or missing `t`. */
function notFrame(r: Rand): string {
  if (r() < 0.4)
    return pick(r, [
      'null',
      '1',
      '"hello"',
      '[]',
      'true',
      '1e999',
      '[' + validFrame(r) + ']',
      '{}',
    ]);
  const t = pick<unknown>(r, [
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'hasOwnProperty',
    'valueOf',
    'HB',
    'hello ',
    'welcome',
    'ack',
    'err',
    '',
    null,
    1,
    true,
    {},
    [],
    ['hb'],
    { toString: 1, valueOf: 1 },
    'x'.repeat(5000),
    huge(r),
  ]);
  // Sometimes the `t` hides in an own __proto__ member, where a careless merge would find it.
  if (r() < 0.2) return `{"__proto__":{"t":"hb","activeAt":1},"activeAt":1}`;
  return frameText(r, { t, activeAt: 1, on: true, at: 1 });
}

/** Invalid UTF-8 in a text frame (1007). */
const badUtf8 = (r: Rand) =>
  Buffer.concat([
    Buffer.from('{"t":"hb","activeAt":'),
    Buffer.from(
      pick(r, [[0xff], [0xc3, 0x28], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xed, 0xa0, 0x80]]),
    ),
    Buffer.from('}'),
  ]);

/**
 * A frame that closes the connection whatever state it is in: not JSON, not a frame, binary,
 * invalid UTF-8 or over 16 KiB.
 */
export function killerFrame(r: Rand): WsJunk {
  const n = int(r, 20);
  if (n < 7) return { data: notJson(r), expect: 4000, kind: 'not JSON' };
  if (n < 13) return { data: notFrame(r), expect: 4000, kind: 'not a frame' };
  if (n < 16) {
    const data = r() < 0.5 ? Buffer.from(validFrame(r)) : Buffer.from(notJson(r), 'latin1');
    return { data, binary: true, expect: 4000, kind: 'binary' };
  }
  if (n < 18) return { data: badUtf8(r), expect: 1007, kind: 'invalid UTF-8' };
  const size = MAX_FRAME + 1 + int(r, 3 * MAX_FRAME);
  const text = '{"t":"msg","cid":"big","at":1,"text":"' + 'x'.repeat(size) + '"}';
  return r() < 0.8
    ? { data: text, expect: 1009, kind: 'over 16 KiB' }
    : { data: Buffer.from(text), binary: true, expect: 1009, kind: 'over 16 KiB' };
}

/**
 * The first frame of a connection, never a good hello: `known` is a visitor id in use (a hello
 * for it without its token is refused 4001).
 */
export function firstFrame(r: Rand, known: string): WsJunk {
  const n = int(r, 20);
  if (n < 6) return killerFrame(r);
  if (n < 10) return { data: validFrame(r), expect: 4000, kind: 'before hello' };
  if (n < 15) return { data: badFieldFrame(r), expect: 4000, kind: 'bad frame before hello' };
  if (n < 17) {
    const key = pick(r, ['nope', 'DEMO', 'demo ', '__proto__', 'constructor']);
    return {
      data: frameText(r, validHello('k' + int(r, 1e9), key)),
      expect: 4004,
      kind: 'wrong key',
    };
  }
  const f = validHello(known);
  f.token = pick(r, ['x', 'not-the-token', 'A'.repeat(43), 'A'.repeat(500)]);
  return { data: frameText(r, f), expect: 4001, kind: 'wrong token' };
}

/** A close frame's payload: the code. */
function code(c: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(c);
  return b;
}

/** Bad WebSocket framing (RFC 6455), sent on a bare socket, with the close code ws answers. */
export function badFraming(r: Rand): { bytes: Buffer; expect: number; kind: string } {
  const text = Buffer.from(validFrame(r));
  switch (int(r, 12)) {
    case 0:
      return { bytes: wsFrame(1, text, { mask: false }), expect: 1002, kind: 'unmasked' };
    case 1:
      return { bytes: wsFrame(1, text, { rsv: 1 + int(r, 7) }), expect: 1002, kind: 'rsv bits' };
    case 2:
      return {
        bytes: wsFrame(pick(r, [3, 4, 5, 6, 7, 11, 12, 13, 14, 15]), text),
        expect: 1002,
        kind: 'reserved opcode',
      };
    case 3:
      return { bytes: wsFrame(0, text), expect: 1002, kind: 'continuation first' };
    case 4:
      return { bytes: wsFrame(9, text, { fin: false }), expect: 1002, kind: 'fragmented ping' };
    case 5:
      return { bytes: wsFrame(9, Buffer.alloc(126 + int(r, 200))), expect: 1002, kind: 'big ping' };
    case 6:
      return {
        bytes: wsFrame(1, Buffer.alloc(0), { length: BigInt(MAX_FRAME + 1 + int(r, 1e6)) }),
        expect: 1009,
        kind: 'declared over 16 KiB',
      };
    case 7:
      return {
        bytes: wsFrame(2, Buffer.alloc(0), { length: 2n ** 63n + BigInt(int(r, 1e6)) }),
        expect: 1009,
        kind: 'length over 2^53',
      };
    case 8:
      return { bytes: wsFrame(8, Buffer.from([3])), expect: 1002, kind: 'close of 1 byte' };
    case 9:
      return {
        bytes: wsFrame(8, code(pick(r, [0, 999, 1004, 1005, 1006, 1015, 2000, 5000, 65535]))),
        expect: 1002,
        kind: 'bad close code',
      };
    case 10:
      return {
        bytes: Buffer.concat([wsFrame(1, text, { fin: false }), wsFrame(1, text)]),
        expect: 1002,
        kind: 'new message inside a fragmented one',
      };
    default:
      return {
        bytes: wsFrame(1, Buffer.from([0x7b, 0xff, 0xfe, 0x7d])),
        expect: 1007,
        kind: 'text not UTF-8',
      };
  }
}

/** A bad request to `POST /v1/frames` (or a bad query to events/poll) and its status. */
export interface HttpJunk {
  method: 'POST' | 'GET';
  /** Path and query. */
  path: string;
  body?: string;
  type?: string;
  expect: number;
  kind: string;
}

/** A `POST /v1/frames` of `body`. */
const post = (body: string, expect: number, kind: string, type = 'application/json'): HttpJunk => ({
  method: 'POST',
  path: '/v1/frames?key=demo',
  body,
  type,
  expect,
  kind,
});

/**
 * A request the visitor HTTP endpoints must refuse. `me` is a visitor on HTTP (id and token);
 * `other` another visitor's id.
 */
export function httpJunk(r: Rand, me: { vid: string; token: string }, other: string): HttpJunk {
  const batch = (frames: string[], over: Record<string, unknown> = {}) =>
    toJson({ vid: me.vid, token: me.token, ...over }).slice(0, -1) +
    ',"frames":[' +
    frames.join(',') +
    ']}';
  const hb = '{"t":"hb","activeAt":1}';
  switch (int(r, 16)) {
    case 0:
      return post(notJson(r), 400, 'not JSON');
    case 1:
      return post(
        pick(r, ['null', '1', '"x"', '[]', 'true', '[' + batch([hb]) + ']']),
        400,
        'not an object',
      );
    case 2: {
      const over = pick<Record<string, unknown>>(r, [
        { vid: undefined },
        { vid: 1 },
        { vid: null },
        { vid: ['a'] },
        { vid: { toString: 'x' } },
      ]);
      return post(
        toJson({ token: me.token, frames: [JSON.parse(hb)], ...over }),
        400,
        'vid missing',
      );
    }
    case 3:
      return post(
        toJson({ vid: me.vid, token: me.token, frames: pick(r, [null, {}, hb, 1]) }),
        400,
        'frames not a list',
      );
    case 4:
      return post(
        batch(r() < 0.5 ? [] : Array.from({ length: 101 + int(r, 50) }, () => hb)),
        400,
        'frames count',
      );
    case 5: {
      const vid = pick(r, ['a b', 'x!', 'é', '', '<svg>', 'v'.repeat(101 + int(r, 30000)), '../x']);
      return post(batch([hb], { vid }), 400, 'bad vid');
    }
    case 6:
    case 7:
    case 8:
      return post(batch([validFrame(r), badFieldFrame(r)].slice(int(r, 2))), 400, 'bad frame');
    case 9:
      return post(batch([notFrame(r)]), 400, 'not a frame');
    case 10:
      return post(
        batch([hb], { token: pick(r, [undefined, 1, 'wrong', me.token + 'x', '']) }),
        401,
        'wrong token',
      );
    case 11: {
      const vid = pick(r, [
        'nobody',
        other.slice(0, -1) + (other.endsWith('A') ? 'B' : 'A'),
        'constructor',
        '__proto__',
        'hasOwnProperty',
      ]);
      return post(batch([hb], { vid, token: 'x' }), 400, 'unknown visitor');
    }
    case 12: {
      const n = int(r, 4);
      if (n == 0) return post(batch([hb, toJson(validHello(me.vid))]), 400, 'hello not first');
      if (n == 1) return post(batch([toJson(validHello(other))]), 400, 'hello for another vid');
      if (n == 2)
        return post(
          batch([toJson(validHello(me.vid, pick(r, ['nope', 'DEMO'])))]),
          404,
          'hello with a wrong key',
        );
      return post(
        toJson({ vid: other, frames: [{ ...validHello(other), token: pick(r, ['x', me.token]) }] }),
        401,
        'hello with a wrong token',
      );
    }
    case 13: {
      const n = r();
      if (n < 0.05) return post('x'.repeat(65 * 1024 + int(r, 1000)), 413, 'body over 64 KiB');
      if (n < 0.35) {
        const big = '{"t":"msg","cid":"c","at":1,"text":"' + 'x'.repeat(MAX_FRAME) + '"}';
        return post(batch([big]), 413, 'frame over 16 KiB');
      }
      const type = pick(r, ['image/png', 'text/html', 'application/x-www-form-urlencoded', 'json']);
      return post(batch([hb]), 400, 'wrong content type', type);
    }
    case 14:
      return {
        ...post(batch([hb]), 404, 'unknown key'),
        path: '/v1/frames?key=' + pick(r, ['nope', '', '__proto__', 'constructor']),
      };
    default: {
      const path = pick(r, ['/v1/events', '/v1/poll']);
      const n = int(r, 3);
      if (n == 0)
        return {
          method: 'GET',
          path: `${path}?key=demo&vid=${encodeURIComponent(pick(r, ['', 'a b', 'x'.repeat(200), 'nobody', '__proto__']))}`,
          expect: 400,
          kind: 'events: unknown visitor',
        };
      return {
        method: 'GET',
        path: `${path}?key=demo&vid=${n == 1 ? me.vid : other}${r() < 0.5 ? '' : '&token=' + encodeURIComponent(pick(r, ['x', me.token + 'x', n == 2 ? me.token : 'y']))}`,
        expect: 401,
        kind: 'events: wrong token',
      };
    }
  }
}
