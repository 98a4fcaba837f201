/**
 * Every evidence code the engine can emit, in one place, with its meaning (the comment above it: the
 * background ships this table, and the words are in messages.json) and its parameters.
 *
 * Codes are STABLE: the popup renders `evidence_<code>` from the browser's i18n (engine/i18n/<lang>.json,
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
}

export const EVIDENCE = {
  // --- The user's own side: browser, network, proxy -------------------------------------------
  /** The browser says it is offline. */
  browser_offline: { params: [] },
  /** The browser's error says the network went away or changed. */
  failure_network_down: { params: ['error'] },
  /** The browser, another extension or a policy stopped the request; not the network. */
  browser_stopped: { params: ['error'] },
  /** Firefox's captive-portal detector says a login page holds the connection. */
  captive_portal: { params: ['state'] },
  /** An always-reachable site answered with something else (a portal rewrote it). */
  canary_captive: { params: ['canary'] },
  /** Every unrelated test site failed too: the user's own connection is down. */
  canaries_all_failed: { params: ['failed'] },
  /** Some unrelated test sites failed: the connection is unreliable. */
  canaries_some_failed: { params: ['failed', 'total'] },
  /** Unrelated test sites load: the connection works. */
  canaries_ok: { params: ['ok'] },
  /** Detour's check service answered, so the user's connection works. */
  control_reached: { params: [] },
  /** The configured proxy or VPN failed. */
  proxy_failed: { params: ['error'] },
  /** A proxy or VPN is in use: what was measured is its network, not the local one. */
  proxy_in_use: { params: [] },
  /** IPv6 addresses are unreachable while IPv4 works: IPv6 is broken locally. */
  ipv6_unreachable: { params: ['address'] },
  /** The browser reported an error Detour does not know. */
  failure_unknown: { params: ['error'] },
  /** Nothing came back for several seconds (the browser was still waiting). */
  stalled: { params: ['seconds'] },
  /** The site started to answer, but the page was still arriving after $1 s. */
  slow_answer: { params: ['seconds'] },
  /** The connection was cut almost at once: typical of a filter, rare for a dead server. */
  fast_failure: { params: ['ms'] },
  /** Trying again worked: the failure was temporary. */
  retry_succeeded: { params: [] },
  /** Detour's own checks failed to run (a bug); nothing was concluded. */
  probe_error: { params: ['error'] },

  // --- Missing evidence --------------------------------------------------------------------------
  /** No independent check from outside the country (the reason is for reports, not shown). */
  no_control: { params: ['reason'] },
  /** No unrelated test site was tried, so a local problem cannot be ruled out. */
  no_canaries: { params: [] },
  /** No encrypted DNS answer to compare with the network's DNS. */
  no_doh: { params: [] },
  /** No follow-up connection test was run; only the browser's error is known. */
  no_probes: { params: [] },
  /** Neither the check service nor encrypted DNS could be reached, so nothing independent tells an outage from a block. */
  no_vantage: { params: [] },
  /** The observations are $1 minutes old; networks change. */
  stale_observations: { params: ['minutes'] },

  // --- DNS ---------------------------------------------------------------------------------------
  /** The network's DNS says the name does not exist. */
  dns_nxdomain: { params: ['host'] },
  /** The network's DNS failed to answer (servfail, timeout...). */
  dns_system_failure: { params: ['host', 'failure'] },
  /** Encrypted DNS (DoH) finds the site at $1. */
  dns_doh_answers: { params: ['address', 'resolver'] },
  /** Encrypted DNS (DoH) also says the name does not exist. */
  dns_doh_nxdomain: { params: ['resolver'] },
  /** The outside check finds the site at $1. */
  dns_control_answers: { params: ['address'] },
  /** The outside check cannot resolve the name either. */
  dns_control_failure: { params: ['failure'] },
  /** The network's DNS gave a private/reserved address that cannot be the site. */
  dns_bogon: { params: ['address'] },
  /** The outside check got the same private address: the site publishes it. */
  dns_bogon_expected: { params: ['address'] },
  /** The network's DNS gives an address the outside check also sees. */
  dns_consistent: { params: ['address'] },
  /** The network's DNS answer is in the same network (AS$1) as the real one. */
  dns_same_asn: { params: ['asn'] },
  /** The network's DNS answer is next to a real address (same block). */
  dns_same_prefix: { params: ['address', 'reference'] },
  /** The address served a valid certificate for the site: it is genuine. */
  dns_tls_validated: { params: ['address'] },
  /** The network's DNS answer $1 matches nothing the outside check or encrypted DNS found ($2). */
  dns_inconsistent: { params: ['address', 'reference'] },
  /** The DNS answer $1 is a known block-page server ($2). */
  dns_fingerprint: { params: ['address', 'fingerprint'] },

  // --- TCP ---------------------------------------------------------------------------------------
  /** Connection attempts to $1 get no answer. */
  tcp_timeout: { params: ['endpoint'] },
  /** $1 refuses connections (could be the server or a filter). */
  tcp_refused: { params: ['endpoint'] },
  /** The connection to $1 was reset. */
  tcp_reset: { params: ['endpoint'] },
  /** No route to $1. */
  tcp_unreachable: { params: ['endpoint'] },
  /** A connection to $1 works. */
  tcp_ok: { params: ['endpoint'] },
  /** From outside, $1 accepts connections. */
  tcp_control_ok: { params: ['endpoint'] },
  /** From outside, $1 fails too. */
  tcp_control_failed: { params: ['endpoint', 'failure'] },
  /** Plain HTTP to $1 answers: the address itself is reachable. */
  plain_http_ip_ok: { params: ['address'] },
  /** Plain HTTP to $1 fails too. */
  plain_http_ip_failed: { params: ['address', 'failure'] },

  // --- TLS ---------------------------------------------------------------------------------------
  /** The secure connection fails when the site name is sent. */
  tls_failed_with_sni: { params: ['host', 'failure'] },
  /** The same address completes a secure handshake when the name is not sent. */
  tls_bare_ip_ok: { params: ['address'] },
  /** The address fails even without the site name. */
  tls_bare_ip_failed: { params: ['address', 'failure'] },
  /** From outside, the secure connection to $1 works. */
  tls_control_ok: { params: ['endpoint'] },
  /** From outside, the secure connection fails too. */
  tls_control_failed: { params: ['endpoint', 'failure'] },
  /** From outside, $1 shows a valid certificate for the site. */
  tls_valid_elsewhere: { params: ['address'] },
  /** The certificate shown comes from an unknown issuer ($1). */
  certificate_untrusted_issuer: { params: ['issuer'] },
  /** The certificate shown is not for $1. */
  certificate_wrong_name: { params: ['host'] },
  /** The certificate looks expired or not yet valid: check the computer clock. */
  certificate_date: { params: [] },
  /** The certificate was refused for another reason. */
  certificate_other: { params: [] },

  // --- HTTP --------------------------------------------------------------------------------------
  /** The answer is HTTP 451, "unavailable for legal reasons". */
  http_451: { params: ['url'] },
  /** The request to $1 failed after connecting. */
  http_failure: { params: ['url', 'failure'] },
  /** From outside, the page loads (status $1). */
  http_control_ok: { params: ['status'] },
  /** From outside, the page does not load either. */
  http_control_failed: { params: ['failure'] },
  /** Status $1 here, $2 from outside. */
  http_status_differs: { params: ['status', 'control'] },
  /** The page is $1 bytes here, $2 from outside. */
  http_body_differs: { params: ['length', 'control'] },
  /** The page headers differ from the real site's. */
  http_headers_differ: { params: [] },
  /** The page title differs: "$1" here, "$2" from outside. */
  http_title_differs: { params: ['title', 'control'] },
  /** The page here matches the page seen from outside. */
  http_matches_control: { params: [] },
  /** The secure page loaded from the real server (status $1). */
  https_loaded: { params: ['status'] },
  /** The real server answered with an error ($1): it is having trouble. */
  https_server_error: { params: ['status'] },
  /** An unencrypted request was sent to $1, which is not the provider. */
  redirect_off_provider: { params: ['target'] },
  /** The redirect to $1 came over a secure connection from the provider itself. */
  redirect_authentic: { params: ['target'] },
  /** The page redirected on to $1, and that request failed ($2): the page did not load. */
  redirect_hop_failed: { params: ['url', 'failure'] },
  /** The site's redirects at $1 go round in circles: more than a browser follows. The site's fault. */
  redirect_loop: { params: ['url'] },
  /** The site at $1 redirected to an address no browser can follow ($2). The site's fault. */
  redirect_location_invalid: { params: ['url', 'location'] },
  /** The page arrives at $1 KB/s here, while the check service got it at $2 KB/s: it is slowed down on the way. */
  throttled_rate: { params: ['kbps', 'control_kbps'] },
  /** The connection was made, but the page arrives at only $1 KB/s (no speed from outside to compare). */
  throttled_rate_alone: { params: ['kbps'] },
  /** The page is slow from outside too ($2 KB/s there, $1 KB/s here): the site itself is slow. */
  slow_everywhere: { params: ['kbps', 'control_kbps'] },
  /** The site's CDN answered with a bot check (a CAPTCHA, status $1) instead of the page: the site's own check. */
  cdn_challenge: { params: ['status'] },

  // --- Block-page fingerprints -------------------------------------------------------------------
  /** The answer matches the known block page $1 (in $2). */
  blockpage_match: { params: ['fingerprint', 'location'] },
  /** The user's country is unknown, so the block page $1 was not checked against it. */
  blockpage_country_unknown: { params: ['fingerprint'] },
  /** The block page $1 is known from $2, not from $3. */
  blockpage_other_country: { params: ['fingerprint', 'countries', 'country'] },
  /** The answer contains a generic blocking word or address ($1): weak evidence. */
  blockpage_vague: { params: ['fingerprint'] },
  /** A filtering product's page ($1): often a school, office or ISP filter. */
  blockpage_product: { params: ['fingerprint'] },
  /** The service itself restricts access in this country ($1). */
  blockpage_provider_geoblock: { params: ['fingerprint'] },
  /** The answer matches a known harmless page ($1), not a block page. */
  blockpage_false_positive: { params: ['fingerprint'] },

  // --- Other domains of the same provider ----------------------------------------------------------
  /** Another name of the provider ($1) loads securely from the same server ($2): only this name is filtered. */
  sibling_same_address_ok: { params: ['host', 'address'] },
  /** Another address of the same provider ($1) works: only this one fails. */
  siblings_ok: { params: ['host'] },
  /** The provider's other addresses fail too. */
  siblings_failed: { params: ['count'] },

  // --- Other people's reports (engine/report-support.ts): support only, never a verdict alone --------
  /** $1 reports this week from other users of the same block (in the user's country, when chosen). */
  reports_seen: { params: ['count'] },
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
