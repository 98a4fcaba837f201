/**
 * Accepting a catalog update: a minisign signature (engine/minisign.ts) by one of the keys built
 * into the extension (catalog/catalog-keys.ts), then the catalog's schema and onion policy
 * (catalog/validate-catalog.ts), then rollback and freeze checks (TUF's lessons: versions never go
 * down, every copy expires).
 *
 * The order matters: the size cap comes before everything, and nothing of the catalog is parsed
 * before its signature verifies.
 */
import { verifyMinisign } from '../engine/minisign';
import { describeInvalid, MAX_CATALOG_BYTES, parseCatalogBytes, type ValidCatalog } from './validate-catalog';

export { keyIdHex, MAX_SIGNATURE_CHARS, parsePublicKey, parseSignature, signedMessage, verifyMinisign } from '../engine/minisign';

export type CatalogRefusal =
  | 'too-large'
  | 'malformed-signature'
  | 'unknown-key'
  | 'bad-signature'
  | 'malformed'
  | 'invalid-catalog'
  | 'replay'
  | 'expired';

export type CatalogUpdateResult =
  | { ok: true; catalog: ValidCatalog; keyId: string; trustedComment: string }
  | { ok: false; reason: CatalogRefusal; detail: string };

export interface CatalogUpdateInput {
  bytes: Uint8Array;
  /** The `.minisig` file's text. */
  signature: string;
  /** Public keys (base64 line or `.pub` file): catalog/catalog-keys.ts in the extension. */
  trustedKeys: readonly string[];
  /** The catalog in use: an update must be newer. */
  current: { version: number };
  now: number | Date;
}

export function acceptCatalogUpdate(input: CatalogUpdateInput): CatalogUpdateResult {
  const { bytes } = input;
  if (!(bytes instanceof Uint8Array)) return { ok: false, reason: 'malformed', detail: 'no bytes' };
  if (bytes.length > MAX_CATALOG_BYTES) return { ok: false, reason: 'too-large', detail: `${bytes.length} bytes, more than the ${MAX_CATALOG_BYTES} allowed` };
  const signed = verifyMinisign(bytes, input.signature, input.trustedKeys);
  if (!signed.ok) return signed;
  const parsed = parseCatalogBytes(bytes, { requireSigningFields: true });
  if (!parsed.ok) {
    const malformed = parsed.path === '$' && (parsed.reason.startsWith('not JSON') || parsed.reason === 'not UTF-8');
    return { ok: false, reason: malformed ? 'malformed' : 'invalid-catalog', detail: describeInvalid(parsed) };
  }
  const { catalog } = parsed;
  if (!(catalog.version > input.current.version)) {
    return { ok: false, reason: 'replay', detail: `version ${catalog.version} is not newer than ${input.current.version} in use` };
  }
  const now = typeof input.now === 'number' ? input.now : input.now.getTime();
  if (isExpired(catalog, now)) return { ok: false, reason: 'expired', detail: `expired at ${catalog.expires_at}` };
  return { ok: true, catalog, keyId: signed.keyId, trustedComment: signed.trustedComment };
}

/** A catalog past its `expires_at` stays in use if it is the last good one, marked stale. */
export function isExpired(catalog: { expires_at?: string }, now: number): boolean {
  if (typeof catalog.expires_at !== 'string') return false;
  const at = Date.parse(catalog.expires_at);
  return !Number.isFinite(at) || at <= now;
}
