/**
 * Other people's reports as supporting evidence (issue 11): the service's k-anonymous count of
 * reports of the same block (same domain, method and, when the user chose one, country) this week.
 * Capped, and only ever in support: a verdict of censorship by the same method gains at most
 * MAX_REPORT_SUPPORT of confidence and one evidence item; every other verdict is returned unchanged.
 * So reports alone never make a verdict, never change its kind or method, and never turn an outage
 * (or a local problem, or "could not tell") into censorship: a count from a service is only what
 * strangers said, and whoever runs the service could say anything.
 */
import { ev } from './evidence';
import type { CensorshipMethod, Verdict } from './types';

export interface ReportSupport {
  /** Reports this week of this domain by this method (the service publishes only counts >= k). */
  count: number;
  method: CensorshipMethod;
  /** The country counted in, or null when the user chose none (every country). */
  country: string | null;
}

/** The most confidence reports may add. */
export const MAX_REPORT_SUPPORT = 0.1;
/** And no further than this: only the probes' own evidence makes a verdict certain. */
export const MAX_CONFIDENCE_WITH_REPORTS = 0.95;

// Rounded down, so the rounding never lifts it past a cap.
const floor2 = (x: number) => Math.floor(x * 100) / 100;

export function supportedByReports(verdict: Verdict, support: ReportSupport | undefined): Verdict {
  if (!support || verdict.kind !== 'censorship' || verdict.method !== support.method) return verdict;
  const count = Number.isFinite(support.count) ? Math.floor(support.count) : 0;
  if (count < 1) return verdict;
  // Grows with the count, slowly: 10 reports give half the cap, 1000 nearly all of it.
  const gain = MAX_REPORT_SUPPORT * (1 - 1 / (1 + Math.log10(1 + count)));
  const ceiling = Math.max(verdict.confidence, MAX_CONFIDENCE_WITH_REPORTS);
  const confidence = floor2(Math.min(ceiling, verdict.confidence + gain, verdict.confidence + MAX_REPORT_SUPPORT));
  return {
    ...verdict,
    confidence: Math.max(verdict.confidence, confidence),
    evidence: [...verdict.evidence, ev('reports_seen', { count })],
  };
}
