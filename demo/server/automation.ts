/**
 * An automation's shape (DESIGN.md §11) and its validation: an auto message (its conditions are
 * checked by the widget's own rules parser, src/core/rules.ts, so the server never stores a rule
 * the widget would drop) or a chatbot flow (a small graph of steps). Every refusal names the
 * field that is wrong, for the agent API's 400s.
 */
import { parseRules, type AutoMessageRule, type Condition } from '../../src/core/rules';
import { isRecord, MAX_TEXT, type QuickReply } from '../../src/protocol';

/** What an automation did: shown, replied to, conversations it started. */
export interface AutomationStats {
  shown: number;
  replied: number;
  conversations: number;
}

/** An auto message: a rule the widget evaluates, with who it is from. */
export interface AutoMessage {
  id: string;
  kind: 'auto-message';
  enabled: boolean;
  name?: string;
  text: string;
  sender?: string;
  replies?: QuickReply[];
  frequency: 'visit' | 'visitor';
  delayMs?: number;
  conditions: Condition[];
  /**
   * Only for visitors in these countries (ISO 3166-1 alpha-2 codes, as `Visitor.country`); a
   * visitor whose country is unknown does not get it. The server applies it: the widget never
   * sees the rule elsewhere.
   */
  country?: string[];
}

/** What a chatbot step may ask for (stored on the visitor, making it a customer). */
export type AskField = 'email' | 'name' | 'phone';

/** One step of a chatbot flow. */
export interface BotStep {
  text: string;
  /** Shown as quick replies; the visitor's answer (the label) leads to `next`. */
  buttons?: { label: string; next: string }[];
  /** Typed answers containing one of the keywords (case-insensitive) lead to `next`. */
  match?: { keywords: string[]; next: string }[];
  /** The answer is validated as this field and stored on the visitor. */
  ask?: AskField;
  /** Where any other answer (or a valid `ask` answer) leads; none: the bot goes quiet. */
  next?: string;
  /** After saying this, the bot hands over to a human and stays quiet. */
  handover?: boolean;
}

/** A chatbot flow. */
export interface Bot {
  id: string;
  kind: 'bot';
  enabled: boolean;
  name: string;
  /** The flow that greets new conversations (the first enabled one does). */
  greeting?: boolean;
  start: string;
  steps: Record<string, BotStep>;
}

/** Either kind. */
export type Automation = AutoMessage | Bot;

/** The fields each kind accepts (besides `id` and `stats`, which are read-only). */
const KEYS = {
  'auto-message': [
    'kind',
    'enabled',
    'name',
    'text',
    'sender',
    'replies',
    'frequency',
    'delayMs',
    'conditions',
    'country',
  ],
  bot: ['kind', 'enabled', 'name', 'greeting', 'start', 'steps'],
} as const;
const STEP_KEYS = ['text', 'buttons', 'match', 'ask', 'next', 'handover'];
const ASK: readonly string[] = ['email', 'name', 'phone'];
/** Limits that keep a flow something an agent can read and a visitor can walk. */
const MAX_STEPS = 50;
const MAX_CHOICES = 10;
const MAX_LABEL = 100;
const STEP_ID = /^[\w-]{1,40}$/;

const own = (o: Record<string, unknown>, k: string) => (Object.hasOwn(o, k) ? o[k] : undefined);
const isText = (v: unknown, max = MAX_TEXT): v is string =>
  typeof v == 'string' && v.trim() != '' && v.length <= max;

/** `Unknown field x` for the first key of `o` not in `allowed`, else undefined. */
function unknownKey(o: Record<string, unknown>, allowed: readonly string[], where: string) {
  const k = Object.keys(o).find((k) => !allowed.includes(k));
  return k === undefined ? undefined : `${where}${k} is not a field of this kind`;
}

function parseAutoMessage(o: Record<string, unknown>, id: string): AutoMessage | string {
  const bad = unknownKey(o, KEYS['auto-message'], '');
  if (bad) return bad;
  const name = own(o, 'name');
  if (name !== undefined && !isText(name, 200)) return 'name must be a string of 1 to 200';
  const sender = own(o, 'sender');
  if (sender !== undefined && !isText(sender, 200)) return 'sender must be a string of 1 to 200';
  const country = parseCountries(own(o, 'country'));
  if (typeof country == 'string') return country;
  const text = own(o, 'text');
  // The widget's parser says only "a non-empty string" of a text that is too long.
  if (typeof text == 'string' && text.length > MAX_TEXT)
    return `text must be a non-empty string of at most ${MAX_TEXT}`;
  // The widget's own parser decides the rest; its message names the field it refused.
  const rule: Record<string, unknown> = {
    id,
    text: own(o, 'text'),
    frequency: own(o, 'frequency') ?? 'visit',
    conditions: own(o, 'conditions') ?? [],
  };
  for (const k of ['replies', 'delayMs']) if (own(o, k) !== undefined) rule[k] = own(o, k);
  let why = '';
  const [r] = parseRules(
    [rule],
    (m) => (why ||= m.replace(/^auto-message rule .*? dropped: /, '')),
  );
  if (!r) return why;
  const out: AutoMessage = {
    id,
    kind: 'auto-message',
    enabled: own(o, 'enabled') !== false,
    text: r.text,
    frequency: r.frequency,
    conditions: r.conditions.map((c) => ({ ...c })),
  };
  if (name !== undefined) out.name = name as string;
  if (sender !== undefined) out.sender = sender as string;
  if (r.replies) out.replies = r.replies;
  if (r.delayMs !== undefined) out.delayMs = r.delayMs;
  if (country) out.country = country;
  return out;
}

/** At most this many countries on one auto message (there are 249 codes). */
const MAX_COUNTRIES = 250;

/** An auto message's `country`: two-letter codes, upper-cased, each once; undefined when absent. */
function parseCountries(v: unknown): string[] | undefined | string {
  if (v === undefined) return undefined;
  const bad = `country must be a list of 1 to ${MAX_COUNTRIES} two-letter country codes, e.g. ['FR', 'BE']`;
  if (!Array.isArray(v) || !v.length || v.length > MAX_COUNTRIES) return bad;
  const out = new Set<string>();
  for (const c of v) {
    if (typeof c != 'string' || !/^[a-z]{2}$/i.test(c)) return bad;
    // UK is not an ISO 3166-1 code (visitors there are located as GB): taken as GB.
    out.add(c.toUpperCase() == 'UK' ? 'GB' : c.toUpperCase());
  }
  return [...out];
}

const regions = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });

/**
 * What the agent API refuses in a new or replaced automation beyond {@link parseAutomation}
 * (which reads stored rows too, kept as they were): an auto message's text of spaces only (an
 * empty bubble), and what would make it never show: visits with min above max, a schedule from
 * an hour to the same hour, a country code no country has (`XX`, `EU`).
 */
export function refuseNew(a: Automation): string | undefined {
  if (a.kind != 'auto-message') return;
  if (!a.text.trim()) return `text must be a non-empty string of at most ${MAX_TEXT}`;
  for (const [n, c] of a.conditions.entries()) {
    const never =
      c.type == 'visits' && c.min !== undefined && c.max !== undefined && c.min > c.max
        ? 'visits.min is above visits.max'
        : c.type == 'schedule' && c.from !== undefined && c.from === c.to
          ? 'schedule.from and schedule.to are the same hour'
          : '';
    if (never) return `conditions[${n}]: ${never}: the message would never show`;
  }
  const i = (a.country ?? []).findIndex((c) => !regions.of(c) || /^(EU|EZ|QO|UN|ZZ)$/.test(c));
  if (i >= 0)
    return `country[${i}]: ${a.country![i]} is not a country code (ISO 3166-1 alpha-2, e.g. FR; the United Kingdom is GB)`;
}

/** A list of `{…, next}` choices (buttons or keyword matches) of a step. */
function parseChoices<T extends { next: string }>(
  v: unknown,
  where: string,
  steps: Record<string, unknown>,
  item: (c: Record<string, unknown>, at: string) => Omit<T, 'next'> | string,
): T[] | string {
  if (!Array.isArray(v) || v.length > MAX_CHOICES)
    return `${where} must be a list of at most ${MAX_CHOICES}`;
  const out: T[] = [];
  for (let i = 0; i < v.length; i++) {
    const at = `${where}[${i}]`;
    const c = v[i];
    if (!isRecord(c)) return `${at} must be an object`;
    const next = own(c, 'next');
    if (typeof next != 'string' || !Object.hasOwn(steps, next))
      return `${at}.next must be the id of a step of this flow`;
    const rest = item(c, at);
    if (typeof rest == 'string') return rest;
    out.push({ ...rest, next } as T);
  }
  return out;
}

function parseStep(raw: unknown, where: string, steps: Record<string, unknown>): BotStep | string {
  if (!isRecord(raw)) return `${where} must be an object`;
  const bad = unknownKey(raw, STEP_KEYS, where + '.');
  if (bad) return bad;
  const text = own(raw, 'text');
  if (!isText(text)) return `${where}.text must be a non-empty string of at most ${MAX_TEXT}`;
  const step: BotStep = { text };
  const buttons = own(raw, 'buttons');
  if (buttons !== undefined) {
    const list = parseChoices<{ label: string; next: string }>(
      buttons,
      where + '.buttons',
      steps,
      (c, at) =>
        isText(own(c, 'label'), MAX_LABEL)
          ? { label: (own(c, 'label') as string).trim() }
          : `${at}.label must be a non-empty string of at most ${MAX_LABEL}`,
    );
    if (typeof list == 'string') return list;
    if (list.length) step.buttons = list;
  }
  const match = own(raw, 'match');
  if (match !== undefined) {
    const list = parseChoices<{ keywords: string[]; next: string }>(
      match,
      where + '.match',
      steps,
      (c, at) => {
        const k = own(c, 'keywords');
        return Array.isArray(k) && k.length > 0 && k.length <= 20 && k.every((w) => isText(w, 50))
          ? { keywords: (k as string[]).map((w) => w.trim()) }
          : `${at}.keywords must be a list of 1 to 20 words (at most 50 characters each)`;
      },
    );
    if (typeof list == 'string') return list;
    if (list.length) step.match = list;
  }
  const ask = own(raw, 'ask');
  if (ask !== undefined) {
    if (!ASK.includes(ask as string)) return `${where}.ask must be email, name or phone`;
    step.ask = ask as AskField;
  }
  const next = own(raw, 'next');
  if (next !== undefined) {
    if (typeof next != 'string' || !Object.hasOwn(steps, next))
      return `${where}.next must be the id of a step of this flow`;
    step.next = next;
  }
  const handover = own(raw, 'handover');
  if (handover !== undefined && typeof handover != 'boolean')
    return `${where}.handover must be true or false`;
  if (handover) {
    if (step.buttons || step.match || step.ask || step.next)
      return `${where}.handover ends the flow: that step cannot have buttons, match, ask or next`;
    step.handover = true;
  }
  return step;
}

function parseBot(o: Record<string, unknown>, id: string): Bot | string {
  const bad = unknownKey(o, KEYS.bot, '');
  if (bad) return bad;
  const name = own(o, 'name');
  if (!isText(name, 200)) return 'name must be a string of 1 to 200';
  const greeting = own(o, 'greeting');
  if (greeting !== undefined && typeof greeting != 'boolean')
    return 'greeting must be true or false';
  const raw = own(o, 'steps');
  if (!isRecord(raw)) return 'steps must be an object of steps by id';
  const ids = Object.keys(raw);
  if (!ids.length || ids.length > MAX_STEPS) return `steps must hold 1 to ${MAX_STEPS} steps`;
  const badId = ids.find((k) => !STEP_ID.test(k));
  if (badId !== undefined)
    return `steps: ${JSON.stringify(badId.slice(0, 50))} is not a step id (1 to 40 letters, digits, _ or -)`;
  const start = own(o, 'start');
  if (typeof start != 'string' || !Object.hasOwn(raw, start))
    return 'start must be the id of a step of this flow';
  const steps: Record<string, BotStep> = Object.create(null);
  for (const k of ids) {
    const s = parseStep(raw[k], 'steps.' + k, raw);
    if (typeof s == 'string') return s;
    steps[k] = s;
  }
  const out: Bot = { id, kind: 'bot', enabled: own(o, 'enabled') !== false, name, start, steps };
  if (greeting) out.greeting = true;
  return out;
}

/**
 * Validates an automation from outside (an agent API body, a stored row, a seed) under `id`.
 * Returns it clean (only its own fields, copied), or a message that names the wrong field.
 */
export function parseAutomation(raw: unknown, id: string): Automation | string {
  if (!isRecord(raw)) return 'the body must be a JSON object';
  try {
    const enabled = own(raw, 'enabled');
    if (enabled !== undefined && typeof enabled != 'boolean')
      return 'enabled must be true or false';
    const kind = own(raw, 'kind');
    if (kind == 'auto-message') return parseAutoMessage(raw, id);
    if (kind == 'bot') return parseBot(raw, id);
    return "kind must be 'auto-message' or 'bot'";
  } catch (e) {
    // A hostile body cannot reach here from JSON.parse; a stored row or seed might.
    return 'not a valid automation: ' + String(e);
  }
}

/** The widget rule of an enabled auto message (welcome.rules and the `rules` frame). */
export function toRule(a: AutoMessage): AutoMessageRule {
  const r: AutoMessageRule = {
    id: a.id,
    text: a.text,
    frequency: a.frequency,
    conditions: a.conditions,
  };
  if (a.sender) r.name = a.sender;
  if (a.replies) r.replies = a.replies;
  if (a.delayMs) r.delayMs = a.delayMs;
  return r;
}
