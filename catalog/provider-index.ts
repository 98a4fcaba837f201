/**
 * What the background needs of the catalog: each provider's id and official domains, from
 * provider-index.json, which scripts/build-catalog-index.ts derives from providers.json (a unit test
 * keeps the two equal). The citations and onions stay out of the background's bundle; the pages
 * that show them import catalog/catalog.ts.
 */
import index from './provider-index.json';
import { hostMatchesDomain, hostPattern, normalizeHost } from '../engine/hosts';

export interface IndexedProvider {
  id: string;
  domains: string[];
  /** What a status check loads (catalog/catalog.ts checkUrlOf); absent when no domain is left. */
  checkUrl?: string;
}

export const indexedProviders: readonly IndexedProvider[] = index;

/**
 * Registrable roots of a provider's domains: `mail.proton.me` is covered by `proton.me`, so watching
 * `*.proton.me` is enough.
 */
export function rootDomains(domains: readonly string[]): string[] {
  const normalized = [...new Set(domains.map((d) => normalizeHost(d)).filter((d): d is string => !!d))];
  return normalized
    .filter((d) => !normalized.some((other) => other !== d && hostMatchesDomain(d, other)))
    .sort();
}

/** Every catalog domain, reduced to roots. */
export function catalogDomains(): string[] {
  return rootDomains(indexedProviders.flatMap((p) => p.domains));
}

/** Match patterns for the manifest's host permissions: each root and its subdomains. */
export function catalogHostPatterns(): string[] {
  return catalogDomains().map(hostPattern);
}

export function providerForHost(host: string): IndexedProvider | undefined {
  return indexedProviders.find((p) => p.domains.some((d) => hostMatchesDomain(host, d)));
}

/**
 * The provider's other official names (neither this host, nor a parent or child of it): one that loads
 * while this one fails points at a block of this name.
 */
export function siblingDomains(host: string): string[] {
  const provider = providerForHost(host);
  return provider ? provider.domains.filter((d) => !hostMatchesDomain(host, d) && !hostMatchesDomain(d, host)) : [];
}
