/**
 * Checks a catalog file exactly as the extension would, with the same functions:
 *
 *   npm run catalog:verify -- FILE [--sig FILE.minisig] [--current-version N] [--pubkey KEY]
 *
 * With --sig: acceptCatalogUpdate() (catalog/signed-catalog.ts) against the keys built into the
 * extension (catalog/catalog-keys.ts; --pubkey replaces them, for a test key), an installed catalog
 * of version N (default 0: only a version of 1 or more is required), and the current time.
 * Without --sig: the schema and onion policy only (catalog/validate-catalog.ts).
 * Exit 0: accepted; 1: refused, with the reason on stderr; 2: usage.
 */
import { readFileSync } from 'node:fs';
import { acceptCatalogUpdate } from '../catalog/signed-catalog';
import { describeInvalid, parseCatalogBytes } from '../catalog/validate-catalog';
import { TRUSTED_CATALOG_KEYS } from '../catalog/catalog-keys';

function usage(message: string): never {
  console.error(`catalog:verify: ${message}\nusage: npm run catalog:verify -- FILE [--sig FILE.minisig] [--current-version N] [--pubkey KEY]`);
  process.exit(2);
}

const args = process.argv.slice(2);
const options = new Map<string, string>();
const files: string[] = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  if (a === '--sig' || a === '--current-version' || a === '--pubkey') {
    const value = args[++i];
    if (value === undefined) usage(`${a} needs a value`);
    options.set(a, value);
  } else if (a.startsWith('--')) usage(`unknown option ${a}`);
  else files.push(a);
}
if (files.length !== 1) usage('one catalog file expected');
const file = files[0]!;
const bytes = readFileSync(file);
const sigPath = options.get('--sig');

if (!sigPath) {
  const result = parseCatalogBytes(bytes, { requireSigningFields: true });
  if (!result.ok) {
    console.error(`${file}: refused (invalid-catalog): ${describeInvalid(result)}`);
    process.exit(1);
  }
  console.log(`${file}: schema and onion policy hold (version ${result.catalog.version}, expires ${result.catalog.expires_at}); signature not checked (no --sig)`);
} else {
  const currentText = options.get('--current-version') ?? '0';
  const current = Number(currentText);
  if (!Number.isSafeInteger(current) || current < 0) usage('--current-version must be a whole number');
  const pubkey = options.get('--pubkey');
  const result = acceptCatalogUpdate({
    bytes,
    signature: readFileSync(sigPath, 'utf8'),
    trustedKeys: pubkey ? [pubkey] : TRUSTED_CATALOG_KEYS,
    current: { version: current },
    now: Date.now(),
  });
  if (!result.ok) {
    console.error(`${file}: refused (${result.reason}): ${result.detail}`);
    process.exit(1);
  }
  console.log(`${file}: accepted: version ${result.catalog.version}, expires ${result.catalog.expires_at}, signed by key ${result.keyId} (${result.trustedComment})`);
}
