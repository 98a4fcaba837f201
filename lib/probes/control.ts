/**
 * Asks the control vantage (Detour's service, or any OONI test helper) to measure the same URL from
 * outside the user's network. A control that is blocked, down or answering garbage only lowers the
 * verdict's confidence; it never breaks the run.
 */
import { CONTROL_TIME_BUDGET_HEADER, parseControlResponse, type ControlRequest, type ControlResponse } from '../../engine/control-protocol';
import { readBodyPrefix, timedFetch, type Fetch } from './timed-fetch';

/**
 * An honest answer is a few KiB (one page's status, title and headers, a handful of addresses and
 * endpoints); anything near this is not one, and is not read further.
 */
export const MAX_CONTROL_BYTES = 256 * 1024;

export async function askControl(
  fetchFn: Fetch,
  controlUrl: string,
  request: ControlRequest,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<{ control: ControlResponse } | { controlFailure: string }> {
  if (!controlUrl) return { controlFailure: 'not-configured' };
  const result = await timedFetch(fetchFn, controlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [CONTROL_TIME_BUDGET_HEADER]: String(Math.max(0, Math.floor(timeoutMs))) },
    body: JSON.stringify(request),
    signal,
    timeoutMs,
  });
  if (!result.ok || !result.response) return { controlFailure: result.timedOut ? 'timeout' : 'unreachable' };
  if (!result.response.ok) return { controlFailure: `http-${result.response.status}` };
  const body = await readBodyPrefix(result.response, MAX_CONTROL_BYTES);
  if (body.truncated) return { controlFailure: 'too-large' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.text);
  } catch {
    return { controlFailure: 'bad-response' };
  }
  // Whatever answered may be anything but a test helper: the engine only ever sees the checked copy.
  const control = parseControlResponse(parsed);
  return control ? { control } : { controlFailure: 'bad-response' };
}
