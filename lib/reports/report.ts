/**
 * The shape of a failure report and of the queue kept of them: types only, a leaf that lib/storage.ts
 * and lib/reports/* both import. The same fields as the service's (server/src/reports/report.ts; a
 * unit test checks the two agree).
 */
import type { FailureClass } from '../../engine/failure';
import type { CensorshipMethod, LocalCause, VerdictKind } from '../../engine/types';

/** Browser families the service knows (server/src/reports/vocabulary.ts BROWSERS). */
export type BrowserFamily = 'chrome' | 'chromium' | 'edge' | 'opera' | 'yandex' | 'brave' | 'vivaldi' | 'firefox' | 'safari' | 'other';

export interface Report {
  /** The watched host that failed: never a path or a query. */
  domain: string;
  /** The catalog provider's id. */
  provider: string;
  kind: VerdictKind;
  /** Set exactly when `kind` is `censorship`. */
  method: CensorshipMethod | null;
  /** Set exactly when `kind` is `local`. */
  local_cause: LocalCause | null;
  failure: FailureClass;
  /** ISO 3166-1 alpha-2 the user chose, or null. */
  country: string | null;
  /** The hour the failure was met, rounded down: `2026-11-23T14:00:00Z`. */
  hour: string;
  version: string;
  browser: BrowserFamily;
}

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
