/**
 * The one interface the report routes see, implemented by SQLite (sqlite.ts); PostgreSQL is to
 * implement it too. What is stored is counts, never individual reports: identical reports add up in one
 * hourly cell (report_hours), and each is also added to its day (report_days: the public roll-up,
 * which the aggregate and operator queries read, so they cost the same at a thousand reports or a
 * billion). Batch ids are kept apart (report_batches), with no link to the cells they added to.
 *
 * Nulls are stored as '' in the key columns (a primary key cannot hold NULL in PostgreSQL, and NULLs
 * never conflict in either), and turned back into null on the way out.
 */
import type { Report, ReportBatch } from '../reports/report';

/** One hourly cell: reports identical in every field, counted. */
export interface ReportCell extends Report {
  count: number;
}

/** A published aggregate row (GET /api/v1/aggregates). */
export interface AggregateRow {
  domain: string;
  country: string | null;
  method: string | null;
  /** YYYY-MM-DD (UTC). */
  day: string;
  count: number;
}

/** A row of the operator page: per provider, country, method and day. */
export interface ProviderDayRow {
  provider: string;
  country: string | null;
  method: string | null;
  day: string;
  count: number;
}

export interface AggregateQuery {
  /** YYYY-MM-DD: the first day included. */
  since: string;
  domain?: string;
  /** A country code; null: reports without a country; absent: every country. */
  country?: string | null;
  /** Rows summing to fewer reports are left out (k-anonymity). */
  k: number;
  limit: number;
}

export interface ReportStore {
  readonly backend: 'sqlite' | 'postgres';
  /** Applies the migrations not applied yet (migrations.ts); safe to call from several instances at once. */
  migrate(): Promise<void>;
  /**
   * Stores the batches in one transaction and resolves only after it committed durably. Batch ids
   * must be distinct. Per batch: true when stored, false when its id was seen before (a retry).
   * `receivedHour` (ISO, on the hour) is kept with the batch id, only to purge it later.
   */
  storeBatches(batches: readonly ReportBatch[], receivedHour: string): Promise<boolean[]>;
  aggregates(query: AggregateQuery): Promise<AggregateRow[]>;
  providerDays(query: { since: string; k: number; limit: number }): Promise<ProviderDayRow[]>;
  /** Forgets batch ids received before this hour; how many. */
  purgeBatches(beforeHour: string): Promise<number>;
  /** Every report counted (tests and the benchmark). */
  totalReports(): Promise<number>;
  /** Adds already-counted cells, for the benchmark's bulk load; no batch ids. */
  bulkAdd(cells: readonly ReportCell[]): Promise<void>;
  close(): Promise<void>;
}

/** The store could not be reached or could not write: the client should retry later (503). */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}

export const dayOf = (hour: string): string => hour.slice(0, 10);
export const keyOf = (v: string | null): string => v ?? '';
export const valueOf = (v: string): string | null => (v === '' ? null : v);

/** Adds up identical reports of the stored batches into cells (hourly and daily), so each is written once. */
export function countCells(batches: readonly ReportBatch[]): { hours: ReportCell[]; days: Array<DayCell> } {
  const hours = new Map<string, ReportCell>();
  const days = new Map<string, DayCell>();
  for (const batch of batches) {
    for (const r of batch.reports) {
      const hk = [r.hour, r.domain, r.provider, r.kind, r.method, r.local_cause, r.failure, r.country, r.version, r.browser].join('\u0000');
      const cell = hours.get(hk);
      if (cell) cell.count++;
      else hours.set(hk, { ...r, count: 1 });
    }
  }
  for (const cell of hours.values()) addDay(days, cell);
  // Sorted: concurrent transactions then lock rows in one order and cannot deadlock (PostgreSQL).
  const byKey = <T>(m: Map<string, T>) => [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((e) => e[1]);
  return { hours: byKey(hours), days: byKey(days) };
}

export interface DayCell {
  day: string;
  domain: string;
  provider: string;
  country: string | null;
  kind: string;
  method: string | null;
  count: number;
}

export function addDay(days: Map<string, DayCell>, cell: ReportCell): void {
  const day = dayOf(cell.hour);
  const dk = [day, cell.domain, cell.country, cell.method, cell.provider, cell.kind].join('\u0000');
  const d = days.get(dk);
  if (d) d.count += cell.count;
  else days.set(dk, { day, domain: cell.domain, provider: cell.provider, country: cell.country, kind: cell.kind, method: cell.method, count: cell.count });
}
