import { setFlagsFromString } from 'node:v8';
import { afterEach, describe, expect, it } from 'vitest';
import { parseServerFrame, toRecord } from '../../src/protocol';
import { completeConfig } from '../../src/core/chat-config';
import { createKernel } from '../../src/core/kernel';
import { createMemoryStore } from '../../src/core/storage';
import { warnUnknownKeys } from '../../src/core/smartsupp-keys';
import { clean } from '../../src/ui/clean';
import { hardenPreact } from '../../src/ui/harden';
import { h } from 'preact';
import { jsx } from 'preact/jsx-runtime';
import { typingOf } from '../../demo/agent/store';

/** The keys an attacker puts in JSON; merged carelessly, each pollutes Object.prototype. */
const EVIL =
  '"__proto__":{"polluted":1,"t":"blocked"},"constructor":{"prototype":{"polluted":2}},"prototype":{"polluted":3}';
/** `json` with the evil keys added to every object in it. */
const evil = (json: string) => json.replace(/\{(?!\})/g, '{' + EVIL + ',');

const P = Object.prototype as Record<string, unknown>;

/**
 * Whether `o` reads nothing from Object.prototype: its prototype is null, or an empty object whose
 * own prototype is null (what the copies use: V8 keeps them in fast mode, unlike
 * Object.create(null), and they inherit nothing all the same).
 */
const inheritsNothing = (o: object) => {
  const p = Object.getPrototypeOf(o) as object | null;
  return p === null || (Object.getPrototypeOf(p) === null && Reflect.ownKeys(p).length == 0);
};

afterEach(() => {
  expect(Object.keys(Object.prototype)).toEqual([]);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

describe('__proto__, constructor and prototype keys', () => {
  // Rules keep their keys (the chat layer validates them: test/core/rules.test.ts).
  it('in every object of every server frame: parsed, nothing polluted, frames still valid', () => {
    const frames = [
      '{"t":"welcome","v":1,"vid":"v1","token":"k","online":true,"messages":[{"id":"a","from":"agent","text":"Hi","at":1,"replies":[{"label":"Yes","value":"y"}]}]}',
      '{"t":"ack","cid":"c","id":"s","at":2}',
      '{"t":"msg","m":{"id":"b","from":"bot","text":"x","at":3,"name":"Bot"}}',
      '{"t":"status","online":false}',
      '{"t":"typing","on":true}',
      '{"t":"blocked"}',
      '{"t":"err","code":"nope"}',
    ];
    for (const json of frames) {
      const raw = toRecord(evil(json));
      expect(typeof raw).toBe('object');
      // The keys stay plain data on objects that inherit nothing.
      const o = raw as { m?: object };
      expect(inheritsNothing(o)).toBe(true);
      expect(inheritsNothing(o.m ?? o)).toBe(true);
      expect(Object.keys(raw)).toContain('__proto__');
      const f = parseServerFrame(evil(json));
      expect(f).toEqual(parseServerFrame(json));
    }
  });

  it('in the config: ignored as unknown keys, the rest resolved', () => {
    const warnings: string[] = [];
    const k = createKernel({
      ...JSON.parse(evil('{"key":"k","color":"#123456"}')),
      logger: { warn: (m: string) => warnings.push(m.slice(15)) },
      storage: createMemoryStore(),
    });
    warnUnknownKeys(completeConfig(k), (m) => warnings.push(m), ['logger', 'storage']);
    k.destroy();
    expect(Object.getPrototypeOf(k.otherKeys)).toBe(null);
    expect(k.config.key).toBe('k');
    expect(k.config.color).toBe('#123456');
    expect(warnings).toEqual(['ignoring unknown config keys: __proto__, constructor, prototype']);
  });
});

describe('objects that inherit nothing', () => {
  it("stay in V8's fast mode: frames, the UI's copies of state, Preact's props (read on every render)", () => {
    setFlagsFromString('--allow-natives-syntax');
    const fast = new Function('o', 'return %HasFastProperties(o)') as (o: object) => boolean;
    // The control: what Object.create(null) makes is a dictionary, slower to read.
    expect(fast(Object.create(null) as object)).toBe(false);
    const f = toRecord('{"t":"msg","m":{"id":"a","from":"agent","text":"x","at":1}}') as {
      m: object;
    };
    expect(fast(f)).toBe(true);
    expect(fast(f.m)).toBe(true);
    const s = clean({ messages: [{ id: 'a', from: 'agent', text: 'Hi', at: 1 }] });
    expect(fast(s)).toBe(true);
    expect(fast(s.messages[0]!)).toBe(true);
    hardenPreact();
    const v = h('li', { class: 'm a', 'aria-posinset': 3 });
    expect(inheritsNothing(v.props)).toBe(true);
    expect(fast(v.props)).toBe(true);
  });
});

describe('a polluted Object.prototype', () => {
  afterEach(() => {
    delete P.name;
    delete P.replies;
  });

  it('the UI reads state through prototype-free copies made once per object', () => {
    const m = { id: 'a', from: 'agent', text: 'Hi', at: 1 };
    const state = { messages: [m], config: Object.create(null), theme: { gradient: false } };
    P.name = 'Polluted';
    P.replies = [{ label: 'x', value: 'x' }];
    const s = clean(state);
    expect(s.messages[0]).toEqual(m);
    expect((s.messages[0] as Record<string, unknown>).name).toBeUndefined();
    expect((s.messages[0] as Record<string, unknown>).replies).toBeUndefined();
    // Same copy for the same object: rows that compare messages by identity still work.
    expect(clean({ ...state }).messages).toBe(s.messages);
    delete P.name;
    delete P.replies;
  });

  it("Preact's props: an inherited class or title is not copied onto an element with a ref", () => {
    hardenPreact();
    const ref = { current: null };
    P.class = 'evil';
    P.title = 'evil';
    const polluted = jsx('div', { ref, id: 'a' }).props as Record<string, unknown>;
    const own = jsx('div', { ref, class: 'm', title: 'ok' }).props as Record<string, unknown>;
    delete P.class;
    delete P.title;
    expect(Object.keys(polluted)).toEqual(['id']);
    expect(polluted.className).toBeUndefined();
    expect(Object.keys(own).sort()).toEqual(['className', 'title']);
    expect(own.className).toBe('m');
    expect(inheritsNothing(own)).toBe(true);
  });

  it("a long list's next version: the shared items keep their copies, a replaced or new one is copied", () => {
    const list = Array.from({ length: 1000 }, (_, i) => ({ id: 'm' + i, text: 'x' }));
    const first = clean(list);
    const replaced = { id: 'm500', text: 'edited' };
    const next = [...list.slice(0, 500), replaced, ...list.slice(501), { id: 'new', text: 'y' }];
    P.text = 'Polluted';
    const second = clean(next);
    delete P.text;
    expect(second).toHaveLength(1001);
    expect(second[0]).toBe(first[0]);
    expect(second[999]).toBe(first[999]);
    expect(second[500]).not.toBe(first[500]);
    expect(second[500]).toEqual(replaced);
    expect(inheritsNothing(second[1000]!)).toBe(true);
    expect(inheritsNothing(second[500]!)).toBe(true);
    expect(second[1000]).toEqual({ id: 'new', text: 'y' });
    // A live message: everything shared, one item appended; the last copy is not changed.
    const appended = clean([...next, { id: 'live', text: 'w' }]);
    expect(appended).toHaveLength(1002);
    expect(appended[1000]).toBe(second[1000]);
    expect(appended[1001]).toEqual({ id: 'live', text: 'w' });
    expect(inheritsNothing(appended[1001]!)).toBe(true);
    expect(second).toHaveLength(1001);
    // An older page prepended moves every item: each is still found by its own copy.
    const older = { id: 'old', text: 'z' };
    const third = clean([older, ...next]);
    expect(third[1]).toBe(second[0]);
    expect(third[1001]).toBe(second[1000]);
    expect(third[0]).toEqual(older);
    // A shorter list (a welcome replaced it): its items keep their copies too.
    const fourth = clean(next.slice(0, 10));
    expect(fourth).toHaveLength(10);
    expect(fourth[9]).toBe(first[9]);
  });

  it('the agent page: a visitor whose id is `constructor` or `toString` is not typing', () => {
    expect(typingOf({}, 'constructor')).toBeUndefined();
    expect(typingOf({}, 'toString')).toBeUndefined();
    expect(typingOf({}, '__proto__')).toBeUndefined();
    expect(typingOf({ ada: true }, 'ada')).toBe(true);
    expect(typingOf({ ada: false }, 'ada')).toBe(false);
  });
});
