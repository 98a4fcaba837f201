/**
 * engine/ip.ts's special-purpose table, range by range, and its parser.
 *
 * REGISTRY below is this test's own copy of the table (IANA's IPv4 and IPv6 Special-Purpose Address
 * Registries, IPv4 multicast, and IPv6 outside 2000::/3), with one hand-picked address inside each
 * range and, where the neighbour is global unicast, one just outside. The first test pins it to the
 * engine's table, so a range added to either without the other fails. From each row the test also
 * generates the range's first and last address (refused) and the addresses just before and after it,
 * judged by an independent longest-prefix oracle over REGISTRY (BigInt arithmetic, ranges parsed by
 * ipaddr.js, not by the code under test).
 *
 * Every verdict is checked three ways: engine/ip.ts isBogon asked once and asked again (the second
 * answer comes from ip.ts's cache), and the service's address policy publicAddressesOnly, which must
 * always be the negation.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { rng } from './seeded-random';
import { canonicalIp, CARRIES_IPV4 as ENGINE_CARRIES_IPV4, ipFamily, isBogon, isGlobalUnicast, isIp, SPECIAL_PURPOSE_RANGES, specialPurposeRange } from '../../../engine/ip';
import { publicAddressesOnly } from '../../../server/src/address-policy';

/** [range, an address inside (refused), the address just outside when it is global unicast (allowed)] */
const REGISTRY: Array<[range: string, inside: string, outside?: string]> = [
  // IANA IPv4 Special-Purpose Address Registry, and multicast.
  ['0.0.0.0/8', '0.1.2.3', '1.0.0.0'],
  ['0.0.0.0/32', '0.0.0.0'],
  ['10.0.0.0/8', '10.255.255.255', '11.0.0.0'],
  ['100.64.0.0/10', '100.64.0.0', '100.63.255.255'],
  ['127.0.0.0/8', '127.1.2.3', '128.0.0.0'],
  ['169.254.0.0/16', '169.254.169.254', '169.255.0.0'],
  ['172.16.0.0/12', '172.31.255.255', '172.32.0.0'],
  ['192.0.0.0/24', '192.0.0.255', '192.0.1.0'],
  ['192.0.0.0/29', '192.0.0.7'],
  ['192.0.0.8/32', '192.0.0.8'],
  ['192.0.0.9/32', '192.0.0.9'],
  ['192.0.0.10/32', '192.0.0.10'],
  ['192.0.0.170/32', '192.0.0.170'],
  ['192.0.0.171/32', '192.0.0.171'],
  ['192.0.2.0/24', '192.0.2.1', '192.0.3.0'],
  ['192.31.196.0/24', '192.31.196.1', '192.31.197.0'],
  ['192.52.193.0/24', '192.52.193.1', '192.52.192.255'],
  ['192.88.99.0/24', '192.88.99.1', '192.88.100.0'],
  ['192.88.99.2/32', '192.88.99.2'],
  ['192.168.0.0/16', '192.168.1.1', '192.169.0.0'],
  ['192.175.48.0/24', '192.175.48.1', '192.175.49.0'],
  ['198.18.0.0/15', '198.18.0.0', '198.17.255.255'],
  ['198.51.100.0/24', '198.51.100.7', '198.51.101.0'],
  ['203.0.113.0/24', '203.0.113.1', '203.0.112.255'],
  ['240.0.0.0/4', '240.0.0.1'],
  ['255.255.255.255/32', '255.255.255.255'],
  ['224.0.0.0/4', '224.0.0.1', '223.255.255.255'],
  // IPv6 outside 2000::/3, and the deprecated ranges.
  ['::/3', '1000::1', '2000::'],
  ['4000::/2', '4000::1', '3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
  ['8000::/1', '8000::1'],
  ['::/8', 'ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
  ['::/96', '::7f00:1'],
  ['fec0::/10', 'fec0::1'],
  ['ff00::/8', 'ff02::1'],
  // IANA IPv6 Special-Purpose Address Registry.
  ['::1/128', '::1'],
  ['::/128', '::'],
  ['::ffff:0:0/96', '::ffff:10.0.0.1'],
  ['64:ff9b::/96', '64:ff9b::a00:1'],
  ['64:ff9b:1::/48', '64:ff9b:1::808:808'],
  ['100::/64', '100::1'],
  ['100:0:0:1::/64', '100:0:0:1::1'],
  ['2001::/23', '2001:1ff:ffff:ffff::', '2001:200::'],
  ['2001::/32', '2001::1'],
  ['2001:1::1/128', '2001:1::1'],
  ['2001:1::2/128', '2001:1::2'],
  ['2001:1::3/128', '2001:1::3'],
  ['2001:2::/48', '2001:2::1'],
  ['2001:3::/32', '2001:3::1'],
  ['2001:4:112::/48', '2001:4:112::1'],
  ['2001:10::/28', '2001:10::1'],
  ['2001:20::/28', '2001:20::1'],
  ['2001:30::/28', '2001:30::1'],
  ['2001:db8::/32', '2001:db8::7', '2001:db9::'],
  ['2002::/16', '2002:7f00:1::', '2003::'],
  ['2620:4f:8000::/48', '2620:4f:8000::1', '2620:4f:8001::'],
  ['3fff::/20', '3fff::1', '3fff:1000::'],
  ['5f00::/16', '5f00::1'],
  ['fc00::/7', 'fd00::1'],
  ['fe80::/10', 'fe80::1'],
];

/** The rows judged by the IPv4 address they carry instead of refused. */
const CARRIES_IPV4 = new Set(['::ffff:0:0/96', '64:ff9b::/96']);

/** The finding and its neighbours: one address, one answer, however it is written. */
const NAMED: Array<[ip: string, global: boolean]> = [
  ['::7f00:1', false],
  ['::a00:1', false],
  ['::127.0.0.1', false],
  ['::1', false],
  ['::', false],
  ['::8.8.8.8', false],
  ['::808:808', false],
  ['::ffff:8.8.8.8', true],
  ['::ffff:808:808', true],
  ['::ffff:10.0.0.1', false],
  ['::ffff:127.0.0.1', false],
  ['::ffff:7f00:1', false],
  ['64:ff9b::808:808', true],
  ['64:ff9b::8.8.8.8', true],
  ['64:ff9b::a00:1', false],
  ['64:ff9b::127.0.0.1', false],
  ['64:ff9b::c0a8:101', false],
  ['::ffff:0:808:808', false], // IPv4-translated (RFC 6145), outside 2000::/3
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', false], // Teredo
  ['2002:808:808::1', false], // 6to4 of a public address: refused with its range
  ['fe80::1', false],
  ['8.8.8.8', true],
  ['1.1.1.1', true],
  ['2606:4700::1111', true],
  ['2a00:1450:4001:80b::200e', true],
];

type Family = 4 | 6;
const bitsOf = (family: Family) => (family === 4 ? 32n : 128n);

function toBig(ip: string): { family: Family; value: bigint } {
  const parsed = ipaddr.parse(ip);
  let value = 0n;
  for (const byte of parsed.toByteArray()) value = (value << 8n) | BigInt(byte);
  return { family: parsed.kind() === 'ipv4' ? 4 : 6, value };
}

/** Full-length text (no "::", no dotted quad), so the parser under test reads it unambiguously. */
function toText(family: Family, value: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.');
  const groups: string[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(((value >> s) & 0xffffn).toString(16));
  return groups.join(':');
}

interface OracleRow {
  range: string;
  family: Family;
  bits: bigint;
  first: bigint;
  last: bigint;
}

const ORACLE: OracleRow[] = REGISTRY.map(([range]) => {
  const [prefix, length] = range.split('/') as [string, string];
  const { family, value } = toBig(prefix);
  const bits = BigInt(length);
  const host = (1n << (bitsOf(family) - bits)) - 1n;
  return { range, family, bits, first: value & ~host, last: (value & ~host) | host };
});

function expectedGlobal(family: Family, value: bigint): boolean {
  const top = ORACLE.filter((r) => r.family === family && r.first <= value && value <= r.last).sort((a, b) => Number(b.bits - a.bits))[0];
  if (!top) return true;
  return CARRIES_IPV4.has(top.range) ? expectedGlobal(4, value & 0xffffffffn) : false;
}

function expectVerdict(ip: string, global: boolean) {
  expect({ ip, isBogon: isBogon(ip), bogon: isBogon(ip), publicAddressesOnly: publicAddressesOnly(ip), isGlobalUnicast: isGlobalUnicast(ip) }).toEqual({
    ip,
    isBogon: !global,
    bogon: !global,
    publicAddressesOnly: global,
    isGlobalUnicast: global,
  });
}

describe('the special-purpose table', () => {
  it('is the same table as engine/ip.ts, row for row', () => {
    expect([...SPECIAL_PURPOSE_RANGES].sort()).toEqual(REGISTRY.map(([range]) => range).sort());
    expect([...ENGINE_CARRIES_IPV4].sort()).toEqual([...CARRIES_IPV4].sort());
    expect(SPECIAL_PURPOSE_RANGES).toHaveLength(59);
  });

  it('says beside every row where it comes from', () => {
    // The citations are comments in engine/ip.ts (the background need not carry them): one per row.
    const source = readFileSync(new URL('../../../engine/ip.ts', import.meta.url), 'utf8').split('\n');
    for (const range of SPECIAL_PURPOSE_RANGES) {
      const line = source.find((l) => l.trimStart().startsWith(`'${range}',`));
      expect(line, range).toMatch(/\/\/ .*RFC \d+/);
    }
  });

  it('has no row more specific than, and inside, a row judged by its IPv4 (that row would be ignored)', () => {
    for (const carrier of ORACLE.filter((r) => CARRIES_IPV4.has(r.range))) {
      const inside = ORACLE.filter((r) => r !== carrier && r.family === 6 && r.bits > carrier.bits && r.first >= carrier.first && r.last <= carrier.last);
      expect(inside).toEqual([]);
    }
  });

  describe.each(REGISTRY)('%s', (range, inside, outside) => {
    const row = ORACLE.find((r) => r.range === range)!;

    it(`refuses ${inside}${outside ? `, allows ${outside}` : ''}`, () => {
      expectVerdict(inside, false);
      expect(specialPurposeRange(inside)).toBeDefined();
      if (outside) {
        expect(expectedGlobal(toBig(outside).family, toBig(outside).value)).toBe(true);
        expectVerdict(outside, true);
      }
    });

    it('refuses its first and last address; its neighbours are judged by the longest matching row', () => {
      expectVerdict(toText(row.family, row.first), false);
      expectVerdict(toText(row.family, row.last), false);
      if (row.first > 0n) expectVerdict(toText(row.family, row.first - 1n), expectedGlobal(row.family, row.first - 1n));
      const max = (1n << bitsOf(row.family)) - 1n;
      if (row.last < max) expectVerdict(toText(row.family, row.last + 1n), expectedGlobal(row.family, row.last + 1n));
    });
  });
});

describe('addresses that carry an IPv4 address', () => {
  it.each(NAMED)('%s is global unicast: %s', (ip, global) => {
    expectVerdict(ip, global);
  });

  it('reads ::a.b.c.d as the IPv4-compatible ::xxxx:xxxx it is, not as IPv4-mapped', () => {
    expect(canonicalIp('::127.0.0.1')).toBe('::7f00:1');
    expect(canonicalIp('::8.8.8.8')).toBe('::808:808');
    expect(canonicalIp('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(canonicalIp('::ffff:7f00:1')).toBe('127.0.0.1');
    expect(canonicalIp('64:ff9b::8.8.8.8')).toBe('64:ff9b::808:808');
  });

  it('gives every spelling of one address the same answer (the finding: [::127.0.0.1] vs [::7f00:1])', () => {
    const spellings = ['::7f00:1', '::127.0.0.1', '0:0:0:0:0:0:7f00:1', '0:0:0:0:0:0:127.0.0.1', '0000:0000::7F00:0001', '::0:7f00:1'];
    expect(new Set(spellings.map(canonicalIp))).toEqual(new Set(['::7f00:1']));
    for (const ip of spellings) expectVerdict(ip, false);
  });
});


/** What Node (and so net.connect) reads as an address; zone ids are refused by design. */
const nodeAccepts = (s: string) => net.isIP(s) !== 0 && !s.includes('%');

/** The WHATWG URL serializer is RFC 5952's compressed form; IPv4-mapped becomes the IPv4 it carries. */
function expectedCanonical(s: string): string {
  if (net.isIPv4(s)) return s;
  const host = new URL(`http://[${s}]/`).hostname.slice(1, -1);
  return /^::ffff:[0-9a-f]{1,4}:[0-9a-f]{1,4}$/.test(host) ? toText(4, toBig(host).value & 0xffffffffn) : host;
}

describe('parsing', () => {
  const odd = [
    '', ' ', ':', '::', ':::', '1::2::3', '::1:', ':1::', '1:', '1::', '[::1]', '::1%1', 'fe80::1%eth0', 'fe80::1%', '2606:4700::1111%0',
    '127.1', '0x7f.1', '0x7f.0.0.1', '2130706433', '0177.0.0.1', '010.0.0.1', '01.1.1.1', '1.2.3.04', '1.2.3.256', '1.2.3', '1.2.3.4.5',
    '1.2.3.4 ', ' 1.2.3.4', '1.2.3.4\n', '1.2.3.4/24', '-1.2.3.4', '1e2.1.1.1', '٣.1.1.1', '::ffff:127.1', '::ffff:0x7f.0.0.1', '::ffff:1.2.3.04',
    '::ffff:00.1.1.1', '::1.2.3.4.5', '1.2.3.4::', '1.2.3.4:1::', '::1.2.3.4:1', '1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:7:1.2.3.4', '1:2:3:4:5:6:7::',
    '::1:2:3:4:5:6:7', '::0:0:0:0:0:0:0:1', '0:0:0:0:0:0:0:0:0', '1:2:3:4:5:6:7', '00000::1', '0001:0002::', 'FE80::1', 'g::1', '::ffff:',
    '::ffff:1.2.3', 'ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255', 'ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.2555', '0.0.0.0', '255.255.255.255',
  ];

  it.each(odd)('%j: an address exactly when Node reads one (no zone ids), with the canonical text a URL would have', (s) => {
    expect(isIp(s)).toBe(nodeAccepts(s));
    if (nodeAccepts(s)) {
      expect(canonicalIp(s)).toBe(expectedCanonical(s));
      expect(ipFamily(s)).toBe(net.isIP(s));
    } else {
      expect([canonicalIp(s), ipFamily(s), isBogon(s), isGlobalUnicast(s), publicAddressesOnly(s)]).toEqual([undefined, undefined, false, false, false]);
    }
  });

  it('agrees with Node on random strings, near misses, and with the URL serializer on random addresses in every spelling', () => {
    const { next, int } = rng(0xd37002);
    // Collected, then compared once: tens of thousands of expect() calls would take seconds.
    const wrong: unknown[] = [];
    const check = (s: string) => {
      if (isIp(s) !== nodeAccepts(s)) wrong.push({ s, isIp: isIp(s) });
      else if (nodeAccepts(s) && canonicalIp(s) !== expectedCanonical(s)) wrong.push({ s, canonical: canonicalIp(s) });
    };
    const alphabet = '0123456789abcdefABCDEF::::....%xg ';
    const spellings: string[] = [];
    for (let n = 0; n < 5_000; n++) {
      const groups = Array.from({ length: 8 }, () => (next() < 0.5 ? 0 : next() < 0.3 ? 0xffff : int(0x10000)));
      let parts = groups.map((g) => (next() < 0.2 ? g.toString(16).padStart(4, '0') : g.toString(16)));
      if (next() < 0.3) parts = parts.map((p) => p.toUpperCase());
      if (next() < 0.3) parts.splice(6, 2, `${groups[6]! >> 8}.${groups[6]! & 0xff}.${groups[7]! >> 8}.${groups[7]! & 0xff}`);
      // "::" in place of any run of zero groups, not only the longest.
      const zeroRuns: Array<[number, number]> = [];
      for (let i = 0; i < parts.length; i++) for (let j = i; j < parts.length && /^0+$/.test(parts[j]!); j++) zeroRuns.push([i, j + 1]);
      let s = parts.join(':');
      if (zeroRuns.length && next() < 0.7) {
        const [from, to] = zeroRuns[int(zeroRuns.length)]!;
        s = `${parts.slice(0, from).join(':')}::${parts.slice(to).join(':')}`;
      }
      spellings.push(s);
      check(s);
      // The verdict does not depend on the spelling.
      const full = groups.map((g) => g.toString(16)).join(':');
      if (isBogon(s) !== isBogon(full) || isBogon(s) === expectedGlobal(6, toBig(full).value)) wrong.push({ s, isBogon: isBogon(s) });
    }
    for (let n = 0; n < 2_000; n++) {
      const s = Array.from({ length: 4 }, () => int(256)).join('.');
      spellings.push(s);
      if (canonicalIp(s) !== s || isBogon(s) === expectedGlobal(4, toBig(s).value)) wrong.push({ s, isBogon: isBogon(s) });
    }
    // Near misses: a valid spelling with one character inserted, deleted or replaced.
    for (let n = 0; n < 20_000; n++) {
      const s = spellings[int(spellings.length)]!;
      const at = int(s.length + 1);
      const c = alphabet[int(alphabet.length)]!;
      const op = int(3);
      check(op === 0 ? s.slice(0, at) + c + s.slice(at) : op === 1 ? s.slice(0, at) + s.slice(at + 1) : s.slice(0, at) + c + s.slice(at + 1));
    }
    for (let n = 0; n < 5_000; n++) {
      let s = '';
      for (let len = int(47); len > 0; len--) s += alphabet[int(alphabet.length)];
      check(s);
    }
    expect(wrong).toEqual([]);
  });

  it('never throws, and answers huge or non-string input at once', () => {
    const huge = ['1'.repeat(1_000_000), ':'.repeat(1_000_000), '1:'.repeat(500_000), `${'0'.repeat(1_000_000)}::1`, `::ffff:${'1.'.repeat(500_000)}1`];
    for (const s of huge) expect([isIp(s), isBogon(s), isGlobalUnicast(s), canonicalIp(s), ipFamily(s)]).toEqual([false, false, false, undefined, undefined]);
    for (const v of [undefined, null, 42, {}, [], Symbol('x')] as unknown as string[]) {
      expect([isIp(v), isBogon(v), isGlobalUnicast(v), publicAddressesOnly(v), canonicalIp(v)]).toEqual([false, false, false, false, undefined]);
    }
  });
});
