/**
 * What a report's fields may hold. The verdict and failure vocabularies are the engine's own: the
 * records below are checked by the compiler against engine/types.ts and engine/failure.ts (a member
 * added there and missing here fails the type check), so the service never accepts a word the engine
 * cannot say, nor refuses one it can. Provider ids are the catalog's.
 */
import { providers } from '../../../catalog/catalog';
import { FAILURE_CLASSES, type FailureClass } from '../../../engine/failure';
import type { CensorshipMethod, LocalCause, VerdictKind } from '../../../engine/types';

// engine/types.ts holds these as types only; records keyed by the type make the compiler insist
// every member is listed and nothing else is.
const KINDS = { censorship: true, outage: true, local: true, ok: true, unknown: true } satisfies Record<VerdictKind, true>;
const METHODS = {
  dns: true,
  tcp_ip: true,
  tls: true,
  'http-failure': true,
  'http-diff': true,
  blockpage: true,
  'http-451': true,
  interception: true,
  throttling: true,
} satisfies Record<CensorshipMethod, true>;
const LOCAL_CAUSES = {
  offline: true,
  'captive-portal': true,
  proxy: true,
  ipv6: true,
  network: true,
  browser: true,
} satisfies Record<LocalCause, true>;

/** Browser families the extension ships for; `other` for the rest (a fork we do not name). */
export const BROWSERS = ['chrome', 'chromium', 'edge', 'opera', 'yandex', 'brave', 'vivaldi', 'firefox', 'safari', 'other'] as const;
export type BrowserFamily = (typeof BROWSERS)[number];

// ISO 3166-1 alpha-2, officially assigned codes (249), as one string: a lookup, not a pattern, so
// `ZZ`, `EU` or `UK` are refused.
const ISO_3166 = new Set(
  (
    'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ ' +
    'CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO ' +
    'FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE ' +
    'JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO ' +
    'MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW ' +
    'PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM ' +
    'TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW'
  ).split(' '),
);

/** Own keys only: `__proto__`, `constructor` and friends are never a member. */
function member(record: Record<string, true>, value: string): boolean {
  return Object.prototype.hasOwnProperty.call(record, value);
}

export const isVerdictKind = (v: string): v is VerdictKind => member(KINDS, v);
export const isCensorshipMethod = (v: string): v is CensorshipMethod => member(METHODS, v);
export const isLocalCause = (v: string): v is LocalCause => member(LOCAL_CAUSES, v);
export const isFailure = (v: string): v is FailureClass => (FAILURE_CLASSES as readonly string[]).includes(v);
export const isBrowserFamily = (v: string): v is BrowserFamily => (BROWSERS as readonly string[]).includes(v);
export const isCountry = (v: string): boolean => ISO_3166.has(v);

/** Catalog provider id to its official domains (a report's domain must be one of them or below one). */
export const PROVIDER_DOMAINS: ReadonlyMap<string, readonly string[]> = new Map(
  providers.filter((p) => p.domains.length > 0).map((p) => [p.id, p.domains]),
);
export const METHOD_NAMES = Object.keys(METHODS) as CensorshipMethod[];
export const KIND_NAMES = Object.keys(KINDS) as VerdictKind[];
