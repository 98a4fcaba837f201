/**
 * Makes a catalog signing key pair in minisign's format (the secret key unencrypted, as
 * `minisign -G -W` writes it, so `minisign -S -s KEY` signs with it too):
 *
 *   npm run catalog:keygen -- --out ~/detour-keys/detour-catalog-current
 *
 * writes OUT.key (mode 0600) and OUT.pub, and prints the public key line for catalog/catalog-keys.ts.
 * Refuses a path inside the repository and an existing file. Add a password afterwards with
 * `minisign -C -s OUT.key` if the key is kept on a machine others can read.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { encodePublicKey, generateSecretKey, publicKeyFile, secretKeyFile } from './minisign-sign';
import { isInsideRepository } from './catalog-key-path';

const args = process.argv.slice(2);
const at = args.indexOf('--out');
const out = at === -1 ? undefined : args[at + 1];
if (!out) {
  console.error('usage: npm run catalog:keygen -- --out PATH_OUTSIDE_THE_REPOSITORY (writes PATH.key and PATH.pub)');
  process.exit(2);
}
if (isInsideRepository(out)) {
  console.error(`catalog:keygen: refused: ${out} is inside the repository; a private key must never be where git can add it`);
  process.exit(2);
}
for (const file of [`${out}.key`, `${out}.pub`]) {
  if (existsSync(file)) {
    console.error(`catalog:keygen: refused: ${file} exists; not overwriting a key`);
    process.exit(2);
  }
}
const key = generateSecretKey();
mkdirSync(dirname(out), { recursive: true, mode: 0o700 });
writeFileSync(`${out}.key`, secretKeyFile(key), { mode: 0o600, flag: 'wx' });
writeFileSync(`${out}.pub`, publicKeyFile(key), { flag: 'wx' });
console.log(`${out}.key (secret, mode 0600) and ${out}.pub written; public key:\n${encodePublicKey(key)}`);
