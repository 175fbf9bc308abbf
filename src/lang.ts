/**
 * The language layer of the script-tag build (`dist/lang.js`): the list of UI languages, the
 * `lang: 'auto'` pick and plural rules. chat.js loads it only for a visitor whose language is
 * not English (the launcher shell needs it for its labels), so English visitors never pay for
 * it; ui.js carries its own copy.
 */
import { count } from './ui/shell-strings';
import type { ChunkLoader } from './core/chunk';
import type { Warn } from './core/log';
import { pickLanguage, tableOf } from './core/language';
import type { Widget } from './core/widget';
import type { Table } from './ui/i18n';

/** Whether `lang: 'auto'` has been settled on this page. */
let picked = false;

/** Loads a language table by code (`fr`, `pt-br`): `lang/<code>.js` next to the widget. */
export const tableChunk = (chunk: ChunkLoader, code: string) =>
  chunk<{ default: Table }>('lang/' + code + '.js').then((m) => m.default);

/**
 * The table for `lang` (none for English or a language without one) and the plural rules.
 * `lang: 'auto'` is settled here, once, if the language is still the browser's first one the
 * kernel went by (this layer is loaded when that is not English; a `language` command before
 * wins): the UI takes the first one it speaks from all of `navigator.languages`. A language
 * without a table is warned about (English is shown).
 */
export const load = (lang: string, chunk: ChunkLoader, widget: Widget, warn?: Warn) => {
  const now = widget.state.lang;
  const auto = widget.state.config.lang == 'auto' && !picked && now == navigator.language;
  if (auto) {
    picked = true;
    const best = pickLanguage(navigator.languages);
    if (best != now) widget.exec(['language', best]);
  }
  const code = tableOf(lang);
  // Not for a language a command has replaced meanwhile.
  if (!code && !auto && lang == now)
    warn?.('language "' + lang + '" has no translation; showing English');
  return (code && code != 'en' ? tableChunk(chunk, code) : Promise.resolve<Table>({})).then(
    (t) => ({ t, count }),
  );
};
