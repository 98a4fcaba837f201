/**
 * The embedded store: one SQLite file through better-sqlite3 (12; 13 crashes on Node 20).
 *
 * WAL with synchronous=FULL: a commit returns only after the WAL is fsynced, so an acknowledged batch
 * survives a power cut, not only a killed process (NORMAL would survive SIGKILL too, but may lose the
 * last commits on power loss, and a 2xx promises durability). Each batch is one transaction, so each
 * costs one fsync. better-sqlite3 is synchronous: a commit blocks the event loop for its fsync, which
 * also serialises writers without a queue; that is the price of embedding, and why PostgreSQL is
 * there for scale.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { ReportBatch } from '../reports/report';
import { MIGRATIONS, MIGRATIONS_TABLE } from './migrations';
import {
  addDay,
  countCells,
  keyOf,
  StoreUnavailableError,
  valueOf,
  type AggregateQuery,
  type AggregateRow,
  type DayCell,
  type ProviderDayRow,
  type ReportCell,
  type ReportStore,
} from './store';

const HOUR_COLUMNS = 'hour, domain, provider, kind, method, local_cause, failure, country, version, browser';
const DAY_COLUMNS = 'day, domain, country, method, provider, kind';

export class SqliteStore implements ReportStore {
  readonly backend = 'sqlite' as const;
  private db: Database.Database | undefined;
  private statements: ReturnType<SqliteStore['prepare']> | undefined;

  /** `file` is a path, or `:memory:` (tests). */
  constructor(private readonly file: string) {}

  private connect(): Database.Database {
    if (this.db) return this.db;
    try {
      if (this.file !== ':memory:') fs.mkdirSync(path.dirname(this.file), { recursive: true });
      const db = new Database(this.file);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('busy_timeout = 5000');
      this.db = db;
      return db;
    } catch (error) {
      throw new StoreUnavailableError(`cannot open the SQLite database: ${(error as Error).message}`);
    }
  }

  /** The database with its statements; only after migrate(), which creates the tables they name. */
  private open(): { db: Database.Database; s: ReturnType<SqliteStore['prepare']> } {
    const db = this.connect();
    return { db, s: (this.statements ??= this.prepare(db)) };
  }

  private prepare(db: Database.Database) {
    return {
      batch: db.prepare('INSERT INTO report_batches (batch_id, received_hour) VALUES (?, ?) ON CONFLICT DO NOTHING'),
      hour: db.prepare(
        `INSERT INTO report_hours (${HOUR_COLUMNS}, count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (${HOUR_COLUMNS}) DO UPDATE SET count = count + excluded.count`,
      ),
      day: db.prepare(
        `INSERT INTO report_days (${DAY_COLUMNS}, count) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (${DAY_COLUMNS}) DO UPDATE SET count = count + excluded.count`,
      ),
    };
  }

  async migrate(): Promise<void> {
    const db = this.connect();
    // IMMEDIATE takes the write lock first, so two processes on one file cannot both apply a migration.
    db.transaction(() => {
      db.exec(MIGRATIONS_TABLE);
      const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((r) => r.version));
      for (const m of MIGRATIONS) {
        if (applied.has(m.version)) continue;
        db.exec(m.sql('sqlite'));
        db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
      }
    }).immediate();
  }

  private write(hours: readonly ReportCell[], days: readonly DayCell[], s: ReturnType<SqliteStore['prepare']>): void {
    for (const c of hours) {
      s.hour.run(c.hour, c.domain, c.provider, c.kind, keyOf(c.method), keyOf(c.local_cause), c.failure, keyOf(c.country), c.version, c.browser, c.count);
    }
    for (const d of days) s.day.run(d.day, d.domain, keyOf(d.country), keyOf(d.method), d.provider, d.kind, d.count);
  }

  async storeBatches(batches: readonly ReportBatch[], receivedHour: string): Promise<boolean[]> {
    const { db, s } = this.open();
    try {
      return db
        .transaction(() => {
          const fresh = batches.map((b) => s.batch.run(b.batch_id, receivedHour).changes === 1);
          const { hours, days } = countCells(batches.filter((_, i) => fresh[i]));
          this.write(hours, days, s);
          return fresh;
        })
        .immediate();
    } catch (error) {
      throw new StoreUnavailableError(`SQLite write failed: ${(error as Error).message}`);
    }
  }

  async bulkAdd(cells: readonly ReportCell[]): Promise<void> {
    const { db, s } = this.open();
    const days = new Map<string, DayCell>();
    for (const c of cells) addDay(days, c);
    db.transaction(() => this.write(cells, [...days.values()], s))();
  }

  async aggregates(q: AggregateQuery): Promise<AggregateRow[]> {
    const { db } = this.open();
    const where = ['day >= ?'];
    const params: unknown[] = [q.since];
    if (q.domain !== undefined) {
      where.push('domain = ?');
      params.push(q.domain);
    }
    if (q.country !== undefined) {
      where.push('country = ?');
      params.push(keyOf(q.country));
    }
    const rows = this.read(() =>
      db
        .prepare(
          `SELECT domain, country, method, day, SUM(count) AS count FROM report_days WHERE ${where.join(' AND ')}
           GROUP BY day, domain, country, method HAVING SUM(count) >= ? ORDER BY day DESC, domain, country, method LIMIT ?`,
        )
        .all(...params, q.k, q.limit),
    ) as Array<{ domain: string; country: string; method: string; day: string; count: number }>;
    return rows.map((r) => ({ domain: r.domain, country: valueOf(r.country), method: valueOf(r.method), day: r.day, count: r.count }));
  }

  async providerDays(q: { since: string; k: number; limit: number }): Promise<ProviderDayRow[]> {
    const { db } = this.open();
    const rows = this.read(() =>
      db
        .prepare(
          `SELECT provider, country, method, day, SUM(count) AS count FROM report_days WHERE day >= ?
           GROUP BY day, provider, country, method HAVING SUM(count) >= ? ORDER BY provider, country, day, method LIMIT ?`,
        )
        .all(q.since, q.k, q.limit),
    ) as Array<{ provider: string; country: string; method: string; day: string; count: number }>;
    return rows.map((r) => ({ provider: r.provider, country: valueOf(r.country), method: valueOf(r.method), day: r.day, count: r.count }));
  }

  async purgeBatches(beforeHour: string): Promise<number> {
    const { db } = this.open();
    return this.read(() => db.prepare('DELETE FROM report_batches WHERE received_hour < ?').run(beforeHour).changes);
  }

  async totalReports(): Promise<number> {
    const { db } = this.open();
    return this.read(() => (db.prepare('SELECT COALESCE(SUM(count), 0) AS n FROM report_hours').get() as { n: number }).n);
  }

  private read<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw new StoreUnavailableError(`SQLite query failed: ${(error as Error).message}`);
    }
  }

  async close(): Promise<void> {
    this.db?.close();
    this.db = undefined;
    this.statements = undefined;
  }
}
