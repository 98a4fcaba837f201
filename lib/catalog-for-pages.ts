/**
 * The catalog Detour's pages show from: the shipped one, or a signed update accepted earlier
 * (lib/catalog-update.ts). The pages keep it, not the background: the background carries only the
 * catalog's names and domains (catalog/provider-index.ts), and the signature check would not fit its
 * size budget. An update changes what the popup offers for the providers Detour watches (onions,
 * mirrors, advice, sources); which domains are watched stays what the installed extension was given.
 *
 * The update URLs are asked only when the popup shows a way around (a site the user watches is
 * blocked), at most once a day: nothing else leaves the browser for it.
 */
import { browser } from 'wxt/browser';
import { providers as shippedProviders, shippedCatalog, type CatalogProvider } from '../catalog/catalog';
import { TRUSTED_CATALOG_KEYS } from '../catalog/catalog-keys';
import { catalogInUse, checkForCatalogUpdate, type CatalogInUse } from './catalog-update';
import { parseSettings } from './settings';
import { STORAGE_KEYS } from './storage';

const deps = () => ({
  storage: browser.storage.local,
  trustedKeys: TRUSTED_CATALOG_KEYS,
  shipped: shippedCatalog,
  now: Date.now,
  log: (line: string) => console.warn(line),
});

export interface ProvidersInUse {
  providers: readonly CatalogProvider[];
  inUse: CatalogInUse;
}

export async function providersInUse(): Promise<ProvidersInUse> {
  const inUse = await catalogInUse(deps());
  return { providers: inUse.source === 'update' ? inUse.catalog.providers : shippedProviders, inUse };
}

/** Asks the configured update URLs (at most once a day); true when a newer catalog was accepted. */
export async function refreshCatalog(): Promise<boolean> {
  // Read as the background reads it (lib/detour-state.ts), without a message round trip.
  const { settings } = parseSettings((await browser.storage.local.get(STORAGE_KEYS.settings))[STORAGE_KEYS.settings]);
  const result = await checkForCatalogUpdate({ ...deps(), fetch: (url, init) => fetch(url, init), urls: settings.catalogUpdateUrls });
  return result.outcome === 'accepted';
}
