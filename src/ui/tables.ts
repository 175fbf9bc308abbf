import { tableOf } from '../core/language';
import type { Table } from './i18n';

/** Loads the table of one language code (`fr`, `pt-br`): a chunk of its own. */
export type TableLoader = (code: string) => Promise<Table>;

/** The language tables loaded so far, shared by the launcher shell and the UI. */
export interface Tables {
  /** The table for `lang` once loaded; `undefined` for English, an unknown tag or until then. */
  get(lang: string): Table | undefined;
  /**
   * Loads the table for `lang` (at once for English or a language without a table); one load per
   * language however often it is asked for. A failed load rejects and is tried again next time.
   */
  load(lang: string): Promise<unknown>;
}

/** Creates the shared table cache over `loader`. */
export function createTables(loader: TableLoader): Tables {
  const got: Record<string, Table> = Object.create(null);
  const asked: Record<string, Promise<unknown>> = Object.create(null);
  return {
    get: (lang) => got[tableOf(lang)],
    load(lang) {
      const code = tableOf(lang);
      if (!code || code == 'en') return Promise.resolve();
      return (asked[code] ||= loader(code).then(
        (t) => (got[code] = t),
        (e) => {
          delete asked[code];
          throw e;
        },
      ));
    },
  };
}
