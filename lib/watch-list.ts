/**
 * Which hosts Detour watches: the catalog's domains the user gave Detour access to (first run, or the
 * options page: one prompt for the providers they use), plus the domains the user added. Both are
 * backed by a host permission the user granted; the browser's grants are the only record of which
 * catalog providers are watched, so a permission taken back in the browser's own settings stops
 * the watching too.
 */
import { catalogDomains, providerForHost, type IndexedProvider } from '../catalog/provider-index';
import { hostMatchesDomain, hostPattern, normalizeHost } from '../engine/hosts';
import type { ProviderSummary, WatchedDomain } from './messages';

export const MAX_USER_DOMAINS = 200;

/** The match pattern that grants Detour a domain and its subdomains. */
export const originPattern = hostPattern;

/** webNavigation URL filters for a set of domains: the domain itself and any subdomain. */
export function navigationFilters(domains: readonly string[]): Array<{ hostEquals: string } | { hostSuffix: string }> {
  return domains.flatMap((d) => [{ hostEquals: d }, { hostSuffix: `.${d}` }]);
}

export function summarize(provider: IndexedProvider | undefined): ProviderSummary | undefined {
  return provider ? { id: provider.id } : undefined;
}

/** Granted origins that cover every host (no Detour build asks for them; a policy might grant them). */
const ALL_HOSTS = new Set(['<all_urls>', '*://*/*']);

export class WatchList {
  /** Every catalog root domain, watched or not. */
  readonly allCatalog: readonly string[] = catalogDomains();
  private granted: readonly string[] = [];
  private user: string[] = [];

  /** The catalog root domains Detour may access, and so watches. */
  get catalog(): readonly string[] {
    return this.granted;
  }

  /** The browser's granted origins (permissions.getAll): the catalog domains they cover are watched. */
  setGrantedOrigins(origins: readonly string[]): void {
    const all = origins.some((o) => ALL_HOSTS.has(o));
    const set = new Set(origins);
    this.granted = this.allCatalog.filter((d) => all || set.has(originPattern(d)));
  }

  /**
   * Untrusted stored value in, clean list out; returns how many entries were unusable. The rules are
   * add()'s: a domain, not one the catalog already watches, at most MAX_USER_DOMAINS of them. Detour
   * never writes a longer list, so entries past that are not even looked at.
   */
  loadUserDomains(stored: unknown): number {
    if (stored === undefined) return 0;
    if (!Array.isArray(stored)) return 1;
    const clean = new Set<string>();
    for (const entry of stored.slice(0, MAX_USER_DOMAINS)) {
      const domain = typeof entry === 'string' ? normalizeHost(entry) : undefined;
      if (domain && !this.allCatalog.some((d) => hostMatchesDomain(domain, d))) clean.add(domain);
    }
    this.user = [...clean].sort();
    return stored.length - this.user.length;
  }

  get userDomains(): readonly string[] {
    return this.user;
  }

  /** The watched domain a host falls under, or undefined when Detour does not watch it. */
  domainFor(host: string): string | undefined {
    // Called for every event: no array built per call.
    return this.catalog.find((d) => hostMatchesDomain(host, d)) ?? this.user.find((d) => hostMatchesDomain(host, d));
  }

  isWatched(host: string): boolean {
    return this.domainFor(host) !== undefined;
  }

  /** True when both hosts belong to the same provider or the same user domain. */
  sameSite(a: string, b: string): boolean {
    const providerA = providerForHost(a);
    if (providerA) return providerA === providerForHost(b);
    const domain = this.domainFor(a);
    return domain !== undefined && hostMatchesDomain(b, domain);
  }

  /**
   * Adds a user domain. Refuses what is not a domain, and a catalog provider's domain: that one is
   * watched by granting the provider's access (pages do that, lib/provider-access.ts).
   */
  add(input: string): { ok: true; domain: string } | { error: string } {
    const domain = normalizeHost(input);
    if (!domain) return { error: 'not-a-domain' };
    if (this.catalog.some((d) => hostMatchesDomain(domain, d))) return { error: 'already-watched' };
    if (this.allCatalog.some((d) => hostMatchesDomain(domain, d))) return { error: 'catalog-provider' };
    if (this.user.includes(domain)) return { ok: true, domain };
    if (this.user.length >= MAX_USER_DOMAINS) return { error: 'too-many-domains' };
    this.user = [...this.user, domain].sort();
    return { ok: true, domain };
  }

  remove(input: string): { ok: true; domain: string } | { error: string } {
    const domain = normalizeHost(input);
    if (!domain || !this.user.includes(domain)) return { error: 'not-a-user-domain' };
    this.user = this.user.filter((d) => d !== domain);
    return { ok: true, domain };
  }

  list(): WatchedDomain[] {
    return [
      ...this.catalog.map((domain): WatchedDomain => {
        const provider = summarize(providerForHost(domain));
        return provider ? { domain, origin: 'catalog', provider } : { domain, origin: 'catalog' };
      }),
      ...this.user.map((domain): WatchedDomain => ({ domain, origin: 'user' })),
    ];
  }
}
