/**
 * The queue of failure reports the extension keeps: types only, a leaf that lib/storage.ts and
 * lib/reports/* both import. A report itself is engine/report-format.ts, shared with the service.
 */
import type { Report } from '../../engine/report-format';

/** What is kept under the `reports` key of storage.local (lib/reports/report-queue.ts). */
export interface StoredReports {
  /** Waiting to be sent, oldest first. */
  queue: Report[];
  /**
   * The batch being sent: kept with its id until a service took it, so that a retry carries the same
   * id and the service counts it once. A new id for every new batch.
   */
  inflight?: { batch_id: string; reports: Report[] };
  /** Dedupe keys (build-report.ts dedupeKey) of what was queued in the hours a service still accepts. */
  seen: string[];
  /** Failed attempts in a row (the backoff grows with them). */
  attempts: number;
  /** When the next send is due (ms since epoch); absent: nothing scheduled. */
  nextAt?: number;
}
