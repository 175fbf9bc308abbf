/** An own field only: a polluted Object.prototype must not make a rule look later than it is. */
const own = (o: unknown, k: string) =>
  Object.prototype.hasOwnProperty.call(o, k) ? (o as Record<string, unknown>)[k] : undefined;

/**
 * How long (ms from `t`) before any of `rules` (raw: the options', a `welcome`'s or a `rules`
 * frame's) could fire, read from their time and event conditions only: a rule waits for its
 * largest `timeOnPage` (from `pageStartedAt`) or `timeOnSite` (from `visitStartedAt`), and a rule
 * with an `event` condition waits for a `trigger` (Infinity: the caller loads the engine on one).
 * The rest of a rule (URL, visits, device...) is the engine's to judge: this is only a lower
 * bound, so what it cannot read counts as "now" (0), and the engine warns about it. A navigation
 * only moves `timeOnPage` later, so the bound still holds after one.
 */
export function ruleWait(
  rules: unknown,
  pageStartedAt: number,
  visitStartedAt: number,
  t: number,
): number {
  let soonest = Infinity;
  try {
    // Byte trick: what is not a list (rules, conditions) throws in for…of, or reads no fields.
    for (const r of rules as unknown[]) {
      let at = t;
      for (const c of own(r, 'conditions') as unknown[]) {
        const type = own(c, 'type');
        if (type == 'event') at = Infinity;
        // A `seconds` that is not a number makes NaN, which ends as "now" below.
        else if (type == 'timeOnPage' || type == 'timeOnSite')
          at = Math.max(
            at,
            (type == 'timeOnPage' ? pageStartedAt : visitStartedAt) +
              (own(c, 'seconds') as number) * 1e3,
          );
      }
      soonest = Math.min(soonest, at);
    }
  } catch {
    return 0;
  }
  return soonest - t || 0;
}
