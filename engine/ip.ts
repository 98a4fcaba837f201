/**
 * IP address facts the engine and the service both need: is a string an address, its canonical text,
 * and is it special-purpose (a "bogon": an address that cannot be a public web server). The engine
 * flags bogon DNS answers with it; the service's SSRF guard dials only what isGlobalUnicast accepts.
 *
 * One table, SPECIAL_PURPOSE_RANGES, decides for both: every range of IANA's IPv4 and IPv6
 * Special-Purpose Address Registries (2024), plus IPv4 multicast, IPv6 site-local and all IPv6 space
 * outside 2000::/3, which is not global unicast (the deprecated IPv4-compatible ::a.b.c.d included,
 * whatever IPv4 it carries). The most specific matching row decides. Two rows are judged by the IPv4
 * address they carry instead: IPv4-mapped ::ffff:a.b.c.d and NAT64's 64:ff9b::a.b.c.d, because DNS64
 * networks (IPv6-only mobile) really answer with 64:ff9b:: addresses and those are not bogons. 6to4
 * and Teredo are refused like the rest of the registry: nothing needs them, and their embedded IPv4
 * would be one more way to spell a private address.
 *
 * Parsing is our own and strict, so every caller agrees on what a string means: exactly what Node's
 * net.isIP accepts (four-part decimal IPv4, no leading zeros), minus IPv6 zone ids (fe80::1%eth0: a
 * zone names a local interface, never a public server). It is bounded in length, uses no regular
 * expression and never throws.
 */

/**
 * The ranges, as IANA writes them ("prefix/length"). Beside each, the registry's name and the
 * defining RFC, for a reader checking the table (test/unit/engine/ip-ranges.test.ts checks every row
 * has one). Comments, not strings: the background carries the table, not its citations.
 */
export const SPECIAL_PURPOSE_RANGES: readonly string[] = [
  // IANA IPv4 Special-Purpose Address Registry.
  '0.0.0.0/8', // "This network" (RFC 791 §3.2)
  '0.0.0.0/32', // "This host on this network" (RFC 1122 §3.2.1.3)
  '10.0.0.0/8', // Private-Use (RFC 1918)
  '100.64.0.0/10', // Shared Address Space (RFC 6598)
  '127.0.0.0/8', // Loopback (RFC 1122 §3.2.1.3)
  '169.254.0.0/16', // Link Local (RFC 3927)
  '172.16.0.0/12', // Private-Use (RFC 1918)
  '192.0.0.0/24', // IETF Protocol Assignments (RFC 6890 §2.1)
  '192.0.0.0/29', // IPv4 Service Continuity Prefix (RFC 7335)
  '192.0.0.8/32', // IPv4 dummy address (RFC 7600)
  '192.0.0.9/32', // Port Control Protocol Anycast (RFC 7723)
  '192.0.0.10/32', // Traversal Using Relays around NAT Anycast (RFC 8155)
  '192.0.0.170/32', // NAT64/DNS64 Discovery (RFC 8880, RFC 7050 §2.2)
  '192.0.0.171/32', // NAT64/DNS64 Discovery (RFC 8880, RFC 7050 §2.2)
  '192.0.2.0/24', // Documentation (TEST-NET-1) (RFC 5737)
  '192.31.196.0/24', // AS112-v4 (RFC 7535)
  '192.52.193.0/24', // AMT (RFC 7450)
  '192.88.99.0/24', // Deprecated (6to4 Relay Anycast) (RFC 7526)
  '192.88.99.2/32', // 6a44-relay anycast address (RFC 6751)
  '192.168.0.0/16', // Private-Use (RFC 1918)
  '192.175.48.0/24', // Direct Delegation AS112 Service (RFC 7534)
  '198.18.0.0/15', // Benchmarking (RFC 2544)
  '198.51.100.0/24', // Documentation (TEST-NET-2) (RFC 5737)
  '203.0.113.0/24', // Documentation (TEST-NET-3) (RFC 5737)
  '240.0.0.0/4', // Reserved (RFC 1112 §4)
  '255.255.255.255/32', // Limited Broadcast (RFC 8190, RFC 919 §7)
  // Not in that registry, but never a web server: IANA IPv4 Multicast Address Space Registry.
  '224.0.0.0/4', // Multicast (RFC 5771)

  // IANA IPv6 Address Space: only 2000::/3 is global unicast (RFC 4291 §2.4).
  '::/3', // Outside Global Unicast 2000::/3 (IANA IPv6 Address Space, RFC 4291)
  '4000::/2', // Outside Global Unicast 2000::/3 (IANA IPv6 Address Space, RFC 4291)
  '8000::/1', // Outside Global Unicast 2000::/3 (IANA IPv6 Address Space, RFC 4291)
  '::/8', // Reserved by IETF (IANA IPv6 Address Space, RFC 4291)
  '::/96', // IPv4-compatible Address, deprecated (RFC 4291 §2.5.5.1): refused whatever IPv4 it carries
  'fec0::/10', // Site-Local, deprecated (RFC 3879)
  'ff00::/8', // Multicast (RFC 4291, IANA IPv6 Multicast Address Space)
  // IANA IPv6 Special-Purpose Address Registry.
  '::1/128', // Loopback Address (RFC 4291)
  '::/128', // Unspecified Address (RFC 4291)
  '::ffff:0:0/96', // IPv4-mapped Address (RFC 4291): judged by the IPv4 it carries
  '64:ff9b::/96', // IPv4-IPv6 Translat. (RFC 6052): judged by the IPv4 it carries
  '64:ff9b:1::/48', // IPv4-IPv6 Translat., local-use (RFC 8215)
  '100::/64', // Discard-Only Address Block (RFC 6666)
  '100:0:0:1::/64', // Dummy IPv6 Prefix (RFC 9780)
  '2001::/23', // IETF Protocol Assignments (RFC 2928)
  '2001::/32', // TEREDO (RFC 4380, RFC 8190)
  '2001:1::1/128', // Port Control Protocol Anycast (RFC 7723)
  '2001:1::2/128', // Traversal Using Relays around NAT Anycast (RFC 8155)
  '2001:1::3/128', // DNS-SD Service Registration Protocol Anycast (RFC 9665)
  '2001:2::/48', // Benchmarking (RFC 5180, RFC Errata 1752)
  '2001:3::/32', // AMT (RFC 7450)
  '2001:4:112::/48', // AS112-v6 (RFC 7535)
  '2001:10::/28', // Deprecated (previously ORCHID) (RFC 4843)
  '2001:20::/28', // ORCHIDv2 (RFC 7343)
  '2001:30::/28', // Drone Remote ID Protocol Entity Tags (DETs) Prefix (RFC 9374)
  '2001:db8::/32', // Documentation (RFC 3849)
  '2002::/16', // 6to4 (RFC 3056)
  '2620:4f:8000::/48', // Direct Delegation AS112 Service (RFC 7534)
  '3fff::/20', // Documentation (RFC 9637)
  '5f00::/16', // Segment Routing (SRv6) SIDs (RFC 9602)
  'fc00::/7', // Unique-Local (RFC 4193, RFC 8190)
  'fe80::/10', // Link-Local Unicast (RFC 4291)
];

/** Judged by the IPv4 address in their last 32 bits instead of being refused. */
export const CARRIES_IPV4: ReadonlySet<string> = new Set(['::ffff:0:0/96', '64:ff9b::/96']);

type Parsed = { family: 4; v4: number } | { family: 6; groups: number[] };

/** 'ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255': nothing longer is an address. */
const MAX_TEXT = 45;

/** Four-part decimal IPv4 in s[from, to), as an unsigned 32-bit number; -1 if it is not one. */
function parseV4(s: string, from: number, to: number): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = from; i <= to; i++) {
    const c = i < to ? s.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      if (digits === 0 || part > 255 || ++parts > 4) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
    } else {
      // Leading zeros are refused: inet_aton would read 010 as octal.
      if (c < 0x30 || c > 0x39 || (digits > 0 && part === 0) || ++digits > 3) return -1;
      part = part * 10 + (c - 0x30);
    }
  }
  return parts === 4 ? value : -1;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/** The eight 16-bit groups of an IPv6 address (RFC 4291 §2.2 text), or undefined. */
function parseV6(s: string): number[] | undefined {
  const n = s.length;
  const groups: number[] = [];
  let gap = -1;
  let i = 0;
  if (s.charCodeAt(0) === 0x3a) {
    if (s.charCodeAt(1) !== 0x3a) return undefined;
    gap = 0;
    i = 2;
  }
  while (i < n) {
    let j = i;
    let value = 0;
    while (j < n && j - i < 5) {
      const h = hexDigit(s.charCodeAt(j));
      if (h < 0) break;
      value = value * 16 + h;
      j++;
    }
    if (j < n && s.charCodeAt(j) === 0x2e) {
      // Dotted IPv4 only as the last 32 bits.
      const v4 = parseV4(s, i, n);
      if (v4 < 0 || groups.length > 6) return undefined;
      groups.push(Math.floor(v4 / 0x10000), v4 % 0x10000);
      break;
    }
    if (j === i || j - i > 4 || groups.length === 8) return undefined;
    groups.push(value);
    if (j === n) break;
    if (s.charCodeAt(j) !== 0x3a || ++j === n) return undefined;
    if (s.charCodeAt(j) === 0x3a) {
      if (gap >= 0) return undefined;
      gap = groups.length;
      j++;
    }
    i = j;
  }
  if (gap < 0) return groups.length === 8 ? groups : undefined;
  if (groups.length > 7) return undefined;
  groups.splice(gap, 0, ...new Array<number>(8 - groups.length).fill(0));
  return groups;
}

function parse(value: unknown): Parsed | undefined {
  if (typeof value !== 'string' || value.length < 2 || value.length > MAX_TEXT) return undefined;
  if (value.includes(':')) {
    const groups = parseV6(value);
    return groups && { family: 6, groups };
  }
  const v4 = parseV4(value, 0, value.length);
  return v4 < 0 ? undefined : { family: 4, v4 };
}

interface CompiledRange {
  row: string;
  bits: number;
  /** IPv4: [address]; IPv6: the eight groups. */
  words: number[];
}

function compile(family: 4 | 6): CompiledRange[] {
  const out: CompiledRange[] = [];
  for (const row of SPECIAL_PURPOSE_RANGES) {
    const slash = row.indexOf('/');
    const parsed = parse(row.slice(0, slash));
    const bits = Number(row.slice(slash + 1));
    if (!parsed) throw new Error(`engine/ip.ts: bad range ${row}`);
    if (parsed.family !== family) continue;
    out.push({ row, bits, words: parsed.family === 4 ? [parsed.v4] : parsed.groups });
  }
  // Most specific first, so the first match is the deciding row.
  return out.sort((a, b) => b.bits - a.bits);
}

const V4_RANGES = compile(4);
const V6_RANGES = compile(6);

function inV4(address: number, range: CompiledRange): boolean {
  if (range.bits === 0) return true;
  const mask = (0xffffffff << (32 - range.bits)) >>> 0;
  return ((address ^ range.words[0]!) & mask) === 0;
}

function inV6(groups: number[], range: CompiledRange): boolean {
  for (let g = 0, left = range.bits; left > 0; g++, left -= 16) {
    const mask = left >= 16 ? 0xffff : (0xffff << (16 - left)) & 0xffff;
    if (((groups[g]! ^ range.words[g]!) & mask) !== 0) return false;
  }
  return true;
}

function v4Range(address: number): string | undefined {
  return V4_RANGES.find((range) => inV4(address, range))?.row;
}

/** undefined: global unicast. Otherwise the deciding row (for a carried IPv4, the IPv4 row). */
function classify(parsed: Parsed): string | undefined {
  if (parsed.family === 4) return v4Range(parsed.v4);
  const g = parsed.groups;
  const row = V6_RANGES.find((range) => inV6(g, range))?.row;
  return row && CARRIES_IPV4.has(row) ? v4Range(g[6]! * 0x10000 + g[7]!) : row;
}

function formatV4(address: number): string {
  return `${address >>> 24}.${(address >>> 16) & 0xff}.${(address >>> 8) & 0xff}.${address & 0xff}`;
}

/** RFC 5952: lower-case hex, the longest run of two or more zero groups (the first on a tie) as "::". */
function formatV6(groups: number[]): string {
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      best = i;
      bestLength = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLength).join(':')}`;
}

/** IPv4-mapped IPv6 (::ffff:10.0.0.1) is written as the IPv4 it wraps. */
function canonical(parsed: Parsed): string {
  if (parsed.family === 4) return formatV4(parsed.v4);
  const g = parsed.groups;
  const mapped = g[5] === 0xffff && g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0;
  return mapped ? formatV4(g[6]! * 0x10000 + g[7]!) : formatV6(g);
}

interface Facts {
  family: 4 | 6;
  canonical: string;
  /** undefined: global unicast. */
  special: string | undefined;
}

/**
 * Every answer below comes from one cached reading of the string: a verdict asks about the same few
 * addresses at every step, and parsing them was three quarters of classify()'s time before the cache.
 * Bounded crudely (emptied when full) so that a long-running background page or the service, fed
 * endless distinct strings, holds at most this many short ones.
 */
const MAX_CACHED = 4096;
const cache = new Map<string, Facts | null>();

function facts(value: unknown): Facts | undefined {
  // Nothing shorter or longer is an address, and such strings are not worth a cache entry.
  if (typeof value !== 'string' || value.length < 2 || value.length > MAX_TEXT) return undefined;
  let known = cache.get(value);
  if (known === undefined) {
    const parsed = parse(value);
    known = parsed ? { family: parsed.family, canonical: canonical(parsed), special: classify(parsed) } : null;
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(value, known);
  }
  return known ?? undefined;
}

/** True for an IP address literal: four-part decimal IPv4 or IPv6 text, no zone id. */
export function isIp(value: string): boolean {
  return facts(value) !== undefined;
}

/** The special-purpose range ("prefix/length") that keeps an address from being global unicast, if any. */
export function specialPurposeRange(value: string): string | undefined {
  return facts(value)?.special;
}

/** True only for an address a public server can have: the service's default connect policy. */
export function isGlobalUnicast(value: string): boolean {
  const known = facts(value);
  return known !== undefined && known.special === undefined;
}

/** True for every address that is not global unicast; false for anything that is not an address. */
export function isBogon(value: string): boolean {
  return facts(value)?.special !== undefined;
}

/**
 * Canonical text of an address, so that two spellings compare equal: RFC 5952, and IPv4-mapped IPv6
 * becomes the IPv4 it wraps. undefined for anything else; `canonicalIp(x) ?? x` keeps such a value
 * as it is, for comparisons that must also work on what is not an address.
 */
export function canonicalIp(value: string): string | undefined {
  return facts(value)?.canonical;
}

export function ipFamily(value: string): 4 | 6 | undefined {
  return facts(value)?.family;
}

/** "ip:port" as OONI writes endpoints: IPv6 in brackets. */
export function endpoint(ip: string, port: number): string {
  return ipFamily(ip) === 6 ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Splits an OONI "ip:port" endpoint; undefined when it is not one. */
export function parseEndpoint(value: string): { ip: string; port: number } | undefined {
  const match = /^\[([^\]]+)\]:(\d{1,5})$/.exec(value) ?? /^([^:[\]]+):(\d{1,5})$/.exec(value);
  if (!match) return undefined;
  const ip = match[1]!;
  const port = Number(match[2]);
  if (!isIp(ip) || port < 1 || port > 65535) return undefined;
  return { ip, port };
}
