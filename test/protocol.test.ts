import { describe, expect, it } from 'vitest';
import {
  HISTORY_PAGE,
  MAX_TEXT,
  parseClientFrame,
  parseStoredVariables,
  parseMessage,
  parseServerFrame,
  toRecord,
} from '../src/protocol';

describe('parseServerFrame', () => {
  it('accepts each server frame and keeps only known fields', () => {
    expect(parseServerFrame('{"t":"ack","cid":"c1","id":"s1","at":5,"extra":1}')).toEqual({
      t: 'ack',
      cid: 'c1',
      id: 's1',
      at: 5,
    });
    expect(parseServerFrame({ t: 'blocked', x: 1 })).toEqual({ t: 'blocked' });
    expect(parseServerFrame({ t: 'status', online: false })).toEqual({
      t: 'status',
      online: false,
    });
    expect(parseServerFrame({ t: 'typing', on: true })).toEqual({ t: 'typing', on: true });
    expect(parseServerFrame({ t: 'rules', rules: [{ id: 'r' }], x: 1 })).toEqual({
      t: 'rules',
      rules: [{ id: 'r' }],
    });
    expect(parseServerFrame({ t: 'rules', rules: {} })).toBe('rules is not a list');
    expect(
      parseServerFrame({ t: 'welcome', v: 1, vid: 'v', token: 'tk', messages: [], rules: [] }),
    ).toEqual({
      t: 'welcome',
      v: 1,
      vid: 'v',
      token: 'tk',
      blocked: false,
      online: true,
      messages: [],
      rules: [],
    });
  });

  it('refuses malformed frames with a reason', () => {
    expect(parseServerFrame('{oops')).toBe('frame is not JSON');
    expect(parseServerFrame(null)).toBe('frame is not an object');
    expect(parseServerFrame([1])).toBe('frame is not an object');
    expect(parseServerFrame({ t: 'zap' })).toBe('unknown frame type "zap"');
    expect(parseServerFrame({ t: 'ack', cid: 'c' })).toBe('ack needs cid, id and at');
    expect(parseServerFrame({ t: 'welcome' })).toBe('welcome.vid must be a string');
    expect(parseServerFrame({ t: 'welcome', vid: 'v', messages: [{}] })).toBe(
      'welcome.messages: message id must be a non-empty string',
    );
    expect(parseServerFrame({ t: 'status', online: 'yes' })).toBe(
      'status.online must be a boolean',
    );
  });

  it('refuses messages with unknown authors, oversize text or bad replies', () => {
    const ok = { id: 'm', from: 'agent', text: 'hi', at: 1 };
    expect(parseMessage(ok)).toEqual(ok);
    expect(parseMessage({ ...ok, from: 'root' })).toMatch(/from must be one of/);
    expect(parseMessage({ ...ok, text: 'x'.repeat(MAX_TEXT + 1) })).toMatch(/at most/);
    expect(parseMessage({ ...ok, at: Infinity })).toBe('message at must be a number');
    expect(parseMessage({ ...ok, replies: [{ label: '' }] })).toMatch(/replies/);
    expect(parseMessage({ ...ok, replies: [{ label: 'Yes' }] })).toEqual({
      ...ok,
      replies: [{ label: 'Yes', value: 'Yes' }],
    });
  });

  it('does not carry __proto__ from a frame into the result', () => {
    const f = parseServerFrame(
      '{"t":"msg","m":{"id":"a","from":"agent","text":"x","at":1,"__proto__":{"evil":1}}}',
    );
    expect(f).toEqual({ t: 'msg', m: { id: 'a', from: 'agent', text: 'x', at: 1 } });
    expect(({} as Record<string, unknown>).evil).toBeUndefined();
  });
});

describe('toRecord', () => {
  it('copies every object of a frame off Object.prototype, arrays and nesting included', () => {
    const f = toRecord(
      '{"t":"x","a":[{"b":{"c":1}},2,null],"__proto__":{"evil":1},"constructor":"k"}',
    ) as Record<string, any>;
    for (const o of [f, f.a[0], f.a[0].b]) {
      expect(Object.getPrototypeOf(o)).not.toBe(Object.prototype);
      expect(Object.getPrototypeOf(Object.getPrototypeOf(o))).toBeNull();
    }
    expect(Array.isArray(f.a)).toBe(true);
    expect(f.a[0].b.c).toBe(1);
    // `__proto__` and `constructor` stay plain data: own keys, no prototype swapped in.
    expect(Object.keys(f)).toEqual(['t', 'a', '__proto__', 'constructor']);
    expect(f.__proto__).toEqual({ evil: 1 });
    expect(f.evil).toBeUndefined();
    expect(f.constructor).toBe('k');
    // A value that is not a string goes through JSON the same way (undefined and functions drop).
    expect(toRecord({ t: 'y', n: { m: [1] }, f: () => 1 })).toEqual({ t: 'y', n: { m: [1] } });
  });

  it('ignores keys a host page added to Object.prototype', () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto.injected = 'yes';
    try {
      const f = toRecord('{"t":"x","m":{"id":"a"}}') as Record<string, any>;
      expect(f.injected).toBeUndefined();
      expect(f.m.injected).toBeUndefined();
    } finally {
      delete proto.injected;
    }
  });

  it('answers a reason, not a throw, for a frame nested too deeply or not an object', () => {
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    expect(toRecord(deep)).toBe('frame is nested too deeply');
    expect(toRecord('{"a":' + '{"a":'.repeat(200_000) + '1' + '}'.repeat(200_001))).toBe(
      'frame is nested too deeply',
    );
    expect(toRecord('[{"t":1}]')).toBe('frame is not an object');
    expect(toRecord('"t"')).toBe('frame is not an object');
    expect(toRecord('{"t":')).toBe('frame is not JSON');
  });
});

describe('history frames (protocol 2)', () => {
  it('accepts a hist request with a default page size and refuses bad ones', () => {
    expect(parseClientFrame({ t: 'hist', before: '42' })).toEqual({
      t: 'hist',
      before: '42',
      limit: HISTORY_PAGE,
    });
    expect(parseClientFrame({ t: 'hist', before: '42', limit: 10, x: 1 })).toEqual({
      t: 'hist',
      before: '42',
      limit: 10,
    });
    expect(parseClientFrame({ t: 'hist' })).toBe('hist.before must be an id');
    expect(parseClientFrame({ t: 'hist', before: 'a b' })).toBe('hist.before must be an id');
    for (const limit of [0, 51, 2.5, '10', null])
      expect(parseClientFrame({ t: 'hist', before: '1', limit })).toBe(
        'hist.limit must be a whole number from 1 to 50',
      );
  });

  it('accepts a hist answer with clean messages and refuses a malformed one', () => {
    const m = { id: '7', from: 'agent', text: 'Older', at: 1, junk: true };
    expect(parseServerFrame({ t: 'hist', before: '8', messages: [m], more: true })).toEqual({
      t: 'hist',
      before: '8',
      messages: [{ id: '7', from: 'agent', text: 'Older', at: 1 }],
      more: true,
    });
    expect(parseServerFrame({ t: 'hist', messages: [], more: false })).toBe(
      'hist.before must be a non-empty string',
    );
    expect(parseServerFrame({ t: 'hist', before: '8', messages: [] })).toBe(
      'hist.more must be a boolean',
    );
    expect(parseServerFrame({ t: 'hist', before: '8', messages: {}, more: false })).toBe(
      'hist.messages must be a list of at most 1000 messages',
    );
    expect(parseServerFrame({ t: 'hist', before: '8', messages: [{ id: 1 }], more: false })).toBe(
      'hist.messages: message id must be a non-empty string',
    );
  });

  it('reads welcome.more only when it is true', () => {
    const w = { t: 'welcome', vid: 'v', messages: [] };
    expect(parseServerFrame({ ...w, more: true })).toMatchObject({ more: true });
    expect(parseServerFrame({ ...w, more: 'yes' })).not.toHaveProperty('more');
  });

  it('reads welcome.maxFile only when it is a positive integer, and keeps the frame otherwise', () => {
    const w = { t: 'welcome', vid: 'v', messages: [] };
    expect(parseServerFrame({ ...w, maxFile: 10485760 })).toMatchObject({ maxFile: 10485760 });
    for (const maxFile of [0, -1, 1.5, '10', null, true, {}, []]) {
      const f = parseServerFrame({ ...w, maxFile });
      expect(f).toMatchObject({ t: 'welcome', vid: 'v' });
      expect(f).not.toHaveProperty('maxFile');
    }
  });
});

describe('files, rating and closed frames (DESIGN.md §9)', () => {
  const file = { id: 'f1', name: 'a.png', size: 3, type: 'image/png', url: '/v1/files/f1' };

  it('accepts a message with attachments and keeps only their known fields', () => {
    const m = { id: 'm', from: 'agent', text: '', at: 1, attachments: [{ ...file, x: 1 }] };
    expect(parseMessage(m)).toEqual({ ...m, attachments: [file] });
  });

  it('refuses an attachment whose url is not the server path of its id', () => {
    for (const url of ['javascript:alert(1)', 'data:image/png;base64,AA', '/v1/files/other'])
      expect(
        parseMessage({ id: 'm', from: 'agent', text: '', at: 1, attachments: [{ ...file, url }] }),
      ).toMatch(/attachments/);
  });

  it('accepts a visitor msg with only attachments and refuses one with neither text nor files', () => {
    expect(parseClientFrame({ t: 'msg', cid: 'c', text: '', at: 1, attachments: [file] })).toEqual({
      t: 'msg',
      cid: 'c',
      text: '',
      at: 1,
      attachments: [{ id: 'f1' }],
    });
    expect(parseClientFrame({ t: 'msg', cid: 'c', text: '', at: 1 })).toMatch(/not empty/);
    expect(parseClientFrame({ t: 'msg', cid: 'c', text: '', at: 1, attachments: [] })).toMatch(
      /attachments/,
    );
    const many = Array.from({ length: 11 }, (_, i) => ({ id: 'f' + i }));
    expect(parseClientFrame({ t: 'msg', cid: 'c', text: 'x', at: 1, attachments: many })).toMatch(
      /attachments/,
    );
    expect(
      parseClientFrame({ t: 'msg', cid: 'c', text: 'x', at: 1, attachments: [{ id: 5 }] }),
    ).toMatch(/attachments/);
  });

  it('accepts rate and end frames and refuses a bad rating', () => {
    expect(parseClientFrame({ t: 'rate', value: 'good', x: 1 })).toEqual({
      t: 'rate',
      value: 'good',
    });
    expect(parseClientFrame({ t: 'rate', value: 'bad', comment: 'slow' })).toEqual({
      t: 'rate',
      value: 'bad',
      comment: 'slow',
    });
    expect(parseClientFrame({ t: 'rate', value: 'meh' })).toMatch(/rate.value/);
    expect(parseClientFrame({ t: 'rate', value: 'bad', comment: 'x'.repeat(1001) })).toMatch(
      /rate.comment/,
    );
    expect(parseClientFrame({ t: 'end', x: 1 })).toEqual({ t: 'end' });
    expect(parseServerFrame({ t: 'closed', x: 1 })).toEqual({ t: 'closed' });
  });
});

describe('refusals that name a key of the sender', () => {
  it('escape its control characters: a key cannot forge a line in the server log', () => {
    const key = 'a\r\n2026-12-07T16:40:00.000Z error FORGED\u2028\u0085\u001b[31m';
    const refusals = [
      parseClientFrame({ t: 'vars', vars: { [key]: {} } }),
      parseClientFrame({ t: 'vars', vars: { a: 1 }, labels: { [key]: 5 } }),
      parseStoredVariables({ [key]: { label: '', value: 1 } }),
    ];
    for (const r of refusals) {
      expect(typeof r).toBe('string');
      // oxlint-disable-next-line no-control-regex
      expect(r).not.toMatch(/[\0-\x1f\x7f-\x9f\u2028\u2029]/);
      expect(r).toContain('a\\u000d\\u000a2026-12-07T16:40:00.000Z error FORGED\\u2028\\u0085');
    }
    // A plain key is named as it was.
    expect(parseClientFrame({ t: 'vars', vars: { plan: {} } })).toMatch(/^vars\.vars\.plan must/);
  });
});
