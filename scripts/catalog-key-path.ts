/**
 * Where a catalog signing key may live: anywhere but inside this repository, so that no `git add .`
 * can ever publish one. Symbolic links are resolved first (a link in /tmp to a key in the tree is
 * still in the tree).
 */
import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPOSITORY_ROOT = realpathSync(fileURLToPath(new URL('..', import.meta.url)));

/** The real path of `path`, or of its nearest existing parent joined with the rest. */
function realPath(path: string): string {
  const absolute = resolve(path);
  if (existsSync(absolute)) return realpathSync(absolute);
  const parent = dirname(absolute);
  return parent === absolute ? absolute : resolve(realPath(parent), relative(parent, absolute));
}

export function isInsideRepository(path: string): boolean {
  const rel = relative(REPOSITORY_ROOT, realPath(path));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}
