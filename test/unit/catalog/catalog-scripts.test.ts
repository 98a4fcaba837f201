import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isInsideRepository, REPOSITORY_ROOT } from '../../../scripts/catalog-key-path';
import { encodePublicKey, generateSecretKey, publicKeyFile, secretKeyFile } from '../../../scripts/minisign-sign';

const run = (script: string, args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(REPOSITORY_ROOT, 'scripts', script), ...args], { encoding: 'utf8', cwd: REPOSITORY_ROOT });
const hasMinisign = spawnSync('minisign', ['-v'], { encoding: 'utf8' }).status === 0;

const shipped = JSON.parse(readFileSync(join(REPOSITORY_ROOT, 'catalog/providers.json'), 'utf8'));

describe('catalog signing scripts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'detour-catalog-'));
  const key = generateSecretKey();
  writeFileSync(join(dir, 'test.key'), secretKeyFile(key), { mode: 0o600 });
  writeFileSync(join(dir, 'test.pub'), publicKeyFile(key));
  const file = join(dir, 'catalog.json');
  writeFileSync(file, JSON.stringify({ ...shipped, version: 9 }));

  it('knows a path inside the repository, also through a symbolic link, from one outside', () => {
    expect(isInsideRepository(join(REPOSITORY_ROOT, 'catalog/x.key'))).toBe(true);
    expect(isInsideRepository(join(REPOSITORY_ROOT, 'not/yet/there.key'))).toBe(true);
    expect(isInsideRepository(REPOSITORY_ROOT)).toBe(true);
    const link = join(dir, 'into-repo');
    symlinkSync(join(REPOSITORY_ROOT, 'catalog'), link);
    expect(isInsideRepository(join(link, 'x.key'))).toBe(true);
    expect(isInsideRepository(join(dir, 'test.key'))).toBe(false);
    expect(isInsideRepository(`${REPOSITORY_ROOT}-sibling/x.key`)).toBe(false);
  });

  it('signs with a key outside the repository, and verify accepts it with the same code the extension runs', () => {
    const signed = run('catalog-sign.ts', [file, '--key', join(dir, 'test.key')]);
    expect(signed.status, signed.stderr).toBe(0);
    const ok = run('catalog-verify.ts', [file, '--sig', `${file}.minisig`, '--pubkey', encodePublicKey(key)]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('accepted: version 9');
    // The built-in keys did not sign it: refused, as an extension would.
    const builtIn = run('catalog-verify.ts', [file, '--sig', `${file}.minisig`]);
    expect(builtIn.status).toBe(1);
    expect(builtIn.stderr).toContain('refused (unknown-key)');
    const replay = run('catalog-verify.ts', [file, '--sig', `${file}.minisig`, '--pubkey', encodePublicKey(key), '--current-version', '9']);
    expect(replay.status).toBe(1);
    expect(replay.stderr).toContain('refused (replay)');
  });

  it.skipIf(!hasMinisign)('writes a signature the minisign binary verifies', () => {
    run('catalog-sign.ts', [file, '--key', join(dir, 'test.key')]);
    const verified = spawnSync('minisign', ['-V', '-p', join(dir, 'test.pub'), '-m', file], { encoding: 'utf8' });
    expect(verified.status, verified.stderr).toBe(0);
    expect(verified.stdout).toContain('version:9');
  });

  it('refuses a tampered file with the reason, and an invalid one without --sig', () => {
    run('catalog-sign.ts', [file, '--key', join(dir, 'test.key')]);
    const tampered = join(dir, 'tampered.json');
    writeFileSync(tampered, readFileSync(file, 'utf8').replace('Proton Mail', 'Proton Maii'));
    const bad = run('catalog-verify.ts', [tampered, '--sig', `${file}.minisig`, '--pubkey', encodePublicKey(key)]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('refused (bad-signature)');
    const invalid = join(dir, 'invalid.json');
    writeFileSync(invalid, JSON.stringify({ ...shipped, version: 9, extra: true }));
    const schema = run('catalog-verify.ts', [invalid]);
    expect(schema.status).toBe(1);
    expect(schema.stderr).toContain('$.extra: unknown field');
    expect(run('catalog-verify.ts', [file]).status).toBe(0);
  });

  it('refuses a key inside the repository, and signing an invalid catalog', () => {
    const inside = run('catalog-sign.ts', [file, '--key', join(REPOSITORY_ROOT, 'catalog/providers.json')]);
    expect(inside.status).toBe(2);
    expect(inside.stderr).toContain('inside the repository');
    const invalid = join(dir, 'unversioned.json');
    const { version: _v, ...rest } = shipped;
    writeFileSync(invalid, JSON.stringify(rest));
    const refused = run('catalog-sign.ts', [invalid, '--key', join(dir, 'test.key')]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('$.version: missing');
  });
});
