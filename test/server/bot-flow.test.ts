// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { parseAutomation, type Bot } from '../../demo/server/automation';
import { botTurn } from '../../demo/server/bot-flow';
import { DEMO_AUTOMATIONS } from '../../demo/server/demo-automations';

const acme = () => {
  const { id, ...rest } = DEMO_AUTOMATIONS.find((a) => (a as Bot).kind == 'bot') as Bot;
  const bot = parseAutomation(rest, id);
  if (typeof bot == 'string' || bot.kind != 'bot') throw new Error(String(bot));
  return bot;
};
const walk = (bot: Bot, state: string, text: string) =>
  botTurn(
    state,
    text,
    (id) => (id == bot.id ? bot : undefined),
    () => bot,
  );

describe('a chatbot flow', () => {
  it('greets a new conversation with the start step and its buttons', () => {
    const t = walk(acme(), 'new', 'hi')!;
    expect(t).toMatchObject({ state: 'at:acme-bot:menu', started: true });
    expect(t.replies).toEqual([
      { label: 'Pricing', value: 'Pricing' },
      { label: 'Shipping', value: 'Shipping' },
      { label: 'Talk to a human', value: 'Talk to a human' },
    ]);
  });

  it('follows a button, then a keyword, then falls back through next to a hand-over', () => {
    const bot = acme();
    expect(walk(bot, 'at:acme-bot:menu', 'pricing')!.text).toMatch(/Standard/);
    expect(walk(bot, 'at:acme-bot:pricing', 'Do you DELIVER to Norway?')!.state).toBe(
      'at:acme-bot:shipping',
    );
    const lost = walk(bot, 'at:acme-bot:shipping', 'gibberish')!;
    expect(lost.state).toBe('at:acme-bot:lost');
    expect(walk(bot, 'at:acme-bot:lost', 'gibberish')).toMatchObject({
      state: 'handover',
      handover: true,
    });
  });

  it('answers a first message that already picks a topic, skipping the greeting', () => {
    expect(walk(acme(), 'new', 'How much is Pro?')).toMatchObject({
      state: 'at:acme-bot:pricing',
      started: true,
    });
  });

  it('asks for an email until the answer is one, then captures it', () => {
    const bot = acme();
    const ask = walk(bot, 'at:acme-bot:pricing', 'Email me a quote')!;
    expect(ask.state).toBe('at:acme-bot:quote');
    const again = walk(bot, ask.state, 'not an email')!;
    expect(again).toMatchObject({ state: 'at:acme-bot:quote' });
    expect(again.capture).toBeUndefined();
    const done = walk(bot, ask.state, ' ada@example.com ')!;
    expect(done.capture).toEqual({ field: 'email', value: 'ada@example.com' });
    expect(done.state).toBe('done');
  });

  it('stays quiet after a hand-over, at the end, or when its flow is gone', () => {
    const bot = acme();
    expect(walk(bot, 'handover', 'hello?')).toBeNull();
    expect(walk(bot, 'done', 'hello?')).toBeNull();
    expect(walk(bot, 'at:other-bot:menu', 'pricing')).toBeNull();
    expect(walk(bot, 'at:acme-bot:removed-step', 'pricing')).toBeNull();
    expect(
      botTurn(
        'new',
        'hi',
        () => undefined,
        () => undefined,
      ),
    ).toBeNull();
  });
});

describe('chatbot validation', () => {
  const base = { kind: 'bot', name: 'B', start: 'a', steps: { a: { text: 'Hi' } } };
  const check = (over: Record<string, unknown>) => parseAutomation({ ...base, ...over }, 'x');
  it('names the field that is wrong', () => {
    expect(check({ name: '' })).toBe('name must be a string of 1 to 200');
    expect(check({ start: 'b' })).toBe('start must be the id of a step of this flow');
    expect(check({ steps: {} })).toBe('steps must hold 1 to 50 steps');
    expect(check({ steps: { 'a b': { text: 'x' } }, start: 'a b' })).toMatch(/is not a step id/);
    expect(check({ steps: { a: { text: '' } } })).toMatch(/^steps\.a\.text must be/);
    expect(check({ steps: { a: { text: 'x', buttons: [{ label: 'Go', next: 'z' }] } } })).toBe(
      'steps.a.buttons[0].next must be the id of a step of this flow',
    );
    expect(check({ steps: { a: { text: 'x', buttons: [{ label: '', next: 'a' }] } } })).toMatch(
      /^steps\.a\.buttons\[0\]\.label must be/,
    );
    expect(check({ steps: { a: { text: 'x', match: [{ keywords: [], next: 'a' }] } } })).toMatch(
      /^steps\.a\.match\[0\]\.keywords must be/,
    );
    expect(check({ steps: { a: { text: 'x', ask: 'age' } } })).toBe(
      'steps.a.ask must be email, name or phone',
    );
    expect(check({ steps: { a: { text: 'x', handover: true, next: 'a' } } })).toMatch(
      /^steps\.a\.handover ends the flow/,
    );
    expect(check({ steps: { a: { text: 'x', color: 'red' } } })).toBe(
      'steps.a.color is not a field of this kind',
    );
  });

  it('accepts the demo flow and keeps only its own fields', () => {
    const bot = acme();
    expect(Object.keys(bot.steps)).toContain('quote');
    expect(bot.steps.quote).toEqual({
      text: 'Happy to. What is your email address?',
      ask: 'email',
      next: 'quoted',
    });
  });
});
