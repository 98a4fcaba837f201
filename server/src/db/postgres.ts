/**
 * The store at scale: PostgreSQL through `pg`, shared by any number of stateless service instances.
 * Nothing here is per-instance state: a retry is recognised by the batch id's primary key, whichever
 * instance sees it, and migrations take an advisory lock, so instances starting together apply each
 * once. Each commit waits for the WAL flush (`synchronous_commit = on`, set per transaction so a
 * server default of `off` cannot turn a 2xx into a promise the database did not keep).
 *
 * When the database goes away the pool's connections fail and are dropped; the next request opens
 * new ones, so the service recovers by itself when the database is back. Connecting gives up after a
 * few seconds, so a client waiting for a 503 does not wait for TCP's own timeout.
 */
import pg from 'pg';
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

/** Any number; only this service's migrations take it. */
const MIGRATION_LOCK = 7_242_011;
const HOUR_COLUMNS = 'hour, domain, provider, kind, method, local_cause, failure, country, version, browser';
const DAY_COLUMNS = 'day, domain, country, method, provider, kind';

// COUNT and SUM are bigint, which pg hands over as strings; counts stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

export class PostgresStore implements ReportStore {
  readonly backend = 'postgres' as const;
  private readonly pool: pg.Pool;

  constructor(connectionString: string, onIdleError: (error: Error) => void = () => {}) {
    this.pool = new pg.Pool({
      connectionString,
      max: 10,
      connectionTimeoutMillis: 3_000,
      idleTimeoutMillis: 30_000,
      statement_timeout: 10_000,
      query_timeout: 12_000,
    });
    // An idle connection cut by the server (a restart) emits here; unhandled, it would end the process.
    this.pool.on('error', onIdleError);
  }

  private async withClient<T>(what: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw new StoreUnavailableError(`cannot reach PostgreSQL: ${(error as Error).message}`);
    }
    let broken = false;
    try {
      return await fn(client);
    } catch (error) {
      broken = true;
      throw new StoreUnavailableError(`PostgreSQL ${what} failed: ${(error as Error).message}`);
    } finally {
      // A connection that failed mid-transaction is not handed to the next request.
      client.release(broken);
    }
  }

  private async transaction<T>(what: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.withClient(what, async (client) => {
      await client.query('BEGIN; SET LOCAL synchronous_commit TO on');
      try {
        const result = await fn(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    });
  }

  async migrate(): Promise<void> {
    await this.transaction('migration', async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query(MIGRATIONS_TABLE);
      const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
      const applied = new Set(rows.map((r) => r.version));
      for (const m of MIGRATIONS) {
        if (applied.has(m.version)) continue;
        await client.query(m.sql('postgres'));
        await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, new Date().toISOString()]);
      }
    });
  }

  private async write(client: pg.PoolClient, hours: readonly ReportCell[], days: readonly DayCell[]): Promise<void> {
    if (hours.length > 0) {
      const cols: string[][] = Array.from({ length: 10 }, () => []);
      const counts: number[] = [];
      for (const c of hours) {
        const values = [c.hour, c.domain, c.provider, c.kind, keyOf(c.method), keyOf(c.local_cause), c.failure, keyOf(c.country), c.version, c.browser];
        values.forEach((v, i) => cols[i]!.push(v));
        counts.push(c.count);
      }
      // One statement for every cell, as arrays: the statement's text never changes, whatever the count.
      await client.query(
        `INSERT INTO report_hours (${HOUR_COLUMNS}, count)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::bigint[])
         ON CONFLICT (${HOUR_COLUMNS}) DO UPDATE SET count = report_hours.count + EXCLUDED.count`,
        [...cols, counts],
      );
    }
    if (days.length > 0) {
      await client.query(
        `INSERT INTO report_days (${DAY_COLUMNS}, count)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[])
         ON CONFLICT (${DAY_COLUMNS}) DO UPDATE SET count = report_days.count + EXCLUDED.count`,
        [
          days.map((d) => d.day),
          days.map((d) => d.domain),
          days.map((d) => keyOf(d.country)),
          days.map((d) => keyOf(d.method)),
          days.map((d) => d.provider),
          days.map((d) => d.kind),
          days.map((d) => d.count),
        ],
      );
    }
  }

  async storeBatches(batches: readonly ReportBatch[], receivedHour: string): Promise<boolean[]> {
    return this.transaction('write', async (client) => {
      // Sorted, like the cells: two instances inserting overlapping ids lock them in one order.
      const ids = batches.map((b) => b.batch_id).sort();
      const { rows } = await client.query<{ batch_id: string }>(
        'INSERT INTO report_batches (batch_id, received_hour) SELECT unnest($1::text[]), $2 ON CONFLICT DO NOTHING RETURNING batch_id',
        [ids, receivedHour],
      );
      const inserted = new Set(rows.map((r) => r.batch_id));
      const fresh = batches.map((b) => inserted.has(b.batch_id));
      const { hours, days } = countCells(batches.filter((_, i) => fresh[i]));
      await this.write(client, hours, days);
      return fresh;
    });
  }

  async bulkAdd(cells: readonly ReportCell[]): Promise<void> {
    const days = new Map<string, DayCell>();
    for (const c of cells) addDay(days, c);
    const sorted = [...days.values()];
    await this.transaction('bulk load', async (client) => {
      for (let i = 0; i < cells.length; i += 20_000) await this.write(client, cells.slice(i, i + 20_000), []);
      for (let i = 0; i < sorted.length; i += 20_000) await this.write(client, [], sorted.slice(i, i + 20_000));
    });
  }

  async aggregates(q: AggregateQuery): Promise<AggregateRow[]> {
    const where = ['day >= $1'];
    const params: unknown[] = [q.since];
    if (q.domain !== undefined) {
      params.push(q.domain);
      where.push(`domain = $${params.length}`);
    }
    if (q.country !== undefined) {
      params.push(keyOf(q.country));
      where.push(`country = $${params.length}`);
    }
    params.push(q.k, q.limit);
    const { rows } = await this.withClient('query', (c) =>
      c.query<{ domain: string; country: string; method: string; day: string; count: number }>(
        `SELECT domain, country, method, day, SUM(count)::bigint AS count FROM report_days WHERE ${where.join(' AND ')}
         GROUP BY day, domain, country, method HAVING SUM(count) >= $${params.length - 1}
         ORDER BY day DESC, domain, country, method LIMIT $${params.length}`,
        params,
      ),
    );
    return rows.map((r) => ({ domain: r.domain, country: valueOf(r.country), method: valueOf(r.method), day: r.day, count: r.count }));
  }

  async providerDays(q: { since: string; k: number; limit: number }): Promise<ProviderDayRow[]> {
    const { rows } = await this.withClient('query', (c) =>
      c.query<{ provider: string; country: string; method: string; day: string; count: number }>(
        `SELECT provider, country, method, day, SUM(count)::bigint AS count FROM report_days WHERE day >= $1
         GROUP BY day, provider, country, method HAVING SUM(count) >= $2 ORDER BY provider, country, day, method LIMIT $3`,
        [q.since, q.k, q.limit],
      ),
    );
    return rows.map((r) => ({ provider: r.provider, country: valueOf(r.country), method: valueOf(r.method), day: r.day, count: r.count }));
  }

  async purgeBatches(beforeHour: string): Promise<number> {
    const result = await this.withClient('purge', (c) => c.query('DELETE FROM report_batches WHERE received_hour < $1', [beforeHour]));
    return result.rowCount ?? 0;
  }

  async totalReports(): Promise<number> {
    const { rows } = await this.withClient('query', (c) => c.query<{ n: number }>('SELECT COALESCE(SUM(count), 0)::bigint AS n FROM report_hours'));
    return rows[0]!.n;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
