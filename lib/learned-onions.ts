/**
 * Onion addresses the sites themselves announced (the Onion-Location header of a top-level HTTPS
 * page that loaded), remembered per provider while the site still works, so they are there when it
 * is blocked. Kept apart from the catalog's onions and never mixed with them: the popup shows them as
 * "announced by the site on DATE".
 *
 * Bounded (a few per provider, a few dozen in all), newest wins per address, cleared with the rest of
 * Detour's data. Read back from storage through the same check the header went through.
 *
 * The background holds each one to every rule but the address's checksum and key
 * (engine/onion-location.ts `readOnionLocation`): the cryptography would take a third of the
 * service worker's size budget. The popup, which carries it for the catalog's onions anyway, checks
 * both before it shows an announcement (lib/way-around.ts), so an address that fails is never shown.
 */
import { providerForHost } from '../catalog/provider-index';
import { v3OnionShape } from '../engine/onion-shape';
import { STORAGE_KEYS, type KeyValueStorage, type LearnedOnion } from './storage';

export const LEARNED_LIMITS = { perProvider: 3, total: 40, urlChars: 512 } as const;

export type LearnedOnions = Record<string, LearnedOnion[]>;

/** Provider ids and user domains: what the memory is keyed by. */
const KEY = /^[a-z0-9_.-]{1,253}$/;

function validEntry(raw: unknown): LearnedOnion | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const { url, announcedAt, pageOrigin } = raw as Record<string, unknown>;
  if (typeof url !== 'string' || url.length > LEARNED_LIMITS.urlChars) return undefined;
  if (typeof announcedAt !== 'number' || !Number.isFinite(announcedAt) || announcedAt <= 0) return undefined;
  if (typeof pageOrigin !== 'string' || pageOrigin.length > 300 || !pageOrigin.startsWith('https://')) return undefined;
  const host = announcedOnionHost(url);
  if (host === undefined || 'error' in v3OnionShape(host)) return undefined;
  return { url, announcedAt, pageOrigin };
}

/**
 * The host of a stored announcement's URL when it is a plain http(s) URL without credentials: what
 * the background checks the shape of here, and the popup the checksum and key of (lib/way-around.ts).
 */
export function announcedOnionHost(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.username || parsed.password) return undefined;
  return parsed.hostname;
}

/** Storage is untrusted when read back: every entry is held to what record() writes. */
export function parseLearnedOnions(raw: unknown): { onions: LearnedOnions; dropped: number } {
  const onions: LearnedOnions = {};
  let dropped = 0;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { onions, dropped: raw === undefined ? 0 : 1 };
  for (const [key, list] of Object.entries(raw as Record<string, unknown>)) {
    if (!KEY.test(key) || !Array.isArray(list)) {
      dropped += 1;
      continue;
    }
    const kept = list.slice(0, LEARNED_LIMITS.perProvider).map(validEntry);
    dropped += kept.filter((e) => !e).length + Math.max(0, list.length - LEARNED_LIMITS.perProvider);
    const valid = kept.filter((e): e is LearnedOnion => !!e);
    if (valid.length) onions[key] = valid;
  }
  return { onions: trimTotal(onions), dropped };
}

/** Drops the oldest announcements beyond the total cap. */
function trimTotal(onions: LearnedOnions): LearnedOnions {
  const all = Object.entries(onions).flatMap(([key, list]) => list.map((e) => ({ key, e })));
  if (all.length <= LEARNED_LIMITS.total) return onions;
  const keep = new Set(all.sort((a, b) => b.e.announcedAt - a.e.announcedAt).slice(0, LEARNED_LIMITS.total).map((x) => x.e));
  const out: LearnedOnions = {};
  for (const [key, list] of Object.entries(onions)) {
    const kept = list.filter((e) => keep.has(e));
    if (kept.length) out[key] = kept;
  }
  return out;
}

export class LearnedOnionStore {
  private onions: LearnedOnions = {};
  readonly ready: Promise<void>;

  constructor(private readonly storage: KeyValueStorage) {
    this.ready = storage
      .get([STORAGE_KEYS.learnedOnions])
      .then((stored) => {
        this.onions = parseLearnedOnions(stored[STORAGE_KEYS.learnedOnions]).onions;
      })
      .catch(() => {});
  }

  forKey(key: string): LearnedOnion[] {
    return this.onions[key] ?? [];
  }

  /** Remembers an announcement that passed readOnionLocation; the same address again only refreshes its date. */
  async record(key: string, entry: LearnedOnion): Promise<void> {
    await this.ready;
    if (!KEY.test(key) || !validEntry(entry)) return;
    const others = (this.onions[key] ?? []).filter((e) => e.url !== entry.url);
    this.onions[key] = [entry, ...others].slice(0, LEARNED_LIMITS.perProvider);
    this.onions = trimTotal(this.onions);
    await this.storage.set({ [STORAGE_KEYS.learnedOnions]: this.onions });
  }

  async clear(): Promise<void> {
    await this.ready;
    this.onions = {};
    await this.storage.set({ [STORAGE_KEYS.learnedOnions]: {} });
  }
}

/** What announcements are kept under: the catalog provider of the host, else the host itself. */
export function onionKey(host: string): string {
  return providerForHost(host)?.id ?? host;
}
