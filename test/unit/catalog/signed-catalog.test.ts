import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sign as edSign, utils as edUtils, verify } from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { acceptCatalogUpdate, parsePublicKey, parseSignature, signedMessage, verifyMinisign } from '../../../catalog/signed-catalog';
import { encodePublicKey, generateSecretKey, parseSecretKey, secretKeyFile, signMinisign, type MinisignSecretKey } from '../../../scripts/minisign-sign';
import { MAX_CATALOG_BYTES } from '../../../catalog/validate-catalog';
import { TRUSTED_CATALOG_KEYS } from '../../../catalog/catalog-keys';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/minisign/${name}`, import.meta.url));
const shipped = JSON.parse(readFileSync(new URL('../../../catalog/providers.json', import.meta.url), 'utf8'));
const NOW = Date.parse('2026-12-02T12:00:00Z');

const current = generateSecretKey();
const backup = generateSecretKey();
const stranger = generateSecretKey();
const KEYS = [encodePublicKey(current), encodePublicKey(backup)];

const catalogBytes = (changes: Record<string, unknown> = {}) => new TextEncoder().encode(JSON.stringify({ ...shipped, version: 10, expires_at: '2027-06-30T00:00:00Z', ...changes }));
const sign = (bytes: Uint8Array, key: MinisignSecretKey = current, prehash = true) => signMinisign(bytes, key, { trustedComment: 'version:10', prehash });
const accept = (bytes: Uint8Array, signature: string, version = 2) => acceptCatalogUpdate({ bytes, signature, trustedKeys: KEYS, current: { version }, now: NOW });

/** Flips one bit of the base64 line `line` (0-based) of a signature file. */
function tamperLine(signature: string, line: number, byte: number): string {
  const lines = signature.split('\n');
  const raw = Buffer.from(lines[line]!, 'base64');
  raw[byte]! ^= 0x01;
  lines[line] = raw.toString('base64');
  return lines.join('\n');
}

describe('minisign compatibility', () => {
  // jedisct1/rust-minisign-verify, src/lib.rs tests: published signatures of the 4 bytes "test".
  const PUBLISHED_KEY = 'RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3';
  const PUBLISHED_LEGACY = [
    'untrusted comment: signature from minisign secret key',
    'RWQf6LRCGA9i59SLOFxz6NxvASXDJeRtuZykwQepbDEGt87ig1BNpWaVWuNrm73YiIiJbq71Wi+dP9eKL8OC351vwIasSSbXxwA=',
    'trusted comment: timestamp:1555779966\tfile:test',
    'QtKMXWyYcwdpZAlPF7tE2ENJkRd1ujvKjlj1m9RtHTBnZPa5WKU5uWRs5GoP5M/VqE81QFuMKI5k/SfNQUaOAA==',
  ].join('\n');
  const PUBLISHED_PREHASHED = [
    'untrusted comment: signature from minisign secret key',
    'RUQf6LRCGA9i559r3g7V1qNyJDApGip8MfqcadIgT9CuhV3EMhHoN1mGTkUidF/z7SrlQgXdy8ofjb7bNJJylDOocrCo8KLzZwo=',
    'trusted comment: timestamp:1556193335\tfile:test',
    'y/rUw2y8/hOUYjZU71eHp/Wo1KZ40fGy2VJEDl34XMJM+TX48Ss/17u3IvIfbVR1FkZZSNCisQbuQY+bHwhEBg==',
  ].join('\n');
  const test = new TextEncoder().encode('test');

  it('verifies the published minisign test vectors, legacy (Ed) and BLAKE2b-prehashed (ED)', () => {
    expect(verifyMinisign(test, PUBLISHED_LEGACY, [PUBLISHED_KEY])).toEqual({ ok: true, keyId: 'E7620F1842B4E81F', trustedComment: 'timestamp:1555779966\tfile:test' });
    expect(verifyMinisign(test, PUBLISHED_PREHASHED, [PUBLISHED_KEY])).toMatchObject({ ok: true, keyId: 'E7620F1842B4E81F' });
    expect(parseSignature(PUBLISHED_PREHASHED)?.prehashed).toBe(true);
    expect(parseSignature(PUBLISHED_LEGACY)?.prehashed).toBe(false);
    expect(verifyMinisign(new TextEncoder().encode('Test'), PUBLISHED_LEGACY, [PUBLISHED_KEY])).toMatchObject({ ok: false, reason: 'bad-signature' });
    // The published trusted comment changed: the global signature no longer holds.
    const retimed = PUBLISHED_LEGACY.replace('1555779966', '1555779967');
    expect(verifyMinisign(test, retimed, [PUBLISHED_KEY])).toMatchObject({ ok: false, reason: 'bad-signature', detail: expect.stringContaining('trusted comment') });
  });

  it('accepts a catalog signed by the minisign binary, prehashed and legacy', () => {
    const bytes = fixture('catalog.json');
    const key = fixture('fixture.pub').toString('utf8');
    for (const sig of ['catalog.json.minisig', 'catalog-legacy.json.minisig']) {
      const result = acceptCatalogUpdate({ bytes, signature: fixture(sig).toString('utf8'), trustedKeys: [key], current: { version: 6 }, now: NOW });
      expect(result).toMatchObject({ ok: true, catalog: { version: 7 } });
    }
  });

  it('reads its own secret key format back, as minisign -G -W writes it', () => {
    const again = parseSecretKey(secretKeyFile(current));
    expect(encodePublicKey(again)).toBe(encodePublicKey(current));
    // minisign -W leaves the checksum zero; a key so written still parses, a damaged one does not.
    const raw = Buffer.from(secretKeyFile(current).split('\n')[1]!, 'base64');
    raw.fill(0, 126);
    expect(encodePublicKey(parseSecretKey(raw.toString('base64')))).toBe(encodePublicKey(current));
    raw[70]! ^= 1;
    expect(() => parseSecretKey(raw.toString('base64'))).toThrow();
    const encrypted = Buffer.from(secretKeyFile(current).split('\n')[1]!, 'base64');
    encrypted.write('Sc', 2, 'latin1');
    expect(() => parseSecretKey(encrypted.toString('base64'))).toThrow(/password/);
  });

  it('builds in two distinct, well-formed public keys', () => {
    expect(TRUSTED_CATALOG_KEYS).toHaveLength(2);
    const parsed = TRUSTED_CATALOG_KEYS.map(parsePublicKey);
    expect(parsed.every(Boolean)).toBe(true);
    expect(Buffer.from(parsed[0]!.keyId).equals(Buffer.from(parsed[1]!.keyId))).toBe(false);
  });
});

describe('accepting a catalog update', () => {
  it('accepts a valid catalog signed by the current key, prehashed or legacy', () => {
    const bytes = catalogBytes();
    expect(accept(bytes, sign(bytes))).toMatchObject({ ok: true, catalog: { version: 10 }, trustedComment: 'version:10' });
    expect(accept(bytes, sign(bytes, current, false))).toMatchObject({ ok: true });
  });

  it('accepts a signature by the offline backup key', () => {
    const bytes = catalogBytes();
    expect(accept(bytes, sign(bytes, backup))).toMatchObject({ ok: true });
  });

  it('refuses a key that is not built in', () => {
    const bytes = catalogBytes();
    expect(accept(bytes, sign(bytes, stranger))).toMatchObject({ ok: false, reason: 'unknown-key' });
  });

  it('refuses a signature made by one trusted key but labelled with the other\'s key id', () => {
    const bytes = catalogBytes();
    const byCurrent = sign(bytes, current).split('\n');
    const raw = Buffer.from(byCurrent[1]!, 'base64');
    Buffer.from(backup.keyId).copy(raw, 2);
    byCurrent[1] = raw.toString('base64');
    expect(accept(bytes, byCurrent.join('\n'))).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('refuses a tampered byte anywhere in the file, in the signature or in the trusted comment', () => {
    const bytes = catalogBytes();
    const signature = sign(bytes);
    for (const at of [0, 1, Math.floor(bytes.length / 2), bytes.length - 1]) {
      const tampered = bytes.slice();
      tampered[at]! ^= 0x20;
      expect(accept(tampered, signature)).toMatchObject({ ok: false, reason: 'bad-signature' });
    }
    expect(accept(bytes, tamperLine(signature, 1, 40))).toMatchObject({ ok: false, reason: 'bad-signature' });
    expect(accept(bytes, tamperLine(signature, 3, 0))).toMatchObject({ ok: false, reason: 'bad-signature' });
    expect(accept(bytes, signature.replace('trusted comment: version:10', 'trusted comment: version:11'))).toMatchObject({ ok: false, reason: 'bad-signature' });
    // The algorithm flipped from prehashed to legacy: the same signature no longer matches.
    expect(accept(bytes, signature.replace(/\nRU/, '\nRW'))).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('refuses a non-canonical signature (S + L), as strict RFC 8032 requires', () => {
    const bytes = catalogBytes();
    const lines = sign(bytes).split('\n');
    const raw = Buffer.from(lines[1]!, 'base64');
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    const sBytes = raw.subarray(10 + 32, 10 + 64);
    let s = 0n;
    for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(sBytes[i]!);
    s += L;
    for (let i = 0; i < 32; i++) sBytes[i] = Number((s >> BigInt(8 * i)) & 0xffn);
    lines[1] = raw.toString('base64');
    expect(accept(bytes, lines.join('\n'))).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  // ZIP 215 would accept this; RFC 8032 (zip215: false) must not: R is the identity point written
  // as y = p + 1, and S = k·a makes the equation hold for anyone who has the secret key.
  it('refuses a signature with a non-canonical R, which ZIP 215 verification would accept', () => {
    const bytes = catalogBytes();
    const message = signedMessage(bytes, true);
    const R = Uint8Array.from([0xee, ...new Array(30).fill(0xff), 0x7f]);
    const { scalar } = edUtils.getExtendedPublicKey(current.seed);
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    const digest = sha512(new Uint8Array([...R, ...current.publicKey, ...message]));
    let k = 0n;
    for (let i = 63; i >= 0; i--) k = (k << 8n) | BigInt(digest[i]!);
    const S = ((k % L) * scalar) % L;
    const sig = new Uint8Array(64);
    sig.set(R);
    for (let i = 0; i < 32; i++) sig[32 + i] = Number((S >> BigInt(8 * i)) & 0xffn);
    expect(verify(sig, message, current.publicKey, { zip215: true })).toBe(true);
    const good = sign(bytes).split('\n');
    const raw = Buffer.from(good[1]!, 'base64');
    raw.set(sig, 10);
    good[1] = raw.toString('base64');
    // The global signature re-made over the forged one, so only the forged signature is at stake.
    good[3] = Buffer.from(edSign(new Uint8Array([...sig, ...new TextEncoder().encode('version:10')]), current.seed)).toString('base64');
    expect(accept(bytes, good.join('\n'))).toMatchObject({ ok: false, reason: 'bad-signature', detail: expect.stringContaining('does not match the file') });
  });

  it('refuses a replayed older version and an equal one', () => {
    const older = catalogBytes({ version: 5 });
    expect(accept(older, sign(older), 6)).toMatchObject({ ok: false, reason: 'replay' });
    const equal = catalogBytes({ version: 6 });
    expect(accept(equal, sign(equal), 6)).toMatchObject({ ok: false, reason: 'replay', detail: expect.stringContaining('6') });
    const newer = catalogBytes({ version: 7 });
    expect(accept(newer, sign(newer), 6)).toMatchObject({ ok: true });
  });

  it('refuses an expired catalog, and one that expires at this very moment', () => {
    const expired = catalogBytes({ expires_at: '2026-12-01T00:00:00Z' });
    expect(accept(expired, sign(expired))).toMatchObject({ ok: false, reason: 'expired' });
    const now = catalogBytes({ expires_at: new Date(NOW).toISOString() });
    expect(accept(now, sign(now))).toMatchObject({ ok: false, reason: 'expired' });
  });

  it('refuses malformed JSON even when it is correctly signed', () => {
    for (const text of ['{"version": 10,', '', 'null', '\u00ff']) {
      const bytes = new TextEncoder().encode(text);
      expect(accept(bytes, sign(bytes))).toMatchObject({ ok: false, reason: text === 'null' ? 'invalid-catalog' : 'malformed' });
    }
    const notUtf8 = Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d]);
    expect(accept(notUtf8, sign(notUtf8))).toMatchObject({ ok: false, reason: 'malformed', detail: expect.stringContaining('UTF-8') });
  });

  it('refuses a huge file before looking at its signature', () => {
    const huge = new Uint8Array(MAX_CATALOG_BYTES + 1).fill(0x20);
    expect(accept(huge, 'not even a signature')).toMatchObject({ ok: false, reason: 'too-large' });
    expect(accept(huge, sign(huge))).toMatchObject({ ok: false, reason: 'too-large' });
  });

  it('refuses a valid signature over an invalid catalog, naming the bad field', () => {
    const provider = shipped.providers[0];
    const badOnion = { ...provider.onions[0], url: 'https://protonmailrmez3lotccipshtkleegetolb73fuirgj7r4o4vfu7ozya.onion/' };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ providers: [{ ...provider, onions: [badOnion] }, ...shipped.providers.slice(1)] }, '$.providers[0].onions[0].url'],
      [{ providers: [{ ...provider, webmail: 'javascript:alert(1)' }] }, '$.providers[0].webmail'],
      [{ version: 0 }, '$.version'],
      [{ version: '11' }, '$.version'],
      [{ expires_at: 'next year' }, '$.expires_at'],
      [{ script: 'alert(1)' }, '$.script'],
    ];
    for (const [changes, path] of cases) {
      const bytes = catalogBytes(changes);
      const result = accept(bytes, sign(bytes));
      expect(result).toMatchObject({ ok: false, reason: 'invalid-catalog' });
      expect(result.ok === false && result.detail.startsWith(`${path}:`)).toBe(true);
    }
    const { version: _v, ...noVersion } = { ...shipped, expires_at: '2027-06-30T00:00:00Z' };
    const unversioned = new TextEncoder().encode(JSON.stringify(noVersion));
    expect(accept(unversioned, sign(unversioned))).toMatchObject({ ok: false, reason: 'invalid-catalog', detail: '$.version: missing' });
  });

  it.each([
    ['empty', ''],
    ['three lines', 'untrusted comment: x\nRWQ=\ntrusted comment: y'],
    ['an extra line', `${'x'}\n`],
    ['bad base64', 'untrusted comment: x\n!!!!\ntrusted comment: y\n!!!!\n'],
    ['an unknown algorithm', 'ED-to-Ex'],
    ['oversized', `untrusted comment: ${'x'.repeat(5000)}`],
    ['no trusted comment prefix', 'no-trusted'],
  ])('refuses a malformed signature file: %s', (what, text) => {
    const bytes = catalogBytes();
    let signature = text;
    const good = sign(bytes);
    if (what === 'an extra line') signature = `${good}extra\n`;
    if (what === 'an unknown algorithm') {
      const lines = good.split('\n');
      const raw = Buffer.from(lines[1]!, 'base64');
      raw[1] = 0x78; // "Ex"
      lines[1] = raw.toString('base64');
      signature = lines.join('\n');
    }
    if (what === 'no trusted comment prefix') signature = good.replace('trusted comment: ', 'comment: ');
    expect(accept(bytes, signature)).toMatchObject({ ok: false, reason: 'malformed-signature' });
  });

  it('accepts CRLF line ends and a missing final newline', () => {
    const bytes = catalogBytes();
    const good = sign(bytes);
    expect(accept(bytes, good.replace(/\n/g, '\r\n'))).toMatchObject({ ok: true });
    expect(accept(bytes, good.trimEnd())).toMatchObject({ ok: true });
  });

  it('ignores malformed trusted keys rather than failing open', () => {
    const bytes = catalogBytes();
    const result = acceptCatalogUpdate({ bytes, signature: sign(bytes), trustedKeys: ['garbage', ''], current: { version: 1 }, now: NOW });
    expect(result).toMatchObject({ ok: false, reason: 'unknown-key' });
  });
});
