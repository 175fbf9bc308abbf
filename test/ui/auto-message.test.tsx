import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, flush, mountUI } from './setup';

afterEach(cleanup);

const RULES = [
  {
    id: 'hello',
    text: 'Need a hand choosing a plan?',
    name: 'Eva',
    frequency: 'visit',
    conditions: [{ type: 'event', name: 'go' }],
  },
];

describe('the auto-message preview', () => {
  it('shows the auto message and its author by the launcher while the chat is closed', async () => {
    const ui = await mountUI({ rules: RULES });
    expect(ui.$('.pv')).toBeNull();
    await ui.widget.run('trigger', 'go');
    await flush();
    expect(ui.text('.pv .nm')).toBe('Eva');
    expect(ui.text('.pvt')).toBe('Need a hand choosing a plan?');
    expect(ui.text('.bd')).toBe('1');
  });

  it('opens the chat when clicked', async () => {
    const ui = await mountUI({ rules: RULES });
    await ui.widget.run('trigger', 'go');
    await flush();
    await ui.click('.pvb');
    expect(ui.widget.state.open).toBe(true);
    expect(ui.$('.pv')).toBeNull();
    expect(ui.text('.m.t .bb')).toBe('Need a hand choosing a plan?');
  });

  it('is dismissed by its close button (and by Escape) without opening the chat', async () => {
    const ui = await mountUI({ rules: RULES });
    await ui.widget.run('trigger', 'go');
    await flush();
    expect(ui.$('.pvx')!.getAttribute('aria-label')).toBe('Dismiss');
    ui.$('.pvx')!.focus();
    await ui.click('.pvx');
    expect(ui.$('.pv')).toBeNull();
    expect(ui.widget.state.open).toBe(false);
    // Its buttons are gone: the focus goes to the launcher, not to the page.
    expect(ui.root.activeElement).toBe(ui.$('.ln'));
  });

  it('shows a proactive agent message the same way', async () => {
    const ui = await mountUI();
    ui.server.say('Hi! Can I help you with anything?', { name: 'Tom' });
    await flush();
    expect(ui.text('.pv .nm')).toBe('Tom');
    await ui.key('.pvb', 'Escape');
    expect(ui.$('.pv')).toBeNull();
  });
});

describe('quick replies', () => {
  const replies = [
    { label: 'Pricing', value: 'Tell me about pricing' },
    { label: 'Human', value: 'I want a human' },
  ];

  it('sends the chosen reply value as the visitor message', async () => {
    const ui = await mountUI();
    await ui.open();
    ui.server.say('What brings you here?', { from: 'bot', name: 'Bot', replies });
    await flush();
    const buttons = ui.$$('.qr button');
    expect(buttons.map((b) => b.textContent)).toEqual(['Pricing', 'Human']);
    buttons[0]!.focus();
    await ui.click(buttons[0]);
    await flush();
    expect(ui.sent()).toEqual(['Tell me about pricing']);
    // Answered: the buttons go away, and the focus goes to the composer, not to the page.
    expect(ui.$('.qr')).toBeNull();
    expect(ui.root.activeElement).toBe(ui.$('textarea'));
  });

  it('shows only on the latest message that has them', async () => {
    const ui = await mountUI();
    await ui.open();
    ui.server.say('First?', { from: 'bot', replies: [{ label: 'A', value: 'a' }] });
    ui.server.say('Second?', { from: 'bot', replies });
    ui.server.say('(no buttons here)', { from: 'bot' });
    await flush();
    expect(ui.$$('.qr')).toHaveLength(1);
    const owner = ui.$('.qr')!.closest('li')!;
    expect(owner.querySelector('.bb')!.textContent).toBe('Second?');
  });

  it('appear under auto messages that carry replies', async () => {
    const ui = await mountUI({ rules: [{ ...RULES[0], replies }] });
    await ui.widget.run('trigger', 'go');
    await flush();
    await ui.click('.pvb');
    await ui.click(ui.$$('.qr button')[1]);
    await flush();
    expect(ui.sent()).toEqual(['I want a human']);
  });
});
