/**
 * The two public keys a catalog update may be signed with (minisign format). Built into the
 * extension; an update signed by any other key is refused (catalog/signed-catalog.ts).
 *
 * `current` signs every published catalog. `backup` is kept offline and used only if `current` is
 * lost or compromised: the next extension release then replaces `current`. The private keys are
 * never in this repository (scripts/catalog-keygen.ts refuses to write one here).
 */
export const CATALOG_KEYS = {
  /** minisign key id 0A014C240BDAB013. */
  current: 'RWQTsNoLJEwBCnoTNnOnebmpk2zcbjSCXlNUGoum4RETS0NqWiI4vvwf',
  /** minisign key id 77E83EB316A83068; offline. */
  backup: 'RWRoMKgWsz7od9JcvrJ+Dh6g686aeREMJLqfwu0nGGTgH1SZ9s6VT44Z',
} as const;

export const TRUSTED_CATALOG_KEYS: readonly string[] = [CATALOG_KEYS.current, CATALOG_KEYS.backup];
