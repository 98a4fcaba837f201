/**
 * minisign's formats (https://jedisct1.github.io/minisign/), verification only, so maintainers can
 * sign with the standard tool and the extension checks with the same rules:
 *   public key:     base64("Ed" | key_id[8] | public_key[32])
 *   signature file: untrusted comment: <text>
 *                   base64(alg[2] | key_id[8] | signature[64])
 *                   trusted comment: <text>
 *                   base64(global_signature[64])
 * alg "ED": the signature is over BLAKE2b-512 of the file (minisign's default); "Ed": over the file.
 * The global signature covers signature | trusted comment, so the trusted comment is authenticated
 * too; both must verify. Verification is strict RFC 8032 (zip215: false): no non-canonical R or A,
 * no S >= L. Pure: @noble/ed25519 with @noble/hashes' synchronous SHA-512, no WebCrypto.
 */
import { blake2b } from '@noble/hashes/blake2.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { base64 } from '@scure/base';
import { hashes, verify } from '@noble/ed25519';

// @noble/ed25519 leaves its SHA-512 to the caller; the synchronous one from @noble/hashes keeps
// verification free of WebCrypto, so the same code runs in the extension, the scripts and tests.
hashes.sha512 = sha512;

/** minisign limits each comment to 1024 bytes; the whole file is four short lines. */
export const MAX_SIGNATURE_CHARS = 4096;
const UNTRUSTED = 'untrusted comment: ';
const TRUSTED = 'trusted comment: ';

export interface MinisignPublicKey {
  keyId: Uint8Array;
  publicKey: Uint8Array;
}

export interface MinisignSignature {
  prehashed: boolean;
  keyId: Uint8Array;
  signature: Uint8Array;
  trustedComment: string;
  globalSignature: Uint8Array;
}

function strictBase64(text: string, bytes: number): Uint8Array | undefined {
  try {
    const out = base64.decode(text);
    return out.length === bytes ? out : undefined;
  } catch {
    return undefined;
  }
}

/** minisign prints a key id as the little-endian 64-bit number in hex. */
export function keyIdHex(keyId: Uint8Array): string {
  return [...keyId]
    .reverse()
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')
    .toUpperCase();
}

function lines(text: string): string[] {
  return text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

/** A public key: the bare base64 line, or a whole `.pub` file with its untrusted comment. */
export function parsePublicKey(text: string): MinisignPublicKey | undefined {
  if (typeof text !== 'string' || text.length > MAX_SIGNATURE_CHARS) return undefined;
  const body = lines(text.trim()).filter((l) => !l.startsWith(UNTRUSTED));
  if (body.length !== 1) return undefined;
  const raw = strictBase64(body[0]!.trim(), 42);
  if (!raw || raw[0] !== 0x45 || raw[1] !== 0x64) return undefined; // "Ed"
  return { keyId: raw.slice(2, 10), publicKey: raw.slice(10, 42) };
}

export function parseSignature(text: string): MinisignSignature | undefined {
  if (typeof text !== 'string' || text.length > MAX_SIGNATURE_CHARS) return undefined;
  const all = lines(text);
  // A final newline leaves one empty line; nothing else may follow the four.
  if (all.length === 5 && all[4] === '') all.pop();
  if (all.length !== 4) return undefined;
  const [untrusted = '', sigLine = '', trusted = '', globalLine = ''] = all;
  if (!untrusted.startsWith(UNTRUSTED) || !trusted.startsWith(TRUSTED)) return undefined;
  const raw = strictBase64(sigLine, 74);
  const globalSignature = strictBase64(globalLine, 64);
  if (!raw || !globalSignature) return undefined;
  let prehashed: boolean;
  if (raw[0] === 0x45 && raw[1] === 0x44) prehashed = true; // "ED"
  else if (raw[0] === 0x45 && raw[1] === 0x64) prehashed = false; // "Ed"
  else return undefined;
  return { prehashed, keyId: raw.slice(2, 10), signature: raw.slice(10, 74), trustedComment: trusted.slice(TRUSTED.length), globalSignature };
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

function verifyStrict(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    return verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

/** What minisign signs: the file, or its BLAKE2b-512 for "ED". */
export function signedMessage(bytes: Uint8Array, prehashed: boolean): Uint8Array {
  return prehashed ? blake2b(bytes, { dkLen: 64 }) : bytes;
}

/** Verifies a minisign signature of `bytes` by one of `trustedKeys`; returns the key used or a refusal. */
export function verifyMinisign(
  bytes: Uint8Array,
  signatureText: string,
  trustedKeys: readonly string[],
): { ok: true; keyId: string; trustedComment: string } | { ok: false; reason: 'malformed-signature' | 'unknown-key' | 'bad-signature'; detail: string } {
  const sig = parseSignature(signatureText);
  if (!sig) return { ok: false, reason: 'malformed-signature', detail: 'not a minisign signature file (4 lines, algorithm Ed or ED)' };
  const keys = trustedKeys.map(parsePublicKey).filter((k): k is MinisignPublicKey => !!k);
  const key = keys.find((k) => sameBytes(k.keyId, sig.keyId));
  if (!key) return { ok: false, reason: 'unknown-key', detail: `signed by key ${keyIdHex(sig.keyId)}, which is not built in` };
  if (!verifyStrict(sig.signature, signedMessage(bytes, sig.prehashed), key.publicKey)) {
    return { ok: false, reason: 'bad-signature', detail: `the signature by key ${keyIdHex(sig.keyId)} does not match the file` };
  }
  const comment = new TextEncoder().encode(sig.trustedComment);
  const global = new Uint8Array(64 + comment.length);
  global.set(sig.signature);
  global.set(comment, 64);
  if (!verifyStrict(sig.globalSignature, global, key.publicKey)) {
    return { ok: false, reason: 'bad-signature', detail: 'the trusted comment does not match its signature' };
  }
  return { ok: true, keyId: keyIdHex(sig.keyId), trustedComment: sig.trustedComment };
}

