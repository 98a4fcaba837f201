/**
 * The signing half of minisign's format, for the maintainers' scripts and the tests; the extension
 * only verifies (engine/minisign.ts), and nothing here is imported by it.
 *
 * Secret key file (minisign's), base64 of:
 *   "Ed" | kdf_alg[2] | "B2" | kdf_salt[32] | opslimit[8] | memlimit[8] |
 *   key_id[8] | secret_key[64] (seed | public key) | checksum[32] = BLAKE2b-256("Ed" | key_id | secret_key)
 * Only unencrypted keys (kdf_alg 0x0000, what `minisign -G -W` writes) are read here: a key
 * protected by a password is for `minisign -S` itself, which writes the same signature format.
 */
import { blake2b } from '@noble/hashes/blake2.js';
import { base64 } from '@scure/base';
import { getPublicKey, sign, utils } from '@noble/ed25519';
import { keyIdHex, signedMessage } from '../engine/minisign';

export interface MinisignSecretKey {
  keyId: Uint8Array;
  /** The 32-byte RFC 8032 seed. */
  seed: Uint8Array;
  publicKey: Uint8Array;
}

const SECRET_KEY_BYTES = 158;

function checksum(keyId: Uint8Array, secret64: Uint8Array): Uint8Array {
  const input = new Uint8Array(2 + 8 + 64);
  input.set([0x45, 0x64]);
  input.set(keyId, 2);
  input.set(secret64, 10);
  return blake2b(input, { dkLen: 32 });
}

export function parseSecretKey(text: string): MinisignSecretKey {
  const body = text
    .trim()
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('untrusted comment: '));
  if (body.length !== 1) throw new Error('not a minisign secret key file');
  const raw = base64.decode(body[0]!);
  if (raw.length !== SECRET_KEY_BYTES) throw new Error('not a minisign secret key (wrong length)');
  if (raw[0] !== 0x45 || raw[1] !== 0x64 || raw[4] !== 0x42 || raw[5] !== 0x32) throw new Error('not an Ed25519 minisign secret key');
  if (raw[2] !== 0 || raw[3] !== 0) throw new Error('this secret key is password-protected: sign with `minisign -S -s KEY -m FILE` instead');
  const keyId = raw.slice(54, 62);
  const secret64 = raw.slice(62, 126);
  const sum = raw.slice(126, 158);
  // `minisign -G -W` leaves the checksum zero; the public half below is the check that always holds.
  const unset = sum.every((b) => b === 0);
  if (!unset && !checksum(keyId, secret64).every((b, i) => b === sum[i])) throw new Error('secret key checksum mismatch: the file is damaged');
  const seed = secret64.slice(0, 32);
  const publicKey = getPublicKey(seed);
  if (!publicKey.every((b, i) => b === secret64[32 + i])) throw new Error('secret key does not match its public half');
  return { keyId, seed, publicKey };
}

export function encodePublicKey(key: { keyId: Uint8Array; publicKey: Uint8Array }): string {
  const raw = new Uint8Array(42);
  raw.set([0x45, 0x64]);
  raw.set(key.keyId, 2);
  raw.set(key.publicKey, 10);
  return base64.encode(raw);
}

export function publicKeyFile(key: { keyId: Uint8Array; publicKey: Uint8Array }): string {
  return `untrusted comment: minisign public key ${keyIdHex(key.keyId)}\n${encodePublicKey(key)}\n`;
}

export function secretKeyFile(key: MinisignSecretKey): string {
  const raw = new Uint8Array(SECRET_KEY_BYTES);
  raw.set([0x45, 0x64, 0x00, 0x00, 0x42, 0x32]);
  const secret64 = new Uint8Array(64);
  secret64.set(key.seed);
  secret64.set(key.publicKey, 32);
  raw.set(key.keyId, 54);
  raw.set(secret64, 62);
  raw.set(checksum(key.keyId, secret64), 126);
  return `untrusted comment: minisign secret key (unencrypted)\n${base64.encode(raw)}\n`;
}

export function generateSecretKey(): MinisignSecretKey {
  const seed = utils.randomSecretKey();
  const keyId = utils.randomSecretKey().slice(0, 8);
  return { keyId, seed, publicKey: getPublicKey(seed) };
}

/** A `.minisig` file's text. `prehash` (minisign's default): sign BLAKE2b-512 of the file. */
export function signMinisign(
  bytes: Uint8Array,
  key: MinisignSecretKey,
  options: { trustedComment: string; untrustedComment?: string; prehash?: boolean },
): string {
  const prehash = options.prehash ?? true;
  if (/[\r\n]/.test(options.trustedComment) || /[\r\n]/.test(options.untrustedComment ?? '')) throw new Error('a comment is one line');
  const signature = sign(signedMessage(bytes, prehash), key.seed);
  const sigRaw = new Uint8Array(74);
  sigRaw.set(prehash ? [0x45, 0x44] : [0x45, 0x64]);
  sigRaw.set(key.keyId, 2);
  sigRaw.set(signature, 10);
  const comment = new TextEncoder().encode(options.trustedComment);
  const global = new Uint8Array(64 + comment.length);
  global.set(signature);
  global.set(comment, 64);
  const globalSignature = sign(global, key.seed);
  return [
    `untrusted comment: ${options.untrustedComment ?? 'signature from minisign secret key'}`,
    base64.encode(sigRaw),
    `trusted comment: ${options.trustedComment}`,
    base64.encode(globalSignature),
    '',
  ].join('\n');
}
