/**
 * The status check's one request: does the provider's page load from here, now? A site that answers
 * needs nothing more; only a failure is worth a full probe run (lib/probes/run-probes.ts), which is
 * what the status check does next. The body is not read: the status line and the browser's own
 * report (the exact error, the address) say enough.
 */
import type { FailureClass } from '../../engine/failure';
import { markUrl, type OwnRequests } from './own-requests';
import { timedFetch, type Fetch } from './timed-fetch';

export interface LightCheckResult {
  /** The real server answered below 500 (a redirect counts: it answered). */
  ok: boolean;
  status?: number;
  /** Why it did not load, as the browser named it; `http-status` for a 5xx answer. */
  failure?: FailureClass;
  /** The browser's own error string, when there was one. */
  error?: string;
  ip?: string;
  elapsedMs: number;
}

/** How long to wait for the browser's webRequest report after fetch settled (as run-probes does). */
const REPORT_GRACE_MS = 150;

export async function lightCheck(
  env: { fetch: Fetch; own: OwnRequests },
  url: string,
  timeoutMs: number,
  signal: AbortSignal = new AbortController().signal,
): Promise<LightCheckResult> {
  const id = env.own.open();
  try {
    const result = await timedFetch(env.fetch, markUrl(url, id), { redirect: 'manual', signal, timeoutMs });
    const seen = await env.own.settled(id, REPORT_GRACE_MS);
    // Nothing of the page is needed; leaving the body unread would keep the connection busy.
    void result.response?.body?.cancel().catch(() => {});
    const checked: LightCheckResult = { ok: false, elapsedMs: result.elapsedMs };
    if (seen.ip) checked.ip = seen.ip;
    if (!result.ok || !result.response) {
      // Our own deadline aborted it: the browser then reports the abort (net::ERR_ABORTED), which
      // would read as "the browser stopped it". Nothing answered in time; that is what happened.
      if (result.timedOut) {
        checked.failure = 'timeout';
        return checked;
      }
      checked.failure = seen.failure?.class ?? 'unknown';
      if (seen.error) checked.error = seen.error;
      return checked;
    }
    // An opaque redirect hides its status from fetch; webRequest saw it.
    const status = result.response.type === 'opaqueredirect' ? seen.status : result.response.status;
    if (status !== undefined) checked.status = status;
    if (status !== undefined && status >= 500) {
      checked.failure = 'http-status';
      return checked;
    }
    checked.ok = true;
    return checked;
  } finally {
    env.own.close(id);
  }
}
