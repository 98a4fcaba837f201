/**
 * Block-page fingerprints applied to what the user's network answered: the system resolver's
 * addresses (DNS rows) and every HTTP answer that arrived (body and header rows). A match with a
 * national, ISP, institutional, product or provider fingerprint that fits the user's country CONFIRMS
 * blocking, whatever the other steps say. Vague rows (`vbw`) and rows known from other countries only
 * tilt the other steps; `fp` and `injb` rows are known harmless pages, evidence AGAINST blocking.
 */
import { ev } from '../evidence';
import { FALSE_POSITIVE_SCOPES, type Fingerprint, type FingerprintMatch } from '../fingerprints';
import type { BlockingScope, BlockpageMatch, CensorshipMethod, Evidence, HttpObservation } from '../types';
import type { Context } from './context';

export interface ConfirmedBlockpage {
  method: Extract<CensorshipMethod, 'blockpage' | 'dns'>;
  confidence: number;
  scope?: BlockingScope;
  blockpage: BlockpageMatch;
  evidence: Evidence[];
}

export interface BlockpageResult {
  confirmed?: ConfirmedBlockpage;
  /** DNS answers matching a (non false-positive) fingerprint: never a real site's address. */
  dnsMatches: FingerprintMatch[];
  /** Weak matches: generic words, or pages known only from other countries. */
  weak: FingerprintMatch[];
  /** HTTP answers that matched a known false positive (their differences prove nothing). */
  harmless: Set<HttpObservation>;
  /** HTTP answers that matched a blocking fingerprint, confirmed or weak. */
  suspicious: Set<HttpObservation>;
  evidence: Evidence[];
}

type CountryFit = 'match' | 'anywhere' | 'unrecorded' | 'unknown-user' | 'other';

const SCOPES: Record<string, BlockingScope | undefined> = { nat: 'national', isp: 'isp', inst: 'institutional' };
const CONFIRMING_SCOPES = new Set(['nat', 'isp', 'inst', 'prod', 'prov']);

function countryFit(fp: Fingerprint, country: string | undefined): CountryFit {
  if (fp.countries.length === 0) return 'unrecorded';
  if (fp.countries.includes('ZZ')) return 'anywhere';
  if (!country) return 'unknown-user';
  return fp.countries.includes(country) ? 'match' : 'other';
}

const FIT_RANK: Record<CountryFit, number> = { match: 4, anywhere: 3, unrecorded: 2, 'unknown-user': 2, other: 0 };
const SCOPE_RANK: Record<string, number> = { nat: 5, isp: 5, inst: 4, prov: 3, prod: 2 };

export function analyzeBlockpage(ctx: Context): BlockpageResult {
  const result: BlockpageResult = {
    dnsMatches: [],
    weak: [],
    harmless: new Set(),
    suspicious: new Set(),
    evidence: [],
  };
  const fps = ctx.fingerprints;
  if (!fps) return result;

  const candidates: Array<{ match: FingerprintMatch; fit: CountryFit }> = [];
  const consider = (match: FingerprintMatch, response?: HttpObservation) => {
    const { fingerprint } = match;
    if (FALSE_POSITIVE_SCOPES.has(fingerprint.scope)) {
      if (response) result.harmless.add(response);
      result.evidence.push(ev('blockpage_false_positive', { fingerprint: fingerprint.name }));
      return;
    }
    if (response) result.suspicious.add(response);
    if (match.location === 'dns') result.dnsMatches.push(match);
    const fit = countryFit(fingerprint, ctx.country);
    if (CONFIRMING_SCOPES.has(fingerprint.scope) && fit !== 'other') {
      candidates.push({ match, fit });
    } else {
      result.weak.push(match);
      if (fit === 'other') {
        result.evidence.push(
          ev('blockpage_other_country', {
            fingerprint: fingerprint.name,
            countries: fingerprint.countries.join(', '),
            country: ctx.country ?? '',
          }),
        );
      } else {
        result.evidence.push(ev('blockpage_vague', { fingerprint: fingerprint.name }));
      }
    }
  };

  for (const match of fps.matchDns(ctx.systemAddrs)) consider(match);
  for (const response of [...ctx.httpSite, ...ctx.httpIp]) {
    if (!response.ok) continue;
    for (const match of fps.matchHttp(response)) consider(match, response);
  }
  // A harmless pattern (e.g. Apache's "document has moved") inside a real block page proves nothing.
  for (const response of result.suspicious) result.harmless.delete(response);

  if (!candidates.length) return result;
  // The most telling match: a block server's address in the DNS answer names the method (the page
  // behind it is how that server shows itself); then the best country fit, the most specific scope,
  // the curators' confidence.
  candidates.sort(
    (a, b) =>
      Number(b.match.location === 'dns') - Number(a.match.location === 'dns') ||
      FIT_RANK[b.fit] - FIT_RANK[a.fit] ||
      (SCOPE_RANK[b.match.fingerprint.scope] ?? 0) - (SCOPE_RANK[a.match.fingerprint.scope] ?? 0) ||
      b.match.fingerprint.confidenceNoFp - a.match.fingerprint.confidenceNoFp ||
      // A row that names its countries names the network that serves it.
      Number(b.match.fingerprint.countries.length > 0) - Number(a.match.fingerprint.countries.length > 0),
  );
  const best = candidates[0]!;
  const fp = best.match.fingerprint;

  let confidence = best.fit === 'match' || best.fit === 'anywhere' ? 0.97 : best.fit === 'unrecorded' ? 0.93 : 0.88;
  if (fp.confidenceNoFp < 5) confidence -= 0.1;
  const evidence: Evidence[] = [];
  if (best.match.location === 'dns') {
    evidence.push(ev('dns_fingerprint', { address: best.match.value ?? '', fingerprint: fp.name }));
  }
  evidence.push(ev('blockpage_match', { fingerprint: fp.name, location: best.match.location }));
  const page = candidates.find((c) => c.match.location !== 'dns');
  if (best.match.location === 'dns' && page) {
    evidence.push(ev('blockpage_match', { fingerprint: page.match.fingerprint.name, location: page.match.location }));
  }
  if (best.fit === 'unknown-user') evidence.push(ev('blockpage_country_unknown', { fingerprint: fp.name }));
  if (fp.scope === 'prod') {
    // Filtering products are also what families and offices install on purpose (AdGuard, OpenDNS).
    confidence -= 0.07;
    evidence.push(ev('blockpage_product', { fingerprint: fp.name }));
  }
  if (fp.scope === 'prov') evidence.push(ev('blockpage_provider_geoblock', { fingerprint: fp.name }));

  result.confirmed = {
    method: best.match.location === 'dns' ? 'dns' : 'blockpage',
    confidence,
    scope: SCOPES[fp.scope],
    blockpage: { name: fp.name, scope: fp.scope, countries: fp.countries, location: best.match.location },
    evidence,
  };
  return result;
}
