/** Copies made so far: the core's snapshots are immutable, so a copy stays valid. */
const made = new WeakMap<object, unknown>();
/**
 * The last long list copied and its copy. The next snapshot's list (a live message appended, one
 * replaced) shares most items at the same index: an identity check each finds their copies (a
 * lookup in `made` each would cost a long chat a millisecond per message, a callback each a
 * fifth of one at 10,000 messages).
 */
let lastIn: readonly unknown[] = [];
let lastOut: readonly unknown[] = [];

/**
 * The prototype of the UI's prototype-free copies (here, and Preact's props in harden.ts): it
 * has none itself, so Object.prototype stays out of reach, and the copies stay in V8's fast
 * mode (an object made by Object.create(null) is a dictionary, slower to read, and a render
 * reads every message in view and every prop).
 */
export const NONE = Object.create(null) as object;

/**
 * `value` with every plain object in it copied to an object whose prototype has none (arrays are
 * copied too): the UI then reads only what the core put there, even on a page whose
 * `Object.prototype` was given keys like `name`, `replies` or `status`. Each object is copied
 * once, so an unchanged message keeps its identity (rows compare messages with `!==`).
 * Other objects (elements, class instances, prototype-free objects such as the resolved config,
 * whose own values the UI reads at the top level only) are returned as they are.
 */
export function clean<T>(value: T): T {
  if (typeof value != 'object' || !value) return value;
  const list = Array.isArray(value);
  // Objects without Object.prototype (the resolved config, copies made here) are read as they are.
  if (!list && Object.getPrototypeOf(value) != Object.prototype) return value;
  let copy = made.get(value);
  if (!copy) {
    if (list) {
      // The items shared with the last long list, in a row from the start, take their copies
      // in one native slice; only the rest are looked up (or copied) one by one.
      let i = 0;
      while (i < value.length && value[i] === lastIn[i]) i++;
      // All shared (a live message): one copy.
      copy = (i < lastOut.length ? lastOut.slice(0, i) : lastOut).concat(value.slice(i).map(clean));
      if (value.length > 32) {
        lastIn = value;
        lastOut = copy as unknown[];
      }
    } else {
      const o = Object.create(NONE) as Record<string, unknown>;
      for (const k of Object.keys(value)) o[k] = clean((value as Record<string, unknown>)[k]);
      copy = o;
    }
    made.set(value, copy);
  }
  return copy as T;
}
