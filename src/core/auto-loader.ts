import type { AutoMessages } from './auto-messages';
import type { Warn } from './log';
import { timers } from './timers';

/** A rule list worth loading the engine for: anything but none or an empty list (bad ones get warned about). */
const some = (rules: unknown) => rules !== undefined && !(Array.isArray(rules) && !rules.length);

/** How long before a rule could fire the engine is loaded, so the fire is not late. */
export const RULES_LEAD_MS = 5000;

/**
 * The auto messages with their rule engine (core/auto-messages.ts, core/rules.ts) loaded only
 * once there are rules (the options', a `welcome`'s or a `rules` frame's), and only when one of
 * them could fire: `wait(rules)` says how long before one could (core/rule-wait.ts), and the
 * engine loads RULES_LEAD_MS before that, or at once when a `trigger` event comes. Most visitors
 * leave before a "20 s on the pricing page" rule could fire, and never fetch it. Until then
 * nothing can fire, so it only remembers what the engine will need: whether a `welcome` came (it
 * closes the window for early events), the `trigger` events fired before it, and the calls made
 * since the rules came, which run after it loads, in order.
 *
 * @example
 * const auto = loadAutoMessages(() => chunk('rules.js').then((m) => m.createAutoMessages(k, c, ui)), config.rules, warn);
 */
export function loadAutoMessages(
  create: () => Promise<AutoMessages>,
  configRules: unknown,
  warn: Warn,
  wait: (rules: unknown) => number = () => 0,
): AutoMessages {
  const { setTimeout, clearTimeout } = timers;
  let engine: AutoMessages | undefined;
  let pending: Array<(a: AutoMessages) => void> | undefined;
  /** Calls made since rules came, while their load waits (see `schedule`). */
  let held: Array<(a: AutoMessages) => void> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let welcomed = false;
  let stopped = false;
  const early: string[] = [];
  const load = () => {
    clearTimeout(timer);
    pending = held || [];
    held = undefined;
    create()
      .then((a) => {
        if (stopped) return a.stop();
        // Brought up to what it missed: events before the first welcome, then that welcome.
        for (const name of early) a.event(name);
        if (welcomed) a.welcome(undefined);
        for (const fn of pending!) fn(a);
        (engine = a).check();
      })
      .catch((e) => warn('the auto messages failed to start: ' + String(e)))
      // Loaded, or failed: then the next rules try again (the calls that waited are dropped).
      .finally(() => (pending = undefined));
  };
  /** Loads now, later (when one of `rules` could fire), or on a `trigger` (Infinity). */
  const schedule = (rules: unknown) => {
    clearTimeout(timer);
    const ms = some(rules) ? wait(rules) - RULES_LEAD_MS : Infinity;
    // An event fired before the welcome may be what one of its rules waits for: now too.
    if (!(ms > 0) || early.length) load();
    else if (ms < Infinity) timer = setTimeout(load, ms);
  };
  /** Runs `fn` on the engine: now, after the load under way or waiting, or once `rules` load it. */
  const use = (fn: (a: AutoMessages) => void, rules?: unknown) => {
    if (engine) fn(engine);
    else if (pending) pending.push(fn);
    else if (held) {
      held.push(fn);
      if (rules !== undefined) schedule(rules);
    } else if (some(rules)) {
      held = [fn];
      schedule(rules);
    } else return true;
  };
  if (some(configRules)) {
    held = [];
    schedule(configRules);
  }
  return {
    welcome(rules) {
      if (use((a) => a.welcome(rules), rules)) welcomed = true;
    },
    setRules: (rules) => void use((a) => a.setRules(rules), rules),
    event(name) {
      // With rules waiting to load, an event may be what one of them waits for: load now.
      if (held) {
        held.push((a) => a.event(name));
        load();
      } else if (use((a) => a.event(name)) && !welcomed && early.length < 20) early.push(name);
    },
    check: () => void use((a) => a.check()),
    stop() {
      stopped = true;
      held = undefined;
      clearTimeout(timer);
      engine?.stop();
    },
  };
}
