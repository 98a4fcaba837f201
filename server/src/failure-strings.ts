/**
 * Node error -> OONI failure string, in one table, so every step of a measurement reports failures in
 * the words OONI's test helper uses (probe-cli `internal/netxlite/errorsx`) and the extension's engine
 * can read any OONI-compatible helper's answer the same way.
 */

/** Failure strings that OONI does not have: Detour's service refused to do something, on purpose. */
export const DETOUR_FAILURE = {
  /** The address is private, loopback, link-local, metadata or another bogon: never connected to. */
  bogonRefused: 'bogon_refused',
  /** The port is not one the service connects to (default: 80 and 443 only). */
  portNotAllowed: 'port_not_allowed',
  /** A redirect led to a scheme other than http or https. */
  schemeNotAllowed: 'scheme_not_allowed',
  /** More redirects than the configured cap. */
  tooManyRedirects: 'too_many_redirects',
} as const;

/** OONI strings this service produces itself rather than from a Node error code. */
export const OONI_FAILURE = {
  timeout: 'generic_timeout_error',
  /** The measurement was cancelled (service shutting down, client gone): OONI's context-cancelled. */
  interrupted: 'interrupted',
  eof: 'eof_error',
  connectionReset: 'connection_reset',
  dnsNxdomain: 'dns_nxdomain_error',
  /** NXDOMAIN as the helper's `dns` block reports it: OONI's test helper kept this historical name. */
  dnsNameError: 'dns_name_error',
  dnsNoAnswer: 'dns_no_answer',
} as const;

/**
 * The table. Keys are Node `err.code` values: libuv errno names (connect, read, write), c-ares codes
 * (the DNS step), OpenSSL verify codes and Node's own TLS codes.
 */
const BY_CODE: Record<string, string> = {
  // TCP and socket I/O
  ECONNREFUSED: 'connection_refused',
  ECONNRESET: OONI_FAILURE.connectionReset,
  EPIPE: OONI_FAILURE.connectionReset,
  ECONNABORTED: 'connection_aborted',
  ETIMEDOUT: OONI_FAILURE.timeout,
  EHOSTUNREACH: 'host_unreachable',
  ENETUNREACH: 'network_unreachable',
  EADDRNOTAVAIL: 'address_not_available',
  EAFNOSUPPORT: 'address_family_not_supported',
  EPROTONOSUPPORT: 'protocol_not_supported',
  ABORT_ERR: OONI_FAILURE.interrupted,
  // DNS: c-ares (Resolver) and getaddrinfo (dns.lookup) codes
  ENOTFOUND: OONI_FAILURE.dnsNxdomain,
  ENODATA: OONI_FAILURE.dnsNoAnswer,
  ESERVFAIL: 'dns_server_failure',
  EREFUSED: 'dns_refused_error',
  ETIMEOUT: OONI_FAILURE.timeout,
  EAI_AGAIN: 'dns_temporary_failure',
  EFORMERR: 'dns_server_misbehaving',
  EBADRESP: 'dns_server_misbehaving',
  // TLS: certificate verification (OpenSSL verify codes as Node exposes them)
  ERR_TLS_CERT_ALTNAME_INVALID: 'ssl_invalid_hostname',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'ssl_unknown_authority',
  UNABLE_TO_GET_ISSUER_CERT: 'ssl_unknown_authority',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'ssl_unknown_authority',
  SELF_SIGNED_CERT_IN_CHAIN: 'ssl_unknown_authority',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'ssl_unknown_authority',
  CERT_UNTRUSTED: 'ssl_unknown_authority',
  CERT_HAS_EXPIRED: 'ssl_invalid_certificate',
  CERT_NOT_YET_VALID: 'ssl_invalid_certificate',
  CERT_REVOKED: 'ssl_invalid_certificate',
  CERT_SIGNATURE_FAILURE: 'ssl_invalid_certificate',
  CERT_REJECTED: 'ssl_invalid_certificate',
  INVALID_CA: 'ssl_invalid_certificate',
  INVALID_PURPOSE: 'ssl_invalid_certificate',
  PATH_LENGTH_EXCEEDED: 'ssl_invalid_certificate',
  UNABLE_TO_DECRYPT_CERT_SIGNATURE: 'ssl_invalid_certificate',
  UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: 'ssl_invalid_certificate',
  ERROR_IN_CERT_NOT_BEFORE_FIELD: 'ssl_invalid_certificate',
  ERROR_IN_CERT_NOT_AFTER_FIELD: 'ssl_invalid_certificate',
  HOSTNAME_MISMATCH: 'ssl_invalid_hostname',
  // Detour's own refusals travel as errors with these codes (see safe-connect.ts)
  bogon_refused: DETOUR_FAILURE.bogonRefused,
  port_not_allowed: DETOUR_FAILURE.portNotAllowed,
  scheme_not_allowed: DETOUR_FAILURE.schemeNotAllowed,
  too_many_redirects: DETOUR_FAILURE.tooManyRedirects,
  interrupted: OONI_FAILURE.interrupted,
};

interface NodeLikeError {
  code?: unknown;
  syscall?: unknown;
}

/** The OONI failure string for any error a measurement step can raise. */
export function ooniFailure(error: unknown): string {
  const { code, syscall } = (typeof error === 'object' && error !== null ? error : {}) as NodeLikeError;
  if (typeof code !== 'string') return 'unknown_failure: no error code';
  // Node raises ECONNRESET with no syscall when the peer closed cleanly: "socket hang up" (HTTP) and
  // "Client network socket disconnected before secure TLS connection was established". That is a FIN,
  // an EOF in OONI's terms. A real RST comes from a syscall (read, write, connect).
  if (code === 'ECONNRESET' && syscall === undefined) return OONI_FAILURE.eof;
  const mapped = BY_CODE[code];
  if (mapped) return mapped;
  // OpenSSL alerts and protocol errors (ERR_SSL_WRONG_VERSION_NUMBER, ERR_SSL_TLSV1_ALERT_...)
  if (code.startsWith('ERR_SSL_')) return 'ssl_failed_handshake';
  return `unknown_failure: ${code}`;
}

/** An error carrying one of this table's codes, for failures the service decides itself. */
export function failureError(code: string, message: string = code): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}
