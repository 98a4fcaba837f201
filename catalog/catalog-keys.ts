/**
 * The two public keys a catalog update may be signed with (minisign format). Built into the
 * extension; an update signed by any other key is refused (catalog/signed-catalog.ts).
 *
 * `current` signs every published catalog. `backup` is kept offline and used only if `current` is
 * lost or compromised: the next extension release then replaces `current`. The private keys are
 * never in this repository (scripts/catalog-keygen.ts refuses to write one here).
 *
 * A lab build (`npm run build:lab`, into .output-lab/, never packaged: wxt.config.ts) replaces
 * `current` with the censorship lab's published test key, so the end-to-end tests can serve a signed
 * update; the options page then shows that key's id.
 */
const SHIPPED_CURRENT = 'RWQTsNoLJEwBCnoTNnOnebmpk2zcbjSCXlNUGoum4RETS0NqWiI4vvwf';

/** Set only by `npm run build:lab` (scripts/build-lab.ts). */
export const LAB_CATALOG_KEY: string | undefined = import.meta.env?.WXT_DETOUR_LAB_CATALOG_KEY || undefined;

export const CATALOG_KEYS = {
  /** minisign key id 0A014C240BDAB013 (in a lab build: the lab's key). */
  current: LAB_CATALOG_KEY ?? SHIPPED_CURRENT,
  /** minisign key id 77E83EB316A83068; offline. */
  backup: 'RWRoMKgWsz7od9JcvrJ+Dh6g686aeREMJLqfwu0nGGTgH1SZ9s6VT44Z',
} as const;

export const TRUSTED_CATALOG_KEYS: readonly string[] = [CATALOG_KEYS.current, CATALOG_KEYS.backup];
