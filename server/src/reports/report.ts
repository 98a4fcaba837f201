/**
 * A failure report as the extension sends it and the service counts it (issue 11): the shape both
 * share is engine/report-format.ts; here are the batch and the service's limits. Nothing in a batch
 * identifies a person or an install; its id only lets the service ignore a retry, and is forgotten
 * after REPORT_BATCH_TTL_HOURS.
 */
import type { Report } from '../../../engine/report-format';

export { REPORT_FIELDS, type Report } from '../../../engine/report-format';

export interface ReportBatch {
  /** A random UUID, new for every batch (lower-cased). */
  batch_id: string;
  reports: Report[];
}

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
