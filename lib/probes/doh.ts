/**
 * DNS over HTTPS (RFC 8484, GET with `?dns=`), asked for A and AAAA. What an encrypted resolver outside
 * the user's ISP says the host's addresses are; the engine compares it with the system resolver's.
 */
import { base64Url, decodeMessage, encodeQuery, RCODE, RR_TYPE } from '../../engine/dns-wire';
import type { DnsObservation } from '../../engine/types';
import { readBodyBytes, timedFetch, type Fetch } from './timed-fetch';

/** A DNS message cannot be longer: RFC 8484 carries it whole, and TCP's length prefix is 16 bits (RFC 1035 4.2.2). */
export const MAX_DNS_MESSAGE_BYTES = 65_535;

async function ask(fetchFn: Fetch, resolver: string, host: string, type: number, signal: AbortSignal, timeoutMs: number) {
  const url = new URL(resolver);
  url.searchParams.set('dns', base64Url(encodeQuery(host, type)));
  const result = await timedFetch(fetchFn, url.toString(), {
    headers: { accept: 'application/dns-message' },
    signal,
    timeoutMs,
  });
  if (!result.ok || !result.response) return { failure: result.timedOut ? ('timeout' as const) : ('error' as const) };
  if (!result.response.ok) return { failure: 'error' as const };
  const body = await readBodyBytes(result.response, MAX_DNS_MESSAGE_BYTES);
  if (body.truncated) return { failure: 'error' as const };
  try {
    const message = decodeMessage(body.bytes);
    if (message.rcode === RCODE.NXDOMAIN) return { failure: 'nxdomain' as const };
    if (message.rcode === RCODE.SERVFAIL) return { failure: 'servfail' as const };
    if (message.rcode === RCODE.REFUSED) return { failure: 'refused' as const };
    return { addrs: message.answers.filter((a) => a.type === type).map((a) => a.data) };
  } catch {
    // A resolver that answers garbage is a resolver that did not answer.
    return { failure: 'error' as const };
  }
}

export async function queryDoh(
  fetchFn: Fetch,
  resolver: string,
  host: string,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<DnsObservation> {
  const [a, aaaa] = await Promise.all([
    ask(fetchFn, resolver, host, RR_TYPE.A, signal, timeoutMs),
    ask(fetchFn, resolver, host, RR_TYPE.AAAA, signal, timeoutMs),
  ]);
  const addrs = [...(a.addrs ?? []), ...(aaaa.addrs ?? [])];
  const observation: DnsObservation = { kind: 'doh', resolver, addrs };
  if (addrs.length > 0) return observation;
  // NXDOMAIN on either question is the resolver's word on the name; otherwise report why A failed.
  const failure = a.failure === 'nxdomain' || aaaa.failure === 'nxdomain' ? 'nxdomain' : (a.failure ?? aaaa.failure ?? 'no-answer');
  return { ...observation, failure };
}
