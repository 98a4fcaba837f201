/**
 * A failure report as the extension sends it and the service counts it (issue 11): exactly these
 * fields, snake_case like OONI's formats. Nothing in it identifies a person or an install; the batch
 * id only lets the service ignore a retry, and is forgotten after REPORT_BATCH_TTL_HOURS.
 */
import type { FailureClass } from '../../../engine/failure';
import type { CensorshipMethod, LocalCause, VerdictKind } from '../../../engine/types';
import type { BrowserFamily } from './vocabulary';

export interface Report {
  /** The watched host that failed (never a path or a query); one of `provider`'s domains or below one. */
  domain: string;
  /** A catalog provider id (catalog/providers.json). */
  provider: string;
  kind: VerdictKind;
  /** Set exactly when `kind` is `censorship`. */
  method: CensorshipMethod | null;
  /** Set exactly when `kind` is `local`. */
  local_cause: LocalCause | null;
  failure: FailureClass;
  /** ISO 3166-1 alpha-2, only when the user chose one; never guessed. */
  country: string | null;
  /** The hour the failure was seen, rounded down: `2026-11-23T14:00:00Z`. */
  hour: string;
  /** The extension's version. */
  version: string;
  browser: BrowserFamily;
}

export interface ReportBatch {
  /** A random UUID, new for every batch (lower-cased). */
  batch_id: string;
  reports: Report[];
}

export const REPORT_FIELDS = ['domain', 'provider', 'kind', 'method', 'local_cause', 'failure', 'country', 'hour', 'version', 'browser'] as const;
export const MAX_REPORTS_PER_BATCH = 100;
/** Reports older than this are refused: the extension sends within hours, a week covers long offline spells. */
export const MAX_REPORT_AGE_MS = 7 * 24 * 3600_000;
/** Client clocks run a little fast; an hour that starts this soon is not "the future" yet. */
export const CLOCK_SKEW_MS = 10 * 60_000;
/** Batch ids are kept this long to recognise a retry, then deleted. */
export const REPORT_BATCH_TTL_HOURS = 48;
/**
 * Largest report body: 100 reports of the longest valid fields (a 253-character domain, the longest
 * words) come to about 45 KiB; whitespace beyond that is not needed.
 */
export const REPORT_BODY_LIMIT = 64 * 1024;
