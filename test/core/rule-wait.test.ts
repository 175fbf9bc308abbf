import { describe, expect, it } from 'vitest';
import { ruleWait } from '../../src/core/rule-wait';

const PAGE = 1_000_000;
const VISIT = PAGE - 10_000;
const at = (rules: unknown, t = PAGE) => ruleWait(rules, PAGE, VISIT, t);
const rule = (...conditions: unknown[]) => ({ id: 'r', text: 'Hi', conditions });

describe('ruleWait', () => {
  it('waits for the largest time on page of a rule', () => {
    const r = rule({ type: 'url', contains: '/pricing' }, { type: 'timeOnPage', seconds: 20 });
    expect(at([r])).toBe(20_000);
    expect(at([r], PAGE + 15_000)).toBe(5_000);
  });

  it('counts time on site from the start of the visit', () => {
    expect(at([rule({ type: 'timeOnSite', seconds: 30 })])).toBe(20_000);
    // A visit that has gone on long enough already: now.
    expect(at([rule({ type: 'timeOnSite', seconds: 30 })], VISIT + 60_000)).toBe(0);
  });

  it('takes the soonest rule', () => {
    const rules = [
      rule({ type: 'timeOnPage', seconds: 60 }),
      rule({ type: 'timeOnPage', seconds: 10 }),
    ];
    expect(at(rules)).toBe(10_000);
  });

  it('says never for rules that wait for a trigger event', () => {
    expect(at([rule({ type: 'event', name: 'demo' }, { type: 'timeOnPage', seconds: 1 })])).toBe(
      Infinity,
    );
  });

  it('says now for a rule without time conditions', () => {
    expect(at([rule({ type: 'url', contains: '/' })])).toBe(0);
    expect(at([rule()])).toBe(0);
  });

  it('says now for anything it cannot read, leaving the warning to the engine', () => {
    expect(at('not a list')).toBe(0);
    expect(at([{ id: 'no conditions' }])).toBe(0);
    expect(at([rule('not an object')])).toBe(0);
    expect(at([rule({ type: 'timeOnPage', seconds: 'soon' })])).toBe(0);
    const throwing = {
      get conditions(): unknown[] {
        throw new Error('boom');
      },
    };
    expect(at([throwing])).toBe(0);
  });

  it('reads own fields only, so a polluted Object.prototype cannot postpone a rule', () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto.seconds = 1e6;
    try {
      expect(at([rule({ type: 'timeOnPage' }, { type: 'url', contains: '/' })])).toBe(0);
    } finally {
      delete proto.seconds;
    }
  });
});
