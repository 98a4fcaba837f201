import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Point } from '@noble/ed25519';
import { encodeV3Onion, isValidV3OnionHost, parseV3Onion } from '../../../engine/onion-address';
import { providers } from '../../../catalog/catalog';

// rend-spec, "Encoding onion addresses": the spec's own test vectors.
const VECTORS = [
  'pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion',
  'sp3k262uwy4r2k3ycr5awluarykdpag6a7y33jxop4cs2lu5uz5sseqd.onion',
  'xa4r2iadxm55fbnqgwwi5mymqdcofiu3w6rpbtqn7b2dyn7mgwj64jyd.onion',
] as const;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** An independent reading of the spec (Node's SHA3, a hand-written base32), to check the module against. */
function referenceValid(label: string): boolean {
  let bits = 0;
  let acc = 0;
  const out: number[] = [];
  for (const ch of label) {
    acc = (acc << 5) | ALPHABET.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      out.push((acc >> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  const raw = Buffer.from(out);
  if (raw.length !== 35 || raw[34] !== 3) return false;
  const sum = createHash('sha3-256').update(Buffer.concat([Buffer.from('.onion checksum'), raw.subarray(0, 32), Buffer.from([3])])).digest();
  if (sum[0] !== raw[32] || sum[1] !== raw[33]) return false;
  try {
    return Point.fromBytes(raw.subarray(0, 32), false).isTorsionFree() && !Point.fromBytes(raw.subarray(0, 32), false).isSmallOrder();
  } catch {
    return false;
  }
}

const bytesFromHex = (hex: string) => Uint8Array.from(hex.match(/../g)!.map((b) => parseInt(b, 16)));

describe('v3 onion addresses (rend-spec)', () => {
  it.each(VECTORS)('accepts the spec test vector %s, and the reference agrees', (address) => {
    const parsed = parseV3Onion(address);
    expect(parsed).toMatchObject({ address, host: address });
    expect(referenceValid(address.slice(0, 56))).toBe(true);
    // Re-encoding the decoded key gives the same address: encoding and decoding agree.
    if ('publicKey' in parsed) expect(encodeV3Onion(parsed.publicKey)).toBe(address);
  });

  it.each(VECTORS)('refuses every single-character change of %s unless it is itself a valid address', (address) => {
    let refused = 0;
    let validOthers = 0;
    for (let i = 0; i < 56; i++) {
      for (const ch of ALPHABET) {
        if (ch === address[i]) continue;
        const mutated = `${address.slice(0, i)}${ch}${address.slice(i + 1)}`;
        const parsed = parseV3Onion(mutated);
        if ('error' in parsed) {
          refused += 1;
          // Position 55 carries the version's low bits; everything else breaks the checksum (or the key).
          expect(['checksum', 'version', 'key']).toContain(parsed.error);
          expect(referenceValid(mutated.slice(0, 56))).toBe(false);
        } else {
          validOthers += 1;
          expect(referenceValid(mutated.slice(0, 56))).toBe(true);
          expect(parsed.address).not.toBe(address);
        }
      }
    }
    expect(refused + validOthers).toBe(56 * 31);
    // A 16-bit checksum lets through about 1 in 65536 (and the key check halves that again).
    expect(validOthers).toBeLessThanOrEqual(2);
  });

  it('accepts every onion the catalog says its provider published, by checksum, key and the reference', () => {
    const published = providers.flatMap((p) => p.onions.filter((o) => o.provider_published));
    expect(published.length).toBeGreaterThanOrEqual(8);
    for (const onion of published) {
      // Some catalog entries are bare hosts (mail servers), most are URLs.
      const host = onion.url.includes('://') ? new URL(onion.url).hostname : onion.url;
      expect(parseV3Onion(host), onion.url).toMatchObject({ address: host });
      expect(referenceValid(host.slice(0, 56)), onion.url).toBe(true);
    }
  });

  it('accepts uppercase and mixed case, returning the lowercase address', () => {
    expect(parseV3Onion(VECTORS[0].toUpperCase())).toMatchObject({ address: VECTORS[0] });
    const mixed = VECTORS[1].slice(0, 10).toUpperCase() + VECTORS[1].slice(10);
    expect(parseV3Onion(mixed)).toMatchObject({ address: VECTORS[1] });
  });

  it('ignores sub-domain labels and validates the last 56-character label (proposal 204)', () => {
    expect(parseV3Onion(`mail.${VECTORS[0]}`)).toMatchObject({ address: VECTORS[0], host: `mail.${VECTORS[0]}` });
    expect(parseV3Onion(`a.b-c.${VECTORS[2]}`)).toMatchObject({ address: VECTORS[2] });
    // A valid address as a sub-domain of an invalid one is not valid.
    const bad = `${VECTORS[0].slice(0, 10)}${VECTORS[0][10] === 'a' ? 'b' : 'a'}${VECTORS[0].slice(11)}`;
    expect(parseV3Onion(`${VECTORS[1].slice(0, 56)}.${bad}`)).toEqual({ error: 'checksum' });
  });

  it.each([
    [undefined, 'not-a-string'],
    [42, 'not-a-string'],
    ['', 'not-onion'],
    ['example.com', 'not-onion'],
    [VECTORS[0].slice(0, 56), 'not-onion'],
    [`${VECTORS[0]}.`, 'trailing-dot'],
    [`${VECTORS[0]}.com`, 'not-onion'],
    ['.onion', 'bad-label'],
    [`.${VECTORS[0]}`, 'bad-label'],
    [`-x.${VECTORS[0]}`, 'bad-label'],
    [`a..${VECTORS[0]}`, 'bad-label'],
    [`a_b.${VECTORS[0]}`, 'bad-label'],
    [`${'a'.repeat(64)}.${VECTORS[0]}`, 'bad-label'],
    [`a b.${VECTORS[0]}`, 'bad-label'],
    [`\u0000.${VECTORS[0]}`, 'bad-label'],
    ['expyuzz4wqqyqhjn.onion', 'v2'],
    [`${VECTORS[0].slice(0, 55)}.onion`, 'length'],
    [`${VECTORS[0].slice(0, 56)}a.onion`, 'length'],
    // Base32 has no 0, 1, 8, 9: a look-alike substitution.
    [`${VECTORS[0].slice(0, 20)}0${VECTORS[0].slice(21)}`, 'base32'],
    [`${VECTORS[0].slice(0, 20)}1${VECTORS[0].slice(21)}`, 'base32'],
    // Cyrillic "а" in place of Latin "a": refused before any decoding.
    [VECTORS[0].replace('a', '\u0430'), 'bad-label'],
    // The Kelvin sign lowercases to an ASCII "k": refused before case folding could make it pass.
    [VECTORS[1].replace('k', '\u212a'), 'bad-label'],
    [`${'a.'.repeat(130)}${VECTORS[0]}`, 'too-long'],
    ['x'.repeat(100_000), 'too-long'],
  ])('refuses %j (%s)', (input, error) => {
    expect(parseV3Onion(input)).toEqual({ error });
    expect(isValidV3OnionHost(input)).toBe(false);
  });

  it('refuses a correct checksum over a wrong version', () => {
    // Same key and a checksum computed for version 4: only the version byte is wrong.
    const parsed = parseV3Onion(VECTORS[0]);
    if (!('publicKey' in parsed)) throw new Error('vector did not parse');
    const sum = createHash('sha3-256').update(Buffer.concat([Buffer.from('.onion checksum'), parsed.publicKey, Buffer.from([4])])).digest();
    const raw = Buffer.concat([parsed.publicKey, sum.subarray(0, 2), Buffer.from([4])]);
    const label = encodeBase32(raw);
    expect(parseV3Onion(`${label}.onion`)).toEqual({ error: 'version' });
  });

  // Like tor's hs_address_is_valid(): keys outside the prime-order group, even with a correct
  // checksum (encodeV3Onion computes it), would let one service hide behind several addresses.
  it('refuses a key with a torsion component, the identity, a small-order point and a non-canonical or off-curve encoding', () => {
    const parsed = parseV3Onion(VECTORS[0]);
    if (!('publicKey' in parsed)) throw new Error('vector did not parse');
    const order2 = Point.fromBytes(bytesFromHex(`ec${'ff'.repeat(30)}7f`), false);
    expect(order2.isSmallOrder()).toBe(true);
    const withTorsion = Point.fromBytes(parsed.publicKey, false).add(order2).toBytes();
    const identity = bytesFromHex(`01${'00'.repeat(31)}`);
    const order8 = bytesFromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a');
    // y = p + 1: the identity's non-canonical encoding.
    const nonCanonical = bytesFromHex(`ee${'ff'.repeat(30)}7f`);
    let offCurve: Uint8Array | undefined;
    for (let y = 2; !offCurve; y++) {
      const candidate = new Uint8Array(32);
      candidate[0] = y;
      try {
        Point.fromBytes(candidate, false);
      } catch {
        offCurve = candidate;
      }
    }
    for (const key of [withTorsion, identity, order8, nonCanonical, offCurve]) {
      expect(parseV3Onion(encodeV3Onion(key))).toEqual({ error: 'key' });
    }
  });

  it('parses a long hostile host in bounded time', () => {
    const started = performance.now();
    for (let i = 0; i < 200; i++) parseV3Onion(`${'a-'.repeat(120)}a.onion`);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

function encodeBase32(bytes: Uint8Array): string {
  let bits = 0;
  let acc = 0;
  let out = '';
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(acc >> (bits - 5)) & 31];
      bits -= 5;
    }
    acc &= 0xff;
  }
  return out;
}
