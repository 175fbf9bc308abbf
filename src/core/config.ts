import type { Transport } from '../transport/types';
import type { Warn } from './log';
import { bool, num, resolveKeys, str, type Check, type Schema } from './config-check';
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
  /** Smartsupp's: `false` shows no auto messages on this page (default true). */
  triggerable?: boolean;
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

/** Defaults of the keys the kernel reads (the chat layer's: core/chat-config.ts). */
const DEFAULTS = {
  lang: 'en',
  heartbeatMs: 30000,
  consentModeEnabled: false,
  marketingConsent: false,
};

/** `'websocket'`, `'http'`, or a transport object (`open`, `send` and `close` functions). */
export const isTransport: Check = (v) =>
  v === 'websocket' ||
  v === 'http' ||
  (typeof v == 'object' &&
    v !== null &&
    typeof (v as Transport).open == 'function' &&
    typeof (v as Transport).send == 'function' &&
    typeof (v as Transport).close == 'function');

/** The keys the kernel reads, with their checks (`server` is the chat layer's: core/chat-config.ts). */
const SCHEMA: Schema = {
  key: [str, 'a non-empty string'],
  transport: [isTransport, "'websocket', 'http' or a transport object"],
  lang: [str, 'a non-empty string'],
  cookieDomain: [str, 'a non-empty string'],
  heartbeatMs: [(v) => num(v) && (v as number) >= 1000, 'a number of ms, at least 1000'],
  consentModeEnabled: [bool, 'a boolean'],
  marketingConsent: [bool, 'a boolean'],
};

/**
 * Validates the config keys the kernel reads (from `window._smartsupp` or `createWidget`): a
 * wrong type warns and keeps the default. The other keys go into `other` unchecked (the chat
 * layer's: core/chat-config.ts). Never throws; a missing `key` is an empty string.
 */
export function resolveConfig(
  raw: unknown,
  warn: Warn,
  other: Record<string, unknown> = Object.create(null),
): ResolvedConfig {
  // No prototype: a key left unset reads undefined even where a host polluted Object.prototype.
  const out: Record<string, unknown> = Object.assign(Object.create(null), DEFAULTS, { key: '' });
  if (typeof raw != 'object' || raw === null) {
    if (raw !== undefined) warn('config must be an object; using defaults');
  } else {
    resolveKeys(raw, SCHEMA, out, warn, (k, v) => (other[k] = v));
    if (!out.key) warn('config "key" is missing');
  }
  return out as unknown as ResolvedConfig;
}
