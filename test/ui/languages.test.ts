import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LANGUAGES, pickLanguage, tableOf } from '../../src/core/language';
import { count, EN, type Table } from '../../src/ui/i18n';
import { IMPORTED, importTable } from '../../src/ui/lang-imports';
import { mount } from '../../src/ui/npm';
import { mount as mountScriptTagUI } from '../../src/ui/index';
import { createWidget } from '../../src/core/widget';
import { createMemoryStore } from '../../src/core/storage';
import { createMemoryTransport } from '../../src/transport/memory';
import { cleanup, flush, readyWidget } from './setup';

// vitest runs from the project root.
const files = readdirSync('src/ui/lang').map((f) => f.replace(/\.ts$/, ''));
const placeholders = (text: string) => (text.match(/\{\w+\}/g) || []).sort().join(' ');
const CATEGORY = /^(zero|one|two|few|many|other):/;

/** The plural forms of a text by category, or null for a text with one form. */
function forms(text: string): Record<string, string> | null {
  const parts = text.split('|');
  if (!parts.every((p) => CATEGORY.test(p))) return null;
  return Object.fromEntries(parts.map((p) => [CATEGORY.exec(p)![1]!, p.replace(CATEGORY, '')]));
}

/** The plural categories a language uses for whole numbers (what a count can be). */
function integerCategories(lang: string): string[] {
  const rules = new Intl.PluralRules(lang);
  const seen = new Set<string>();
  for (let n = 0; n <= 200; n++) seen.add(rules.select(n));
  return [...seen].sort();
}

describe('the language tables', () => {
  it('cover every language the issue lists, each a file of its own (English built in)', () => {
    expect(LANGUAGES.length).toBeGreaterThanOrEqual(28);
    expect(files.sort()).toEqual(LANGUAGES.filter((l) => l != 'en').sort());
    expect(IMPORTED.sort()).toEqual(files.sort());
  });

  it.each(files)(
    '%s has every key, no stray one, and the placeholders English has',
    async (code) => {
      const table = (await importTable(code)) as Record<string, string>;
      expect(Object.keys(table).sort()).toEqual(Object.keys(EN).sort());
      const lang = code == 'pt-br' ? 'pt-BR' : code;
      for (const [key, en] of Object.entries(EN)) {
        const text = table[key]!;
        expect(typeof text, key).toBe('string');
        expect(text.trim(), key).not.toBe('');
        const enForms = forms(en);
        const own = forms(text);
        if (!own) {
          expect(placeholders(text), code + '.' + key).toBe(placeholders(enForms?.other ?? en));
          continue;
        }
        // Plural forms only for a count (English may be count-neutral: "unread messages: {n}").
        const enText = enForms?.other ?? en;
        expect(enText, code + '.' + key + ' has plural forms but no count').toContain('{n}');
        // Every whole-number category of the language has its form, and only its categories.
        const known = new Intl.PluralRules(lang).resolvedOptions().pluralCategories;
        for (const cat of Object.keys(own)) expect(known, code + '.' + key).toContain(cat);
        for (const cat of integerCategories(lang))
          expect(own, code + '.' + key).toHaveProperty(cat);
        expect(placeholders(own.other!), code + '.' + key).toBe(placeholders(enText));
        // A form may spell its number out ("one message"), never add a placeholder.
        for (const form of Object.values(own))
          for (const p of form.match(/\{\w+\}/g) || [])
            expect(placeholders(enText), code + '.' + key).toContain(p);
      }
    },
  );

  it('English has plural forms for its counts, which read right for 1 and 2', () => {
    expect(count(EN.left, 1, 'en')).toBe('1 character left');
    expect(count(EN.left, 2, 'en')).toBe('2 characters left');
    expect(count(EN.below, 1, 'en')).toBe('1 new message ↓');
  });
});

describe('count', () => {
  it('picks the form by the plural rules of the language', async () => {
    const cs = (await importTable('cs')) as Table;
    expect([1, 3, 5].map((n) => count(cs.left!, n, 'cs'))).toEqual([
      'Zbývá 1 znak',
      'Zbývají 3 znaky',
      'Zbývá 5 znaků',
    ]);
    const ar = (await importTable('ar')) as Table;
    expect([0, 1, 2, 3, 11, 100].map((n) => count(ar.below!, n, 'ar'))).toEqual([
      'لا رسائل جديدة ↓',
      'رسالة جديدة ↓',
      'رسالتان جديدتان ↓',
      '3 رسائل جديدة ↓',
      '11 رسالة جديدة ↓',
      '100 رسالة جديدة ↓',
    ]);
  });

  it('uses `other` for a category the text leaves out, and a plain text as it is', () => {
    expect(count('other:{n} items', 1, 'en')).toBe('1 items');
    expect(count('Note: {n} left', 1, 'en')).toBe('Note: 1 left');
    expect(count('one:{n} item|other:{n} items', 1, 'not a tag!')).toBe('1 items');
  });

  it('makes the plural rules of a language once, not on every count', () => {
    const real = Intl.PluralRules;
    const intl = Intl as { PluralRules: typeof real };
    let made = 0;
    intl.PluralRules = function (...args: ConstructorParameters<typeof real>) {
      made++;
      return new real(...args);
    } as unknown as typeof Intl.PluralRules;
    try {
      const forms = 'one:{n} unread|other:{n} unread messages';
      expect([1, 2, 3].map((n) => count(forms, n, 'sk'))).toEqual([
        '1 unread',
        '2 unread messages',
        '3 unread messages',
      ]);
      expect(made).toBe(1);
      expect(count(forms, 1, 'not a tag!')).toBe('1 unread messages');
      expect(count(forms, 1, 'not a tag!')).toBe('1 unread messages');
    } finally {
      intl.PluralRules = real;
    }
  });
});

describe('tableOf and pickLanguage', () => {
  it('map a language tag to its table', () => {
    expect(
      ['fr-CA', 'pt-BR', 'pt_br', 'pt-PT', 'zh-TW', 'zh-Hans-CN', 'no', 'nn', 'iw', 'EN-gb'].map(
        tableOf,
      ),
    ).toEqual(['fr', 'pt-br', 'pt-br', 'pt', 'zh', 'zh', 'nb', 'nb', 'he', 'en']);
    expect(['xx', 'gd', '', 'constructor', '__proto__'].map(tableOf)).toEqual(['', '', '', '', '']);
  });

  it("take Smartsupp's own codes: cn and tw (Chinese), br (Brazilian Portuguese)", () => {
    expect(['cn', 'tw', 'br', 'BR', 'CN'].map(tableOf)).toEqual([
      'zh',
      'zh',
      'pt-br',
      'pt-br',
      'zh',
    ]);
    // Only as whole codes: a tag with a region is BCP 47's (br-FR is Breton, which has no table).
    expect(['br-FR', 'cn-x'].map(tableOf)).toEqual(['', '']);
  });

  it("lang: 'auto' takes the first browser language the UI speaks, else English", () => {
    expect(pickLanguage(['gd', 'fr-CA', 'de'])).toBe('fr-CA');
    expect(pickLanguage(['en-US', 'fr'])).toBe('en-US');
    expect(pickLanguage(['gd', 42, null])).toBe('en');
    expect(pickLanguage([])).toBe('en');
  });
});

describe('Brazilian Portuguese', () => {
  it('differs from European Portuguese where Brazil says it differently, and only there', async () => {
    const pt = (await importTable('pt')) as Table;
    const br = (await importTable('pt-br')) as Table;
    expect(br.title).toBe('Fale conosco');
    expect(pt.title).toBe('Fale connosco');
    expect(br.send).toBe(pt.send);
    // Files are "arquivos" in Brazil, "ficheiros" in Portugal.
    expect(pt.attach).toBe('Anexar um ficheiro');
    expect(br.attach).toBe('Anexar um arquivo');
    for (const [k, v] of Object.entries(br)) if (/ficheiro/.test(v)) expect.fail(k + ': ' + v);
  });
});

describe("lang: 'auto' in the npm UI (mount)", () => {
  afterEach(cleanup);

  async function mountAuto(browser: string[], before?: string) {
    const langs = vi.spyOn(navigator, 'languages', 'get').mockReturnValue(browser);
    const lang = vi.spyOn(navigator, 'language', 'get').mockReturnValue(browser[0]!);
    try {
      const widget = await readyWidget(createMemoryTransport(), { lang: 'auto' });
      if (before) await widget.run('language', before);
      const unmount = mount(widget);
      await flush();
      const state = widget.state.lang;
      unmount();
      widget.destroy();
      return state;
    } finally {
      langs.mockRestore();
      lang.mockRestore();
    }
  }

  it('picks the first browser language the UI speaks', async () => {
    expect(await mountAuto(['gd', 'de-AT'])).toBe('de-at');
  });

  it('keeps a language the site set by command before the UI mounted', async () => {
    expect(await mountAuto(['en-US', 'de'], 'fr')).toBe('fr');
  });
});

describe('a language without a table in the npm UI (mount)', () => {
  afterEach(cleanup);

  it("says nothing of the browser's own language that lang: 'auto' replaces", async () => {
    const langs = vi.spyOn(navigator, 'languages', 'get').mockReturnValue(['gd', 'de-AT']);
    const lang = vi.spyOn(navigator, 'language', 'get').mockReturnValue('gd');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      // Mounted before the widget is ready: the pick waits for it, the state does not.
      const widget = createWidget({
        key: 't',
        ui: false,
        storage: createMemoryStore(),
        logger: { warn: vi.fn() },
        transport: createMemoryTransport(),
        lang: 'auto',
      });
      const unmount = mount(widget);
      await widget.ready();
      await flush();
      expect(widget.state.lang).toBe('de-at');
      await widget.run('language', 'xx');
      await flush();
      expect(warn.mock.calls.map(([m]) => String(m))).toEqual([
        '[visitor-chat] language "xx" has no translation; showing English',
      ]);
      unmount();
      widget.destroy();
    } finally {
      langs.mockRestore();
      lang.mockRestore();
      warn.mockRestore();
    }
  });

  it('says so once per language, as lang.js does for the script tag, and stops when unmounted', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const widget = await readyWidget(createMemoryTransport(), { lang: 'xx' });
      const unmount = mount(widget);
      await flush();
      const said = () =>
        warn.mock.calls.map(([m]) => String(m)).filter((m) => m.includes('has no translation'));
      expect(said()).toEqual(['[visitor-chat] language "xx" has no translation; showing English']);
      await widget.run('language', 'fr');
      await widget.run('language', 'en-GB');
      await widget.run('language', 'xx');
      await widget.run('language', 'yy');
      await flush();
      expect(said()).toEqual([
        '[visitor-chat] language "xx" has no translation; showing English',
        '[visitor-chat] language "yy" has no translation; showing English',
      ]);
      unmount();
      await widget.run('language', 'zz');
      expect(said()).toHaveLength(2);
      widget.destroy();
    } finally {
      warn.mockRestore();
    }
  });

  it('says so in the script-tag UI too, for a language switched to once it is here', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      // The UI as ui.js mounts it when `chat:open` came before the launcher shell: no shell,
      // so no lang.js to say it.
      const widget = await readyWidget(createMemoryTransport());
      const unmount = mountScriptTagUI(widget);
      await flush();
      await widget.run('language', 'xx');
      await flush();
      expect(warn.mock.calls.map(([m]) => String(m))).toEqual([
        '[visitor-chat] language "xx" has no translation; showing English',
      ]);
      unmount();
      widget.destroy();
    } finally {
      warn.mockRestore();
    }
  });
});
