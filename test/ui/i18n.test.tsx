import { afterEach, describe, expect, it, vi } from 'vitest';
import { fill, isRtl, strings } from '../../src/ui/i18n';
import { FILES_EN } from '../../src/ui/files-strings';
import { FORM_EN } from '../../src/ui/form-strings';
import fr from '../../src/ui/lang/fr';
import { cleanup, flush, mountUI } from './setup';

afterEach(cleanup);

describe('strings', () => {
  it('puts a language table over English, which fills in a key the table leaves out', () => {
    expect(strings(fr, {}).send).toBe('Envoyer');
    expect(strings(undefined, {}).send).toBe('Send');
    expect(strings({ send: 'Envoyer' }, {}).title).toBe('Chat with us');
  });

  it('applies translations over the table, for known keys only', () => {
    const t = strings(fr, { title: 'Besoin d’aide ?', nope: 'x', __proto__: 'y' });
    expect(t.title).toBe('Besoin d’aide ?');
    expect('nope' in t).toBe(false);
  });

  it('reports unknown translation keys once, with the keys it knows', () => {
    const warn = vi.fn();
    const t = strings(undefined, { titel: 'Need help?', toString: 'x', send: 'Go' }, warn);
    strings(undefined, { titel: 'Need help?', toString: 'x', send: 'Go' }, warn);
    expect(t.send).toBe('Go');
    expect(t.title).toBe('Chat with us');
    expect(Object.prototype.hasOwnProperty.call(t, 'toString')).toBe(false);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toMatch(
      /^translations ignores unknown keys: titel, toString \(keys: .*\btitle, online, offline, .*\)$/,
    );
  });

  it("knows the file layer's keys once its English is given, and translates them like the rest", () => {
    const warn = vi.fn();
    const t = strings(fr, { attach: 'Joindre', tytle: 'x' }, warn, FILES_EN);
    expect(t.attach).toBe('Joindre');
    expect(t.cancel).toBe(fr.cancel);
    expect(strings(undefined, {}, undefined, FILES_EN).upBig).toBe('The file is too big.');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toMatch(/^translations ignores unknown keys: tytle \(/);
  });

  it("knows the contact form's keys before its English comes with its chunk, and translates them", () => {
    const warn = vi.fn();
    // Before the form's chunk: its keys are known (no warning), a translation of one applies.
    const before = strings(
      undefined,
      { formTitle: 'Your details', submit: 'Go', fromTitle: 'x' },
      warn,
    );
    expect(before.formTitle).toBe('Your details');
    expect(before.submit).toBe('Go');
    expect(before.loading).toBe('Loading…');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toMatch(
      /^translations ignores unknown keys: fromTitle \(.*\bformTitle\b/,
    );
    // With it: English under the language table and the translations, as for the file layer.
    const t = strings(fr, { submit: 'Go' }, undefined, FILES_EN, FORM_EN);
    expect(t.formTitle).toBe(fr.formTitle);
    expect(t.submit).toBe('Go');
    expect(strings(undefined, {}, undefined, FILES_EN, FORM_EN).badPhone).toBe(
      'Please enter a valid phone number.',
    );
    expect(strings({}, {}, undefined, undefined, FORM_EN).formTitle).toBe('Leave us your details');
  });

  it('knows the right-to-left languages', () => {
    expect(['ar', 'he', 'fa', 'ar-EG', 'en', 'fr'].map(isRtl)).toEqual([
      true,
      true,
      true,
      true,
      false,
      false,
    ]);
  });

  it('fills placeholders', () => {
    expect(fill('{name} is typing… ({n})', { name: 'Eva', n: 2 })).toBe('Eva is typing… (2)');
  });
});

describe('the UI language', () => {
  it('follows the lang config', async () => {
    const ui = await mountUI({ lang: 'fr' });
    await vi.waitFor(() => expect(ui.$('.ln')!.getAttribute('aria-label')).toBe('Ouvrir le chat'));
    await ui.open();
    expect(ui.text('#vc-t')).toBe('Discutez avec nous');
    expect(ui.$<HTMLTextAreaElement>('#vc-in')!.placeholder).toBe('Écrivez un message…');
    expect(ui.$('.vc')!.getAttribute('lang')).toBe('fr');
  });

  it('switches live with the language command (fr-CA → fr, cs, unknown → en)', async () => {
    const ui = await mountUI();
    const label = () => ui.$('.ln')!.getAttribute('aria-label');
    await ui.widget.run('language', 'fr-CA');
    await vi.waitFor(() => expect(label()).toBe('Ouvrir le chat'));
    await ui.widget.run('language', 'cs');
    await vi.waitFor(() => expect(label()).toBe('Otevřít chat'));
    await ui.widget.run('language', 'xx');
    await flush();
    expect(label()).toBe('Open chat');
  });

  it('uses the translations command over the built-in strings', async () => {
    const ui = await mountUI({ lang: 'cs' });
    await ui.widget.run('translations', { title: 'Jak můžeme pomoci?', send: 'Poslat' });
    await ui.open();
    expect(ui.text('#vc-t')).toBe('Jak můžeme pomoci?');
    expect(ui.$('.sd')!.getAttribute('aria-label')).toBe('Poslat');
    await vi.waitFor(() => expect(ui.$('.x')!.getAttribute('aria-label')).toBe('Zavřít chat'));
  });

  it('warns in the console, once, about a translations key it does not know', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const ui = await mountUI();
    await ui.widget.run('translations', { tilte: 'Hi' });
    await ui.open();
    await ui.widget.run('translations', { tilte: 'Hi' });
    const mine = () => warn.mock.calls.map((c) => String(c[0])).filter((m) => m.includes('tilte'));
    // Told once the file layer (a chunk of its own, loaded as the window opens) is here.
    await vi.waitFor(() => expect(mine()).toHaveLength(1), { timeout: 10_000 });
    await flush();
    expect(mine()).toHaveLength(1);
    expect(mine()[0]).toMatch(
      /^\[visitor-chat\] translations ignores unknown keys: tilte \(keys: /,
    );
    expect(mine()[0]).toMatch(/\battach\b/);
  });

  it('lays out right-to-left for Arabic, mirroring the corner', async () => {
    const ui = await mountUI({ lang: 'ar' });
    const vc = ui.$('.vc')!;
    expect(vc.getAttribute('dir')).toBe('rtl');
    // orientation "right" is the inline end: the left corner in a right-to-left page.
    expect(vc.className).toBe('vc fx l');
    await ui.widget.run('language', 'he');
    await flush();
    expect(ui.$('.vc')!.getAttribute('dir')).toBe('rtl');
    await ui.widget.run('language', 'en');
    await flush();
    expect(ui.$('.vc')!.getAttribute('dir')).toBe('ltr');
    expect(ui.$('.vc')!.className).toBe('vc fx r');
  });

  it('formats day separators in the visitor language', async () => {
    const ui = await mountUI({ lang: 'fr' });
    ui.server.say('Bonjour');
    await flush();
    await ui.open();
    expect(ui.text('.dy')).toBe("Aujourd'hui");
  });
});
