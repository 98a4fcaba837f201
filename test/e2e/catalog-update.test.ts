/**
 * Signed catalog updates end to end (issue 9), in Chromium and both Firefox builds: the lab build
 * (`npm run build:lab`, which trusts the lab's public test key) is blocked from mailbox.org, its popup
 * asks the lab's update URL, takes a catalog signed with the lab key and shows the onion that update
 * added; a day later the URL serves a newer catalog whose onion was swapped after signing, which is
 * refused, and the popup and options page keep the last good one. Inside scripts/in-lab-netns.sh.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { getPublicKey } from '@noble/ed25519';
import { sha256 } from '@noble/hashes/sha2.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCatalogBytes, describeInvalid } from '../../catalog/validate-catalog';
import { CATALOG_KEYS } from '../../catalog/catalog-keys';
import { encodeV3Onion } from '../../engine/onion-address';
import { STORAGE_KEYS } from '../../lib/storage';
import { LAB_CATALOG_PUBLIC_KEY, labSign } from '../lab/lab-catalog-key';
import { LAB_LOOPBACK } from '../lab/network';
import { SCENARIOS } from '../lab/scenarios';
import { launchDetour, SITE, startLabWithControl, TARGETS, visit, type LabWithControl } from './detour';

const onionOf = (phrase: string) => encodeV3Onion(getPublicKey(sha256(new TextEncoder().encode(phrase))));
/** What the honest update adds to mailbox.org, and what the attacker swaps in after signing. */
const GOOD_ONION = `https://${onionOf('lab catalog update: the provider-published onion')}/`;
const SWAPPED_ONION = `https://${onionOf('lab catalog update: the attacker onion')}/`;

const shipped = JSON.parse(readFileSync('catalog/providers.json', 'utf8')) as { version: number; providers: Array<{ id: string; onions: unknown[] }> };

/** The shipped catalog at `version`, with `onion` added to mailbox.org, as a maintainer would publish it. */
function catalogWith(version: number, onion: string): Uint8Array {
  const catalog = structuredClone(shipped);
  catalog.version = version;
  catalog.providers.find((p) => p.id === 'mailbox_org')!.onions.push({
    url: onion,
    service: 'web (mail)',
    sources: [{ type: 'page', url: 'https://mailbox.org/en/lab-onion-announcement', publisher: 'mailbox.org', publisher_kind: 'provider' }],
    confirmed_by: 1,
    provider_published: true,
    single_source: true,
    as_published: onion,
  });
  const bytes = new TextEncoder().encode(JSON.stringify(catalog, null, 1));
  const valid = parseCatalogBytes(bytes, { requireSigningFields: true });
  if (!valid.ok) throw new Error(`the test's catalog is invalid: ${describeInvalid(valid)}`);
  return bytes;
}

/** The lab's update server: serves `catalog.json` and its `.minisig`, with CORS as a real one must. */
let served: { catalog: Uint8Array; signature: string };
const requests: string[] = [];
const server = http.createServer((req, res) => {
  requests.push(req.url ?? '');
  const body = req.url === '/catalog.json' ? served.catalog : req.url === '/catalog.json.minisig' ? served.signature : undefined;
  res.writeHead(body === undefined ? 404 : 200, { 'Access-Control-Allow-Origin': '*', 'Content-Type': 'application/octet-stream' });
  res.end(body);
});
let updateUrl: string;

let world: LabWithControl;
beforeAll(async () => {
  world = await startLabWithControl();
  await new Promise<void>((resolve) => server.listen(0, LAB_LOOPBACK.catalogUpdates, resolve));
  updateUrl = `http://${LAB_LOOPBACK.catalogUpdates}:${(server.address() as AddressInfo).port}/catalog.json`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await world?.close();
});

describe.each(TARGETS)('%s', (target) => {
  it('takes a signed update while mailbox.org is blocked, refuses a tampered newer one and keeps the last good', async () => {
    const good = catalogWith(shipped.version + 1, GOOD_ONION);
    served = { catalog: good, signature: labSign(good) };
    requests.length = 0;
    const browser = await launchDetour(target, world.lab, { labCatalogKey: true });
    try {
      await browser.sendMessage({ type: 'set-settings', settings: { catalogUpdateUrls: [updateUrl] } });
      await visit(browser, world.lab, SCENARIOS['tls-sni-reset'], { verdict: true, timeoutMs: 20_000 });

      // The popup of a blocked site asks for an update and shows the onion it added, from the provider.
      const onion = await browser.inspect(`popup.html?host=${SITE}`, '[data-testid=onion][data-origin=catalog]', { timeoutMs: 15_000 });
      expect(onion.text).toContain(GOOD_ONION);
      expect(requests).toEqual(['/catalog.json', '/catalog.json.minisig']);
      const status = await browser.inspect('options.html', '[data-testid=catalog-status]');
      expect(status.data.source).toBe('update');
      expect(status.text).toContain(`Catalog version ${shipped.version + 1}.`);
      expect(status.text).toContain(updateUrl);

      // A day later the URL serves a newer catalog whose onion was swapped after it was signed.
      const honest = catalogWith(shipped.version + 2, GOOD_ONION);
      const swapped = new TextEncoder().encode(new TextDecoder().decode(honest).replace(GOOD_ONION, SWAPPED_ONION));
      served = { catalog: swapped, signature: labSign(honest) };
      requests.length = 0;
      const key = JSON.stringify(STORAGE_KEYS.catalogUpdateCheck);
      await browser.evaluateInExtension(`await browser.storage.local.remove(${key}); return true;`);
      // Read in the popup itself: the check runs in the page that asked, and leaving it ends the check.
      const outcome = await browser.evaluateInPage<string>(
        `popup.html?host=${SITE}`,
        '[data-testid=way-around]',
        `const api = globalThis.browser ?? chrome;
        for (let i = 0; i < 150; i++) {
          const check = (await api.storage.local.get(${key}))[${key}];
          if (check && check.outcome !== 'checking') return check.outcome;
          await new Promise((r) => setTimeout(r, 100));
        }
        return 'still checking after 15 s';`,
      );
      expect(outcome).toBe('bad-signature');
      expect(requests).toEqual(['/catalog.json', '/catalog.json.minisig']);

      const kept = await browser.inspect(`popup.html?host=${SITE}`, '[data-testid=onion][data-origin=catalog]');
      expect(kept.text).toContain(GOOD_ONION);
      expect(kept.text).not.toContain(SWAPPED_ONION);
      const after = await browser.inspect('options.html', '[data-testid=catalog-status]');
      expect(after.text).toContain(`Catalog version ${shipped.version + 1}.`);
      // Said in the user's words (the English build here), not as the stored code.
      expect(after.text).toContain('refused: its signature does not verify');
      expect(after.text).not.toContain('bad-signature');
    } finally {
      await browser.close();
    }
  });
});

it('only the lab builds trust the lab key; the shipped builds trust the two shipped keys', () => {
  const bundled = (dir: string) =>
    readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.js'))
      .map((f) => readFileSync(path.join(dir, f), 'utf8'))
      .join('\n');
  for (const build of ['chrome-mv3', 'firefox-mv2', 'firefox-mv3']) {
    const shippedCode = bundled(path.join('.output', build));
    expect(shippedCode).not.toContain(LAB_CATALOG_PUBLIC_KEY);
    expect(shippedCode).toContain(CATALOG_KEYS.current);
    expect(shippedCode).toContain(CATALOG_KEYS.backup);
    const labCode = bundled(path.join('.output-lab', build));
    expect(labCode).toContain(LAB_CATALOG_PUBLIC_KEY);
    expect(labCode).not.toContain(CATALOG_KEYS.current);
  }
});
