import type { Table } from './i18n';
import type { TableLoader } from './tables';

/**
 * Each language table as a dynamic import, for the npm build (`visitor-chat/ui`): the
 * site's bundler makes each one a chunk of its own. (The script-tag build loads the same tables
 * as `lang/<code>.js` files next to the widget script instead, through the chunk loader.)
 */
const IMPORTS: Record<string, () => Promise<{ default: Table }>> = {
  fr: () => import('./lang/fr'),
  cs: () => import('./lang/cs'),
  de: () => import('./lang/de'),
  es: () => import('./lang/es'),
  it: () => import('./lang/it'),
  pt: () => import('./lang/pt'),
  'pt-br': () => import('./lang/pt-br'),
  pl: () => import('./lang/pl'),
  nl: () => import('./lang/nl'),
  sk: () => import('./lang/sk'),
  hu: () => import('./lang/hu'),
  ro: () => import('./lang/ro'),
  ru: () => import('./lang/ru'),
  uk: () => import('./lang/uk'),
  tr: () => import('./lang/tr'),
  sv: () => import('./lang/sv'),
  da: () => import('./lang/da'),
  fi: () => import('./lang/fi'),
  nb: () => import('./lang/nb'),
  el: () => import('./lang/el'),
  bg: () => import('./lang/bg'),
  hr: () => import('./lang/hr'),
  ja: () => import('./lang/ja'),
  zh: () => import('./lang/zh'),
  ko: () => import('./lang/ko'),
  ar: () => import('./lang/ar'),
  he: () => import('./lang/he'),
  fa: () => import('./lang/fa'),
};

/** The language codes {@link importTable} knows. */
export const IMPORTED = Object.keys(IMPORTS);

/** Loads a language table by code (`fr`, `pt-br`) with a dynamic import. */
export const importTable: TableLoader = (code) =>
  Object.prototype.hasOwnProperty.call(IMPORTS, code)
    ? IMPORTS[code]!().then((m) => m.default)
    : Promise.reject(new Error('no language table ' + code));
