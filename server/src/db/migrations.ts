/**
 * The schema, as a versioned list: each migration runs once, in order, in a transaction that also
 * records it in schema_migrations. Never edit an applied migration; add the next one. The two
 * dialects differ only in column types, so each migration is one function of the dialect.
 */

export type Dialect = 'sqlite' | 'postgres';

export interface Migration {
  version: number;
  name: string;
  sql: (dialect: Dialect) => string;
}

const count = (d: Dialect) => (d === 'postgres' ? 'BIGINT' : 'INTEGER');

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'report counts',
    sql: (d) => `
      CREATE TABLE report_batches (
        batch_id TEXT PRIMARY KEY,
        received_hour TEXT NOT NULL
      );
      CREATE INDEX report_batches_received ON report_batches (received_hour);
      CREATE TABLE report_hours (
        hour TEXT NOT NULL, domain TEXT NOT NULL, provider TEXT NOT NULL, kind TEXT NOT NULL,
        method TEXT NOT NULL, local_cause TEXT NOT NULL, failure TEXT NOT NULL, country TEXT NOT NULL,
        version TEXT NOT NULL, browser TEXT NOT NULL, count ${count(d)} NOT NULL,
        PRIMARY KEY (hour, domain, provider, kind, method, local_cause, failure, country, version, browser)
      );
      CREATE TABLE report_days (
        day TEXT NOT NULL, domain TEXT NOT NULL, country TEXT NOT NULL, method TEXT NOT NULL,
        provider TEXT NOT NULL, kind TEXT NOT NULL, count ${count(d)} NOT NULL,
        PRIMARY KEY (day, domain, country, method, provider, kind)
      );
      CREATE INDEX report_days_provider ON report_days (day, provider, country, method);
    `,
  },
];

export const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL
)`;
