/**
 * What the user can do now: the steps that fit how the network blocks, in the order that fits it.
 * A pure function of the verdict, the provider's catalog entry and what the probes measured, so the
 * popup only renders it and a test can hold every method to its advice.
 *
 * Nothing here invents an address: onions come from the catalog only through showableOnions()
 * (provider-published, cited, valid v3), mirrors are the provider's own catalog domains and are
 * offered as working only when the probe run loaded them.
 */
import type { CatalogOnion, CatalogProvider, ProviderAdvice, Source } from '../catalog/catalog';
import { showableOnions } from '../catalog/catalog';
import tor from '../catalog/tor.json';
import { isValidV3OnionHost } from '../engine/onion-address';
import type { SiblingObservation, Verdict } from '../engine/types';
import { announcedOnionHost } from './learned-onions';
import type { LearnedOnion } from './storage';

export type MirrorState = 'working' | 'failing' | 'not-checked';

export type Step =
  /** Certificate interception: said first, before anything else. */
  | { kind: 'interception-warning' }
  /** DNS tampering: the browser's secure DNS usually restores access; "check again" proves it. */
  | { kind: 'secure-dns' }
  /** A block page or 451 on plain HTTP: the HTTPS address. */
  | { kind: 'https'; url: string }
  | { kind: 'mirror'; host: string; url: string; state: MirrorState }
  | { kind: 'onion'; onion: CatalogOnion }
  /** Announced by the site itself (Onion-Location), never mixed with the catalog's. */
  | { kind: 'announced-onion'; url: string; announcedAt: number; pageOrigin: string }
  | { kind: 'provider-advice'; advice: ProviderAdvice }
  /** Tor Browser with the ordinary address; `withOnion` when an onion is offered above. */
  | { kind: 'tor-browser'; links: TorLink[] }
  /** Where Tor itself is blocked: bridges, and how to get Tor Browser where torproject.org is blocked. */
  | { kind: 'bridges'; links: TorLink[] }
  /** The provider's other names share the blocked addresses: a mirror would not help, Tor or a VPN would. */
  | { kind: 'same-addresses'; sources: Source[] }
  /** Throttled, not cut off: Tor or a VPN restores the speed; the other names likely share the slowed servers. */
  | { kind: 'throttled' }
  | { kind: 'wait' }
  | { kind: 'status-page'; url: string }
  | { kind: 'captive-portal' }
  | { kind: 'check-proxy' }
  | { kind: 'check-connection' };

export interface TorLink {
  id: string;
  url: string;
}

export interface WayAroundInput {
  verdict: Verdict;
  /** The URL that failed. */
  url: string;
  provider?: CatalogProvider;
  /** The probe run's loads of the provider's other names (lib/probes/run-probes.ts). */
  siblings?: readonly SiblingObservation[];
  /** Onion-Location announcements remembered for the provider (lib/learned-onions.ts). */
  announced?: readonly LearnedOnion[];
}

const torLinks = (ids: string[]): TorLink[] =>
  ids.flatMap((id) => {
    const item = tor.items.find((i) => i.id === id);
    return item ? [{ id, url: item.url }] : [];
  });

const TOR_BROWSER_LINKS = ['tor-browser-android', 'gettor-email', 'gettor-telegram', 'mirror-eff'];
const BRIDGE_LINKS = ['connection-assist', 'snowflake', 'bridges-telegram', 'bridges-email', 'bridges-website'];

/** The provider's other official domains, each in the state the probe run left it. */
export function mirrorSteps(host: string, provider: CatalogProvider | undefined, siblings: readonly SiblingObservation[] = []): Step[] {
  if (!provider) return [];
  const others = provider.domains.filter((d) => d !== host && !host.endsWith(`.${d}`) && !d.endsWith(`.${host}`));
  const steps = others.map((domain): Step => {
    const seen = siblings.find((s) => s.host === domain);
    const state: MirrorState = seen ? (seen.ok ? 'working' : 'failing') : 'not-checked';
    return { kind: 'mirror', host: domain, url: `https://${domain}/`, state };
  });
  // Proven first, unknown next, failing last: never hidden, never shown as working.
  const rank: Record<MirrorState, number> = { working: 0, 'not-checked': 1, failing: 2 };
  return steps.sort((a, b) => (a.kind === 'mirror' && b.kind === 'mirror' ? rank[a.state] - rank[b.state] : 0));
}

/** The background stored it without checking the checksum and key (lib/learned-onions.ts): done here. */
function verifiedAnnouncement(announced: LearnedOnion): boolean {
  const host = announcedOnionHost(announced.url);
  return host !== undefined && isValidV3OnionHost(host);
}

function torSteps(provider: CatalogProvider | undefined, announced: readonly LearnedOnion[]): Step[] {
  const onions = provider ? showableOnions(provider).map((onion): Step => ({ kind: 'onion', onion })) : [];
  const catalogUrls = new Set(provider?.onions.map((o) => o.url));
  // An announcement of an address the catalog already lists adds nothing; the catalog's source is shown.
  const fromSite = announced.filter((a) => !catalogUrls.has(a.url) && verifiedAnnouncement(a)).map((a): Step => ({ kind: 'announced-onion', ...a }));
  return [...onions, ...fromSite, { kind: 'tor-browser', links: torLinks(TOR_BROWSER_LINKS) }, { kind: 'bridges', links: torLinks(BRIDGE_LINKS) }];
}

function providerAdvice(provider: CatalogProvider | undefined): Step[] {
  return (provider?.advice ?? []).filter((a) => a.sources.length > 0 && a.kind !== 'onion').map((advice): Step => ({ kind: 'provider-advice', advice }));
}

export function wayAround({ verdict, url, provider, siblings, announced = [] }: WayAroundInput): Step[] {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return [];
  }
  const statusPage = provider?.status_page ? [{ kind: 'status-page', url: provider.status_page } satisfies Step] : [];
  if (verdict.kind === 'outage') return [{ kind: 'wait' }, ...statusPage];
  if (verdict.kind === 'local') {
    switch (verdict.localCause) {
      case 'captive-portal':
        return [{ kind: 'captive-portal' }];
      case 'proxy':
        return [{ kind: 'check-proxy' }];
      default:
        return [{ kind: 'check-connection' }];
    }
  }
  if (verdict.kind !== 'censorship') return [];

  const mirrors = mirrorSteps(host, provider, siblings);
  const working = mirrors.filter((m) => m.kind === 'mirror' && m.state === 'working');
  const rest = mirrors.filter((m) => !working.includes(m));
  const sameAddresses = provider?.mirrors_share_addresses
    ? [{ kind: 'same-addresses', sources: provider.mirrors_share_addresses_sources } satisfies Step]
    : [];
  const advice = providerAdvice(provider);

  switch (verdict.method) {
    case 'interception':
      return [{ kind: 'interception-warning' }, ...torSteps(provider, announced), ...advice];
    case 'dns':
      return [{ kind: 'secure-dns' }, ...working, ...torSteps(provider, announced), ...advice, ...rest];
    case 'blockpage':
    case 'http-451':
    case 'http-diff': {
      const https = url.startsWith('http:') ? [{ kind: 'https', url: `https://${host}/` } satisfies Step] : [];
      return [...https, ...working, ...torSteps(provider, announced), ...advice, ...rest];
    }
    case 'throttling':
      // Throttled: Tor or a VPN first. A name that "loaded" in the probe run only sent its first bytes,
      // most likely from the same slowed servers: offered after Tor, never as the way out.
      return [{ kind: 'throttled' }, ...torSteps(provider, announced), ...advice, ...mirrors];
    default:
      // IP blocking, SNI filtering, resets, timeouts: Tor gets around all of them.
      return [...working, ...sameAddresses, ...torSteps(provider, announced), ...advice, ...rest];
  }
}
