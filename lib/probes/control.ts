/**
 * Asks the control vantage (Detour's service, or any OONI test helper) to measure the same URL from
 * outside the user's network. A control that is blocked, down or answering garbage only lowers the
 * verdict's confidence; it never breaks the run.
 */
import type { ControlRequest, ControlResponse } from '../../engine/control-protocol';
import { readBodyPrefix, timedFetch, type Fetch } from './timed-fetch';

/**
 * An honest answer is a few KiB (one page's status, title and headers, a handful of addresses and
 * endpoints); anything near this is not one, and is not read further.
 */
export const MAX_CONTROL_BYTES = 256 * 1024;

const isObject = (x: unknown): x is Record<string, unknown> => !!x && typeof x === 'object' && !Array.isArray(x);
const isString = (x: unknown): x is string => typeof x === 'string';
const isNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
/** OONI failure strings; null (or absent, from older helpers) for success. */
const isFailure = (x: unknown) => x === null || x === undefined || typeof x === 'string';
const optional = (x: unknown, check: (x: unknown) => boolean) => x === undefined || x === null || check(x);
const recordOf = (x: unknown, check: (v: Record<string, unknown>) => boolean) =>
  isObject(x) && Object.values(x).every((v) => isObject(v) && check(v));

/**
 * Every field the engine reads, with the type it reads it as: a control that answers anything else
 * (by bug or by design) is no control, rather than an exception in the middle of a verdict.
 */
function looksLikeControl(value: unknown): value is ControlResponse {
  if (!isObject(value)) return false;
  const { dns, http_request: http, tcp_connect, tls_handshake, ip_info } = value;
  return (
    isObject(dns) &&
    Array.isArray(dns.addrs) &&
    dns.addrs.every(isString) &&
    isFailure(dns.failure) &&
    isObject(http) &&
    isNumber(http.status_code) &&
    optional(http.body_length, isNumber) &&
    isFailure(http.failure) &&
    optional(http.title, isString) &&
    optional(http.headers, (h) => isObject(h) && Object.values(h).every(isString)) &&
    recordOf(tcp_connect, (r) => typeof r.status === 'boolean' && isFailure(r.failure)) &&
    optional(tls_handshake, (t) => recordOf(t, (r) => isString(r.server_name) && typeof r.status === 'boolean' && isFailure(r.failure))) &&
    optional(ip_info, (i) => recordOf(i, (r) => isNumber(r.asn) && isNumber(r.flags)))
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
  const body = await readBodyPrefix(result.response, MAX_CONTROL_BYTES);
  if (body.truncated) return { controlFailure: 'too-large' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.text);
  } catch {
    return { controlFailure: 'bad-response' };
  }
  return looksLikeControl(parsed) ? { control: parsed } : { controlFailure: 'bad-response' };
}
