import { describe, expect, it } from 'vitest';
import type { Condition } from '../../src/core/rules';
import { fromCondition, newCondition, toCondition } from '../../demo/agent/automations/conditions';
import {
  botBodyOf,
  botFormOf,
  emptyBot,
  freeStepId,
  newStep,
  removeStep,
} from '../../demo/agent/automations/bot-form';
import { bodyOf, emptyForm, formOf } from '../../demo/agent/automations/form';

describe('the condition builder', () => {
  const every: Condition[] = [
    { type: 'url', contains: '/pricing' },
    { type: 'referrer', regex: 'google\\.' },
    { type: 'timeOnPage', seconds: 20 },
    { type: 'timeOnSite', seconds: 90 },
    { type: 'visits', min: 2, max: 5 },
    { type: 'returning', value: false },
    { type: 'device', in: ['mobile', 'tablet'] },
    { type: 'language', in: ['fr', 'de'] },
    { type: 'schedule', days: [1, 2, 5], from: 9, to: 17.5 },
    { type: 'event', name: 'demo' },
  ];

  it('turns every stored condition type into form fields and back unchanged', () => {
    for (const c of every) expect(toCondition(fromCondition(c))).toEqual(c);
  });

  it('leaves empty number fields out, so the server applies its own defaults', () => {
    expect(toCondition({ ...newCondition('visits'), value: '3' })).toEqual({
      type: 'visits',
      min: 3,
    });
    expect(toCondition(newCondition('schedule'))).toEqual({ type: 'schedule' });
  });

  it('sends text that is not a number as typed, for the server to name the field', () => {
    expect(toCondition({ ...newCondition('timeOnPage'), value: 'soon' })).toEqual({
      type: 'timeOnPage',
      seconds: 'soon',
    });
  });

  it('splits language codes on commas and drops blanks', () => {
    expect(toCondition({ ...newCondition('language'), value: ' fr, ,de ' })).toEqual({
      type: 'language',
      in: ['fr', 'de'],
    });
  });
});

describe('the auto-message form', () => {
  it('builds the API body with seconds as milliseconds and one quick reply a line', () => {
    const body = bodyOf({
      ...emptyForm(),
      name: ' Spring ',
      text: 'Hello',
      delay: '1.5',
      replies: 'Yes\n\n No ',
      conditions: [{ ...newCondition('url'), value: 'spring' }],
    });
    expect(body).toEqual({
      kind: 'auto-message',
      enabled: true,
      name: 'Spring',
      text: 'Hello',
      frequency: 'visit',
      delayMs: 1500,
      replies: [
        { label: 'Yes', value: 'Yes' },
        { label: 'No', value: 'No' },
      ],
      conditions: [{ type: 'url', contains: 'spring' }],
    });
  });

  it('edits a stored auto message without changing it', () => {
    const stored = {
      id: 'a1',
      kind: 'auto-message' as const,
      enabled: false,
      name: 'Welcome back',
      text: 'Hi again',
      sender: 'Eva',
      frequency: 'visitor' as const,
      delayMs: 2000,
      replies: [{ label: 'Hi', value: 'Hi' }],
      conditions: [{ type: 'returning', value: true } as Condition],
      country: ['FR', 'BE'],
    };
    const { id, ...rest } = stored;
    expect(formOf(stored).id).toBe(id);
    expect(bodyOf(formOf(stored))).toEqual(rest);
  });

  it('sends the countries split on commas and spaces, and none when the field is empty', () => {
    expect(bodyOf({ ...emptyForm(), text: 'Bonjour', country: ' fr,be  CH ' }).country).toEqual([
      'fr',
      'be',
      'CH',
    ]);
    expect(bodyOf({ ...emptyForm(), text: 'Hi', country: ' , ' })).not.toHaveProperty('country');
  });
});

describe('the chatbot-flow form', () => {
  const stored = {
    id: 'b1',
    kind: 'bot' as const,
    enabled: true,
    name: 'Helper',
    greeting: true,
    start: 'menu',
    steps: {
      done: { text: 'Thanks, we will write back.', handover: true as const },
      menu: {
        text: 'How can we help?',
        buttons: [{ label: 'Leave my email', next: 'email' }],
        match: [{ keywords: ['price', 'cost'], next: 'done' }],
        next: 'done',
      },
      email: { text: 'Your email?', ask: 'email' as const, next: 'done' },
    },
  };

  it('edits a stored flow without changing it, its start step listed first', () => {
    const f = botFormOf(stored);
    expect(f.steps.map((s) => s.id)).toEqual(['menu', 'done', 'email']);
    expect(f.steps[0]!.keywords).toEqual([{ text: 'price, cost', next: 'done' }]);
    const { id, ...rest } = stored;
    expect(f.id).toBe(id);
    expect(botBodyOf(f)).toEqual(rest);
  });

  it('builds a new flow from steps, leaving empty lists and fields out', () => {
    let f = emptyBot();
    const second = newStep(freeStepId(f.steps));
    f = {
      ...f,
      name: 'Bot',
      steps: [
        { ...f.steps[0]!, text: 'Hi', buttons: [{ text: 'Email', next: second.id }] },
        { ...second, text: 'Your email?', ask: 'email' },
      ],
    };
    expect(second.id).toBe('s2');
    expect(botBodyOf(f)).toEqual({
      kind: 'bot',
      enabled: true,
      name: 'Bot',
      start: 's1',
      steps: {
        s1: { text: 'Hi', buttons: [{ label: 'Email', next: 's2' }] },
        s2: { text: 'Your email?', ask: 'email' },
      },
    });
  });

  it('removes a step with every way to it, and starts at the first step left if it started there', () => {
    const f = removeStep(botFormOf(stored), 'done');
    expect(f.steps.map((s) => s.id)).toEqual(['menu', 'email']);
    expect(f.steps[0]).toMatchObject({ keywords: [], next: '' });
    expect(f.steps[0]!.buttons).toHaveLength(1);
    expect(f.steps[1]!.next).toBe('');
    expect(removeStep(botFormOf(stored), 'menu').start).toBe('done');
  });
});
