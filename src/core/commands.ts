import {
  LIMITS,
  MAX_TEXT,
  isNum,
  isRecord,
  type Message,
  type PageInfo,
  type Profile,
} from '../protocol';
import type { Variable, VariableValue } from '../protocol';
import { isHexColor } from './color';
import { has } from './config-check';
import type { AutoMessage, Theme } from './state';

/** Events a page can subscribe to with `on` (Smartsupp's first three, then ours). */
export interface WidgetEvents {
  /** The visitor sent a message (accepted into the outbox; delivery follows). */
  message_sent: Message;
  /** A message arrived from an agent, a bot or the system. */
  message_received: Message;
  /** The chat window was closed. */
  messenger_close: true;
  ready: { vid: string };
  chat_open: true;
  /** Unread count changed. */
  unread: number;
  auto_message: AutoMessage;
  blocked: true;
  unblocked: true;
  error: { code: string; message: string };
  /** The visitor rated the conversation (ours). */
  rating_submitted: { value: 'good' | 'bad'; comment?: string };
}

export type EventName = keyof WidgetEvents;
export type Listener<K extends EventName = EventName> = (payload: WidgetEvents[K]) => void;

/** A variable value, or Smartsupp's `{label, value}` form (agents see the label). */
export type VariableInput = VariableValue | { label: string; value: VariableValue };

/** Argument of `identify`. */
export interface IdentifyInput extends Profile {
  variables?: Record<string, VariableInput>;
  /** The site's server-side HMAC-SHA256 that lets the server mark the identity verified. */
  userHash?: string;
}

/** Argument of `theme:color`. */
export type ThemeInput = string | { color: string; color2?: string; colorGradient?: boolean };

/** Every command by its public name, with its arguments. */
export interface Commands {
  name: [name: string];
  email: [email: string];
  phone: [phone: string];
  variables: [variables: Record<string, VariableInput>];
  group: [group: string];
  language: [code: string];
  'chat:open': [];
  'chat:close': [];
  'chat:show': [];
  'chat:hide': [];
  'chat:message': [text: string];
  'chat:send': [text: string];
  'theme:color': [theme: ThemeInput];
  analyticsConsent: [consent: boolean];
  marketingConsent: [consent: boolean];
  logout: [];
  on: { [K in EventName]: [event: K, listener: Listener<K>] }[EventName];
  off: { [K in EventName]: [event: K, listener: Listener<K>] }[EventName];
  identify: [identity: IdentifyInput];
  page: [page?: Partial<PageInfo>];
  trigger: [event: string];
  /** Overrides UI strings, e.g. `{ title: 'Need help?' }` (keys are listed in the README). */
  translations: [strings: Record<string, string>];
  /** Uploads a file and sends it as the visitor's message (ours; needs the `server` option). */
  'chat:file': [file: Blob];
}

export type CommandName = keyof Commands;

/** What the widget does for each command, with arguments already validated and cleaned. */
export interface Actions {
  identify(
    profile: Profile,
    variables: Record<string, Variable> | null,
    userHash?: string,
  ): string | void;
  group(group: string): string | void;
  language(code: string): string | void;
  open(): string | void;
  close(): string | void;
  show(visible: boolean): string | void;
  prefill(text: string): string | void;
  /** Returns the message accepted into the outbox, or why it was refused. */
  send(text: string): Message | string;
  theme(theme: Theme): string | void;
  consent(kind: 'analytics' | 'marketing', value: boolean): string | void;
  logout(): string | void;
  on(event: EventName, fn: Listener): string | void;
  off(event: EventName, fn: Listener): string | void;
  page(page: Partial<PageInfo>): string | void;
  trigger(name: string): string | void;
  translations(strings: Record<string, string>): string | void;
  file(file: Blob): string | void;
  /** Warns (once per text) about what a command accepted but ignored, e.g. an unknown key. */
  warn(message: string): void;
}

const EVENTS: EventName[] = [
  'message_sent',
  'message_received',
  'messenger_close',
  'ready',
  'chat_open',
  'unread',
  'auto_message',
  'blocked',
  'unblocked',
  'error',
  'rating_submitted',
];

/** What `identify` reads. */
const IDENTIFY_KEYS = ['name', 'email', 'phone', 'variables', 'userHash'];

/** Keys that would reach Object.prototype if copied naively. */
export const isUnsafeKey = (k: string) =>
  k === '__proto__' || k === 'constructor' || k === 'prototype';

const str = (v: unknown, max: number): v is string =>
  typeof v == 'string' && v.trim().length > 0 && v.length <= max;

function checkProfile(input: Record<string, unknown>): Profile | string {
  const out: Profile = {};
  const { name, email, phone } = input;
  if (name !== undefined) {
    if (!str(name, LIMITS.name))
      return 'name must be a non-empty string of at most ' + LIMITS.name + ' characters';
    out.name = name.trim();
  }
  if (email !== undefined) {
    if (!str(email, LIMITS.email) || !/^[^\s@]+@[^\s@]+$/.test(email.trim()))
      return 'email must look like name@example.com';
    out.email = email.trim();
  }
  if (phone !== undefined) {
    // Free text as in Smartsupp ('+1 555 123 ext. 89') with a digit.
    if (!str(phone, LIMITS.phone) || !/\d/.test(phone))
      return (
        'phone must be a phone number (with digits) of at most ' + LIMITS.phone + ' characters'
      );
    out.phone = phone.trim();
  }
  return out;
}

/** Validates custom variables, keeping `{label, value}` labels; refuses prototype keys. */
export function checkVariables(input: unknown): Record<string, Variable> | string {
  if (!isRecord(input)) return 'variables must be an object like {plan: "pro"}';
  const out: Record<string, Variable> = {};
  const keys = Object.keys(input);
  if (keys.length > LIMITS.variables)
    return 'variables accept at most ' + LIMITS.variables + ' keys';
  for (const k of keys) {
    if (isUnsafeKey(k) || k.length > LIMITS.variableKey)
      return 'variables key "' + k.slice(0, LIMITS.variableKey) + '" is not allowed';
    let v = input[k];
    let label;
    if (isRecord(v)) {
      label = v.label;
      v = v.value;
    }
    if (
      (label !== undefined && !str(label, LIMITS.label)) ||
      (typeof v == 'string' ? v.length > LIMITS.variableValue : typeof v != 'boolean' && !isNum(v))
    )
      return (
        'variables.' +
        k +
        ' must be a string (up to ' +
        LIMITS.variableValue +
        ' characters), a number, a boolean or {label, value} (nothing set)'
      );
    out[k] = label ? { label: label as string, value: v as VariableValue } : (v as VariableValue);
  }
  return out;
}

function checkTheme(input: unknown): Theme | string {
  if (isHexColor(input)) return { color: input as string, gradient: false };
  if (isRecord(input) && isHexColor(input.color)) {
    if (input.color2 !== undefined && !isHexColor(input.color2))
      return 'theme:color color2 must be like "#1a73e8"';
    return {
      color: input.color as string,
      color2: input.color2 as string | undefined,
      gradient: input.colorGradient === true,
    };
  }
  return 'theme:color needs "#rrggbb" or {color, color2?, colorGradient?}';
}

const textCheck = (name: string) => (v: unknown) =>
  str(v, MAX_TEXT)
    ? undefined
    : name + ' needs a non-empty text of at most ' + MAX_TEXT + ' characters';

type Handler = (a: Actions, args: unknown[]) => Message | string | void;

const profileCommand =
  (field: keyof Profile): Handler =>
  (a, [v]) => {
    const p = checkProfile({ [field]: v === undefined ? null : v });
    if (typeof p == 'string') return p;
    a.identify(p, null);
  };

const consentCommand =
  (kind: 'analytics' | 'marketing'): Handler =>
  (a, [v]) => {
    if (typeof v != 'boolean') return kind + 'Consent needs true or false';
    a.consent(kind, v);
  };

const listenerCommand =
  (off: boolean): Handler =>
  (a, [event, fn]) => {
    if (!EVENTS.includes(event as EventName))
      return 'unknown event "' + String(event) + '"; use one of ' + EVENTS.join(', ');
    if (typeof fn != 'function') return (off ? 'off' : 'on') + ' needs a function';
    (off ? a.off : a.on)(event as EventName, fn as Listener);
  };

/** The command table, keyed by public name: validates arguments, then calls an action. */
export const COMMANDS: Record<CommandName, Handler> = {
  name: profileCommand('name'),
  email: profileCommand('email'),
  phone: profileCommand('phone'),
  variables: (a, [v]) => {
    const vars = checkVariables(v);
    if (typeof vars == 'string') return vars;
    a.identify({}, vars);
  },
  group: (a, [g]) => (str(g, LIMITS.id) ? a.group(g) : 'group needs a group key (string)'),
  language: (a, [code]) =>
    typeof code == 'string' && /^[a-z]{2,3}([-_][a-z0-9]{2,8})?$/i.test(code)
      ? a.language(code)
      : 'language needs a code like "en", "fr" or "cs"',
  'chat:open': (a) => a.open(),
  'chat:close': (a) => a.close(),
  'chat:show': (a) => a.show(true),
  'chat:hide': (a) => a.show(false),
  'chat:message': (a, [t]) =>
    typeof t == 'string' && t.length <= MAX_TEXT
      ? a.prefill(t)
      : 'chat:message needs a text of at most ' + MAX_TEXT + ' characters',
  'chat:send': (a, [t]) => textCheck('chat:send')(t) || a.send(t as string),
  'theme:color': (a, [t]) => {
    const theme = checkTheme(t);
    if (typeof theme == 'string') return theme;
    a.theme(theme);
  },
  analyticsConsent: consentCommand('analytics'),
  marketingConsent: consentCommand('marketing'),
  logout: (a) => a.logout(),
  on: listenerCommand(false),
  off: listenerCommand(true),
  identify: (a, [input]) => {
    if (!isRecord(input)) return 'identify needs an object like {name, email}';
    const p = checkProfile(input);
    if (typeof p == 'string') return p;
    let vars = null;
    if (input.variables !== undefined) {
      const v = checkVariables(input.variables);
      if (typeof v == 'string') return v;
      vars = v;
    }
    const hash = input.userHash;
    if (hash !== undefined && !str(hash, LIMITS.label)) return 'identify userHash must be a string';
    // A misspelt key (`emali`) would otherwise be dropped without a word.
    const unknown = Object.keys(input).filter((k) => !IDENTIFY_KEYS.includes(k));
    if (unknown.length)
      a.warn(
        'identify ignores unknown keys: ' +
          unknown.join(', ').slice(0, 200) +
          ' (it takes ' +
          IDENTIFY_KEYS.join(', ') +
          ')',
      );
    a.identify(p, vars, hash as string | undefined);
  },
  page: (a, [page]) => {
    if (page === undefined) return a.page(Object.create(null));
    if (!isRecord(page)) return 'page needs nothing or {url?, title?, referrer?}';
    const out: Partial<PageInfo> = Object.create(null);
    for (const k of ['url', 'title', 'referrer'] as const) {
      // Own fields only: a polluted Object.prototype must not supply a url or title.
      if (!has(page, k) || page[k] === undefined) continue;
      if (typeof page[k] != 'string') return 'page ' + k + ' must be a string';
      out[k] = page[k] as string;
    }
    a.page(out);
  },
  trigger: (a, [name]) =>
    str(name, LIMITS.id) ? a.trigger(name) : 'trigger needs an event name (string)',
  translations: (a, [input]) => {
    if (!isRecord(input)) return 'translations needs an object like {title: "Need help?"}';
    const out: Record<string, string> = {};
    for (const k of Object.keys(input)) {
      const v = input[k];
      if (isUnsafeKey(k) || typeof v != 'string' || v.length > 500)
        return 'translations.' + k.slice(0, 50) + ' must be a string of at most 500 characters';
      out[k] = v;
    }
    a.translations(out);
  },
  'chat:file': (a, [f]) =>
    typeof Blob == 'function' && f instanceof Blob ? a.file(f) : 'chat:file needs a File or Blob',
};

/**
 * Runs one command. Returns an error message (a string) for an unknown command or a bad
 * argument (the caller warns or rejects), else what the action returned (`chat:send`: the
 * message); never throws.
 */
export function runCommand(
  actions: Actions,
  name: unknown,
  args: unknown[],
): Message | string | void {
  // Not `String(name)`: an object's own toString may throw.
  if (typeof name != 'string')
    return 'a command name is a string, not ' + (name === null ? 'null' : typeof name);
  if (!has(COMMANDS, name))
    // Not "unknown": most are Smartsupp's commands this widget does not have (README, "Moving
    // from Smartsupp"), not typos.
    return 'command "' + name.slice(0, 50) + '" is not supported: ignored';
  // Arguments to a command that takes none would otherwise be dropped without a word.
  if (/^(chat:(open|close|show|hide)|logout)$/.test(name) && args.some((v) => v !== undefined))
    actions.warn(name + ' takes no arguments; they are ignored');
  return COMMANDS[name as CommandName](actions, args);
}
