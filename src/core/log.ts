/** Something that prints warnings; `console` in a browser, a spy in tests. */
export interface Logger {
  warn(...args: unknown[]): void;
}

/** A warning function that prefixes `[visitor-chat]`, never throws, and prints each text once. */
export type Warn = (message: string) => void;

/**
 * Creates the widget's warning function. Each distinct message is printed once, so a command
 * called in a loop with a bad argument cannot flood the console.
 */
export function createWarn(logger: Logger | undefined): Warn {
  const seen = new Set<string>();
  return (message) => {
    if (seen.has(message) || seen.size > 200) return;
    seen.add(message);
    try {
      logger?.warn('[visitor-chat] ' + message);
    } catch {
      // A host page that replaced console.warn with something that throws must not break us.
    }
  };
}
