/**
 * Unrelated sites that should always answer. If they fail too, the user's own network is the
 * problem; if they answer with something else than they always do, a captive portal or a proxy is
 * rewriting traffic. Redirects are not followed: a canary never redirects, a captive portal always does.
 */
import type { CanaryObservation } from '../../engine/types';
import type { Settings } from '../settings';
import { readBodyPrefix, timedFetch, type Fetch } from './timed-fetch';

export async function checkCanary(
  fetchFn: Fetch,
  canary: Settings['canaries'][number],
  signal: AbortSignal,
  timeoutMs: number,
): Promise<CanaryObservation> {
  // A canary whose body is checked must send CORS headers; otherwise an opaque answer is all we get.
  const mode: RequestMode = canary.expect ? 'cors' : 'no-cors';
  const result = await timedFetch(fetchFn, canary.url, { mode, redirect: 'manual', signal, timeoutMs });
  const observation: CanaryObservation = { url: canary.url, ok: result.ok, elapsedMs: result.elapsedMs };
  if (!result.ok || !result.response) {
    observation.failure = result.timedOut ? 'timeout' : 'unknown';
    return observation;
  }
  const response = result.response;
  if (response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400)) {
    observation.captive = true;
    return observation;
  }
  if (canary.expect) {
    const { text } = await readBodyPrefix(response, 4096);
    if (!response.ok || !text.includes(canary.expect)) observation.captive = true;
  }
  return observation;
}
