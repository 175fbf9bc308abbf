import { isHexColor } from './color';
import { bool, num, resolveKeys, str, type Schema } from './config-check';
import type { Kernel } from './kernel';

/* The config keys only the chat layer and the UI read, checked here: not before `load`. */

/** Boolean keys of the chat layer; all default to false. */
const BOOLEANS =
  'hideWidget hideMobileWidget requireLogin privacyNoticeEnabled privacyNoticeCheckRequired openOnTrigger titleBlink sound';

/** Defaults, Smartsupp's where it has them. */
const DEFAULTS: Record<string, unknown> = {
  orientation: 'right',
  offsetX: 12,
  offsetY: 24,
  zIndex: 10000000,
  rules: [],
  triggerable: true,
};

/** A number, or one as a string (`'20'`, `'20px'`); completeConfig makes it a number. */
const px = (v: unknown) => num(v) || (typeof v == 'string' && /^-?\d+(\.\d+)?(px)?$/.test(v));
const url = (schemes: RegExp) => (v: unknown) => str(v) && schemes.test(v as string);
const side = (v: unknown) => v === 'left' || v === 'right';

/** The chat layer's keys, with their checks. */
const SCHEMA: Schema = {
  orientation: [side, "'left' or 'right'"],
  alignX: [side, "'left' or 'right'"],
  offsetX: [px, 'a number'],
  offsetY: [px, 'a number'],
  zIndex: [px, 'a number'],
  color: [isHexColor, "a colour like '#1a73e8'"],
  privacyNoticeUrl: [url(/^https?:\/\//), 'an http(s) URL'],
  // Read by the file layer and the UI; the transport was built from it before `load` (main.ts).
  server: [url(/^(https?|wss?):\/\//), 'an http(s) or ws(s) URL'],
  renderTo: [(v) => str(v) || (v as Node | null)?.nodeType === 1, 'an element or an element id'],
  rules: [Array.isArray, 'a list of rules'],
  triggerable: [bool, 'a boolean'],
};
for (const k of BOOLEANS.split(' ')) {
  SCHEMA[k] = [bool, 'a boolean'];
  DEFAULTS[k] = false;
}

/**
 * Completes the kernel's config with the chat layer's keys before anything reads them: wrong
 * types warn and keep the default. Returns the names of the keys nobody here knows, for
 * warnUnknownKeys.
 */
export function completeConfig(k: Kernel): string[] {
  const unknown: string[] = [];
  const other = k.otherKeys;
  const c = Object.assign(k.config, DEFAULTS) as typeof k.config & { alignX?: 'left' | 'right' };
  resolveKeys(other, SCHEMA, c as unknown as Record<string, unknown>, k.warn, (key) =>
    unknown.push(key),
  );
  for (const n of ['offsetX', 'offsetY', 'zIndex'] as const) c[n] = parseFloat(c[n] as never);
  // Smartsupp's chat-code generator writes alignX for the side; orientation is today's name.
  if (c.alignX && !('orientation' in other)) c.orientation = c.alignX;
  // alignY 'side' measured offsetY from the top; ours counts from the bottom, so it would misplace.
  if (other.alignY == 'side') c.offsetY = 24;
  return unknown;
}
