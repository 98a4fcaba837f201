/**
 * Chromium and Firefox report the same network failure in three different dialects. This file turns
 * each into Detour's failure classes. It is the only place that knows those strings.
 *
 * - Chromium (webRequest and webNavigation): `net::ERR_CONNECTION_RESET`.
 * - Firefox webRequest: `NS_ERROR_NET_RESET`, or for TLS and certificate failures a localized sentence.
 * - Firefox webNavigation: `Error code 2152398868`, the decimal nsresult.
 * The values measured in both browsers are in test/unit/browser-errors.test.ts.
 *
 * A build reads its own browser's dialect only: WXT fixes `import.meta.env.BROWSER` at build time,
 * so the other browser's tables are left out of the bundle (the background's budget, issue 9). The
 * unit tests are built for neither browser (vitest.config.ts) and read both.
 */
import type { CertificateProblem, ClassifiedFailure, FailureClass } from '../engine/failure';

/** Chromium's net::ERR_ codes, without the prefix; every CERT_*, SSL_* and PROXY_* is read by its prefix. */
const CHROMIUM: Record<string, FailureClass> = {
  NAME_NOT_RESOLVED: 'dns',
  NAME_RESOLUTION_FAILED: 'dns',
  DNS_TIMED_OUT: 'dns',
  DNS_SERVER_FAILED: 'dns',
  DNS_MALFORMED_RESPONSE: 'dns',
  DNS_SORT_ERROR: 'dns',
  ICANN_NAME_COLLISION: 'dns',
  CONNECTION_REFUSED: 'refused',
  CONNECTION_RESET: 'reset',
  CONNECTION_ABORTED: 'reset',
  CONNECTION_CLOSED: 'closed',
  EMPTY_RESPONSE: 'closed',
  CONNECTION_FAILED: 'unknown',
  CONNECTION_TIMED_OUT: 'timeout',
  TIMED_OUT: 'timeout',
  ADDRESS_UNREACHABLE: 'unreachable',
  ADDRESS_INVALID: 'unreachable',
  BAD_SSL_CLIENT_AUTH_CERT: 'tls',
  INTERNET_DISCONNECTED: 'network-down',
  NETWORK_CHANGED: 'network-down',
  NETWORK_IO_SUSPENDED: 'network-down',
  NETWORK_ACCESS_DENIED: 'network-down',
  TUNNEL_CONNECTION_FAILED: 'proxy',
  MANDATORY_PROXY_CONFIGURATION_FAILED: 'proxy',
  SOCKS_CONNECTION_FAILED: 'proxy',
  SOCKS_CONNECTION_HOST_UNREACHABLE: 'proxy',
  HTTP_RESPONSE_CODE_FAILURE: 'http-status',
  INVALID_HTTP_RESPONSE: 'http-status',
  TOO_MANY_REDIRECTS: 'http-status',
  // Never the network: the user or a page navigated away, an extension or a policy blocked it,
  // the browser refused a response for its own security rules, or a cache-only load missed.
  ABORTED: 'ignored',
  BLOCKED_BY_CLIENT: 'ignored',
  BLOCKED_BY_ADMINISTRATOR: 'ignored',
  BLOCKED_BY_RESPONSE: 'ignored',
  BLOCKED_BY_ORB: 'ignored',
  BLOCKED_BY_CSP: 'ignored',
  CACHE_MISS: 'ignored',
  UNKNOWN_URL_SCHEME: 'ignored',
  INVALID_URL: 'ignored',
  DISALLOWED_URL_SCHEME: 'ignored',
  HTTPS_UPGRADE_REQUIRED: 'ignored',
};

const CHROMIUM_CERTIFICATE: Record<string, CertificateProblem> = {
  CERT_COMMON_NAME_INVALID: 'name',
  CERT_AUTHORITY_INVALID: 'issuer',
  CERT_DATE_INVALID: 'date',
};

const FIREFOX_NAMES: Record<string, FailureClass> = {
  NS_ERROR_UNKNOWN_HOST: 'dns',
  NS_ERROR_CONNECTION_REFUSED: 'refused',
  NS_ERROR_NET_RESET: 'reset',
  NS_ERROR_NET_INTERRUPT: 'reset',
  NS_ERROR_NET_PARTIAL_TRANSFER: 'closed',
  NS_ERROR_NET_EMPTY_RESPONSE: 'closed',
  NS_ERROR_NET_TIMEOUT: 'timeout',
  NS_ERROR_NET_TIMEOUT_EXTERNAL: 'timeout',
  NS_ERROR_NET_INADEQUATE_SECURITY: 'tls',
  NS_ERROR_OFFLINE: 'network-down',
  NS_ERROR_UNKNOWN_PROXY_HOST: 'proxy',
  NS_ERROR_PROXY_CONNECTION_REFUSED: 'proxy',
  NS_ERROR_PROXY_BAD_GATEWAY: 'proxy',
  NS_ERROR_PROXY_GATEWAY_TIMEOUT: 'proxy',
  NS_ERROR_PROXY_AUTHENTICATION_FAILED: 'proxy',
  NS_ERROR_REDIRECT_LOOP: 'http-status',
  NS_ERROR_ABORT: 'ignored',
  NS_BINDING_ABORTED: 'ignored',
  NS_ERROR_CONTENT_BLOCKED: 'ignored',
  NS_ERROR_TRACKING_URI: 'ignored',
  NS_ERROR_UNKNOWN_PROTOCOL: 'ignored',
};

/** nsresult values of the network module: 0x804B0000 + code. */
const NETWORK_MODULE_BASE = 0x804b0000;
const FIREFOX_NETWORK_CODES: Record<number, string> = {
  0x02: 'NS_BINDING_ABORTED',
  0x0d: 'NS_ERROR_CONNECTION_REFUSED',
  0x0e: 'NS_ERROR_NET_TIMEOUT',
  0x10: 'NS_ERROR_OFFLINE',
  0x12: 'NS_ERROR_UNKNOWN_PROTOCOL',
  0x14: 'NS_ERROR_NET_RESET',
  0x1e: 'NS_ERROR_UNKNOWN_HOST',
  0x1f: 'NS_ERROR_REDIRECT_LOOP',
  0x24: 'NS_ERROR_NET_EMPTY_RESPONSE',
  0x2a: 'NS_ERROR_UNKNOWN_PROXY_HOST',
  0x47: 'NS_ERROR_NET_INTERRUPT',
  0x48: 'NS_ERROR_PROXY_CONNECTION_REFUSED',
  0x4c: 'NS_ERROR_NET_PARTIAL_TRANSFER',
  0x52: 'NS_ERROR_NET_INADEQUATE_SECURITY',
  0x55: 'NS_ERROR_NET_TIMEOUT_EXTERNAL',
};
const NS_ERROR_ABORT = 0x80004004;

/**
 * NSS errors surface in webNavigation as nsresults of the security module: Gecko negates the NSS code
 * and puts it in NS_ERROR_MODULE_SECURITY (21), so nsresult = 0x80000000 | ((21 + 0x45) << 16) | -code
 * = 0x805A0000 + (-code). NSS's own headers give three blocks, each BASE + 0 up to BASE + 999:
 * secerr.h SEC_ERROR_BASE = -0x2000 (mostly certificate validation), sslerr.h SSL_ERROR_BASE = -0x3000
 * (the TLS protocol: alerts, malformed records, version and cipher mismatch) and mozilla::pkix's
 * pkixnss.h ERROR_BASE = -0x4000 (certificate validation again). An SSL_ERROR_* is a protocol failure
 * (what a forged alert or a DPI reset mid-handshake gives), never proof that someone holds a
 * certificate for the site; the one exception, SSL_ERROR_BAD_CERT_DOMAIN, is named below.
 */
const SECURITY_MODULE_BASE = 0x805a0000;
const SEC_ERROR_BASE = -0x2000;
const SSL_ERROR_BASE = -0x3000;
const MOZILLA_PKIX_ERROR_BASE = -0x4000;
/** Each block's BLOCK_LIMIT, BASE + 1000 (IS_SEC_ERROR, IS_SSL_ERROR, pkix ERROR_LIMIT). */
const NSS_BLOCK_SIZE = 1000;

/**
 * The NSS codes whose class is not their block's (below), by name, with their values from secerr.h,
 * sslerr.h and pkixnss.h: every other SSL_ERROR_* is the protocol and every other SEC_ERROR_* and
 * MOZILLA_PKIX_ERROR_* a certificate problem of kind `other`, by name or by nsresult alike.
 * test/unit/browser-errors.test.ts checks 59 codes, measured or read from the headers, against it.
 */
export const NSS_CODES = {
  SEC_ERROR_IO: SEC_ERROR_BASE + 0,
  SEC_ERROR_LIBRARY_FAILURE: SEC_ERROR_BASE + 1,
  SEC_ERROR_BAD_DATA: SEC_ERROR_BASE + 2,
  SEC_ERROR_INVALID_TIME: SEC_ERROR_BASE + 8,
  SEC_ERROR_EXPIRED_CERTIFICATE: SEC_ERROR_BASE + 11,
  SEC_ERROR_UNKNOWN_ISSUER: SEC_ERROR_BASE + 13,
  SEC_ERROR_NO_MEMORY: SEC_ERROR_BASE + 19,
  SEC_ERROR_UNTRUSTED_ISSUER: SEC_ERROR_BASE + 20,
  SEC_ERROR_EXPIRED_ISSUER_CERTIFICATE: SEC_ERROR_BASE + 30,
  SEC_ERROR_CA_CERT_INVALID: SEC_ERROR_BASE + 36,
  SSL_ERROR_BAD_CERT_DOMAIN: SSL_ERROR_BASE + 12,
  MOZILLA_PKIX_ERROR_NOT_YET_VALID_CERTIFICATE: MOZILLA_PKIX_ERROR_BASE + 5,
  MOZILLA_PKIX_ERROR_NOT_YET_VALID_ISSUER_CERTIFICATE: MOZILLA_PKIX_ERROR_BASE + 6,
  MOZILLA_PKIX_ERROR_EMPTY_ISSUER_NAME: MOZILLA_PKIX_ERROR_BASE + 12,
  MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT: MOZILLA_PKIX_ERROR_BASE + 14,
  MOZILLA_PKIX_ERROR_MITM_DETECTED: MOZILLA_PKIX_ERROR_BASE + 15,
  MOZILLA_PKIX_ERROR_ISSUER_NO_LONGER_TRUSTED: MOZILLA_PKIX_ERROR_BASE + 17,
} as const;
export type NssName = keyof typeof NSS_CODES;

/**
 * The server's certificate, with what is wrong with it. Everything else in the SEC and pkix blocks is a
 * certificate problem of kind `other`; everything else in the SSL block is the protocol (`tls`).
 */
const NSS_CERTIFICATE: Partial<Record<NssName, CertificateProblem>> = {
  SSL_ERROR_BAD_CERT_DOMAIN: 'name',
  SEC_ERROR_UNKNOWN_ISSUER: 'issuer',
  SEC_ERROR_UNTRUSTED_ISSUER: 'issuer',
  SEC_ERROR_CA_CERT_INVALID: 'issuer',
  MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT: 'issuer',
  MOZILLA_PKIX_ERROR_MITM_DETECTED: 'issuer',
  MOZILLA_PKIX_ERROR_ISSUER_NO_LONGER_TRUSTED: 'issuer',
  MOZILLA_PKIX_ERROR_EMPTY_ISSUER_NAME: 'issuer',
  SEC_ERROR_EXPIRED_CERTIFICATE: 'date',
  SEC_ERROR_EXPIRED_ISSUER_CERTIFICATE: 'date',
  SEC_ERROR_INVALID_TIME: 'date',
  MOZILLA_PKIX_ERROR_NOT_YET_VALID_CERTIFICATE: 'date',
  MOZILLA_PKIX_ERROR_NOT_YET_VALID_ISSUER_CERTIFICATE: 'date',
};
/**
 * SEC errors that are NSS itself failing (I/O, memory, a garbled buffer), not a verdict on a
 * certificate: a damaged or cut record can give them, and reading them as a forged certificate would
 * tell the user their traffic is read.
 */
const NSS_NOT_CERTIFICATE: ReadonlySet<number> = new Set([
  NSS_CODES.SEC_ERROR_IO,
  NSS_CODES.SEC_ERROR_LIBRARY_FAILURE,
  NSS_CODES.SEC_ERROR_BAD_DATA,
  NSS_CODES.SEC_ERROR_NO_MEMORY,
]);
const CERTIFICATE_BY_CODE = new Map<number, CertificateProblem>(
  Object.entries(NSS_CERTIFICATE).map(([name, problem]) => [NSS_CODES[name as NssName], problem]),
);

const inBlock = (code: number, base: number) => code >= base && code < base + NSS_BLOCK_SIZE;

export function classifyNssCode(code: number): ClassifiedFailure {
  const certificate = CERTIFICATE_BY_CODE.get(code);
  if (certificate) return { class: 'certificate', certificate };
  if (inBlock(code, SSL_ERROR_BASE)) return { class: 'tls' };
  if (inBlock(code, SEC_ERROR_BASE)) return NSS_NOT_CERTIFICATE.has(code) ? { class: 'tls' } : { class: 'certificate', certificate: 'other' };
  if (inBlock(code, MOZILLA_PKIX_ERROR_BASE)) return { class: 'certificate', certificate: 'other' };
  // A security-module code outside NSS's blocks: Detour has no entry for it, and guessing
  // "certificate" would accuse.
  return { class: 'unknown' };
}

/**
 * Firefox's webRequest reports certificate failures as sentences in the browser's UI language (seen in
 * the lab: English and Russian). English and Russian are matched, most specific first; any other
 * language is `unknown` here and the webNavigation report of the same navigation (a stable nsresult)
 * refines it (see DetourState.refine).
 */
const FIREFOX_SECURITY_SENTENCES: Array<[RegExp, ClassifiedFailure]> = [
  [/not valid for|domain name (mismatch|does not match)|bad_cert_domain|имя домена не соответствует/i, { class: 'certificate', certificate: 'name' }],
  // The peer's alerts and NSS's own protocol errors mention "certificate" or "expired" too ("SSL peer
  // rejected your certificate as expired", "SSL received a malformed Certificate handshake message")
  // but are about the protocol, not the site's certificate. "Peer's Certificate ..." is the certificate.
  [/\bpeer\s|\bssl received\b/i, { class: 'tls' }],
  [/issuer.*not (recognized|trusted)|unknown issuer|self-signed|unknown_issuer|издатель сертификата.*не распознан/i, { class: 'certificate', certificate: 'issuer' }],
  [/expired|not yet valid/i, { class: 'certificate', certificate: 'date' }],
  [/certificate/i, { class: 'certificate', certificate: 'other' }],
  [/ssl|tls|handshake|cipher|security/i, { class: 'tls' }],
];

function classifyNsresult(value: number): ClassifiedFailure {
  if (value === NS_ERROR_ABORT) return { class: 'ignored' };
  if (value >= SECURITY_MODULE_BASE && value <= SECURITY_MODULE_BASE + 0xffff) {
    return classifyNssCode(-(value - SECURITY_MODULE_BASE));
  }
  const name = FIREFOX_NETWORK_CODES[value - NETWORK_MODULE_BASE];
  return { class: (name && FIREFOX_NAMES[name]) || 'unknown' };
}

const CHROMIUM_BUILD = import.meta.env.BROWSER !== 'firefox';
const FIREFOX_BUILD = import.meta.env.BROWSER !== 'chrome';

/** Chromium's `net::ERR_*`; undefined for anything else. */
export function classifyChromiumError(error: string): ClassifiedFailure | undefined {
  const chromium = /^net::ERR_([A-Z0-9_]+)$/.exec(error);
  if (!chromium) return undefined;
  const code = chromium[1]!;
  const certificate = CHROMIUM_CERTIFICATE[code];
  if (certificate) return { class: 'certificate', certificate };
  if (code.startsWith('CERT_')) return { class: 'certificate', certificate: 'other' };
  if (code.startsWith('SSL_')) return { class: 'tls' };
  if (code.startsWith('PROXY_')) return { class: 'proxy' };
  return { class: CHROMIUM[code] ?? 'unknown' };
}

/** Firefox's nsresults, NS_* names, NSS names and security sentences; undefined for anything else. */
export function classifyFirefoxError(error: string): ClassifiedFailure | undefined {
  const nsresult = /^Error code (\d+)$/.exec(error);
  if (nsresult) return classifyNsresult(Number(nsresult[1]));
  if (/^NS_(ERROR|BINDING)_[A-Z0-9_]+$/.test(error)) return { class: FIREFOX_NAMES[error] ?? 'unknown' };
  if (Object.hasOwn(NSS_CODES, error)) return classifyNssCode(NSS_CODES[error as NssName]);
  if (/^(SEC|SSL|MOZILLA_PKIX)_ERROR_/.test(error)) {
    return error.startsWith('SSL_') ? { class: 'tls' } : { class: 'certificate', certificate: 'other' };
  }
  for (const [pattern, classified] of FIREFOX_SECURITY_SENTENCES) {
    if (pattern.test(error)) return classified;
  }
  return undefined;
}

/**
 * Classifies an `error` string from webRequest.onErrorOccurred or webNavigation.onErrorOccurred, in
 * the dialect of the browser the build is for. Unknown strings are `unknown`, never dropped: the raw
 * string is kept beside the class.
 */
export function classifyBrowserError(raw: string): ClassifiedFailure {
  const error = raw.trim();
  return (CHROMIUM_BUILD ? classifyChromiumError(error) : undefined) ?? (FIREFOX_BUILD ? classifyFirefoxError(error) : undefined) ?? { class: 'unknown' };
}
