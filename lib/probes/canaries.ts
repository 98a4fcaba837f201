/**
 * Unrelated sites that should always answer. If they fail too, the user's own network is the
 * problem; if they answer with something other than what they always answer, a captive portal or a
 * proxy is rewriting traffic.
 *
 * Two requests per canary, because a browser extension cannot both follow nothing and read nothing:
 * - reachability, `no-cors` (an opaque answer is enough; browsers only allow `no-cors` with redirects
 *   followed, so a portal's redirect to its login page still counts as "reached");
 * - for a canary with an `expect`ed body, the body itself, with redirects not followed: a portal's
 *   redirect or another body means the answer was rewritten on the way. Reading it takes CORS headers
 *   or host access to the canary (`hostAccess`). Without access, a request that fails outright says
 *   nothing: it is what a canary without CORS headers always does. With access, it is the portal.
 */
import type { CanaryObservation } from '../../engine/types';
import type { Settings } from '../settings';
import { readBodyPrefix, timedFetch, type Fetch } from './timed-fetch';

export async function checkCanary(
  fetchFn: Fetch,
  canary: Settings['canaries'][number],
  signal: AbortSignal,
  timeoutMs: number,
  hostAccess = false,
): Promise<CanaryObservation> {
  const [reach, content] = await Promise.all([
    timedFetch(fetchFn, canary.url, { mode: 'no-cors', signal, timeoutMs }),
    canary.expect ? timedFetch(fetchFn, canary.url, { mode: 'cors', redirect: 'manual', signal, timeoutMs }) : undefined,
  ]);
  const observation: CanaryObservation = { url: canary.url, ok: reach.ok, elapsedMs: reach.elapsedMs };
  if (!reach.ok) {
    observation.failure = reach.timedOut ? 'timeout' : 'unknown';
    return observation;
  }
  if (content) {
    const response = content.response;
    let rewritten: boolean;
    if (!content.ok || !response) rewritten = hostAccess && !content.timedOut;
    else if (response.type === 'opaqueredirect' || !response.ok) rewritten = true;
    else rewritten = !(await readBodyPrefix(response, 4096)).text.includes(canary.expect);
    if (rewritten) observation.captive = true;
  }
  return observation;
}
