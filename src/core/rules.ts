import { isRecord, MAX_TEXT, parseReplies, type Device, type QuickReply } from '../protocol';
import type { Warn } from './log';

/** One thing that must hold for an auto message to fire. */
export type Condition =
  | { type: 'url'; contains?: string; regex?: string } // page URL; both case-insensitive
  | { type: 'referrer'; contains?: string; regex?: string }
  | { type: 'timeOnPage'; seconds: number } // >= seconds since the current page view
  | { type: 'timeOnSite'; seconds: number } // >= seconds since the visit started
  | { type: 'visits'; min?: number; max?: number } // visit number in [min, max]
  | { type: 'returning'; value: boolean } // visits > 1
  | { type: 'device'; in: Device[] }
  | { type: 'language'; in: string[] } // 'fr' matches 'fr' and 'fr-CA'
  // Weekdays 0-6 (Sunday 0) and local hours [from, to), fractions allowed; to < from wraps midnight.
  | { type: 'schedule'; days?: number[]; from?: number; to?: number }
  | { type: 'event'; name: string }; // holds only as the `trigger` command fires this name

/** An auto message and when to show it. */
export interface AutoMessageRule {
  id: string;
  text: string;
  /** Author name shown with the message. */
  name?: string;
  /** All must hold. */
  conditions: Condition[];
  /** Show once per visit or once per visitor (the caller persists what was shown). */
  frequency: 'visit' | 'visitor';
  /** Wait this long once eligible, then check again before firing. */
  delayMs?: number;
  replies?: QuickReply[];
}

/** What the rules are evaluated against; the caller updates it before calling `check()`. */
export interface RuleContext {
  url: string;
  referrer: string;
  pageStartedAt: number;
  visitStartedAt: number;
  visits: number;
  device: Device;
  language: string;
  /** a conversation is open: rules never fire then */
  chatting: boolean;
}

type Bag = Record<string, unknown>;
type Check = [ok: (v: unknown) => unknown, what: string];

const isStr = (v: unknown): v is string => typeof v == 'string';
const isNum = (v: unknown, max = 1e9) => typeof v == 'number' && v >= 0 && v <= max;
/** An own field only: a polluted Object.prototype or a `__proto__` key never counts. */
const own = (o: Bag, k: string) => (Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined);
const list = (v: unknown, ok: (v: unknown) => unknown) =>
  Array.isArray(v) && v.length > 0 && v.every(ok);

const STR: Check = [isStr, 'a string'];
const TEXT: Check = [(v) => isStr(v) && v && v.length <= MAX_TEXT, 'a non-empty string'];
const NUM: Check = [isNum, 'a number from 0 to 1e9'];
const HOUR: Check = [(v) => isNum(v, 24), 'an hour 0-24'];

/** What each field must be; `type.field` overrides `field`. */
const FIELDS: Record<string, Check> = {
  id: TEXT,
  text: TEXT,
  name: TEXT,
  frequency: [(v) => v == 'visit' || v == 'visitor', "'visit' or 'visitor'"],
  delayMs: NUM,
  conditions: [Array.isArray, 'a list'],
  contains: STR,
  regex: STR,
  seconds: NUM,
  min: NUM,
  max: NUM,
  value: [(v) => typeof v == 'boolean', 'true or false'],
  in: [(v) => list(v, TEXT[0]), "a list of codes like 'fr'"],
  'device.in': [
    (v) => list(v, (d) => d == 'desktop' || d == 'mobile' || d == 'tablet'),
    'a list of desktop, mobile, tablet',
  ],
  days: [(v) => list(v, (d) => Number.isInteger(d) && isNum(d, 6)), 'a list of weekdays 0-6'],
  from: HOUR,
  to: HOUR,
};

/** The fields of each condition type; `?` marks an optional one. */
const TYPES: Record<string, string> = {
  url: 'contains? regex?',
  referrer: 'contains? regex?',
  timeOnPage: 'seconds',
  timeOnSite: 'seconds',
  visits: 'min? max?',
  returning: 'value',
  device: 'in',
  language: 'in',
  schedule: 'days? from? to?',
  event: 'name',
};

/**
 * Checks the fields `spec` names and copies them (only them) onto a null-prototype object, so
 * the engine cannot read an inherited value for an absent optional field; or says what is wrong.
 */
function fields(raw: unknown, spec: string, type = ''): Bag | string {
  if (!isRecord(raw)) return 'not an object';
  const out: Bag = Object.create(null);
  for (let k of spec.split(' ')) {
    const optional = k.endsWith('?');
    if (optional) k = k.slice(0, -1);
    const v = own(raw, k);
    if (v === undefined && optional) continue;
    const [ok, what] = FIELDS[type + '.' + k] || FIELDS[k]!;
    if (!ok(v)) return type + (type && '.') + k + ' must be ' + what;
    out[k] = Array.isArray(v) ? v.slice() : v;
  }
  return out;
}

const compiled = new WeakMap<object, RegExp>();

/** The condition's regex, compiled once (by parseRules); throws on a bad pattern. */
function regex(c: { regex?: string }) {
  let re = compiled.get(c);
  if (!re) compiled.set(c, (re = new RegExp(c.regex!, 'i')));
  return re;
}

function parseCondition(raw: unknown): Condition | string {
  const t = isRecord(raw) && own(raw, 'type');
  // Checked as a string because TYPES.toString and TYPES.__proto__ exist too.
  const spec = TYPES[t as string];
  if (!isStr(spec)) return 'unknown type ' + JSON.stringify(String(t).slice(0, 20));
  const c = fields(raw, spec, t as string);
  if (isStr(c)) return c;
  c.type = t;
  if (spec[0] == 'c' && (c.contains ?? c.regex) === undefined)
    return t + ' needs contains or regex';
  if (c.regex !== undefined) {
    try {
      regex(c);
    } catch (e) {
      return 'bad regex ' + JSON.stringify(c.regex) + ' (' + (e as Error).message + ')';
    }
  }
  return c as Condition;
}

function parseRule(raw: unknown): AutoMessageRule | string {
  const r = fields(raw, 'id text name? frequency delayMs? conditions');
  if (isStr(r)) return r;
  // Reuses the protocol's quick-reply validation (and its value-defaults-to-label rule).
  const replies = parseReplies(own(raw as Bag, 'replies'));
  if (replies === false) return 'replies must be a list of {label, value}';
  if (replies) r.replies = replies;
  const conds = r.conditions as unknown[];
  for (let i = 0; i < conds.length; i++) {
    const c = parseCondition(conds[i]);
    if (isStr(c)) return 'conditions[' + i + ']: ' + c;
    conds[i] = c;
  }
  return r as never;
}

/**
 * Validates rules from the server or options: keeps the valid ones, warns once per invalid rule
 * with the reason (bad regex included), never throws. Keys like __proto__ are ignored.
 */
export function parseRules(input: unknown, warn: Warn): AutoMessageRule[] {
  const out: AutoMessageRule[] = [];
  const ids = new Set<string>();
  if (!Array.isArray(input)) {
    if (input !== undefined) warn('rules must be a list; none used');
    return out;
  }
  input.forEach((raw, i) => {
    let r: AutoMessageRule | string;
    let label = '#' + i;
    try {
      const id = isRecord(raw) && own(raw, 'id');
      if (isStr(id)) label = JSON.stringify(id.slice(0, 40));
      r = parseRule(raw);
      if (!isStr(r) && ids.has(r.id)) r = 'duplicate id';
    } catch (e) {
      // A getter or proxy in the input that throws.
      r = String(e);
    }
    if (isStr(r)) warn('auto-message rule ' + label + ' dropped: ' + r);
    else {
      out.push(r);
      ids.add(r.id);
    }
  });
  return out;
}

/** Evaluates auto-message rules and fires them (see createRuleEngine). */
export interface RuleEngine {
  /** re-evaluate now (page view, visit change, chat closed...) */
  check(): void;
  /** a custom event fired by the `trigger` command */
  event(name: string): void;
  /** Replaces the rules (a delayed fire in progress is dropped) and re-evaluates. */
  setRules(rules: AutoMessageRule[]): void;
  /** Clears the timer and forgets the rules. */
  stop(): void;
}

/** What createRuleEngine needs. */
export interface RuleEngineOptions {
  /** Rules from parseRules. */
  rules: AutoMessageRule[];
  context: () => RuleContext;
  /** ms epoch; local weekday/hour from new Date(now()) */
  now: () => number;
  setTimeout: typeof setTimeout;
  clearTimeout: typeof clearTimeout;
  /** has this rule already been shown (this visit for 'visit', ever for 'visitor')? the caller persists it */
  wasShown: (rule: AutoMessageRule) => boolean;
  fire: (rule: AutoMessageRule) => void;
}

const text = (s: string, c: { contains?: string; regex?: string }) =>
  (c.contains == null || s.toLowerCase().includes(c.contains.toLowerCase())) &&
  (c.regex == null || regex(c).test(s));

function holds(c: Condition, x: RuleContext, t: number, event?: string): boolean {
  switch (c.type) {
    case 'url':
      return text(x.url, c);
    case 'referrer':
      return text(x.referrer, c);
    case 'visits':
      return x.visits >= (c.min ?? 0) && x.visits <= (c.max ?? Infinity);
    case 'returning':
      return x.visits > 1 == c.value;
    case 'device':
      return c.in.includes(x.device);
    case 'language':
      // Appending '-' to both makes 'fr' match 'fr' and 'fr-CA' but not 'fra'.
      return c.in.some((l) => (x.language + '-').toLowerCase().startsWith(l.toLowerCase() + '-'));
    case 'schedule': {
      const d = new Date(t);
      const h = d.getHours() + d.getMinutes() / 60;
      const from = c.from ?? 0;
      const to = c.to ?? 24;
      return (
        (!c.days || c.days.includes(d.getDay())) &&
        (from <= to ? h >= from && h < to : h >= from || h < to)
      );
    }
    case 'event':
      return c.name === event;
  }
  return false;
}

/**
 * When the rule's conditions all hold: `<= t` now, `> t` at that future moment (time conditions
 * pending), NaN never (another condition fails; NaN compares false both ways).
 */
function due(rule: AutoMessageRule, x: RuleContext, t: number, event?: string): number {
  let at = 0;
  for (const c of rule.conditions) {
    if (c.type == 'timeOnPage' || c.type == 'timeOnSite')
      at = Math.max(
        at,
        (c.type == 'timeOnPage' ? x.pageStartedAt : x.visitStartedAt) + c.seconds * 1e3,
      );
    else if (!holds(c, x, t, event)) return NaN;
  }
  return at;
}

/**
 * Creates the auto-message engine. A rule fires when all its conditions hold, it was not shown
 * within its frequency, and no conversation is open; at most one rule fires per evaluation (the
 * first eligible in list order). One timer at most: for the soonest time condition or delay.
 */
export function createRuleEngine(options: RuleEngineOptions): RuleEngine {
  // Destructured so they are called unbound: window.setTimeout throws if `this` is another object.
  const { context, now, setTimeout, clearTimeout, wasShown, fire } = options;
  let rules = options.rules;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pending: { rule: AutoMessageRule; event?: string; at: number } | undefined;
  // Fired by this engine, so a rule never repeats before the caller has persisted it; a 'visit'
  // rule is keyed by visit number so it can fire again in a later visit.
  const fired = new Set<string>();

  function run(event?: string) {
    clearTimeout(timer);
    const x = context();
    const t = now();
    const key = (r: AutoMessageRule) => r.id + (r.frequency == 'visit' ? ' ' + x.visits : '');
    const done = (r: AutoMessageRule) => fired.has(key(r)) || wasShown(r);
    let next = Infinity;
    let go: AutoMessageRule | undefined;
    const take = (r: AutoMessageRule) => fired.add(key((go = r)));
    if (pending) {
      const p = pending;
      // Re-validated every time: navigating away or opening a chat cancels a delayed fire.
      if (x.chatting || done(p.rule) || !(due(p.rule, x, t, p.event) <= t)) pending = undefined;
      else if (p.at <= t) {
        take(p.rule);
        pending = undefined;
      } else next = p.at;
    }
    if (!x.chatting)
      for (const r of rules) {
        if (r == pending?.rule || done(r)) continue;
        const at = due(r, x, t, event);
        const onEvent = r.conditions.some((c) => c.type == 'event');
        // An event rule is never waited for: its event holds only at this moment.
        if (at > t) {
          if (!onEvent) next = Math.min(next, at);
        } else if (at <= t && !go && !pending && (!event || onEvent)) {
          if (r.delayMs)
            next = Math.min(next, (pending = { rule: r, event, at: t + r.delayMs }).at);
          else take(r);
        }
      }
    // setTimeout fires at once for delays over 2^31-1 ms; cap so a far-off time cannot spin.
    timer = next < Infinity ? setTimeout(() => run(), Math.min(next - t, 2147483647)) : undefined;
    if (go) fire(go);
  }

  return {
    check: () => run(),
    event: run,
    setRules(r) {
      rules = r;
      pending = undefined;
      run();
    },
    stop() {
      rules = [];
      pending = undefined;
      clearTimeout(timer);
    },
  };
}
