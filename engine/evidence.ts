/**
 * Every evidence code the engine can emit, in one place, with its meaning and its parameters.
 *
 * Codes are STABLE: the popup renders `evidence_<code>` from the browser's i18n (engine/evidence-i18n.json,
 * merged into public/_locales), reports and researchers key on them. Never rename or reuse a code; add a
 * new one. Codes are snake_case because Chrome i18n message names allow only [A-Za-z0-9_].
 *
 * `params` lists the parameter names in substitution order: the first is `$1` in the message, the
 * second `$2`, and so on (see evidenceSubstitutions()). Every parameter is a plain string or number.
 */
import type { Evidence, Verdict } from './types';

interface EvidenceSpec {
  /** Parameter names; index 0 is $1. */
  readonly params: readonly string[];
  /** One line: what the engine saw. */
  readonly meaning: string;
}

export const EVIDENCE = {
  // --- The user's own side: browser, network, proxy -------------------------------------------
  browser_offline: { params: [], meaning: 'The browser says it is offline.' },
  failure_network_down: { params: ['error'], meaning: "The browser's error says the network went away or changed." },
  browser_stopped: { params: ['error'], meaning: 'The browser, another extension or a policy stopped the request; not the network.' },
  captive_portal: { params: ['state'], meaning: "Firefox's captive-portal detector says a login page holds the connection." },
  canary_captive: { params: ['canary'], meaning: 'An always-reachable site answered with something else (a portal rewrote it).' },
  canaries_all_failed: { params: ['failed'], meaning: 'Every unrelated test site failed too: the user\'s own connection is down.' },
  canaries_some_failed: { params: ['failed', 'total'], meaning: 'Some unrelated test sites failed: the connection is unreliable.' },
  canaries_ok: { params: ['ok'], meaning: 'Unrelated test sites load: the connection works.' },
  control_reached: { params: [], meaning: "Detour's check service answered, so the user's connection works." },
  proxy_failed: { params: ['error'], meaning: 'The configured proxy or VPN failed.' },
  proxy_in_use: { params: [], meaning: 'A proxy or VPN is in use: what was measured is its network, not the local one.' },
  ipv6_unreachable: { params: ['address'], meaning: 'IPv6 addresses are unreachable while IPv4 works: IPv6 is broken locally.' },
  failure_unknown: { params: ['error'], meaning: 'The browser reported an error Detour does not know.' },
  stalled: { params: ['seconds'], meaning: 'Nothing came back for several seconds (the browser was still waiting).' },
  fast_failure: { params: ['ms'], meaning: 'The connection was cut almost at once: typical of a filter, rare for a dead server.' },
  retry_succeeded: { params: [], meaning: 'Trying again worked: the failure was temporary.' },
  probe_error: { params: ['error'], meaning: "Detour's own checks failed to run (a bug); nothing was concluded." },

  // --- Missing evidence --------------------------------------------------------------------------
  no_control: { params: ['reason'], meaning: 'No independent check from outside the country (the reason is for reports, not shown).' },
  no_canaries: { params: [], meaning: 'No unrelated test site was tried, so a local problem cannot be ruled out.' },
  no_doh: { params: [], meaning: 'No encrypted DNS answer to compare with the network\'s DNS.' },
  no_probes: { params: [], meaning: 'No follow-up connection test was run; only the browser\'s error is known.' },
  no_vantage: { params: [], meaning: 'Neither the check service nor encrypted DNS could be reached, so nothing independent tells an outage from a block.' },
  stale_observations: { params: ['minutes'], meaning: 'The observations are $1 minutes old; networks change.' },

  // --- DNS ---------------------------------------------------------------------------------------
  dns_nxdomain: { params: ['host'], meaning: "The network's DNS says the name does not exist." },
  dns_system_failure: { params: ['host', 'failure'], meaning: "The network's DNS failed to answer (servfail, timeout...)." },
  dns_doh_answers: { params: ['address', 'resolver'], meaning: 'Encrypted DNS (DoH) finds the site at $1.' },
  dns_doh_nxdomain: { params: ['resolver'], meaning: 'Encrypted DNS (DoH) also says the name does not exist.' },
  dns_control_answers: { params: ['address'], meaning: 'The outside check finds the site at $1.' },
  dns_control_failure: { params: ['failure'], meaning: 'The outside check cannot resolve the name either.' },
  dns_bogon: { params: ['address'], meaning: "The network's DNS gave a private/reserved address that cannot be the site." },
  dns_bogon_expected: { params: ['address'], meaning: 'The outside check got the same private address: the site publishes it.' },
  dns_consistent: { params: ['address'], meaning: "The network's DNS gives an address the outside check also sees." },
  dns_same_asn: { params: ['asn'], meaning: "The network's DNS answer is in the same network (AS$1) as the real one." },
  dns_same_prefix: { params: ['address', 'reference'], meaning: "The network's DNS answer is next to a real address (same block)." },
  dns_tls_validated: { params: ['address'], meaning: 'The address served a valid certificate for the site: it is genuine.' },
  dns_inconsistent: { params: ['address', 'reference'], meaning: "The network's DNS answer $1 matches nothing the outside check or encrypted DNS found ($2)." },
  dns_fingerprint: { params: ['address', 'fingerprint'], meaning: 'The DNS answer $1 is a known block-page server ($2).' },

  // --- TCP ---------------------------------------------------------------------------------------
  tcp_timeout: { params: ['endpoint'], meaning: 'Connection attempts to $1 get no answer.' },
  tcp_refused: { params: ['endpoint'], meaning: '$1 refuses connections (could be the server or a filter).' },
  tcp_reset: { params: ['endpoint'], meaning: 'The connection to $1 was reset.' },
  tcp_unreachable: { params: ['endpoint'], meaning: 'No route to $1.' },
  tcp_ok: { params: ['endpoint'], meaning: 'A connection to $1 works.' },
  tcp_control_ok: { params: ['endpoint'], meaning: 'From outside, $1 accepts connections.' },
  tcp_control_failed: { params: ['endpoint', 'failure'], meaning: 'From outside, $1 fails too.' },
  plain_http_ip_ok: { params: ['address'], meaning: 'Plain HTTP to $1 answers: the address itself is reachable.' },
  plain_http_ip_failed: { params: ['address', 'failure'], meaning: 'Plain HTTP to $1 fails too.' },

  // --- TLS ---------------------------------------------------------------------------------------
  tls_failed_with_sni: { params: ['host', 'failure'], meaning: 'The secure connection fails when the site name is sent.' },
  tls_bare_ip_ok: { params: ['address'], meaning: 'The same address completes a secure handshake when the name is not sent.' },
  tls_bare_ip_failed: { params: ['address', 'failure'], meaning: 'The address fails even without the site name.' },
  tls_control_ok: { params: ['endpoint'], meaning: 'From outside, the secure connection to $1 works.' },
  tls_control_failed: { params: ['endpoint', 'failure'], meaning: 'From outside, the secure connection fails too.' },
  tls_valid_elsewhere: { params: ['address'], meaning: 'From outside, $1 shows a valid certificate for the site.' },
  certificate_untrusted_issuer: { params: ['issuer'], meaning: 'The certificate shown comes from an unknown issuer ($1).' },
  certificate_wrong_name: { params: ['host'], meaning: 'The certificate shown is not for $1.' },
  certificate_date: { params: [], meaning: 'The certificate looks expired or not yet valid: check the computer clock.' },
  certificate_other: { params: [], meaning: 'The certificate was refused for another reason.' },

  // --- HTTP --------------------------------------------------------------------------------------
  http_451: { params: ['url'], meaning: 'The answer is HTTP 451, "unavailable for legal reasons".' },
  http_failure: { params: ['url', 'failure'], meaning: 'The request to $1 failed after connecting.' },
  http_control_ok: { params: ['status'], meaning: 'From outside, the page loads (status $1).' },
  http_control_failed: { params: ['failure'], meaning: 'From outside, the page does not load either.' },
  http_status_differs: { params: ['status', 'control'], meaning: 'Status $1 here, $2 from outside.' },
  http_body_differs: { params: ['length', 'control'], meaning: 'The page is $1 bytes here, $2 from outside.' },
  http_headers_differ: { params: [], meaning: 'The page headers differ from the real site\'s.' },
  http_title_differs: { params: ['title', 'control'], meaning: 'The page title differs: "$1" here, "$2" from outside.' },
  http_matches_control: { params: [], meaning: 'The page here matches the page seen from outside.' },
  https_loaded: { params: ['status'], meaning: 'The secure page loaded from the real server (status $1).' },
  https_server_error: { params: ['status'], meaning: 'The real server answered with an error ($1): it is having trouble.' },
  redirect_off_provider: { params: ['target'], meaning: 'An unencrypted request was sent to $1, which is not the provider.' },
  redirect_authentic: { params: ['target'], meaning: 'The redirect to $1 came over a secure connection from the provider itself.' },

  // --- Block-page fingerprints -------------------------------------------------------------------
  blockpage_match: { params: ['fingerprint', 'location'], meaning: 'The answer matches the known block page $1 (in $2).' },
  blockpage_country_unknown: { params: ['fingerprint'], meaning: 'The user\'s country is unknown, so the block page $1 was not checked against it.' },
  blockpage_other_country: { params: ['fingerprint', 'countries', 'country'], meaning: 'The block page $1 is known from $2, not from $3.' },
  blockpage_vague: { params: ['fingerprint'], meaning: 'The answer contains a generic blocking word or address ($1): weak evidence.' },
  blockpage_product: { params: ['fingerprint'], meaning: 'A filtering product\'s page ($1): often a school, office or ISP filter.' },
  blockpage_provider_geoblock: { params: ['fingerprint'], meaning: 'The service itself restricts access in this country ($1).' },
  blockpage_false_positive: { params: ['fingerprint'], meaning: 'The answer matches a known harmless page ($1), not a block page.' },

  // --- Other domains of the same provider ----------------------------------------------------------
  sibling_same_address_ok: { params: ['host', 'address'], meaning: 'Another name of the provider ($1) loads securely from the same server ($2): only this name is filtered.' },
  siblings_ok: { params: ['host'], meaning: 'Another address of the same provider ($1) works: only this one fails.' },
  siblings_failed: { params: ['count'], meaning: 'The provider\'s other addresses fail too.' },
} as const satisfies Record<string, EvidenceSpec>;

export type EvidenceCode = keyof typeof EVIDENCE;

export const EVIDENCE_CODES = Object.keys(EVIDENCE) as EvidenceCode[];

/** Builds an evidence item; the code is checked at compile time. */
export function ev(code: EvidenceCode, params?: Record<string, string | number>): Evidence {
  return params ? { code, params } : { code };
}

export function isEvidenceCode(code: string): code is EvidenceCode {
  return Object.prototype.hasOwnProperty.call(EVIDENCE, code);
}

/** The i18n substitutions for an evidence item, in $1..$9 order (missing params become ''). */
export function evidenceSubstitutions(evidence: Evidence): string[] {
  if (!isEvidenceCode(evidence.code)) return [];
  return EVIDENCE[evidence.code].params.map((name) => String(evidence.params?.[name] ?? ''));
}

/** i18n message names. Hyphens (http-451, captive-portal) become underscores: Chrome allows no hyphen. */
export function evidenceMessageName(code: string): string {
  return `evidence_${code.replace(/-/g, '_')}`;
}

export function verdictMessageNames(verdict: Pick<Verdict, 'kind' | 'method' | 'localCause'>): {
  kind: string;
  method?: string;
  localCause?: string;
} {
  return {
    kind: `verdict_kind_${verdict.kind}`,
    method: verdict.method ? `verdict_method_${verdict.method.replace(/-/g, '_')}` : undefined,
    localCause: verdict.localCause ? `verdict_local_${verdict.localCause.replace(/-/g, '_')}` : undefined,
  };
}
