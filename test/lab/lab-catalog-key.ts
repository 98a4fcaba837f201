/**
 * The censorship lab's catalog signing key. Not a secret: derived from a published phrase, so anyone
 * can sign with it, which is why only a lab build (`npm run build:lab`, .output-lab/) trusts it and no
 * package is ever made from one (wxt.config.ts). The end-to-end tests sign catalog updates with it
 * and serve them from the lab (test/e2e/catalog-update.test.ts).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { getPublicKey } from '@noble/ed25519';
import { encodePublicKey, signMinisign, type MinisignSecretKey } from '../../scripts/minisign-sign';

const seed = sha256(new TextEncoder().encode('Detour censorship lab catalog key: public, trusted by lab builds only'));

export const LAB_CATALOG_SECRET_KEY: MinisignSecretKey = {
  keyId: seed.slice(0, 8),
  seed,
  publicKey: getPublicKey(seed),
};

/** What `npm run build:lab` builds in as CATALOG_KEYS.current (catalog/catalog-keys.ts). */
export const LAB_CATALOG_PUBLIC_KEY = encodePublicKey(LAB_CATALOG_SECRET_KEY);

/** A `.minisig` over `bytes` by the lab key, as `npm run catalog:sign` would write it. */
export function labSign(bytes: Uint8Array, trustedComment = 'lab catalog'): string {
  return signMinisign(bytes, LAB_CATALOG_SECRET_KEY, { trustedComment });
}
