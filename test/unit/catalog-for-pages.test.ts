import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { providers as shippedProviders } from '../../catalog/catalog';
import { providersInUse, refreshCatalog } from '../../lib/catalog-for-pages';
import { encodePublicKey, generateSecretKey, signMinisign } from '../../scripts/minisign-sign';

// The extension's own keys sign nothing here: the test trusts a key of its own instead.
const keys = vi.hoisted(() => ({ trusted: [] as string[] }));
vi.mock('../../catalog/catalog-keys', () => ({ TRUSTED_CATALOG_KEYS: keys.trusted }));
const setUpdateUrls = (urls: string[]) => fakeBrowser.storage.local.set({ settings: { catalogUpdateUrls: urls } });

const shipped = JSON.parse(readFileSync(new URL('../../catalog/providers.json', import.meta.url), 'utf8'));
const key = generateSecretKey();
keys.trusted.push(encodePublicKey(key));
const URL_A = 'https://updates.example/catalog.json';

/** The shipped catalog, one version up, with mailbox.org renamed so that the test can tell them apart. */
function update(): { bytes: Uint8Array; signature: string } {
  const providers = shipped.providers.map((p: { id: string; name: string }) => (p.id === 'mailbox_org' ? { ...p, name: 'mailbox.org (updated)' } : p));
  const bytes = new TextEncoder().encode(JSON.stringify({ ...shipped, version: shipped.version + 1, providers }));
  return { bytes, signature: signMinisign(bytes, key, { trustedComment: 'test' }) };
}

function serve(routes: Record<string, Uint8Array | string>) {
  const asked: string[] = [];
  vi.stubGlobal('fetch', async (url: string) => {
    asked.push(url);
    const body = routes[url];
    if (body === undefined) throw new TypeError('Failed to fetch');
    return new Response(body as BodyInit, { status: 200 });
  });
  return asked;
}

const mailbox = (list: readonly { id: string; name: string }[]) => list.find((p) => p.id === 'mailbox_org')?.name;

describe("the pages' catalog", () => {
  beforeEach(() => {
    fakeBrowser.reset();
    vi.spyOn(console, 'warn').mockImplementation(() => {});
  });

  it('is the shipped one until an update is accepted, then the update', async () => {
    expect((await providersInUse()).inUse.source).toBe('shipped');
    expect((await providersInUse()).providers).toBe(shippedProviders);

    const { bytes, signature } = update();
    await setUpdateUrls([URL_A]);
    const asked = serve({ [URL_A]: bytes, [`${URL_A}.minisig`]: signature });
    expect(await refreshCatalog()).toBe(true);
    expect(asked).toEqual([URL_A, `${URL_A}.minisig`]);
    const now = await providersInUse();
    expect(now.inUse).toMatchObject({ source: 'update', version: shipped.version + 1, from: URL_A });
    expect(mailbox(now.providers)).toBe('mailbox.org (updated)');

    // Once a day at most: a second look asks nothing.
    expect(await refreshCatalog()).toBe(false);
    expect(asked).toHaveLength(2);
  });

  it('keeps the shipped catalog when the update is tampered with', async () => {
    const { bytes, signature } = update();
    const tampered = bytes.slice();
    tampered[100] = tampered[100]! ^ 1;
    await setUpdateUrls([URL_A]);
    serve({ [URL_A]: tampered, [`${URL_A}.minisig`]: signature });
    expect(await refreshCatalog()).toBe(false);
    const now = await providersInUse();
    expect(now.inUse.source).toBe('shipped');
    expect(mailbox(now.providers)).toBe(mailbox(shippedProviders));
  });

  it('asks nothing when no update URL is set (the shipped default)', async () => {
    const asked = serve({});
    expect(await refreshCatalog()).toBe(false);
    expect(asked).toEqual([]);
  });
});
