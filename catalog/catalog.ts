/**
 * The provider catalog: which mail providers Detour watches, their official domains, and the onion
 * addresses they publish themselves, each with its sources.
 *
 * `providers.json` keeps every citation of the catalog it was copied from (see catalog/SOURCES.md). It ships inside the signed extension package; nothing at run time can add an address to it.
 * No browser API here: the service and the scripts read the same file. The background reads only
 * catalog/provider-index.ts (names and domains): the citations are for the pages that show them.
 */
import raw from './providers.json';
import type { IndexedProvider } from './provider-index';
import { isValidV3OnionHost } from '../engine/onion-address';

export interface Source {
  type: 'repo' | 'page' | string;
  url: string;
  repo?: string;
  path?: string;
  commit?: string;
  publisher?: string;
  /** `provider` when the provider itself published it; `curated-list` for a third party. */
  publisher_kind?: string;
  note?: string;
  date?: string;
}

export interface CatalogOnion {
  url: string;
  service: string;
  sources: Source[];
  /** Distinct publishers that list this exact address. */
  confirmed_by: number;
  provider_published: boolean;
  single_source: boolean;
  as_published: string;
  notes?: string;
}

export interface MailServer {
  host: string;
  port: number;
  socket: string;
}

export interface CatalogProvider {
  id: string;
  name: string;
  domains: string[];
  domain_sources: Source[];
  webmail: string | null;
  onions: CatalogOnion[];
  mirrors: Array<{ url: string; sources: Source[] }>;
  status_page: string | null;
  imap: MailServer | null;
  smtp: MailServer | null;
  onion_location: string;
  notes: string;
  status_page_sources: Source[];
  /** The provider's own published advice for getting around a block (catalog/SOURCES.md). */
  advice: ProviderAdvice[];
  /** Its other names share the blocked addresses, so they would not get around an IP block; null: not known. */
  mirrors_share_addresses: boolean | null;
  mirrors_share_addresses_sources: Source[];
  /** The Citizen Lab test-list rows that name it. */
  test_lists: Source[];
}

export interface ProviderAdvice {
  kind: string;
  url: string;
  summary_en: string;
  sources: Source[];
}

export interface BlockingEvent {
  provider: string;
  country: string;
  start: string;
  end?: string;
  status: string;
  method?: string;
  sources: Source[];
  notes?: string;
}

interface CatalogFile {
  /** Grows with every published catalog; a signed update must carry a greater one. */
  version: number;
  expires_at: string;
  updated?: string;
  generated: string;
  policy: string;
  providers: CatalogProvider[];
  blocking_events: BlockingEvent[];
}

const catalog = raw as unknown as CatalogFile;

export const providers: readonly CatalogProvider[] = catalog.providers;
export const blockingEvents: readonly BlockingEvent[] = catalog.blocking_events;
export const catalogGenerated = catalog.generated;
/** The floor for signed updates (lib/catalog-update.ts): only a greater version replaces it. */
export const shippedCatalog: { readonly version: number; readonly expires_at: string } = { version: catalog.version, expires_at: catalog.expires_at };

/**
 * The onions a user may be shown: v3, published by the provider itself, cited, and reachable from a
 * browser (an address without a scheme, such as an MX onion for port 25, is for mail servers).
 */
export function showableOnions(provider: CatalogProvider): CatalogOnion[] {
  return provider.onions.filter((onion) => {
    if (!onion.provider_published || !onion.sources.some((s) => s.publisher_kind === 'provider')) return false;
    let url: URL;
    try {
      url = new URL(onion.url);
    } catch {
      return false;
    }
    // The checksum and key again at run time, not only the shape: a wrong address is phishing.
    return (url.protocol === 'http:' || url.protocol === 'https:') && isValidV3OnionHost(url.hostname);
  });
}

export { catalogDomains, catalogHostPatterns, providerForHost, rootDomains, siblingDomains } from './provider-index';

/** The slice of the catalog the background carries: catalog/provider-index.json is built from it. */
export function indexOf(catalog: { providers: readonly CatalogProvider[] }): IndexedProvider[] {
  return catalog.providers.map(({ id, domains, webmail }) => {
    const checkUrl = checkUrlOf(webmail, domains);
    return checkUrl ? { id, domains: [...domains], checkUrl } : { id, domains: [...domains] };
  });
}

/** A provider's name as the pages show it; the background knows providers by id only. */
export function providerName(id: string): string | undefined {
  return providers.find((p) => p.id === id)?.name;
}

/**
 * The page a status check loads: the webmail the catalog names, else the first domain's root; none
 * for a provider with no domain left (it is kept for its history). Query and fragment are dropped.
 */
function checkUrlOf(webmail: string | null | undefined, domains: readonly string[]): string | undefined {
  if (webmail) {
    const url = new URL(webmail);
    return `${url.origin}${url.pathname}`;
  }
  return domains[0] ? `https://${domains[0]}/` : undefined;
}
