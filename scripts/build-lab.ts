/**
 * `npm run build:lab`: the three builds again, into .output-lab/, trusting the censorship lab's
 * public test key as the current catalog key (test/lab/lab-catalog-key.ts), so the end-to-end tests
 * can serve a signed catalog update. Otherwise the same code, settings and catalog as `npm run
 * build`. wxt.config.ts refuses to package such a build.
 */
import { execFileSync } from 'node:child_process';
import { LAB_CATALOG_PUBLIC_KEY } from '../test/lab/lab-catalog-key';

const env = { ...process.env, WXT_DETOUR_LAB_CATALOG_KEY: LAB_CATALOG_PUBLIC_KEY };
for (const args of [['-b', 'chrome'], ['-b', 'firefox'], ['-b', 'firefox', '--mv3']]) {
  execFileSync('npx', ['wxt', 'build', ...args], { env, stdio: ['ignore', 'ignore', 'inherit'] });
}
console.log(`lab builds in .output-lab/ (catalog key ${LAB_CATALOG_PUBLIC_KEY})`);
