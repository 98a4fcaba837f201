/**
 * Fetching a signed catalog update, at most once a day, from the update URLs in the settings, tried
 * in turn until one gives a catalog catalog/signed-catalog.ts accepts (signature by a built-in key,
 * schema and onion policy, a greater version, not expired).
 *
 * The last good catalog stays whatever happens: a refusal, a network failure, a blocked URL each get
 * one log line and change nothing stored. The shipped catalog is the floor: a stored update is used
 * only while its version is greater than the shipped one (a newer extension brings a newer floor).
 * An update whose `expires_at` has passed stays in use, marked stale, until a newer one is accepted.
 *
 * Every byte is the network's: bodies are read through a streaming cap (the catalog's size limit,
 * 4 KB for the signature), with a deadline, without cookies or credentials, bypassing the cache.
 * What is stored is read back as untrusted: the shape first, then the signature verified again.
 */
import { acceptCatalogUpdate, isExpired, MAX_SIGNATURE_CHARS, type CatalogRefusal } from '../catalog/signed-catalog';
import { MAX_CATALOG_BYTES, type ValidCatalog } from '../catalog/validate-catalog';
import { readBodyBytes, type Fetch } from './probes/timed-fetch';
import { isTrustedEndpoint, MAX_CATALOG_UPDATE_URLS } from './settings';
import { STORAGE_KEYS, type CatalogUpdateCheck, type KeyValueStorage, type StoredCatalogUpdate } from './storage';

export const CATALOG_UPDATE_INTERVAL_MS = 24 * 60 * 60 * 1000;
const FETCH_TIMEOUT_MS = 20_000;
const MAX_URL_CHARS = 2000;

export interface CatalogUpdateDeps {
  fetch: Fetch;
  storage: KeyValueStorage;
  now(): number;
  /** One line per event; the background passes console.warn. */
  log(line: string): void;
  /** The update URLs, in order (settings.catalogUpdateUrls). `.minisig` is appended for the signature. */
  urls: readonly string[];
  /** catalog/catalog-keys.ts TRUSTED_CATALOG_KEYS. */
  trustedKeys: readonly string[];
  /** The catalog built into the extension: its version is the floor. */
  shipped: { version: number; expires_at: string };
  timeoutMs?: number;
}

export type CatalogInUse =
  | { source: 'shipped'; version: number; stale: boolean }
  | { source: 'update'; version: number; stale: boolean; catalog: ValidCatalog; from: string; acceptedAt: number };

export type CatalogCheckResult =
  | { outcome: 'skipped'; reason: 'checked-recently' | 'no-urls' }
  | { outcome: 'accepted'; version: number; from: string }
  | { outcome: 'no-update'; refusals: Array<{ url: string; reason: CatalogRefusal | 'network' | 'http-status' | 'bad-url' }> };

const isFiniteTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;

/** The shape the writer stores; the signature is checked again by catalogInUse(). */
export function parseStoredCatalogUpdate(raw: unknown): StoredCatalogUpdate | undefined {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const { text, signature, version, acceptedAt, from } = raw as Record<string, unknown>;
  // A catalog of MAX_CATALOG_BYTES has at most that many UTF-16 units once decoded.
  if (typeof text !== 'string' || text.length > MAX_CATALOG_BYTES) return undefined;
  if (typeof signature !== 'string' || signature.length > MAX_SIGNATURE_CHARS) return undefined;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) return undefined;
  if (!isFiniteTime(acceptedAt)) return undefined;
  if (typeof from !== 'string' || from.length > MAX_URL_CHARS) return undefined;
  return { text, signature, version, acceptedAt, from };
}

export function parseCatalogUpdateCheck(raw: unknown): CatalogUpdateCheck | undefined {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const { checkedAt, outcome } = raw as Record<string, unknown>;
  if (!isFiniteTime(checkedAt) || typeof outcome !== 'string' || outcome.length > 40) return undefined;
  return { checkedAt, outcome };
}

/**
 * The catalog to use now: the stored update if its signature still verifies with the built-in keys
 * and it is newer than the shipped catalog, else the shipped one. `stale`: past its `expires_at`.
 */
export async function catalogInUse(deps: Pick<CatalogUpdateDeps, 'storage' | 'trustedKeys' | 'shipped' | 'now' | 'log'>): Promise<CatalogInUse> {
  const now = deps.now();
  const floor: CatalogInUse = { source: 'shipped', version: deps.shipped.version, stale: isExpired(deps.shipped, now) };
  let raw: unknown;
  try {
    raw = (await deps.storage.get([STORAGE_KEYS.catalogUpdate]))[STORAGE_KEYS.catalogUpdate];
  } catch {
    return floor;
  }
  if (raw === undefined) return floor;
  const stored = parseStoredCatalogUpdate(raw);
  if (!stored) {
    deps.log('Detour catalog: the stored update is malformed; using the shipped catalog');
    return floor;
  }
  // Verified as at the moment it was accepted: an update that expired since stays, marked stale.
  const again = acceptCatalogUpdate({
    bytes: new TextEncoder().encode(stored.text),
    signature: stored.signature,
    trustedKeys: deps.trustedKeys,
    current: { version: deps.shipped.version },
    now: stored.acceptedAt,
  });
  if (!again.ok) {
    // `replay` here is the normal case after an extension update raised the floor.
    if (again.reason !== 'replay') deps.log(`Detour catalog: the stored update no longer verifies (${again.reason}: ${again.detail}); using the shipped catalog`);
    return floor;
  }
  return { source: 'update', version: again.catalog.version, stale: isExpired(again.catalog, now), catalog: again.catalog, from: stored.from, acceptedAt: stored.acceptedAt };
}

type Fetched = { ok: true; bytes: Uint8Array } | { ok: false; reason: 'network' | 'http-status' | 'too-large'; detail: string };

async function fetchCapped(deps: CatalogUpdateDeps, url: string, limit: number): Promise<Fetched> {
  let response: Response;
  try {
    response = await deps.fetch(url, {
      method: 'GET',
      credentials: 'omit',
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
      signal: AbortSignal.timeout(deps.timeoutMs ?? FETCH_TIMEOUT_MS),
    });
  } catch (e) {
    return { ok: false, reason: 'network', detail: e instanceof Error ? e.name : 'fetch failed' };
  }
  if (response.status !== 200) {
    void response.body?.cancel().catch(() => undefined);
    return { ok: false, reason: 'http-status', detail: `HTTP ${response.status}` };
  }
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    void response.body?.cancel().catch(() => undefined);
    return { ok: false, reason: 'too-large', detail: `declares ${declared} bytes, more than ${limit}` };
  }
  const body = await readBodyBytes(response, limit);
  if (body.truncated) return { ok: false, reason: 'too-large', detail: `more than ${limit} bytes` };
  return { ok: true, bytes: body.bytes };
}

/** Tries the update URLs in turn, at most once a day; stores the first update accepted. */
export async function checkForCatalogUpdate(deps: CatalogUpdateDeps): Promise<CatalogCheckResult> {
  const now = deps.now();
  const urls = deps.urls.slice(0, MAX_CATALOG_UPDATE_URLS);
  if (urls.length === 0) return { outcome: 'skipped', reason: 'no-urls' };
  const last = parseCatalogUpdateCheck((await deps.storage.get([STORAGE_KEYS.catalogUpdateCheck]))[STORAGE_KEYS.catalogUpdateCheck]);
  // A check time in the future (a clock set back) does not block checking for a day or a decade.
  if (last && last.checkedAt <= now && now - last.checkedAt < CATALOG_UPDATE_INTERVAL_MS) return { outcome: 'skipped', reason: 'checked-recently' };
  // Written before trying, so a worker killed mid-check does not retry in a loop.
  await deps.storage.set({ [STORAGE_KEYS.catalogUpdateCheck]: { checkedAt: now, outcome: 'checking' } satisfies CatalogUpdateCheck });

  const inUse = await catalogInUse(deps);
  const refusals: Array<{ url: string; reason: CatalogRefusal | 'network' | 'http-status' | 'bad-url' }> = [];
  const refuse = (url: string, reason: CatalogRefusal | 'network' | 'http-status' | 'bad-url', detail: string) => {
    refusals.push({ url, reason });
    deps.log(`Detour catalog update from ${url.slice(0, 200)} refused (${reason}): ${detail}`);
  };
  for (const url of urls) {
    if (typeof url !== 'string' || url.length > MAX_URL_CHARS || !isTrustedEndpoint(url)) {
      refuse(String(url).slice(0, 200), 'bad-url', 'not an https URL (http only on loopback)');
      continue;
    }
    const body = await fetchCapped(deps, url, MAX_CATALOG_BYTES);
    if (!body.ok) {
      refuse(url, body.reason, body.detail);
      continue;
    }
    const sig = await fetchCapped(deps, `${url}.minisig`, MAX_SIGNATURE_CHARS);
    if (!sig.ok) {
      refuse(url, sig.reason === 'too-large' ? 'malformed-signature' : sig.reason, `signature: ${sig.detail}`);
      continue;
    }
    let signature: string;
    let text: string;
    try {
      signature = new TextDecoder('utf-8', { fatal: true }).decode(sig.bytes);
      // ignoreBOM keeps a BOM in the text, so the stored text re-encodes to exactly the signed bytes.
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body.bytes);
    } catch {
      refuse(url, 'malformed', 'not UTF-8');
      continue;
    }
    const result = acceptCatalogUpdate({ bytes: body.bytes, signature, trustedKeys: deps.trustedKeys, current: { version: inUse.version }, now });
    if (!result.ok) {
      refuse(url, result.reason, result.detail);
      continue;
    }
    const stored: StoredCatalogUpdate = { text, signature, version: result.catalog.version, acceptedAt: now, from: url };
    await deps.storage.set({
      [STORAGE_KEYS.catalogUpdate]: stored,
      [STORAGE_KEYS.catalogUpdateCheck]: { checkedAt: now, outcome: 'accepted' } satisfies CatalogUpdateCheck,
    });
    deps.log(`Detour catalog update from ${url.slice(0, 200)} accepted: version ${result.catalog.version} (was ${inUse.version}), signed by key ${result.keyId}`);
    return { outcome: 'accepted', version: result.catalog.version, from: url };
  }
  const outcome = refusals.at(-1)?.reason ?? 'no-update';
  await deps.storage.set({ [STORAGE_KEYS.catalogUpdateCheck]: { checkedAt: now, outcome } satisfies CatalogUpdateCheck });
  return { outcome: 'no-update', refusals };
}
