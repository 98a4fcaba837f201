/**
 * DETOUR_DATABASE_URL to a ReportStore. Only `sqlite:PATH` for now; `postgres://` is the next store
 * behind the same interface (store.ts), so nothing above this file changes when it lands.
 */
import { SqliteStore } from './sqlite';
import type { ReportStore } from './store';

export function openStore(databaseUrl: string): ReportStore {
  if (databaseUrl.startsWith('sqlite:')) return new SqliteStore(databaseUrl.slice('sqlite:'.length));
  throw new Error('DETOUR_DATABASE_URL: only sqlite:PATH is supported');
}
