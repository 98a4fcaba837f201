import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CATALOG_UPDATE_INTERVAL_MS, catalogInUse, checkForCatalogUpdate, parseCatalogUpdateCheck, parseStoredCatalogUpdate, type CatalogUpdateDeps } from '../../lib/catalog-update';
import { encodePublicKey, generateSecretKey, signMinisign, type MinisignSecretKey } from '../../scripts/minisign-sign';
import { MAX_CATALOG_BYTES } from '../../catalog/validate-catalog';
import { STORAGE_KEYS } from '../../lib/storage';
import { memoryStorage } from './fakes';

const shipped = JSON.parse(readFileSync(new URL('../../catalog/providers.json', import.meta.url), 'utf8'));
const SHIPPED = { version: 2, expires_at: '2027-06-30T00:00:00Z' };
const T0 = Date.parse('2026-12-02T12:00:00Z');
const key = generateSecretKey();
const stranger = generateSecretKey();

const catalog = (version: number, extra: Record<string, unknown> = {}) =>
  new TextEncoder().encode(JSON.stringify({ ...shipped, version, expires_at: '2027-06-30T00:00:00Z', ...extra }));
const sig = (bytes: Uint8Array, by: MinisignSecretKey = key) => signMinisign(bytes, by, { trustedComment: 'test' });


type Route = Uint8Array | string | number | (() => Response);

/** A fake network: URL → body (or status, or a Response), with every request's options recorded. */
function network(routes: Record<string, Route>) {
  const calls: Array<{ url: string; init?: RequestInit }> = [];
  const fetch = async (url: string, init?: RequestInit) => {
    calls.push({ url, init });
    const route = routes[url];
    if (route === undefined) throw new TypeError('Failed to fetch');
    if (typeof route === 'number') return new Response('nope', { status: route });
    if (typeof route === 'function') return route();
    return new Response(route as BodyInit, { status: 200 });
  };
  return { fetch, calls };
}

function deps(fetch: CatalogUpdateDeps['fetch'], storage = memoryStorage(), overrides: Partial<Omit<CatalogUpdateDeps, 'storage'>> = {}) {
  const lines: string[] = [];
  let now = T0;
  const d: CatalogUpdateDeps & { lines: string[]; storage: typeof storage; advance(ms: number): void } = {
    fetch,
    storage,
    now: () => now,
    log: (line) => lines.push(line),
    urls: ['https://a.example/catalog.json', 'https://b.example/catalog.json'],
    trustedKeys: [encodePublicKey(key)],
    shipped: SHIPPED,
    lines,
    advance: (ms) => (now += ms),
    ...overrides,
  };
  return d;
}

const A = 'https://a.example/catalog.json';
const B = 'https://b.example/catalog.json';

describe('catalog updates', () => {
  it('takes a newer signed catalog, stores it, and uses it, with credentials omitted and the cache bypassed', async () => {
    const bytes = catalog(3);
    const net = network({ [A]: bytes, [`${A}.minisig`]: sig(bytes) });
    const d = deps(net.fetch);
    expect(await checkForCatalogUpdate(d)).toEqual({ outcome: 'accepted', version: 3, from: A });
    expect(net.calls.map((c) => c.url)).toEqual([A, `${A}.minisig`]);
    for (const c of net.calls) expect(c.init).toMatchObject({ credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer' });
    expect(await catalogInUse(d)).toMatchObject({ source: 'update', version: 3, stale: false, from: A });
    expect(d.lines).toEqual([expect.stringContaining('accepted: version 3 (was 2)')]);
  });

  it('tries the URLs in turn: one blocked, one tampered, then a good one; one log line per refusal', async () => {
    const bytes = catalog(4);
    const tampered = bytes.slice();
    tampered[100]! ^= 1;
    const net = network({
      // A: unreachable (no route). The second URL serves a tampered file.
      [B]: tampered,
      [`${B}.minisig`]: sig(bytes),
      'https://c.example/catalog.json': bytes,
      'https://c.example/catalog.json.minisig': sig(bytes),
    });
    const d = deps(net.fetch, memoryStorage(), { urls: [A, B, 'https://c.example/catalog.json'] });
    expect(await checkForCatalogUpdate(d)).toMatchObject({ outcome: 'accepted', version: 4, from: 'https://c.example/catalog.json' });
    expect(d.lines).toHaveLength(3);
    expect(d.lines[0]).toMatch(/a\.example.*refused \(network\)/);
    expect(d.lines[1]).toMatch(/b\.example.*refused \(bad-signature\)/);
  });

  it('keeps the last good catalog when every URL refuses, and says why once per URL', async () => {
    const good = catalog(3);
    const d = deps(network({ [A]: good, [`${A}.minisig`]: sig(good) }).fetch);
    await checkForCatalogUpdate(d);
    d.advance(CATALOG_UPDATE_INTERVAL_MS);
    const older = catalog(2);
    const foreign = catalog(9);
    const net = network({ [A]: older, [`${A}.minisig`]: sig(older), [B]: foreign, [`${B}.minisig`]: sig(foreign, stranger) });
    const again = deps(net.fetch, d.storage);
    again.advance(CATALOG_UPDATE_INTERVAL_MS);
    expect(await checkForCatalogUpdate(again)).toEqual({ outcome: 'no-update', refusals: [{ url: A, reason: 'replay' }, { url: B, reason: 'unknown-key' }] });
    expect(again.lines).toHaveLength(2);
    expect(await catalogInUse(again)).toMatchObject({ source: 'update', version: 3 });
    expect(again.storage.data[STORAGE_KEYS.catalogUpdateCheck]).toMatchObject({ outcome: 'unknown-key' });
  });

  it('refuses an equal version, an expired catalog and a valid signature over an invalid catalog', async () => {
    const equal = catalog(2);
    const expired = catalog(5, { expires_at: '2026-01-01T00:00:00Z' });
    const invalid = catalog(6, { providers: [{ ...shipped.providers[0], webmail: 'javascript:alert(1)' }] });
    const net = network({ [A]: equal, [`${A}.minisig`]: sig(equal), [B]: expired, [`${B}.minisig`]: sig(expired), 'https://c.example/c': invalid, 'https://c.example/c.minisig': sig(invalid) });
    const d = deps(net.fetch, memoryStorage(), { urls: [A, B, 'https://c.example/c'] });
    const result = await checkForCatalogUpdate(d);
    expect(result).toMatchObject({ outcome: 'no-update', refusals: [{ reason: 'replay' }, { reason: 'expired' }, { reason: 'invalid-catalog' }] });
    expect(d.lines[2]).toContain('$.providers[0].webmail');
    expect(d.storage.data[STORAGE_KEYS.catalogUpdate]).toBeUndefined();
    expect(await catalogInUse(d)).toEqual({ source: 'shipped', version: 2, stale: false });
  });

  it('asks at most once a day, whatever the outcome, and again after a day or when the clock went back', async () => {
    const net = network({});
    const d = deps(net.fetch, memoryStorage(), { urls: [A] });
    expect(await checkForCatalogUpdate(d)).toMatchObject({ outcome: 'no-update' });
    d.advance(CATALOG_UPDATE_INTERVAL_MS - 1);
    expect(await checkForCatalogUpdate(d)).toEqual({ outcome: 'skipped', reason: 'checked-recently' });
    expect(net.calls).toHaveLength(1);
    d.advance(1);
    await checkForCatalogUpdate(d);
    expect(net.calls).toHaveLength(2);
    // A stored check time in the future must not silence updates.
    d.storage.data[STORAGE_KEYS.catalogUpdateCheck] = { checkedAt: T0 + 10 * 365 * 86_400_000, outcome: 'accepted' };
    await checkForCatalogUpdate(d);
    expect(net.calls).toHaveLength(3);
  });

  it('stops reading a body past the cap, even when Content-Length lies or is absent', async () => {
    let pulled = 0;
    const endless = () =>
      new Response(
        new ReadableStream({
          pull(controller) {
            pulled += 1;
            controller.enqueue(new Uint8Array(64 * 1024).fill(0x20));
          },
        }),
        { status: 200, headers: { 'content-length': '10' } },
      );
    const d = deps(network({ [A]: endless }).fetch, memoryStorage(), { urls: [A] });
    expect(await checkForCatalogUpdate(d)).toMatchObject({ refusals: [{ reason: 'too-large' }] });
    expect(pulled).toBeLessThanOrEqual(Math.ceil(MAX_CATALOG_BYTES / (64 * 1024)) + 2);
    const declared = () => new Response('x', { status: 200, headers: { 'content-length': String(MAX_CATALOG_BYTES + 1) } });
    const d2 = deps(network({ [A]: declared }).fetch, memoryStorage(), { urls: [A] });
    expect(await checkForCatalogUpdate(d2)).toMatchObject({ refusals: [{ reason: 'too-large' }] });
    expect(d2.lines[0]).toContain('declares');
  });

  it('refuses an oversized signature file, an HTTP error, and URLs that are not https', async () => {
    const bytes = catalog(3);
    const net = network({ [A]: bytes, [`${A}.minisig`]: 'x'.repeat(5000), [B]: 404 });
    const d = deps(net.fetch, memoryStorage(), { urls: [A, B, 'http://c.example/catalog.json', 'javascript:alert(1)', 'https://user:pw@c.example/'] });
    const result = await checkForCatalogUpdate(d);
    expect(result).toMatchObject({ refusals: [{ reason: 'malformed-signature' }, { reason: 'http-status' }, { reason: 'bad-url' }, { reason: 'bad-url' }, { reason: 'bad-url' }] });
    // The plain-http and javascript: URLs were never fetched.
    expect(net.calls.map((c) => c.url)).toEqual([A, `${A}.minisig`, B]);
  });

  it('does nothing without update URLs', async () => {
    const net = network({});
    expect(await checkForCatalogUpdate(deps(net.fetch, memoryStorage(), { urls: [] }))).toEqual({ outcome: 'skipped', reason: 'no-urls' });
    expect(net.calls).toHaveLength(0);
  });

  it('keeps a BOM as received, so the stored text still verifies', async () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...catalog(3)]);
    const d = deps(network({ [A]: bytes, [`${A}.minisig`]: sig(bytes) }).fetch, memoryStorage(), { urls: [A] });
    expect(await checkForCatalogUpdate(d)).toMatchObject({ outcome: 'accepted' });
    expect(await catalogInUse(d)).toMatchObject({ source: 'update', version: 3 });
  });
});

describe('the catalog in use, read back from storage', () => {
  async function stored(version = 3, extra: Record<string, unknown> = {}) {
    const bytes = catalog(version, extra);
    const d = deps(network({ [A]: bytes, [`${A}.minisig`]: sig(bytes) }).fetch, memoryStorage(), { urls: [A] });
    await checkForCatalogUpdate(d);
    return d;
  }

  it('falls back to the shipped catalog when the stored text was edited: the signature is checked again', async () => {
    const d = await stored();
    const entry = d.storage.data[STORAGE_KEYS.catalogUpdate] as { text: string };
    entry.text = entry.text.replace('Proton Mail', 'Pr0ton Mail');
    expect(await catalogInUse(d)).toEqual({ source: 'shipped', version: 2, stale: false });
    expect(d.lines.at(-1)).toMatch(/no longer verifies \(bad-signature/);
  });

  it('falls back when the built-in keys changed (a revoked key)', async () => {
    const d = await stored();
    expect(await catalogInUse({ ...d, trustedKeys: [encodePublicKey(stranger)] })).toMatchObject({ source: 'shipped' });
  });

  it('uses the shipped catalog once an extension update ships a newer one (the floor)', async () => {
    const d = await stored(3);
    expect(await catalogInUse({ ...d, shipped: { version: 3, expires_at: SHIPPED.expires_at } })).toMatchObject({ source: 'shipped', version: 3 });
  });

  it('keeps an update that expired after it was accepted, marked stale', async () => {
    const d = await stored(3, { expires_at: '2026-12-10T00:00:00Z' });
    d.advance(30 * 86_400_000);
    expect(await catalogInUse(d)).toMatchObject({ source: 'update', version: 3, stale: true });
  });

  it.each([
    ['not an object', 'garbage'],
    ['a list', []],
    ['no signature', { text: '{}', version: 3, acceptedAt: 1, from: A }],
    ['a huge text', { text: 'x'.repeat(MAX_CATALOG_BYTES + 1), signature: '', version: 3, acceptedAt: 1, from: A }],
    ['a fractional version', { text: '{}', signature: '', version: 3.5, acceptedAt: 1, from: A }],
    ['a time that is not a number', { text: '{}', signature: '', version: 3, acceptedAt: 'now', from: A }],
  ])('drops a stored update that is %s', async (_what, value) => {
    expect(parseStoredCatalogUpdate(value)).toBeUndefined();
    const storage = memoryStorage();
    storage.data[STORAGE_KEYS.catalogUpdate] = value;
    expect(await catalogInUse(deps(network({}).fetch, storage))).toEqual({ source: 'shipped', version: 2, stale: false });
  });

  it('holds the check record to the writer\'s rules', () => {
    expect(parseCatalogUpdateCheck({ checkedAt: T0, outcome: 'accepted' })).toEqual({ checkedAt: T0, outcome: 'accepted' });
    for (const bad of [null, 'x', { checkedAt: -1, outcome: 'x' }, { checkedAt: Infinity, outcome: 'x' }, { checkedAt: T0, outcome: 'x'.repeat(100) }, { checkedAt: T0 }]) {
      expect(parseCatalogUpdateCheck(bad)).toBeUndefined();
    }
  });

  it('marks the shipped catalog stale once it has expired', async () => {
    const d = deps(network({}).fetch, memoryStorage(), { shipped: { version: 2, expires_at: '2026-01-01T00:00:00Z' } });
    expect(await catalogInUse(d)).toEqual({ source: 'shipped', version: 2, stale: true });
  });
});
