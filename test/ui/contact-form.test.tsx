import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryStore } from '../../src/core/storage';
import { createMemoryTransport } from '../../src/transport/memory';
import { mount } from '../../src/ui/index';
import { SHELL_CSS } from '../../src/ui/shell-styles';
import { createTables } from '../../src/ui/tables';
import { cleanup, flush, mountUI, readyWidget } from './setup';

afterEach(cleanup);

const fieldIds = (root: ShadowRoot) =>
  Array.from(root.querySelectorAll('.fm input')).map((i) => i.id);

describe('the contact form', () => {
  it('asks for name, email and phone on send with requireLogin, holding the message', async () => {
    const ui = await mountUI({ requireLogin: true });
    await ui.open();
    await ui.type('#vc-in', 'Where is my order?');
    await ui.key('#vc-in', 'Enter');
    expect(ui.sent()).toEqual([]);
    expect(ui.$('form.cp')).toBeNull();
    expect(fieldIds(ui.root)).toEqual(['vc-f-name', 'vc-f-email', 'vc-f-phone']);
    expect(ui.text('.fm .hq')).toBe('Your message: Where is my order?');
    expect(ui.root.activeElement?.id).toBe('vc-f-name');
  });

  it('shows inline errors tied to their fields and focuses the first one', async () => {
    const ui = await mountUI({ requireLogin: true });
    await ui.open();
    await ui.type('#vc-in', 'hi');
    await ui.key('#vc-in', 'Enter');
    await ui.type('#vc-f-email', 'not-an-email');
    await ui.type('#vc-f-phone', 'call me');
    // What a screen reader finds on the field as the focus lands: its error is there already.
    const landed: (string | null)[] = [];
    ui.$('.fm')!.addEventListener('focusin', (e) => {
      const el = e.target as HTMLElement;
      landed.push(el.getAttribute('aria-invalid'), el.getAttribute('aria-describedby'));
    });
    ui.$('.fm .bt')!.focus();
    landed.length = 0;
    await ui.click('.fm .bt');
    expect(landed).toEqual(['true', 'vc-e-name']);
    const check = (field: string, message: string) => {
      const input = ui.$('#vc-f-' + field)!;
      expect(input.getAttribute('aria-invalid')).toBe('true');
      const described = ui.root.getElementById(input.getAttribute('aria-describedby')!);
      expect(described?.textContent).toBe(message);
    };
    check('name', 'Please fill in this field.');
    check('email', 'Please enter a valid email address.');
    check('phone', 'Please enter a valid phone number.');
    expect(ui.root.activeElement?.id).toBe('vc-f-name');
    expect(ui.sent()).toEqual([]);
    // Fixing a field clears its error at once.
    await ui.type('#vc-f-name', 'Ada');
    expect(ui.$('#vc-f-name')!.hasAttribute('aria-invalid')).toBe(false);
    expect(ui.$('#vc-e-name')).toBeNull();
  });

  it('sends the held message after a valid submit and makes the visitor a customer', async () => {
    const ui = await mountUI({ requireLogin: true });
    await ui.open();
    await ui.type('#vc-in', 'Where is my order?');
    await ui.key('#vc-in', 'Enter');
    // Held, it stays the draft (kept on the device) until it is sent.
    expect(ui.widget.state.draft).toBe('Where is my order?');
    await ui.type('#vc-f-name', 'Ada Lovelace');
    await ui.type('#vc-f-email', 'ada@example.com');
    await ui.click('.fm .bt');
    await flush();
    expect(ui.widget.state.draft).toBe('');
    expect(ui.widget.state.customer).toBe(true);
    expect(ui.widget.state.profile).toMatchObject({
      name: 'Ada Lovelace',
      email: 'ada@example.com',
    });
    expect(ui.sent()).toEqual(['Where is my order?']);
    expect(ui.server.received.some((f) => f.t == 'id' && f.form === true)).toBe(true);
    expect(ui.$('.fm')).toBeNull();
    expect(ui.root.activeElement?.id).toBe('vc-in');
    // Later messages go straight out.
    await ui.type('#vc-in', 'Thanks');
    await ui.key('#vc-in', 'Enter');
    expect(ui.sent()).toEqual(['Where is my order?', 'Thanks']);
  });

  it('asks only for the fields still unknown', async () => {
    const storage = createMemoryStore();
    await storage.set('visitor', {
      profile: { name: 'Ada' },
      variables: {},
      customer: false,
      blocked: false,
      shown: {},
    });
    const ui = await mountUI({ requireLogin: true, storage });
    await ui.open();
    await ui.type('#vc-in', 'hi');
    await ui.key('#vc-in', 'Enter');
    expect(fieldIds(ui.root)).toEqual(['vc-f-email', 'vc-f-phone']);
  });

  it('requires the privacy consent when privacyNoticeCheckRequired, with the policy link', async () => {
    const ui = await mountUI({
      requireLogin: true,
      privacyNoticeEnabled: true,
      privacyNoticeCheckRequired: true,
      privacyNoticeUrl: 'https://example.com/privacy',
    });
    await ui.open();
    await ui.type('#vc-in', 'hi');
    await ui.key('#vc-in', 'Enter');
    const link = ui.$<HTMLAnchorElement>('.ck a')!;
    expect(link.href).toBe('https://example.com/privacy');
    expect(link.rel).toBe('noopener noreferrer');
    await ui.type('#vc-f-name', 'Ada');
    await ui.type('#vc-f-email', 'ada@example.com');
    await ui.click('.fm .bt');
    expect(ui.$('#vc-f-consent')!.getAttribute('aria-invalid')).toBe('true');
    expect(ui.text('#vc-e-consent')).toBe('Please agree to continue.');
    expect(ui.root.activeElement?.id).toBe('vc-f-consent');
    expect(ui.sent()).toEqual([]);
    await ui.click('#vc-f-consent');
    await ui.click('.fm .bt');
    await flush();
    expect(ui.sent()).toEqual(['hi']);
  });

  it('shows an optional consent checkbox with privacyNoticeEnabled alone', async () => {
    const ui = await mountUI({ requireLogin: true, privacyNoticeEnabled: true });
    await ui.open();
    await ui.type('#vc-in', 'hi');
    await ui.key('#vc-in', 'Enter');
    expect(ui.$('#vc-f-consent')).not.toBeNull();
    expect(ui.$('.ck a')).toBeNull();
    await ui.type('#vc-f-name', 'Ada');
    await ui.type('#vc-f-email', 'ada@example.com');
    await ui.click('.fm .bt');
    await flush();
    expect(ui.sent()).toEqual(['hi']);
  });

  it('shows when no agent is online and the visitor is not a customer', async () => {
    const ui = await mountUI({ online: false });
    await ui.open();
    expect(ui.text('.st')).toBe('Away – leave us a message');
    await ui.type('#vc-in', 'Anyone?');
    await ui.key('#vc-in', 'Enter');
    expect(ui.text('.fm p')).toBe(
      'We are away right now. Leave your details and we will get back to you.',
    );
    expect(ui.sent()).toEqual([]);
  });

  it('is skipped for a visitor the site already identified', async () => {
    const ui = await mountUI({ online: false });
    await ui.widget.run('identify', { name: 'Ada', email: 'ada@example.com' });
    await ui.open();
    await ui.type('#vc-in', 'Anyone?');
    await ui.key('#vc-in', 'Enter');
    expect(ui.$('.fm')).toBeNull();
    expect(ui.sent()).toEqual(['Anyone?']);
  });

  it('holds a quick reply picked before the form, then sends it', async () => {
    const ui = await mountUI({ requireLogin: true });
    await ui.open();
    ui.server.say('Pick one', {
      from: 'bot',
      replies: [{ label: 'Sales', value: 'I want sales' }],
    });
    await flush();
    await ui.click('.qr button');
    expect(ui.text('.fm .hq')).toBe('Your message: I want sales');
    await ui.type('#vc-f-name', 'Ada');
    await ui.type('#vc-f-email', 'ada@example.com');
    await ui.click('.fm .bt');
    await flush();
    expect(ui.sent()).toEqual(['I want sales']);
  });
});

describe('the contact form as a chunk of its own', () => {
  /**
   * The UI mounted as the script tag mounts it, with the form's module coming from `formView`:
   * `release()` lets it arrive, `fail()` makes the load report a failed try (with `retries`
   * counting the Retry presses). `online: false` starts with no agent online.
   */
  async function mountLazy(options: { requireLogin?: boolean; online?: boolean } = {}) {
    const transport = createMemoryTransport();
    if (options.online === false) transport.server.setOnline(false);
    const widget = await readyWidget(transport, { requireLogin: options.requireLogin });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let failing!: (now: () => void) => void;
    const retries = vi.fn();
    const formView = vi.fn((f: (now: () => void) => void) => {
      failing = f;
      return gate.then(() => import('../../src/ui/form-view'));
    });
    const unmount = mount(widget, undefined, {
      shellCss: SHELL_CSS,
      tables: createTables(() => Promise.resolve({})),
      formView,
    });
    lazy.push(() => {
      unmount();
      widget.destroy();
    });
    await flush();
    const root = document.querySelector('[data-visitor-chat]')!.shadowRoot!;
    const $ = (sel: string) => root.querySelector<HTMLElement>(sel);
    const send = async (text: string) => {
      const input = $('#vc-in') as HTMLTextAreaElement;
      input.value = text;
      input.dispatchEvent(new Event('input', { bubbles: true }));
      await flush();
      input.dispatchEvent(
        new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }),
      );
      await flush();
    };
    const fill = async (sel: string, value: string) => {
      const el = $(sel) as HTMLInputElement;
      el.value = value;
      el.dispatchEvent(new Event('input', { bubbles: true }));
      await flush();
    };
    const sent = () => transport.server.received.flatMap((f) => (f.t == 'msg' ? [f.text] : []));
    const fail = async () => {
      failing(retries);
      await flush();
    };
    return { widget, transport, root, $, formView, release, fail, retries, send, fill, sent };
  }
  const lazy: Array<() => void> = [];
  afterEach(() => lazy.splice(0).forEach((stop) => stop()));

  it('is not asked for while agents are online, and is once the window is open with none', async () => {
    const ui = await mountLazy();
    await ui.widget.open();
    await flush();
    await ui.send('Hello');
    expect(ui.sent()).toEqual(['Hello']);
    expect(ui.formView).not.toHaveBeenCalled();
    ui.transport.server.setOnline(false);
    await flush();
    expect(ui.formView).toHaveBeenCalledTimes(1);
    // Once however often the window opens.
    await ui.widget.close();
    await ui.widget.open();
    await flush();
    expect(ui.formView).toHaveBeenCalledTimes(1);
  });

  it('waits for the window with requireLogin: a closed widget loads no form', async () => {
    const ui = await mountLazy({ requireLogin: true });
    expect(ui.formView).not.toHaveBeenCalled();
    await ui.widget.open();
    await flush();
    expect(ui.formView).toHaveBeenCalledTimes(1);
  });

  it('holds a message sent before the form is here, saying it is loading, then asks and sends it', async () => {
    const ui = await mountLazy({ online: false });
    await ui.widget.open();
    await flush();
    await ui.send('Where is my order?');
    expect(ui.sent()).toEqual([]);
    expect(ui.$('form.cp')).toBeNull();
    expect(ui.$('.fm [role=status]')?.textContent).toBe('Loading…');
    expect(ui.$('.fm input')).toBeNull();
    // The composer had the focus: its place keeps it (not the page) until the form is here.
    expect(ui.root.activeElement).toBe(ui.$('.fm'));
    ui.release();
    await vi.waitFor(() => expect(ui.$('#vc-f-name')).not.toBeNull());
    expect(ui.$('.fm [role=status]')).toBeNull();
    expect(ui.$('.fm .hq')?.textContent).toBe('Your message: Where is my order?');
    expect(ui.root.activeElement?.id).toBe('vc-f-name');
    // The form's stylesheet came with it, after the UI's own.
    expect(ui.root.adoptedStyleSheets).toHaveLength(3);
    await ui.fill('#vc-f-name', 'Ada Lovelace');
    await ui.fill('#vc-f-email', 'ada@example.com');
    (ui.$('.fm .bt') as HTMLButtonElement).click();
    await flush();
    expect(ui.widget.state.customer).toBe(true);
    expect(ui.sent()).toEqual(['Where is my order?']);
    expect(ui.$('.fm')).toBeNull();
  });

  it('says so when the form fails to load, with Retry; the held message waits for it', async () => {
    const ui = await mountLazy({ requireLogin: true });
    await ui.widget.open();
    await flush();
    await ui.send('Hi');
    await ui.fail();
    expect(ui.$('.fm [role=alert]')?.textContent).toBe('Something went wrong. Please try again.');
    expect(ui.$('.fm [role=status]')).toBeNull();
    expect(ui.root.activeElement).toBe(ui.$('.fm'));
    (ui.$('.fm button') as HTMLButtonElement).click();
    await flush();
    expect(ui.retries).toHaveBeenCalledTimes(1);
    expect(ui.$('.fm [role=status]')?.textContent).toBe('Loading…');
    // The loader's own retry fails again, then the module arrives.
    await ui.fail();
    expect(ui.$('.fm [role=alert]')).not.toBeNull();
    ui.release();
    await vi.waitFor(() => expect(ui.$('#vc-f-name')).not.toBeNull());
    expect(ui.$('.fm [role=alert]')).toBeNull();
    expect(ui.$('.fm .hq')?.textContent).toBe('Your message: Hi');
    expect(ui.sent()).toEqual([]);
    await ui.fill('#vc-f-name', 'Ada');
    await ui.fill('#vc-f-email', 'ada@example.com');
    (ui.$('.fm .bt') as HTMLButtonElement).click();
    await flush();
    expect(ui.sent()).toEqual(['Hi']);
  });
});
