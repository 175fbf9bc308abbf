/**
 * Picks the store from the settings: Postgres when DATABASE_URL is set, else the SQLite file
 * `DB` (the zero-setup default).
 */
import type { Logger } from './log';
import type { Store } from './store';
import { openPostgresStore } from './store-postgres';
import { openSqliteStore } from './store-sqlite';

/** Opens and migrates the configured store. */
export function openStore(o: { db: string; databaseUrl?: string; log: Logger }): Promise<Store> {
  if (o.databaseUrl) return openPostgresStore(o.databaseUrl, o.log);
  return Promise.resolve(openSqliteStore(o.db, o.log));
}
