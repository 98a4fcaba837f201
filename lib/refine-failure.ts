/**
 * Every rule by which a failure Detour has already logged comes to be named better, in one place.
 * The browser does not always say what went wrong at once, nor in one voice:
 *
 * 1. A stall is a placeholder: when the browser finally reports the real error for that URL, the
 *    stall entry becomes that error (failure-log.ts applies it as it records).
 * 2. Firefox's webRequest words TLS and certificate errors as a sentence in the user's language;
 *    webNavigation's report of the same navigation carries the nsresult Detour can read. The echo
 *    names the entry (detour-state.ts applies it as it records).
 * 3. A probe run uses the failure as the log knows it when the measuring is over, not as it was
 *    when the run began: a report that arrived meanwhile counts (probe-scheduler.ts).
 * 4. The browser sometimes names no cause at all (Firefox's generic NS_ERROR_FAILURE); the probe's
 *    own retry of the URL, moments later, usually does. The verdict keeps what the retry saw, and the
 *    view shows it for that entry (host-view.ts). The log itself is never rewritten from downstream.
 */
import type { CertificateProblem, FailureClass } from '../engine/failure';
import type { Observations } from '../engine/types';

/**
 * What these rules read of a log entry, a trigger and a verdict. Structural, so the failure log
 * (which applies rule 1) and the storage schema can use this module while it depends on neither.
 */
interface Named {
  class: FailureClass;
  error?: string;
  certificate?: CertificateProblem;
  ip?: string;
}
interface Logged extends Named {
  error: string;
  url: string;
  firstAt: number;
  lastAt: number;
}

/** How long after a stall the browser's real error for the same URL still replaces it. */
export const STALL_REPLACED_WITHIN_MS = 60_000;

/** Rule 1: does this report replace that stall placeholder? */
export function replacesStall(entry: Logged, report: { class: FailureClass; url: string; at: number }): boolean {
  return entry.class === 'stalled' && report.class !== 'stalled' && entry.url === report.url && report.at - entry.lastAt <= STALL_REPLACED_WITHIN_MS;
}

/** Rule 2: what the other listener's report of the same navigation adds, or undefined when nothing. */
export function namedByEcho(entry: Named, echo: Named & { error: string }): { class: FailureClass; error: string; certificate?: CertificateProblem } | undefined {
  if (entry.class !== 'unknown' || echo.class === 'unknown') return undefined;
  return { class: echo.class, error: echo.error, ...(echo.certificate ? { certificate: echo.certificate } : {}) };
}

type TriggerFailure = Named;
/** What the probe's retry named; StoredVerdict['retry']. */
export interface RetryNamed {
  class: FailureClass;
  certificate?: CertificateProblem;
}

/** Rule 3: the failure a run's observations carry: the logged entry's, once it names what the trigger could not. */
export function failureAtAssembly(started: TriggerFailure | undefined, logged: Named | undefined): TriggerFailure | undefined {
  if (!started || started.class !== 'unknown' || !logged || logged.class === 'unknown') return started;
  const failure: TriggerFailure = { class: logged.class };
  if (logged.error) failure.error = logged.error;
  if (logged.certificate) failure.certificate = logged.certificate;
  if (logged.ip ?? started.ip) failure.ip = logged.ip ?? started.ip;
  return failure;
}

/** Rule 4, at verdict time: what the probe's retry named of a failure the browser left unnamed. */
export function namedByRetry(observations: Observations): RetryNamed | undefined {
  const retry = observations.http?.[0];
  if (observations.failure?.class !== 'unknown' || !retry?.failure) return undefined;
  if (retry.failure === 'unknown' || retry.failure === 'ignored') return undefined;
  const named: RetryNamed = { class: retry.failure };
  if (retry.certificate) named.certificate = retry.certificate;
  return named;
}

/**
 * Rule 4, in the view: the log's entries as the user should see them. The newest unnamed entry of the
 * verdict's URL, logged before the verdict, takes the class the retry saw.
 */
export function entriesAsNamed<E extends Logged>(entries: readonly E[], verdict: { url: string; finishedAt: number; retry?: RetryNamed } | undefined): E[] {
  const shown = entries.map((e) => ({ ...e }));
  const named = verdict?.retry;
  if (!verdict || !named) return shown;
  const entry = shown.find((e) => e.class === 'unknown' && e.url === verdict.url && e.firstAt <= verdict.finishedAt);
  if (entry) {
    entry.class = named.class;
    if (named.certificate) entry.certificate = named.certificate;
  }
  return shown;
}
