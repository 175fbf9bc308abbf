/**
 * The condition builder's model: a condition as the form holds it (strings straight from the
 * inputs, choices as lists) and back. Nothing is judged here: the server checks the result with
 * the widget's own rules parser and its 400 names the wrong field, which the form shows.
 */
import type { Condition } from '../../../src/core/rules';

export type ConditionType = Condition['type'];

/** One condition in the form. What `value` and `value2` hold depends on the type (see FIELDS). */
export interface ConditionDraft {
  type: ConditionType;
  /** url and referrer: how `value` is matched. */
  op: 'contains' | 'regex';
  value: string;
  value2: string;
  /** device: desktop/mobile/tablet; schedule: weekdays '0'-'6'. */
  picks: string[];
}

/** The types the builder offers, in menu order, with their labels. */
export const CONDITION_TYPES: [ConditionType, string][] = [
  ['url', 'Page URL'],
  ['referrer', 'Referrer'],
  ['timeOnPage', 'Time on page'],
  ['timeOnSite', 'Time on site'],
  ['visits', 'Visit number'],
  ['returning', 'Returning visitor'],
  ['device', 'Device'],
  ['language', 'Language'],
  ['schedule', 'Weekdays and hours'],
  ['event', 'Trigger event'],
];

export const DEVICES = ['desktop', 'mobile', 'tablet'];
export const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** A fresh condition of a type, with the defaults a person would most likely pick. */
export function newCondition(type: ConditionType = 'url'): ConditionDraft {
  return {
    type,
    op: 'contains',
    value: type == 'returning' ? 'true' : '',
    value2: '',
    picks: [],
  };
}

/**
 * An input's number, absent when empty; text that is not a number is sent as it is, so the
 * server's message ("… must be a number from 0 to 1e9") tells the agent rather than a silent drop.
 */
function num(s: string): number | string | undefined {
  const t = s.trim();
  if (!t) return undefined;
  const n = Number(t);
  return Number.isNaN(n) ? t : n;
}

const words = (s: string) =>
  s
    .split(',')
    .map((w) => w.trim())
    .filter(Boolean);

/** The condition the API takes for a draft (fields left empty are left out). */
export function toCondition(d: ConditionDraft): Record<string, unknown> {
  const c: Record<string, unknown> = { type: d.type };
  const put = (k: string, v: unknown) => {
    if (v !== undefined) c[k] = v;
  };
  switch (d.type) {
    case 'url':
    case 'referrer':
      c[d.op] = d.value;
      break;
    case 'timeOnPage':
    case 'timeOnSite':
      put('seconds', num(d.value));
      break;
    case 'visits':
      put('min', num(d.value));
      put('max', num(d.value2));
      break;
    case 'returning':
      c.value = d.value != 'false';
      break;
    case 'device':
      c.in = d.picks.slice();
      break;
    case 'language':
      c.in = words(d.value);
      break;
    case 'schedule':
      if (d.picks.length) c.days = d.picks.map(Number).sort();
      put('from', num(d.value));
      put('to', num(d.value2));
      break;
    case 'event':
      c.name = d.value.trim();
      break;
  }
  return c;
}

const str = (v: number | undefined) => (v === undefined ? '' : String(v));

/** The draft for a stored condition (to edit an automation). */
export function fromCondition(c: Condition): ConditionDraft {
  const d = newCondition(c.type);
  switch (c.type) {
    case 'url':
    case 'referrer':
      d.op = c.regex !== undefined ? 'regex' : 'contains';
      d.value = c.regex ?? c.contains ?? '';
      break;
    case 'timeOnPage':
    case 'timeOnSite':
      d.value = str(c.seconds);
      break;
    case 'visits':
      d.value = str(c.min);
      d.value2 = str(c.max);
      break;
    case 'returning':
      d.value = String(c.value);
      break;
    case 'device':
      d.picks = c.in.slice();
      break;
    case 'language':
      d.value = c.in.join(', ');
      break;
    case 'schedule':
      d.picks = (c.days ?? []).map(String);
      d.value = str(c.from);
      d.value2 = str(c.to);
      break;
    case 'event':
      d.value = c.name;
      break;
  }
  return d;
}
