import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { describeBrowser, launchBrowser, requireBuilt } from './harness';
import { agentApi, startRealServer, type RealServer } from './real-server';
import { watchedPages } from './watched-pages';

/**
 * The Automations screen in real Chromium against the reference server: an agent builds an auto
 * message with the condition builder, a visitor on the matching page is shown it, and the
 * screen's "shown" figure moves.
 */
const TOKEN = 'agent-automations-token-0123456789';

interface Listed {
  automations: { id: string; enabled: boolean; conditions: unknown[]; stats: { shown: number } }[];
}

describeBrowser('the agent Automations screen against the reference server, in Chromium', () => {
  let browser: Browser;
  let server: RealServer;
  const { open, problems, failedLoads, closeAll } = watchedPages(() => browser);
  const api = agentApi(() => server.url, TOKEN);

  beforeAll(async () => {
    requireBuilt('agent.js', 'agent.automations.js', 'agent.css', 'widget.js');
    // No demo examples: the screen starts empty and only the agent's auto message can fire.
    server = await startRealServer({ agentToken: TOKEN, demo: false });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await closeAll();
    await browser?.close();
    await server?.close();
  });

  it('creates an auto message that a visitor on the matching page is shown, and counts it', async () => {
    const agent = await open(server.url + '/agent#token=' + TOKEN);
    await agent.getByRole('button', { name: 'Automations' }).click();
    await agent.getByRole('heading', { name: 'Automations', level: 1 }).waitFor();
    await agent.getByText('No automations yet.').waitFor();
    expect(await agent.locator('#app').isHidden()).toBe(true);

    // The form: a message and a condition built from a menu and a field, not JSON.
    await agent.getByRole('button', { name: 'New auto message' }).click();
    await agent.getByLabel('Name (for this list)').fill('Spring campaign');
    await agent.getByLabel('Message', { exact: true }).fill('Spring sale: <b>20 %</b> off today!');
    await agent.getByRole('button', { name: 'Add condition' }).click();

    // A wrong field: the server's 400 is shown next to the form, and nothing is created.
    await agent.getByLabel('Condition 1: type').selectOption('timeOnPage');
    await agent.getByLabel('At least (seconds)').fill('soon');
    await agent.getByRole('button', { name: 'Save' }).click();
    await agent
      .locator('.automation-form [role=alert]', { hasText: 'timeOnPage.seconds' })
      .waitFor();
    expect((await api<Listed>('/api/automations')).automations).toEqual([]);

    await agent.getByLabel('Condition 1: type').selectOption('url');
    await agent.getByLabel('Condition 1: how').selectOption('contains');
    await agent.getByLabel('Text', { exact: true }).fill('campaign=spring');
    await agent.getByRole('button', { name: 'Save' }).click();

    // Listed with its switch on and its figures at zero; stored as the builder made it.
    const toggle = agent.getByRole('switch', { name: 'Spring campaign' });
    await toggle.waitFor();
    expect(await toggle.getAttribute('aria-checked')).toBe('true');
    const row = agent.locator('.automation-list tbody tr');
    expect(await row.locator('.shown').textContent()).toBe('0');
    const [stored] = (await api<Listed>('/api/automations')).automations;
    expect(stored!.conditions).toEqual([{ type: 'url', contains: 'campaign=spring' }]);

    // A visitor on the matching page is shown it, as text (the markup shows as typed).
    const visitor = await open(server.url + '/?campaign=spring');
    await visitor.getByText('Spring sale: <b>20 %</b> off today!').first().waitFor();

    // The screen's figure moves on its own (re-read while open).
    await expect.poll(() => row.locator('.shown').textContent(), { timeout: 20_000 }).toBe('1');

    // The visitor answers it: the conversation begins with it, for the agent and after a reload
    // (it was on the visitor's device only: the agent saw an answer to nothing).
    const SALE = 'Spring sale: <b>20 %</b> off today!';
    await visitor.locator('[data-visitor-chat] .pvb').click();
    await visitor.locator('#vc-in').fill('Sure, tell me more');
    await visitor.keyboard.press('Enter');
    const vid = await visitor.evaluate(
      () => (window as unknown as { smartsupp: { vid: string } }).smartsupp.vid,
    );
    const said = async () =>
      (
        await api<{ messages: { from: string; text: string }[] }>('/api/visitors/' + vid)
      ).messages.map((m) => m.from + ': ' + m.text);
    await expect.poll(said).toEqual(['trigger: ' + SALE, 'visitor: Sure, tell me more']);
    await visitor.reload();
    await visitor.locator('[data-visitor-chat] .ln').waitFor();
    if (!(await visitor.locator('[data-visitor-chat] [role=dialog]').count()))
      await visitor.locator('[data-visitor-chat] .ln').click();
    await expect
      .poll(() => visitor.locator('[data-visitor-chat] .ls .m .bb').allTextContents())
      .toEqual([SALE, 'Sure, tell me more']);

    // The switch turns it off on the server.
    await toggle.click();
    await expect.poll(() => toggle.getAttribute('aria-checked')).toBe('false');
    expect((await api<Listed>('/api/automations')).automations[0]!.enabled).toBe(false);

    // Back to Visitors: the list is there again, the screen gone.
    await agent.getByRole('button', { name: 'Back to Visitors' }).click();
    await agent.locator('[role=tablist]').waitFor();
    expect(await agent.locator('#automations').count()).toBe(0);

    // Nothing threw or was refused under the page's CSP; the one failed answer was the 400.
    expect(problems).toEqual([]);
    expect(failedLoads).toEqual(['400 ' + server.url + '/api/automations']);
  });
  it('builds a two-step chatbot flow with a preview; a visitor walks it, leaves an email and is a customer', async () => {
    const agent = await open(server.url + '/agent#token=' + TOKEN);
    await agent.getByRole('button', { name: 'Automations' }).click();
    await agent.getByRole('button', { name: 'New chatbot flow' }).click();
    await agent.getByLabel('Name (also the author of its messages)').fill('Helper');
    await agent.getByLabel('Greets new conversations').check();
    await agent.getByLabel('Step 1: message').fill('How can we help?');
    await agent.getByRole('button', { name: 'Add step' }).click();
    await agent.getByLabel('Step 2: message').fill('Your email, please?');
    await agent.getByLabel('Step 2: ask for').selectOption('email');
    await agent.getByRole('button', { name: 'Step 1: add button' }).click();
    await agent.getByLabel('Step 1, button 1', { exact: true }).fill('Leave my email');
    await agent
      .getByLabel('Step 1, button 1 leads to')
      .selectOption({ label: 'Step 2: Your email, please?' });

    // The preview walks the flow as the widget will show it.
    const preview = agent.getByRole('complementary', { name: 'Preview' });
    await preview.locator('.bubble', { hasText: 'How can we help?' }).waitFor();
    await preview.getByRole('button', { name: 'Leave my email' }).click();
    await preview.locator('.bubble', { hasText: 'Your email, please?' }).waitFor();
    await preview.getByText(/Waits for their email/).waitFor();

    await agent.getByRole('button', { name: 'Save' }).click();
    await agent.getByRole('switch', { name: 'Helper' }).waitFor();
    const stored = (
      await api<{ automations: { name?: string; start?: string; steps?: unknown }[] }>(
        '/api/automations',
      )
    ).automations.find((a) => a.name == 'Helper')!;
    expect(stored).toMatchObject({
      start: 's1',
      steps: {
        s1: { text: 'How can we help?', buttons: [{ label: 'Leave my email', next: 's2' }] },
        s2: { text: 'Your email, please?', ask: 'email' },
      },
    });

    // A visitor's first message gets the greeting; the button leads on; the email is kept.
    const visitor = await open(server.url + '/');
    await visitor.locator('[data-visitor-chat] .ln').click();
    await visitor.locator('#vc-in').fill('Hello');
    await visitor.keyboard.press('Enter');
    await visitor.getByText('How can we help?').first().waitFor();
    await visitor.getByRole('button', { name: 'Leave my email' }).click();
    await visitor.getByText('Your email, please?').first().waitFor();
    await visitor.locator('#vc-in').fill('ada@example.com');
    await visitor.keyboard.press('Enter');

    // The visitor is a customer now, on the Visitors page's Customers tab.
    await agent.getByRole('button', { name: 'Back to Visitors' }).click();
    await agent.getByRole('tab', { name: /^Customers/ }).click();
    await agent.locator('.row[data-id]', { hasText: 'ada@example.com' }).waitFor();

    // One flow greets: a second one marked as the greeting says it takes over, and does.
    await agent.getByRole('button', { name: 'Automations' }).click();
    await agent.getByRole('button', { name: 'New chatbot flow' }).click();
    await agent.getByLabel('Name (also the author of its messages)').fill('Night shift');
    await agent.getByText('“Helper” greets new conversations now.').waitFor();
    await agent.getByLabel('Greets new conversations').check();
    await agent
      .getByText('Saved, this flow greets in place of “Helper”: one flow greets.')
      .waitFor();
    await agent.getByLabel('Step 1: message').fill('We are away; leave a message.');
    await agent.getByRole('button', { name: 'Save' }).click();
    await agent.getByRole('switch', { name: 'Night shift' }).waitFor();
    const kind = (name: string) =>
      agent
        .locator('tr', { has: agent.getByRole('rowheader', { name }) })
        .locator('td')
        .first();
    await expect
      .poll(() => kind('Night shift').textContent())
      .toBe('Chatbot flow, greets new conversations');
    expect(await kind('Helper').textContent()).toBe('Chatbot flow');
    await agent.getByRole('button', { name: 'Delete Night shift' }).click();
    await agent.getByRole('button', { name: 'Confirm: delete Night shift' }).click();
    await agent.getByRole('switch', { name: 'Night shift' }).waitFor({ state: 'detached' });

    // Deleting asks once more, then the flow is gone from the screen and the server.
    await agent.getByRole('button', { name: 'Delete Helper' }).click();
    await agent.getByRole('button', { name: 'Confirm: delete Helper' }).click();
    await agent.getByRole('switch', { name: 'Helper' }).waitFor({ state: 'detached' });
    expect(
      (await api<{ automations: { name?: string }[] }>('/api/automations')).automations.map(
        (a) => a.name,
      ),
    ).not.toContain('Helper');
    expect(problems).toEqual([]);
  });
  it('fits a 320 px screen: the table scrolls in its own box, the forms in one column', async () => {
    await api('/api/automations', {
      method: 'POST',
      body: JSON.stringify({
        kind: 'auto-message',
        enabled: true,
        name: 'Narrow',
        text: 'Hello',
        frequency: 'visit',
        conditions: [],
      }),
    });
    const agent = await open(server.url + '/agent#token=' + TOKEN, {
      viewport: { width: 320, height: 568 },
    });
    const wide = () => agent.evaluate(() => document.documentElement.scrollWidth);
    await agent.getByRole('button', { name: 'Automations' }).click();
    await agent.getByRole('switch', { name: 'Narrow' }).waitFor();
    expect(await wide()).toBe(320);
    // Still a table to assistive tech: rows, a row header, cells.
    await agent.getByRole('rowheader', { name: 'Narrow' }).waitFor();
    await agent.getByRole('button', { name: 'New chatbot flow' }).click();
    await agent.getByRole('button', { name: 'Step 1: add button' }).click();
    await agent.getByLabel('Step 1: message').fill('A first step with a long message to name it');
    await agent.getByRole('button', { name: 'Add step' }).click();
    expect(await wide()).toBe(320);
    await agent.getByRole('button', { name: 'Cancel' }).click();
    await agent.getByRole('button', { name: 'Delete Narrow' }).click();
    await agent.getByRole('button', { name: 'Confirm: delete Narrow' }).click();
    await agent.getByRole('switch', { name: 'Narrow' }).waitFor({ state: 'detached' });
    expect(problems).toEqual([]);
  });

  it('keeps the keyboard focus on the screen as forms and rows come and go', async () => {
    await api('/api/automations', {
      method: 'POST',
      body: JSON.stringify({
        kind: 'auto-message',
        enabled: true,
        name: 'Kept',
        text: 'Hello',
        frequency: 'visit',
        conditions: [],
      }),
    });
    const agent = await open(server.url + '/agent#token=' + TOKEN, {
      viewport: { width: 320, height: 568 },
    });
    const focused = () =>
      agent.evaluate(() => {
        const a = document.activeElement!;
        return a.getAttribute('aria-label') || a.textContent!.trim() || a.tagName;
      });
    const press = async (name: string | RegExp) => {
      await agent.getByRole('button', { name, exact: typeof name == 'string' }).focus();
      await agent.keyboard.press('Enter');
    };
    await press('Automations');
    await agent.getByRole('switch', { name: 'Kept' }).waitFor();
    await expect.poll(focused).toBe('Automations');

    // Keep puts the Delete button back, and the focus on it.
    await press('Delete Kept');
    await expect.poll(focused).toBe('Confirm: delete Kept');
    await press('Keep');
    await expect.poll(focused).toBe('Delete Kept');

    // A new form takes the focus to its first field; a removed condition gives it to Add
    // condition; Cancel gives it back to the heading. None drops it to the page.
    await press('New auto message');
    await expect.poll(focused).toBe('INPUT');
    expect(await agent.evaluate(() => document.activeElement!.closest('label')!.textContent)).toBe(
      'Name (for this list)',
    );
    await press('Add condition');
    await press('Remove condition 1');
    await expect.poll(focused).toBe('Add condition');
    await press('Cancel');
    await expect.poll(focused).toBe('Automations');

    // The chatbot form: a step's button, then the step.
    await press('New chatbot flow');
    await expect.poll(focused).toBe('INPUT');
    await press('Add step');
    await press('Step 2: add button');
    await press('Remove step 2, button 1');
    await expect.poll(focused).toBe('Step 2: add button');
    await press('Remove step 2');
    await expect.poll(focused).toBe('Add step');
    await press('Cancel');

    // Back to Visitors: on the button that opened the screen.
    await press('Back to Visitors');
    await expect.poll(focused).toBe('Automations');
    expect(await agent.locator('#automations').count()).toBe(0);
    expect(problems).toEqual([]);
  });
});
