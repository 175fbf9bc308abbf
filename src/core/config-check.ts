import { isNum } from '../protocol/guards';
import type { Warn } from './log';

/** Checks a config value. */
export type Check = (value: unknown) => boolean;

/** Each key with its check and a human description of the expected type. */
export type Schema = Record<string, [Check, string]>;

/** A non-empty string of sane length. */
export const str: Check = (v) => typeof v == 'string' && v.length > 0 && v.length < 2048;
/** A finite number (the protocol's check: one function in the bundle). */
export const num: Check = isNum;
/** A boolean. */
export const bool: Check = (v) => typeof v == 'boolean';
/** Whether `o` has its own key `k` (never one from a polluted Object.prototype). */
export const has = (o: object, k: string) => ({}).hasOwnProperty.call(o, k);

/**
 * Copies the own keys of `raw` that `schema` knows into `out` when their check passes (a wrong
 * type warns and leaves the default); hands the others to `other`. Never throws.
 */
export function resolveKeys(
  raw: object,
  schema: Schema,
  out: Record<string, unknown>,
  warn: Warn,
  other: (key: string, value: unknown) => void,
): void {
  // Own keys only: a polluted Object.prototype must not configure the widget.
  for (const k of Object.keys(raw)) {
    const value = (raw as Record<string, unknown>)[k];
    const rule = has(schema, k) ? schema[k] : undefined;
    if (!rule) other(k, value);
    else if (value === undefined) continue;
    else if (rule[0](value)) out[k] = value;
    else warn('config "' + k + '" must be ' + rule[1] + '; using the default');
  }
}
