/**
 * Version 3 onion addresses (rend-spec, "Encoding onion addresses"):
 *
 *   onion_address = base32(PUBKEY | CHECKSUM | VERSION) + ".onion"
 *   CHECKSUM      = SHA3-256(".onion checksum" | PUBKEY | VERSION)[:2],  VERSION = 0x03
 *
 * A wrong onion address handed to a person under surveillance is a phishing attack, so everything
 * Detour shows or stores goes through `parseV3Onion`, at build time and again at run time.
 *
 * Rules, beyond the spec's encoding:
 * - Case: host names are case-insensitive and the URL parser lowercases them anyway, so upper and
 *   mixed case are accepted and the address is returned lowercase (the only form Detour shows). The
 *   catalog validator requires the stored form to be lowercase already.
 * - Sub-domain labels (proposal 204, `mail.<address>.onion`) are allowed and ignored: the last label
 *   before `.onion` is the address. Each must be a DNS label (letters, digits, inner hyphens, 1–63).
 * - A trailing dot (`x.onion.`) is refused: no service announces that form, and every other reader of
 *   the address (Tor Browser's address bar, a user comparing it) would see a different string.
 * - Like tor's hs_address_is_valid(), a public key that is not a point of the prime-order subgroup
 *   (a torsion component, the identity, or not on the curve) is refused, so one service cannot be
 *   handed out under several addresses. Non-canonical point encodings are refused too (stricter
 *   than tor, for the same reason).
 *
 * Pure: no Node or browser API.
 */
import { sha3_256 } from '@noble/hashes/sha3.js';
import { base32nopad } from '@scure/base';
import { Point } from '@noble/ed25519';
import { v3OnionShape, type OnionShapeError } from './onion-shape';

export { V3_ADDRESS_CHARS } from './onion-shape';

const VERSION = 3;
const CHECKSUM_PREFIX = new TextEncoder().encode('.onion checksum');

export type OnionAddressError =
  | OnionShapeError
  | 'checksum'
  /** Not a valid public key of the prime-order group (tor refuses these too). */
  | 'key';

export interface V3Onion {
  /** The 56 characters and `.onion`, lowercase: what is shown and compared. */
  address: string;
  /** The whole host, lowercase, sub-domain labels included. */
  host: string;
  publicKey: Uint8Array;
}

export function onionChecksum(publicKey: Uint8Array, version = VERSION): Uint8Array {
  const input = new Uint8Array(CHECKSUM_PREFIX.length + 33);
  input.set(CHECKSUM_PREFIX);
  input.set(publicKey, CHECKSUM_PREFIX.length);
  input[input.length - 1] = version;
  return sha3_256(input).subarray(0, 2);
}

/** The address of a public key (used by tests and scripts; never to "repair" an address). */
export function encodeV3Onion(publicKey: Uint8Array): string {
  if (publicKey.length !== 32) throw new Error('an onion public key is 32 bytes');
  const raw = new Uint8Array(35);
  raw.set(publicKey);
  raw.set(onionChecksum(publicKey), 32);
  raw[34] = VERSION;
  return `${base32nopad.encode(raw).toLowerCase()}.onion`;
}

function isPrimeOrderPoint(publicKey: Uint8Array): boolean {
  try {
    // zip215=false: RFC 8032 decoding, refusing non-canonical encodings of a point.
    const point = Point.fromBytes(publicKey, false);
    return !point.is0() && !point.isSmallOrder() && point.isTorsionFree();
  } catch {
    return false;
  }
}

export function parseV3Onion(input: unknown): V3Onion | { error: OnionAddressError } {
  const shape = v3OnionShape(input);
  if ('error' in shape) return shape;
  const last = shape.address.slice(0, -'.onion'.length);
  let raw: Uint8Array;
  try {
    raw = base32nopad.decode(last.toUpperCase());
  } catch {
    return { error: 'base32' };
  }
  if (raw.length !== 35) return { error: 'base32' };
  const publicKey = raw.slice(0, 32);
  if (raw[34] !== VERSION) return { error: 'version' };
  const checksum = onionChecksum(publicKey);
  if (raw[32] !== checksum[0] || raw[33] !== checksum[1]) return { error: 'checksum' };
  if (!isPrimeOrderPoint(publicKey)) return { error: 'key' };
  return { ...shape, publicKey };
}

export function isValidV3OnionHost(input: unknown): boolean {
  return 'address' in parseV3Onion(input);
}
