import type { Transport } from '../transport/types';
import { isHexColor } from './color';
import type { Warn } from './log';
import type { IgnoredSmartsuppKey } from './smartsupp-keys';

/** Options a site owner sets on `window._smartsupp` (Smartsupp's names) plus ours. */
export interface Config extends Partial<Record<IgnoredSmartsuppKey, unknown>> {
  /** Account key (required). */
  key: string;
  /** Base URL of the server (ours). The transport follows from the scheme or `transport`. */
  server?: string;
  /** `'websocket' | 'http'`, or a transport object of your own (ours). */
  transport?: 'websocket' | 'http' | Transport;
  orientation?: 'left' | 'right';
  /** Smartsupp's legacy name for `orientation` (which wins when both are set). */
  alignX?: 'left' | 'right';
  /** Smartsupp's legacy layout: `'side'` measured `offsetY` from the top, which is not applied. */
  alignY?: 'side' | 'bottom';
  /** Smartsupp's legacy launcher type; both are our round launcher button. */
  widget?: 'widget' | 'button';
  offsetX?: number;
  offsetY?: number;
  zIndex?: number;
  /** Brand colour, `#rrggbb`. */
  color?: string;
  /**
   * UI language: a tag such as `'fr'` or `'pt-BR'` (English for one the UI does not speak), or
   * `'auto'` (ours) for the first of the browser's `navigator.languages` the UI speaks.
   */
  lang?: string;
  hideWidget?: boolean;
  hideMobileWidget?: boolean;
  /** Show the contact form before chatting. */
  requireLogin?: boolean;
  privacyNoticeEnabled?: boolean;
  privacyNoticeUrl?: string;
  privacyNoticeCheckRequired?: boolean;
  /** Mirror the visitor id in a cookie for this domain, to share it across sub-domains. */
  cookieDomain?: string;
  /** Open the chat window directly when an auto message fires (desktop). */
  openOnTrigger?: boolean;
  /** Element (or its id) to render the widget into instead of the page corner. */
  renderTo?: string | HTMLElement;
  /** Store nothing on the device until `marketingConsent` is given. */
  consentModeEnabled?: boolean;
  /**
   * With `consentModeEnabled`: the site already has the visitor's marketing consent (from its
   * consent manager), so the device is used from the start (ours). Where the browser cannot
   * list its IndexedDB databases (no `indexedDB.databases()`), this is how a returning visitor
   * who consented earlier is found without creating anything.
   */
  marketingConsent?: boolean;
  /** Activity heartbeat interval in ms (ours; default 30000). */
  heartbeatMs?: number;
  /** Auto-message rules used until the server sends its own (ours); see core/rules.ts. */
  rules?: unknown[];
  /** Blink the page title while the tab is hidden and messages are unread (ours; default off). */
  titleBlink?: boolean;
  /** Play a short beep when a message arrives (ours; default off). */
  sound?: boolean;
}

/** Config after validation: every key has a value of the right type. */
export interface ResolvedConfig extends Required<
  Omit<
    Config,
    | IgnoredSmartsuppKey
    | 'alignX'
    | 'alignY'
    | 'widget'
    | 'server'
    | 'transport'
    | 'privacyNoticeUrl'
    | 'cookieDomain'
    | 'renderTo'
    | 'color'
  >
> {
  server?: string;
  transport?: Config['transport'];
  privacyNoticeUrl?: string;
  cookieDomain?: string;
  renderTo?: string | HTMLElement;
  color?: string;
}

/** Boolean keys; all default to false. One list, because bytes matter in the core bundle. */
const BOOLEANS =
  'hideWidget hideMobileWidget requireLogin privacyNoticeEnabled privacyNoticeCheckRequired openOnTrigger consentModeEnabled marketingConsent titleBlink sound'.split(
    ' ',
  );

/** Defaults, Smartsupp's where it has them. */
export const DEFAULTS = {
  orientation: 'right',
  offsetX: 12,
  offsetY: 24,
  zIndex: 10000000,
  lang: 'en',
  heartbeatMs: 30000,
  rules: [],
} as unknown as Omit<ResolvedConfig, 'key'>;
for (const k of BOOLEANS) (DEFAULTS as unknown as Record<string, boolean>)[k] = false;

type Check = (value: unknown) => boolean;

const str: Check = (v) => typeof v == 'string' && v.length > 0 && v.length < 2048;
const num: Check = (v) => typeof v == 'number' && isFinite(v);
const side: Check = (v) => v === 'left' || v === 'right';
const url =
  (schemes: RegExp): Check =>
  (v) =>
    str(v) && schemes.test(v as string);
const isTransport: Check = (v) =>
  v === 'websocket' ||
  v === 'http' ||
  (typeof v == 'object' &&
    v !== null &&
    typeof (v as Transport).open == 'function' &&
    typeof (v as Transport).send == 'function' &&
    typeof (v as Transport).close == 'function');

/** Each known key with its check and a human description of the expected type. */
const SCHEMA: Record<string, [Check, string]> = {
  key: [str, 'a non-empty string'],
  server: [url(/^(https?|wss?):\/\//), 'an http(s) or ws(s) URL'],
  transport: [isTransport, "'websocket', 'http' or a transport object"],
  orientation: [side, "'left' or 'right'"],
  alignX: [side, "'left' or 'right'"],
  offsetX: [num, 'a number'],
  offsetY: [num, 'a number'],
  zIndex: [num, 'a number'],
  color: [isHexColor, "a colour like '#1a73e8'"],
  lang: [str, 'a language code'],
  privacyNoticeUrl: [url(/^https?:\/\//), 'an http(s) URL'],
  cookieDomain: [str, 'a domain string'],
  renderTo: [
    (v) => str(v) || (typeof v == 'object' && v !== null && (v as Node).nodeType === 1),
    'an element or an element id',
  ],
  heartbeatMs: [(v) => num(v) && (v as number) >= 1000, 'a number of ms, at least 1000'],
  rules: [Array.isArray, 'a list of rules'],
};
for (const k of BOOLEANS) SCHEMA[k] = [(v) => typeof v == 'boolean', 'a boolean'];

/**
 * Validates raw config (from `window._smartsupp` or `createWidget` options). Wrong types warn
 * and fall back to the default; keys it does not know go into `unknown` (the chat layer warns
 * about those that are not Smartsupp's: smartsupp-keys.ts). Never throws; returns `undefined`
 * config `key` as an empty string (the caller decides what a missing key means).
 */
export function resolveConfig(raw: unknown, warn: Warn, unknown: string[] = []): ResolvedConfig {
  // No prototype: a key left unset reads undefined even where a host polluted Object.prototype.
  const out: Record<string, unknown> = Object.assign(Object.create(null), DEFAULTS, { key: '' });
  if (typeof raw != 'object' || raw === null) {
    if (raw !== undefined) warn('config must be an object; using defaults');
    return out as unknown as ResolvedConfig;
  }
  const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
  // Own keys only: a polluted Object.prototype must not configure the widget.
  for (const k of Object.keys(raw)) {
    const value = (raw as Record<string, unknown>)[k];
    const rule = has(SCHEMA, k) ? SCHEMA[k] : undefined;
    if (!rule) {
      unknown.push(k);
      continue;
    }
    if (value === undefined) continue;
    if (rule[0](value)) out[k] = value;
    else warn('config "' + k + '" must be ' + rule[1] + '; using the default');
  }
  // Smartsupp's chat-code generator writes alignX for the side; orientation is today's name.
  if (out.alignX && !has(raw, 'orientation')) out.orientation = out.alignX;
  // alignY 'side' measured offsetY from the top; ours counts from the bottom, so it would misplace.
  if (has(raw, 'alignY') && (raw as Config).alignY == 'side') out.offsetY = 24;
  if (!out.key) warn('config "key" is missing');
  return out as unknown as ResolvedConfig;
}
