/**
 * Signs a catalog file in minisign's format, with a key kept outside the repository:
 *
 *   npm run catalog:sign -- FILE --key ~/detour-keys/detour-catalog-current.key [--legacy]
 *
 * writes FILE.minisig. The file must first pass the checks the extension applies (schema, onion
 * policy, `version` and `expires_at`): a maintainer cannot sign what every extension would refuse.
 * The trusted comment (signed) carries the version and expiry, so `minisign -V` shows them.
 * `--legacy` signs the raw file ("Ed") instead of its BLAKE2b-512 hash ("ED", minisign's default).
 * A password-protected minisign key is refused: sign with `minisign -S -s KEY -m FILE` instead; the
 * extension accepts either.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseSecretKey, signMinisign, encodePublicKey } from './minisign-sign';
import { verifyMinisign } from '../catalog/signed-catalog';
import { describeInvalid, parseCatalogBytes } from '../catalog/validate-catalog';
import { TRUSTED_CATALOG_KEYS } from '../catalog/catalog-keys';
import { isInsideRepository } from './catalog-key-path';

function usage(message: string): never {
  console.error(`catalog:sign: ${message}\nusage: npm run catalog:sign -- FILE --key PATH_OUTSIDE_THE_REPOSITORY [--legacy]`);
  process.exit(2);
}

const args = process.argv.slice(2);
const keyAt = args.indexOf('--key');
const keyPath = keyAt === -1 ? undefined : args[keyAt + 1];
const legacy = args.includes('--legacy');
const files = args.filter((a, i) => !a.startsWith('--') && i !== keyAt + 1);
if (files.length !== 1) usage('one catalog file expected');
if (!keyPath) usage('--key PATH is required');
if (isInsideRepository(keyPath)) usage(`refused: the key ${keyPath} is inside the repository; keep signing keys outside it (e.g. ~/detour-keys/)`);
const file = files[0]!;

const bytes = readFileSync(file);
const checked = parseCatalogBytes(bytes, { requireSigningFields: true });
if (!checked.ok) {
  console.error(`catalog:sign: refused to sign ${file}: ${describeInvalid(checked)}`);
  process.exit(1);
}
let key;
try {
  key = parseSecretKey(readFileSync(keyPath, 'utf8'));
} catch (e) {
  console.error(`catalog:sign: ${keyPath}: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
}
const { version, expires_at } = checked.catalog;
const trustedComment = `timestamp:${Math.floor(Date.now() / 1000)}\tfile:${basename(file)}\tversion:${version}\texpires:${expires_at}`;
const signature = signMinisign(bytes, key, { trustedComment, prehash: !legacy });
// Proof before writing: the signature verifies with the same code the extension runs.
const own = encodePublicKey(key);
const check = verifyMinisign(bytes, signature, [own]);
if (!check.ok) {
  console.error(`catalog:sign: internal error, the new signature does not verify: ${check.detail}`);
  process.exit(1);
}
writeFileSync(`${file}.minisig`, signature);
console.log(`${file}.minisig written: version ${version}, expires ${expires_at}, key ${check.keyId}`);
if (!TRUSTED_CATALOG_KEYS.includes(own)) {
  console.warn(`catalog:sign: note: key ${check.keyId} is not one of the keys built into the extension (catalog/catalog-keys.ts); extensions will refuse this signature`);
}
