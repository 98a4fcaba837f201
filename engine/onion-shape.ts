/**
 * The shape of a version 3 onion host, without the cryptography: DNS labels, 56 base32 characters
 * whose last two spell version 3, `.onion`. Enough to refuse every malformed value cheaply, and
 * what the background (which must stay small) checks before it remembers an announced address.
 * It is not enough to show one: engine/onion-address.ts adds the checksum and the key, and every
 * address is shown only after that.
 *
 * Pure: no Node or browser API, no dependency.
 */
export const V3_ADDRESS_CHARS = 56;
/** A DNS name's limit; anything longer is refused before any other work. */
const MAX_HOST_CHARS = 253;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/**
 * 35 bytes are exactly 56 base32 characters. The last one holds the low 5 bits of the version byte
 * (3: "d"); the one before holds its top 3 bits (0) under the checksum's last 2, so it is a, i, q or y.
 */
const BASE32_V3 = /^[a-z2-7]{54}[aiqy]d$/;
const BASE32 = /^[a-z2-7]{56}$/;
const PRINTABLE_ASCII = /^[\x21-\x7e]*$/;

export type OnionShapeError =
  | 'not-a-string'
  | 'too-long'
  | 'not-onion'
  | 'trailing-dot'
  | 'bad-label'
  /** A 16-character v2 address: the network dropped them in 2021. */
  | 'v2'
  | 'length'
  | 'base32'
  | 'version';

export interface OnionShape {
  /** The 56 characters and `.onion`, lowercase: what is shown and compared. */
  address: string;
  /** The whole host, lowercase, sub-domain labels included. */
  host: string;
}

export function v3OnionShape(input: unknown): OnionShape | { error: OnionShapeError } {
  if (typeof input !== 'string') return { error: 'not-a-string' };
  if (input.length > MAX_HOST_CHARS) return { error: 'too-long' };
  // ASCII before lowercasing: Unicode case folding maps some letters onto ASCII (the Kelvin sign
  // U+212A becomes "k"), which would let a look-alike string pass as the address.
  if (!PRINTABLE_ASCII.test(input)) return { error: 'bad-label' };
  const host = input.toLowerCase();
  if (host.endsWith('.')) return { error: 'trailing-dot' };
  if (!host.endsWith('.onion')) return { error: 'not-onion' };
  const labels = host.slice(0, -'.onion'.length).split('.');
  if (!labels.every((label) => LABEL.test(label))) return { error: 'bad-label' };
  const last = labels[labels.length - 1] ?? '';
  if (last.length === 16) return { error: 'v2' };
  if (last.length !== V3_ADDRESS_CHARS) return { error: 'length' };
  if (!BASE32.test(last)) return { error: 'base32' };
  if (!BASE32_V3.test(last)) return { error: 'version' };
  return { address: `${last}.onion`, host };
}
