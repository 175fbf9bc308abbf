import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadAutoMessages, RULES_LEAD_MS } from '../../src/core/auto-loader';
import type { AutoMessages } from '../../src/core/auto-messages';
import { flush } from '../helpers/widget';

/** An engine that records the calls it gets, and a create() the test resolves by hand. */
function setup(configRules?: unknown, wait?: (rules: unknown) => number) {
  const calls: string[] = [];
  const engine: AutoMessages = {
    welcome: (r) => void calls.push('welcome ' + JSON.stringify(r)),
    setRules: (r) => void calls.push('setRules ' + JSON.stringify(r)),
    event: (n) => void calls.push('event ' + n),
    check: () => void calls.push('check'),
    stop: () => void calls.push('stop'),
  };
  const loads: Array<{ resolve(a: AutoMessages): void; reject(e: unknown): void }> = [];
  const create = vi.fn(
    () => new Promise<AutoMessages>((resolve, reject) => void loads.push({ resolve, reject })),
  );
  const warn = vi.fn();
  const auto = loadAutoMessages(create, configRules, warn, wait);
  return { auto, engine, calls, loads, create, warn };
}

const RULE = [{ id: 'r' }];

describe('loadAutoMessages', () => {
  it('never loads the rule engine for a site without rules', async () => {
    const { auto, create } = setup([]);
    auto.event('early');
    auto.welcome(undefined);
    auto.welcome([]);
    auto.setRules([]);
    auto.event('late');
    auto.check();
    auto.stop();
    await flush();
    expect(create).not.toHaveBeenCalled();
  });

  it('loads at once for rules in the options', () => {
    const { create } = setup(RULE);
    expect(create).toHaveBeenCalledTimes(1);
  });

  it("loads for a welcome's rules and hands the engine the events before it, the welcome, then what came while it loaded", async () => {
    const { auto, engine, calls, loads, create } = setup();
    auto.event('a');
    auto.event('b');
    auto.welcome(RULE);
    auto.event('c');
    auto.check();
    expect(create).toHaveBeenCalledTimes(1);
    loads[0].resolve(engine);
    await flush();
    expect(calls).toEqual([
      'event a',
      'event b',
      'welcome [{"id":"r"}]',
      'event c',
      'check',
      'check',
    ]);
    // Loaded: calls go straight through.
    auto.event('d');
    expect(calls.at(-1)).toBe('event d');
    expect(create).toHaveBeenCalledTimes(1);
  });

  it('closes the early-event window for rules that come after a welcome without any', async () => {
    const { auto, engine, calls, loads } = setup();
    auto.event('before');
    auto.welcome([]);
    auto.event('between');
    auto.setRules(RULE);
    loads[0].resolve(engine);
    await flush();
    // `between` came after the welcome: with no rules then, nothing could match it.
    expect(calls).toEqual(['event before', 'welcome undefined', 'setRules [{"id":"r"}]', 'check']);
  });

  it('stops an engine that arrives after the widget was destroyed', async () => {
    const { auto, engine, calls, loads } = setup(RULE);
    auto.stop();
    loads[0].resolve(engine);
    await flush();
    expect(calls).toEqual(['stop']);
  });

  it('warns when the engine fails to start and tries again with the next rules', async () => {
    const { auto, engine, calls, loads, create, warn } = setup();
    auto.setRules(RULE);
    loads[0].reject(new Error('boom'));
    await flush();
    expect(warn).toHaveBeenCalledWith('the auto messages failed to start: Error: boom');
    auto.setRules(RULE);
    expect(create).toHaveBeenCalledTimes(2);
    loads[1].resolve(engine);
    await flush();
    expect(calls).toEqual(['setRules [{"id":"r"}]', 'check']);
  });

  describe('with rules that cannot fire yet', () => {
    // Waits as core/rule-wait.ts would say: 20 s for the welcome's rules, a trigger for TOUR.
    const TOUR = [{ id: 'tour' }];
    const wait = (rules: unknown) => (rules === TOUR ? Infinity : 20_000);
    afterEach(() => void vi.useRealTimers());

    it('loads the engine RULES_LEAD_MS before the soonest rule could fire, then hands it what came', async () => {
      vi.useFakeTimers();
      const { auto, engine, calls, loads, create } = setup(undefined, wait);
      auto.welcome(RULE);
      auto.check();
      await vi.advanceTimersByTimeAsync(20_000 - RULES_LEAD_MS - 1);
      expect(create).not.toHaveBeenCalled();
      await vi.advanceTimersByTimeAsync(1);
      expect(create).toHaveBeenCalledTimes(1);
      loads[0].resolve(engine);
      await flush();
      expect(calls).toEqual(['welcome [{"id":"r"}]', 'check', 'check']);
    });

    it('loads at once when a trigger event comes, and hands it the event', async () => {
      vi.useFakeTimers();
      const { auto, engine, calls, loads, create } = setup(undefined, wait);
      auto.welcome(TOUR);
      await vi.advanceTimersByTimeAsync(60_000);
      expect(create).not.toHaveBeenCalled();
      auto.event('tour');
      expect(create).toHaveBeenCalledTimes(1);
      loads[0].resolve(engine);
      await flush();
      expect(calls).toEqual(['welcome [{"id":"tour"}]', 'event tour', 'check']);
    });

    it('loads at once for rules that come after a trigger event, which they may wait for', async () => {
      const { auto, engine, calls, loads, create } = setup(undefined, wait);
      auto.event('tour');
      auto.welcome(TOUR);
      expect(create).toHaveBeenCalledTimes(1);
      loads[0].resolve(engine);
      await flush();
      expect(calls).toEqual(['event tour', 'welcome [{"id":"tour"}]', 'check']);
    });

    it('follows new rules: sooner ones load at once, none cancel the load', async () => {
      vi.useFakeTimers();
      const soon = [{ id: 'soon' }];
      const { auto, create } = setup(undefined, (r) => (r === soon ? 0 : wait(r)));
      auto.welcome(RULE);
      auto.setRules([]);
      await vi.advanceTimersByTimeAsync(60_000);
      expect(create).not.toHaveBeenCalled();
      auto.setRules(soon);
      expect(create).toHaveBeenCalledTimes(1);
    });

    it('never loads once stopped', async () => {
      vi.useFakeTimers();
      const { auto, create } = setup(undefined, wait);
      auto.welcome(RULE);
      auto.stop();
      auto.event('late');
      await vi.advanceTimersByTimeAsync(60_000);
      expect(create).not.toHaveBeenCalled();
    });
  });
});
