/**
 * Asks the control vantage (Detour's service, or any OONI test helper) to measure the same URL from
 * outside the user's network. A control that is blocked, down or answering garbage only lowers the
 * verdict's confidence; it never breaks the run.
 */
import type { ControlRequest, ControlResponse } from '../../engine/control-protocol';
import { timedFetch, type Fetch } from './timed-fetch';

function looksLikeControl(value: unknown): value is ControlResponse {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  const obj = (x: unknown) => !!x && typeof x === 'object' && !Array.isArray(x);
  return (
    obj(v.tcp_connect) &&
    obj(v.http_request) &&
    obj(v.dns) &&
    Array.isArray((v.dns as { addrs?: unknown }).addrs) &&
    typeof (v.http_request as { status_code?: unknown }).status_code === 'number'
  );
}

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
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
    signal,
    timeoutMs,
  });
  if (!result.ok || !result.response) return { controlFailure: result.timedOut ? 'timeout' : 'unreachable' };
  if (!result.response.ok) return { controlFailure: `http-${result.response.status}` };
  try {
    const body: unknown = await result.response.json();
    return looksLikeControl(body) ? { control: body } : { controlFailure: 'bad-response' };
  } catch {
    return { controlFailure: 'bad-response' };
  }
}
