/**
 * The DNS step: the service's own A and AAAA answers for the URL's host, and the same resolution for
 * every connection the service opens (safe-connect.ts), so the lab DNS server set in
 * DETOUR_DNS_SERVERS governs both.
 *
 * c-ares (dns.Resolver), not getaddrinfo (dns.lookup): it tells NXDOMAIN from "no records" from a
 * server failure, which the verdict needs, and it does not queue on libuv's 4-thread pool under load.
 * Without DETOUR_DNS_SERVERS it asks the servers in /etc/resolv.conf; /etc/hosts is not consulted.
 */
import { Resolver } from 'node:dns/promises';
import net from 'node:net';
import type { ControlDnsResult } from '../../../engine/control-protocol';
import { canonicalIp } from '../../../engine/ip';
import { failureError, ooniFailure, OONI_FAILURE } from '../failure-strings';
import { race, type Budget } from './budget';

export interface AddressResolver {
  resolve4(host: string): Promise<string[]>;
  resolve6(host: string): Promise<string[]>;
}

export function createResolver(servers: string[] | undefined, stepTimeoutMs: number): AddressResolver {
  // UDP answers get lost: c-ares retries (and moves to the next server) after a fraction of the step's
  // time, rather than one lost packet failing the step. race() below still bounds the whole query.
  const resolver = new Resolver({ timeout: Math.max(200, Math.floor(stepTimeoutMs / 4)), tries: 3 });
  if (servers) resolver.setServers(servers);
  return resolver;
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * A then AAAA addresses of a name, canonical and de-duplicated. Throws an error whose code says why
 * there are none: ENOTFOUND (NXDOMAIN), ENODATA (no A or AAAA), ETIMEDOUT, ESERVFAIL...
 */
export async function resolveHost(resolver: AddressResolver, host: string, budget: Budget): Promise<string[]> {
  const ms = budget.stepMs();
  const [v4, v6] = await Promise.allSettled([
    race(resolver.resolve4(host), ms, budget.signal),
    race(resolver.resolve6(host), ms, budget.signal),
  ]);
  const addrs = new Set<string>();
  for (const result of [v4, v6]) {
    if (result.status !== 'fulfilled') continue;
    for (const addr of result.value) {
      const ip = canonicalIp(addr);
      if (ip) addrs.add(ip);
    }
  }
  if (addrs.size > 0) return [...addrs];
  const errors = [v4, v6].flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  const codes = errors.map(codeOf);
  if (codes.includes('interrupted')) throw errors[codes.indexOf('interrupted')];
  if (codes.includes('ENOTFOUND')) throw errors[codes.indexOf('ENOTFOUND')];
  // The most telling error: a real failure beats "this family has no records".
  const telling = errors.find((e) => codeOf(e) !== 'ENODATA');
  throw telling ?? failureError('ENODATA', 'no A or AAAA records');
}

export interface DnsStep {
  result: ControlDnsResult;
  /** Why there are no addresses: the fetch reports it too (ENOTFOUND there is dns_nxdomain_error). */
  error?: unknown;
}

/** The `dns` block of the control response. */
export async function dnsStep(resolver: AddressResolver, host: string, budget: Budget): Promise<DnsStep> {
  // net.isIP first: engine/ip.ts's parser throws internally on every host name, which shows up
  // in profiles at a few hundred measurements per second.
  const literal = net.isIP(host) ? canonicalIp(host) : undefined;
  if (literal) return { result: { failure: null, addrs: [literal] } };
  try {
    return { result: { failure: null, addrs: await resolveHost(resolver, host, budget) } };
  } catch (error) {
    const failure = ooniFailure(error);
    // OONI's test helper reports NXDOMAIN in its dns block as dns_name_error (its probes say
    // dns_nxdomain_error); clients of the protocol expect that historical name here.
    return { result: { failure: failure === OONI_FAILURE.dnsNxdomain ? OONI_FAILURE.dnsNameError : failure, addrs: [] }, error };
  }
}
