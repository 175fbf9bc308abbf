import { MAX_TEXT } from './limits';

/** True for a plain (non-array, non-null) object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value == 'object' && value !== null && !Array.isArray(value);
}

/** A string of at most `max` UTF-16 code units. */
export const isStr = (v: unknown, max = MAX_TEXT): v is string =>
  typeof v == 'string' && v.length <= max;

/** A finite number. */
export const isNum = (v: unknown): v is number => typeof v == 'number' && isFinite(v);

/** The prototype of a frame's objects: an empty object without one (see `bare`). */
const NONE = Object.create(null) as object;

/** Rebuilds every object on a prototype that has none: a polluted `Object.prototype` (a host
 * page's, or a server's) adds no fields to a frame, and `__proto__` keys stay plain data. Not
 * Object.create(null) itself: V8 keeps such objects in slow dictionary mode. */
const bare = (_: string, v: unknown) =>
  isRecord(v) ? Object.assign(Object.create(NONE) as object, v) : v;

/**
 * A frame as an object outside Object.prototype's reach (its nested objects too): parses a JSON
 * string, copies a value through JSON; a reason string when it is not one.
 */
export function toRecord(input: unknown): Record<string, unknown> | string {
  let f;
  try {
    f = JSON.parse(typeof input == 'string' ? input : JSON.stringify(input), bare);
  } catch (e) {
    // The reviver recurses: thousands of nested levels overflow the stack (no valid frame
    // nests more than a few).
    return e instanceof RangeError ? 'frame is nested too deeply' : 'frame is not JSON';
  }
  return isRecord(f) ? f : 'frame is not an object';
}
