import type { AutoMessages } from './auto-messages';
import type { Warn } from './log';

/** A rule list worth loading the engine for: anything but none or an empty list (bad ones get warned about). */
const some = (rules: unknown) => rules !== undefined && !(Array.isArray(rules) && !rules.length);

/**
 * The auto messages with their rule engine (core/auto-messages.ts, core/rules.ts) loaded only
 * once there are rules: the options' (at once), a `welcome`'s or a `rules` frame's. Until then
 * nothing can fire, so it only remembers what the engine will need: whether a `welcome` came
 * (it closes the window for early events) and the `trigger` events fired before it. Calls made
 * while it loads run after, in order.
 *
 * @example
 * const auto = loadAutoMessages(() => chunk('rules.js').then((m) => m.createAutoMessages(k, c, ui)), config.rules, warn);
 */
export function loadAutoMessages(
  create: () => Promise<AutoMessages>,
  configRules: unknown,
  warn: Warn,
): AutoMessages {
  let engine: AutoMessages | undefined;
  let pending: Array<(a: AutoMessages) => void> | undefined;
  let welcomed = false;
  let stopped = false;
  const early: string[] = [];
  const load = () => {
    pending = [];
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
  /** Runs `fn` on the engine: now, after the load under way, or after one `rules` starts. */
  const use = (fn: (a: AutoMessages) => void, rules?: unknown) => {
    if (engine) fn(engine);
    else if (pending) pending.push(fn);
    else if (some(rules)) {
      load();
      pending!.push(fn);
    } else return true;
  };
  if (some(configRules)) load();
  return {
    welcome(rules) {
      if (use((a) => a.welcome(rules), rules)) welcomed = true;
    },
    setRules: (rules) => void use((a) => a.setRules(rules), rules),
    event(name) {
      if (use((a) => a.event(name)) && !welcomed && early.length < 20) early.push(name);
    },
    check: () => void use((a) => a.check()),
    stop() {
      stopped = true;
      engine?.stop();
    },
  };
}
