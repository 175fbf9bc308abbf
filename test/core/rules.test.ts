import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createRuleEngine,
  parseRules,
  type AutoMessageRule,
  type Condition,
  type RuleContext,
} from '../../src/core/rules';

// Monday 1 January 2024, 10:00 local time.
const MONDAY_10 = new Date(2024, 0, 1, 10, 0);

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(MONDAY_10);
});
afterEach(() => {
  vi.useRealTimers();
});

const rule = (
  id: string,
  conditions: Condition[],
  extra: Partial<AutoMessageRule> = {},
): AutoMessageRule => ({ id, text: 'Hello from ' + id, frequency: 'visit', conditions, ...extra });

/** An engine over a mutable context, with shown-state persisted like the widget does. */
function setup(rules: unknown[], context: Partial<RuleContext> = {}) {
  const warn = vi.fn();
  const parsed = parseRules(rules, warn);
  expect(warn).not.toHaveBeenCalled();
  const x: RuleContext = {
    url: 'https://shop.test/',
    referrer: '',
    pageStartedAt: Date.now(),
    visitStartedAt: Date.now(),
    visits: 1,
    device: 'desktop',
    language: 'en-US',
    chatting: false,
    ...context,
  };
  const fired: string[] = [];
  const shownEver = new Set<string>();
  const shownThisVisit = new Set<string>();
  const engine = createRuleEngine({
    rules: parsed,
    context: () => x,
    now: () => Date.now(),
    setTimeout,
    clearTimeout,
    wasShown: (r) =>
      r.frequency == 'visitor' ? shownEver.has(r.id) : shownThisVisit.has(r.id + '@' + x.visits),
    fire: (r) => {
      fired.push(r.id);
      shownEver.add(r.id);
      shownThisVisit.add(r.id + '@' + x.visits);
    },
  });
  /** A page view: new URL, timeOnPage restarts, then the caller re-checks. */
  const navigate = (path: string) => {
    x.url = 'https://shop.test' + path;
    x.pageStartedAt = Date.now();
    engine.check();
  };
  return { engine, x, fired, shownEver, navigate };
}

/** Whether a single rule with these conditions fires on check() in this context. */
function firesWith(conditions: Condition[], context: Partial<RuleContext> = {}) {
  const { engine, fired } = setup([rule('r', conditions)], context);
  engine.check();
  return fired.length == 1;
}

describe('createRuleEngine', () => {
  it('fires after 20 s on the pricing page', () => {
    const { engine, fired, navigate } = setup([
      rule('pricing', [
        { type: 'url', contains: '/pricing' },
        { type: 'timeOnPage', seconds: 20 },
      ]),
    ]);
    engine.check();
    vi.advanceTimersByTime(60_000);
    expect(fired).toEqual([]);

    navigate('/pricing');
    vi.advanceTimersByTime(19_999);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(['pricing']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('restarts timeOnPage on a new page view', () => {
    const { fired, navigate } = setup([rule('r', [{ type: 'timeOnPage', seconds: 20 }])]);
    navigate('/a');
    vi.advanceTimersByTime(15_000);
    navigate('/b');
    vi.advanceTimersByTime(19_000);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1_000);
    expect(fired).toEqual(['r']);
  });

  it('counts timeOnSite from the start of the visit across page views', () => {
    const { engine, fired, navigate } = setup([rule('r', [{ type: 'timeOnSite', seconds: 30 }])]);
    engine.check();
    vi.advanceTimersByTime(20_000);
    navigate('/b');
    vi.advanceTimersByTime(9_999);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(['r']);
  });

  it('waits for the latest of several time conditions', () => {
    const { engine, fired } = setup([
      rule('r', [
        { type: 'timeOnSite', seconds: 5 },
        { type: 'timeOnPage', seconds: 40 },
      ]),
    ]);
    engine.check();
    vi.advanceTimersByTime(39_999);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(['r']);
  });

  it('arms one timer for the soonest time condition across rules', () => {
    const { engine, fired } = setup([
      rule('a', [{ type: 'timeOnPage', seconds: 60 }]),
      rule('b', [{ type: 'timeOnSite', seconds: 30 }]),
      rule('c', [{ type: 'timeOnPage', seconds: 45 }]),
    ]);
    engine.check();
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(30_000);
    expect(fired).toEqual(['b']);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(15_000);
    expect(fired).toEqual(['b', 'c']);
    vi.advanceTimersByTime(15_000);
    expect(fired).toEqual(['b', 'c', 'a']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('leaves no timer armed when nothing waits on time', () => {
    const { engine, shownEver } = setup([
      rule('other-page', [
        { type: 'url', contains: '/pricing' },
        { type: 'timeOnPage', seconds: 10 },
      ]),
      rule('closed-hours', [
        { type: 'schedule', from: 18, to: 20 },
        { type: 'timeOnPage', seconds: 10 },
      ]),
      rule('on-event', [
        { type: 'event', name: 'cart' },
        { type: 'timeOnPage', seconds: 10 },
      ]),
      rule('already-shown', [{ type: 'timeOnPage', seconds: 10 }], { frequency: 'visitor' }),
      rule('no-time', [{ type: 'url', contains: '/contact' }]),
    ]);
    shownEver.add('already-shown');
    engine.check();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('matches url by text or regex, case-insensitively', () => {
    expect(
      firesWith([{ type: 'url', contains: '/Pricing' }], { url: 'https://x.test/pricing' }),
    ).toBe(true);
    expect(
      firesWith([{ type: 'url', contains: '/pricing' }], { url: 'https://x.test/prices' }),
    ).toBe(false);
    const checkout: Condition = { type: 'url', regex: '^https://shop\\.test/(en|fr)/checkout' };
    expect(firesWith([checkout], { url: 'https://SHOP.test/fr/Checkout' })).toBe(true);
    expect(firesWith([checkout], { url: 'https://shop.test/de/checkout' })).toBe(false);
    expect(firesWith([checkout], { url: 'https://evil.test/?https://shop.test/en/checkout' })).toBe(
      false,
    );
  });

  it('matches the referrer by text or regex', () => {
    const google: Condition = { type: 'referrer', contains: 'google.' };
    expect(firesWith([google], { referrer: 'https://www.google.com/search' })).toBe(true);
    expect(firesWith([google], { referrer: '' })).toBe(false);
    const social: Condition = { type: 'referrer', regex: '(facebook|instagram)\\.com' };
    expect(firesWith([social], { referrer: 'https://m.facebook.com/' })).toBe(true);
    expect(firesWith([social], { referrer: 'https://bing.com/' })).toBe(false);
  });

  it('matches a visit-count window', () => {
    const window: Condition = { type: 'visits', min: 2, max: 3 };
    expect([1, 2, 3, 4].map((visits) => firesWith([window], { visits }))).toEqual([
      false,
      true,
      true,
      false,
    ]);
    expect(firesWith([{ type: 'visits', min: 5 }], { visits: 40 })).toBe(true);
    expect(firesWith([{ type: 'visits', max: 1 }], { visits: 2 })).toBe(false);
  });

  it('matches returning and first-time visitors', () => {
    expect(firesWith([{ type: 'returning', value: true }], { visits: 2 })).toBe(true);
    expect(firesWith([{ type: 'returning', value: true }], { visits: 1 })).toBe(false);
    expect(firesWith([{ type: 'returning', value: false }], { visits: 1 })).toBe(true);
    expect(firesWith([{ type: 'returning', value: false }], { visits: 3 })).toBe(false);
  });

  it('matches the device', () => {
    const handheld: Condition = { type: 'device', in: ['mobile', 'tablet'] };
    expect(firesWith([handheld], { device: 'tablet' })).toBe(true);
    expect(firesWith([handheld], { device: 'desktop' })).toBe(false);
  });

  it("matches a language by its prefix, so 'fr' covers 'fr-CA' but not 'fra'", () => {
    const french: Condition = { type: 'language', in: ['de', 'fr'] };
    expect(firesWith([french], { language: 'fr-CA' })).toBe(true);
    expect(firesWith([french], { language: 'FR' })).toBe(true);
    expect(firesWith([french], { language: 'fra' })).toBe(false);
    expect(firesWith([french], { language: 'en-FR' })).toBe(false);
    expect(firesWith([{ type: 'language', in: ['fr-CA'] }], { language: 'fr' })).toBe(false);
  });

  it('matches a schedule of weekdays and local hours [from, to)', () => {
    const office: Condition = { type: 'schedule', days: [1, 2, 3, 4, 5], from: 9, to: 17 };
    const at = (d: Date) => (vi.setSystemTime(d), firesWith([office]));
    expect(at(new Date(2024, 0, 1, 10, 0))).toBe(true); // Monday
    expect(at(new Date(2024, 0, 1, 9, 0))).toBe(true);
    expect(at(new Date(2024, 0, 1, 8, 59))).toBe(false);
    expect(at(new Date(2024, 0, 1, 17, 0))).toBe(false);
    expect(at(new Date(2024, 0, 6, 10, 0))).toBe(false); // Saturday
    expect(at(new Date(2024, 0, 7, 10, 0))).toBe(false); // Sunday
    vi.setSystemTime(new Date(2024, 0, 7, 10, 0));
    expect(firesWith([{ type: 'schedule', days: [0] }])).toBe(true);
  });

  it('schedule window wrapping midnight', () => {
    const night: Condition = { type: 'schedule', from: 22, to: 6 };
    const at = (h: number, m: number) => (
      vi.setSystemTime(new Date(2024, 0, 1, h, m)),
      firesWith([night])
    );
    expect(at(23, 30)).toBe(true);
    expect(at(0, 0)).toBe(true);
    expect(at(5, 59)).toBe(true);
    expect(at(6, 0)).toBe(false);
    expect(at(12, 0)).toBe(false);
    expect(at(21, 59)).toBe(false);
  });

  it('does not wait for a closed schedule window but re-checks it on the next check', () => {
    vi.setSystemTime(new Date(2024, 0, 1, 8, 0));
    const { engine, fired } = setup([rule('r', [{ type: 'schedule', from: 9 }])]);
    engine.check();
    expect(vi.getTimerCount()).toBe(0);
    vi.setSystemTime(new Date(2024, 0, 1, 9, 0));
    expect(fired).toEqual([]);
    engine.check();
    expect(fired).toEqual(['r']);
  });

  it('fires on a named custom event only when the other conditions hold', () => {
    const { engine, fired, navigate } = setup([
      rule('cart-help', [
        { type: 'event', name: 'added-to-cart' },
        { type: 'url', contains: '/cart' },
      ]),
    ]);
    engine.event('added-to-cart');
    navigate('/cart');
    expect(fired).toEqual([]); // the earlier event does not stick
    engine.event('removed-from-cart');
    expect(fired).toEqual([]);
    engine.event('added-to-cart');
    expect(fired).toEqual(['cart-help']);
  });

  it('does not let an event rule wait for its time conditions', () => {
    const { engine, fired } = setup([
      rule('r', [
        { type: 'event', name: 'stuck' },
        { type: 'timeOnPage', seconds: 10 },
      ]),
    ]);
    engine.event('stuck');
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(10_000);
    expect(fired).toEqual([]);
    engine.event('stuck');
    expect(fired).toEqual(['r']);
  });

  it('gives a fired event to its rule, not to a plain rule still waiting its turn', () => {
    const { engine, fired } = setup([
      rule('a', []),
      rule('b', []),
      rule('on-cart', [{ type: 'event', name: 'cart' }]),
    ]);
    engine.check();
    engine.event('cart');
    expect(fired).toEqual(['a', 'on-cart']);
    engine.check();
    expect(fired).toEqual(['a', 'on-cart', 'b']);
  });

  it('keeps time conditions of other rules waiting when an event is fired', () => {
    const { engine, fired } = setup([
      rule('timed', [{ type: 'timeOnPage', seconds: 10 }]),
      rule('evented', [{ type: 'event', name: 'other' }]),
    ]);
    engine.check();
    vi.advanceTimersByTime(5_000);
    engine.event('nothing-listens');
    vi.advanceTimersByTime(5_000);
    expect(fired).toEqual(['timed']);
  });

  it('does not fire while a conversation is open', () => {
    const { engine, x, fired } = setup(
      [
        rule('now', [{ type: 'url', contains: '/' }]),
        rule('later', [{ type: 'timeOnPage', seconds: 10 }]),
      ],
      { chatting: true },
    );
    engine.check();
    expect(vi.getTimerCount()).toBe(0);
    expect(fired).toEqual([]);

    x.chatting = false;
    engine.check();
    expect(fired).toEqual(['now']);
    x.chatting = true; // a chat opens while 'later' waits on its timer
    vi.advanceTimersByTime(10_000);
    expect(fired).toEqual(['now']);

    x.chatting = false;
    engine.check();
    expect(fired).toEqual(['now', 'later']);
  });

  it('fires only the first eligible rule per check, in list order', () => {
    const { engine, fired } = setup([
      rule('first', [{ type: 'visits', min: 1 }]),
      rule('second', [{ type: 'visits', min: 1 }]),
    ]);
    engine.check();
    expect(fired).toEqual(['first']);
    engine.check();
    expect(fired).toEqual(['first', 'second']);
  });

  it('honours once per visit / once per visitor via wasShown', () => {
    const { engine, x, fired } = setup([
      rule('per-visit', [], { frequency: 'visit' }),
      rule('per-visitor', [], { frequency: 'visitor' }),
    ]);
    engine.check();
    engine.check();
    engine.check();
    expect(fired).toEqual(['per-visit', 'per-visitor']);

    x.visits = 2; // a new visit
    engine.check();
    engine.check();
    expect(fired).toEqual(['per-visit', 'per-visitor', 'per-visit']);
  });

  it('never fires a rule that wasShown reports as shown', () => {
    const fire = vi.fn();
    const engine = createRuleEngine({
      rules: [rule('seen', [], { frequency: 'visitor' })],
      context: () => ({
        url: '/',
        referrer: '',
        pageStartedAt: 0,
        visitStartedAt: 0,
        visits: 1,
        device: 'desktop',
        language: 'en',
        chatting: false,
      }),
      now: Date.now,
      setTimeout,
      clearTimeout,
      wasShown: () => true,
      fire,
    });
    engine.check();
    expect(fire).not.toHaveBeenCalled();
  });

  it('fires a rule once per engine even before the caller records it as shown', () => {
    const fire = vi.fn();
    const x: RuleContext = {
      url: '/',
      referrer: '',
      pageStartedAt: 0,
      visitStartedAt: 0,
      visits: 1,
      device: 'desktop',
      language: 'en',
      chatting: false,
    };
    const engine = createRuleEngine({
      rules: [rule('r', [], { frequency: 'visitor' })],
      context: () => x,
      now: Date.now,
      setTimeout,
      clearTimeout,
      wasShown: () => false,
      // The caller re-checks synchronously from inside fire (say, its UI opened).
      fire: (r) => (fire(r.id), engine.check()),
    });
    engine.check();
    engine.check();
    x.visits = 2; // a 'visitor' rule stays fired in a later visit
    engine.check();
    expect(fire.mock.calls).toEqual([['r']]);
  });

  it('waits delayMs before firing', () => {
    const { engine, fired } = setup([rule('r', [], { delayMs: 5_000 })]);
    engine.check();
    vi.advanceTimersByTime(4_999);
    expect(fired).toEqual([]);
    engine.check(); // a re-check does not restart the delay
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(['r']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('waits delayMs and cancels if the visitor navigated away', () => {
    const { fired, navigate } = setup([
      rule('pricing', [{ type: 'url', contains: '/pricing' }], { delayMs: 5_000 }),
    ]);
    navigate('/pricing');
    vi.advanceTimersByTime(3_000);
    navigate('/about');
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(10_000);
    expect(fired).toEqual([]);
  });

  it('re-validates the conditions right before a delayed fire', () => {
    const { engine, x, fired } = setup(
      [rule('pricing', [{ type: 'url', contains: '/pricing' }], { delayMs: 5_000 })],
      { url: 'https://shop.test/pricing' },
    );
    engine.check();
    x.url = 'https://shop.test/about'; // navigated, but nobody called check()
    vi.advanceTimersByTime(5_000);
    expect(fired).toEqual([]);
  });

  it('drops a delayed fire when a chat opens or another tab showed the rule meanwhile', () => {
    const chat = setup([rule('r', [], { delayMs: 5_000 })]);
    chat.engine.check();
    chat.x.chatting = true;
    vi.advanceTimersByTime(5_000);
    expect(chat.fired).toEqual([]);

    const other = setup([rule('r', [], { delayMs: 5_000, frequency: 'visitor' })]);
    other.engine.check();
    other.shownEver.add('r');
    vi.advanceTimersByTime(5_000);
    expect(other.fired).toEqual([]);
  });

  it('fires an event rule after its delay when the event was fired', () => {
    const { engine, fired } = setup([
      rule('r', [{ type: 'event', name: 'cart' }], { delayMs: 2_000 }),
    ]);
    engine.event('cart');
    vi.advanceTimersByTime(2_000);
    expect(fired).toEqual(['r']);
  });

  it('caps timers that are too long for setTimeout instead of firing at once', () => {
    const set = vi.fn();
    const fire = vi.fn();
    const [r] = parseRules([rule('r', [{ type: 'timeOnSite', seconds: 1e8 }])], vi.fn());
    createRuleEngine({
      rules: [r!],
      context: () => ({
        url: '/',
        referrer: '',
        pageStartedAt: Date.now(),
        visitStartedAt: Date.now(),
        visits: 1,
        device: 'desktop',
        language: 'en',
        chatting: false,
      }),
      now: Date.now,
      setTimeout: set as unknown as typeof setTimeout,
      clearTimeout,
      wasShown: () => false,
      fire,
    }).check();
    // Browsers run a timer at once when its delay exceeds 2^31-1 ms.
    expect(set).toHaveBeenCalledWith(expect.any(Function), 2 ** 31 - 1);
    expect(fire).not.toHaveBeenCalled();
  });

  it('re-evaluates with new rules from setRules', () => {
    const { engine, fired } = setup([rule('old', [{ type: 'timeOnPage', seconds: 10 }])]);
    engine.check();
    engine.setRules([rule('new', [{ type: 'url', contains: 'shop' }])]);
    expect(fired).toEqual(['new']);
    vi.advanceTimersByTime(10_000);
    expect(fired).toEqual(['new']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('drops a delayed fire of a rule that setRules removed', () => {
    const { engine, fired } = setup([rule('old', [], { delayMs: 5_000 })]);
    engine.check();
    engine.setRules([rule('new', [{ type: 'url', contains: '/nowhere' }])]);
    vi.advanceTimersByTime(5_000);
    expect(fired).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('clears its timer on stop and fires nothing after', () => {
    const { engine, fired } = setup([rule('r', [{ type: 'timeOnPage', seconds: 10 }])]);
    engine.check();
    expect(vi.getTimerCount()).toBe(1);
    engine.stop();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(10_000);
    engine.check();
    expect(fired).toEqual([]);
  });
});

describe('parseRules', () => {
  it('parseRules drops invalid rules with a clear warning and keeps the valid ones', () => {
    const warn = vi.fn();
    const good = { ...rule('good', [{ type: 'url', regex: '/pricing' }]), delayMs: 1000 };
    const rules = parseRules(
      [
        good,
        'hello',
        { text: 'no id', frequency: 'visit', conditions: [] },
        rule('bad-regex', [{ type: 'url', regex: '(' }]),
        rule('unknown', [{ type: 'scroll', percent: 50 } as never]),
        { ...rule('freq', []), frequency: 'daily' },
        rule('neg', [
          { type: 'url', contains: '/' },
          { type: 'timeOnPage', seconds: -1 },
        ]),
        rule('good', []),
        rule('watch', [{ type: 'device', in: ['watch' as never] }]),
        rule('empty-url', [{ type: 'url' }]),
        rule('hours', [{ type: 'schedule', from: 25 }]),
        { ...rule('replies', []), replies: [{ value: 'no label' }] },
        { ...rule('conds', []), conditions: 'all' },
        { ...rule('long', []), delayMs: 2e9 },
      ],
      warn,
    );
    expect(rules.map((r) => r.id)).toEqual(['good']);
    expect(rules[0]).toEqual(good);
    expect(warn.mock.calls.map((c) => c[0])).toEqual([
      'auto-message rule #1 dropped: not an object',
      'auto-message rule #2 dropped: id must be a non-empty string',
      expect.stringMatching(
        /^auto-message rule "bad-regex" dropped: conditions\[0\]: bad regex "\(" \(.+\)$/,
      ),
      'auto-message rule "unknown" dropped: conditions[0]: unknown type "scroll"',
      "auto-message rule \"freq\" dropped: frequency must be 'visit' or 'visitor'",
      'auto-message rule "neg" dropped: conditions[1]: timeOnPage.seconds must be a number from 0 to 1e9',
      'auto-message rule "good" dropped: duplicate id',
      'auto-message rule "watch" dropped: conditions[0]: device.in must be a list of desktop, mobile, tablet',
      'auto-message rule "empty-url" dropped: conditions[0]: url needs contains or regex',
      'auto-message rule "hours" dropped: conditions[0]: schedule.from must be an hour 0-24',
      'auto-message rule "replies" dropped: replies must be a list of {label, value}',
      'auto-message rule "conds" dropped: conditions must be a list',
      'auto-message rule "long" dropped: delayMs must be a number from 0 to 1e9',
    ]);
  });

  it('keeps only known fields and defaults a reply value to its label', () => {
    const [r] = parseRules(
      [
        {
          ...rule('r', [{ type: 'visits', min: 2, extra: 1 } as never]),
          name: 'Ada',
          replies: [{ label: 'Yes' }],
          colour: 'red',
        },
      ],
      vi.fn(),
    );
    expect(Object.keys(r!).sort()).toEqual([
      'conditions',
      'frequency',
      'id',
      'name',
      'replies',
      'text',
    ]);
    expect(r!.conditions).toEqual([{ type: 'visits', min: 2 }]);
    expect(r!.replies).toEqual([{ label: 'Yes', value: 'Yes' }]);
  });

  it('never throws, whatever the input', () => {
    const warn = vi.fn();
    const hostile = new Proxy(
      {},
      {
        getOwnPropertyDescriptor() {
          throw new Error('boom');
        },
      },
    );
    const getter = Object.defineProperty({}, 'id', {
      enumerable: true,
      get() {
        throw new Error('no');
      },
    });
    expect(parseRules('rules', warn)).toEqual([]);
    expect(parseRules(undefined, warn)).toEqual([]);
    expect(parseRules([null, hostile, getter, [], 42], warn)).toEqual([]);
    expect(warn).toHaveBeenCalledWith('rules must be a list; none used');
    expect(warn).toHaveBeenCalledWith('auto-message rule #1 dropped: Error: boom');
    expect(warn).toHaveBeenCalledTimes(6);
  });

  it('ignores __proto__ keys / does not pollute Object.prototype', () => {
    const warn = vi.fn();
    const input = JSON.parse(`[
      {"id": "a", "text": "Hi", "frequency": "visit", "__proto__": {"polluted": 1, "delayMs": 9},
       "conditions": [{"type": "visits", "min": 1, "__proto__": {"max": 0, "polluted": 2}}]},
      {"id": "b", "text": "Hi", "frequency": "visit", "conditions": [{"type": "__proto__"}]},
      {"id": "c", "text": "Hi", "frequency": "visit", "conditions": [{"type": "toString"}]}
    ]`);
    const rules = parseRules(input, warn);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(rules).toHaveLength(1);
    expect(rules[0]!.delayMs).toBeUndefined();
    expect(rules[0]!.conditions).toEqual([{ type: 'visits', min: 1 }]);
    expect(warn.mock.calls.map((c) => c[0])).toEqual([
      'auto-message rule "b" dropped: conditions[0]: unknown type "__proto__"',
      'auto-message rule "c" dropped: conditions[0]: unknown type "toString"',
    ]);
  });

  it('is not fooled by a polluted Object.prototype', () => {
    const proto = Object.prototype as Record<string, unknown>;
    const { engine, fired } = (() => {
      proto.delayMs = 60_000;
      proto.max = 0;
      proto.regex = '(';
      try {
        return setup([rule('r', [{ type: 'visits', min: 1 }])]);
      } finally {
        delete proto.delayMs;
        delete proto.max;
        delete proto.regex;
      }
    })();
    proto.delayMs = 60_000;
    proto.max = 0;
    try {
      engine.check();
    } finally {
      delete proto.delayMs;
      delete proto.max;
    }
    expect(fired).toEqual(['r']);
  });
});
