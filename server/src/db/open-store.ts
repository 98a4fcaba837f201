/**
 * DETOUR_DATABASE_URL to a store: `sqlite:PATH` (or `sqlite::memory:` for tests) or
 * `postgres://…` / `postgresql://…` (anything `pg` takes, e.g. `?host=/run/postgresql` for a socket).
 */
import { PostgresStore } from './postgres';
import { SqliteStore } from './sqlite';
import type { ReportStore } from './store';
import { isDatabaseUrl } from './database-url';

export function openStore(url: string, onIdleError?: (error: Error) => void): ReportStore {
  if (url.startsWith('sqlite:')) return new SqliteStore(url.slice('sqlite:'.length));
  if (isDatabaseUrl(url)) return new PostgresStore(url, onIdleError);
  throw new Error('DETOUR_DATABASE_URL: expected sqlite:PATH or postgres://…');
}
