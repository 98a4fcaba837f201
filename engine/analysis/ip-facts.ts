/**
 * engine/ip.ts answers, memoized: the same few addresses are asked about again and again by every
 * step of a verdict (parsing them was three quarters of classify()'s time before this cache).
 */
import { canonicalIp, ipFamily, isBogon, isIp } from '../ip';

export interface IpFacts {
  ip: boolean;
  /** Canonical text; the input itself when it is not an address. */
  canonical: string;
  family?: 4 | 6;
  bogon: boolean;
}

const MAX_ENTRIES = 4096;
const cache = new Map<string, IpFacts>();

export function ipFacts(value: string): IpFacts {
  let facts = cache.get(value);
  if (!facts) {
    const ip = isIp(value);
    facts = ip
      ? { ip, canonical: canonicalIp(value) ?? value, family: ipFamily(value), bogon: isBogon(value) }
      : { ip, canonical: value, bogon: false };
    // A crude bound: a long-running background page must not grow without limit.
    if (cache.size >= MAX_ENTRIES) cache.clear();
    cache.set(value, facts);
  }
  return facts;
}

export const canon = (value: string) => ipFacts(value).canonical;
export const isAddress = (value: string) => ipFacts(value).ip;
export const familyOf = (value: string | undefined) => (value ? ipFacts(value).family : undefined);
export const bogon = (value: string) => ipFacts(value).bogon;

/** "ip:port" as OONI writes endpoints (IPv6 in brackets), from the cached family. */
export const endpointOf = (ip: string, port: number) => (familyOf(ip) === 6 ? `[${ip}]:${port}` : `${ip}:${port}`);
