/**
 * One vocabulary for "what went wrong", whatever reported it: Chromium's net::ERR_* strings,
 * Firefox's NS_ERROR_* names and nsresult codes, OONI's failure strings, the probes' own results.
 * The engine reasons only in these terms.
 */
export const FAILURE_CLASSES = [
  /** The name did not resolve (NXDOMAIN, no answer, resolver failure). */
  'dns',
  /** The server (or something on the path) answered the SYN with a reset: nothing listens. */
  'refused',
  /** An established connection was reset: at TCP or right after the TLS ClientHello. */
  'reset',
  /** The connection was closed without an answer (empty response, closed mid-transfer). */
  'closed',
  /** Connect or answer timed out. */
  'timeout',
  /** No route to the address; often broken IPv6 on the user's side. */
  'unreachable',
  /** TLS failed for another reason than the certificate (protocol error, version mismatch). */
  'tls',
  /** The certificate was refused: wrong name, unknown issuer, expired. */
  'certificate',
  /** An HTTP answer that means blocking or failure (451, a 5xx from a middlebox). */
  'http-status',
  /** Redirected off the provider to a host that is not the provider's. */
  'redirect',
  /** The browser is offline or its network changed. */
  'network-down',
  /** The configured proxy or VPN failed. */
  'proxy',
  /** Nothing came back yet: Detour's own stall detector, long before the browser gives up. */
  'stalled',
  /**
   * The answer started (headers in, the page committed) and is still arriving after Detour's stall
   * time: the connection works, the bytes crawl. Detour's stall detector too; never a connect failure.
   */
  'slow',
  /** An error Detour has no table entry for. */
  'unknown',
  /** Never network trouble: the user navigated away, another extension or a policy blocked it. */
  'ignored',
] as const;

export type FailureClass = (typeof FAILURE_CLASSES)[number];

/** A sub-reason for certificate failures; the popup and the engine both use it. */
export type CertificateProblem = 'name' | 'issuer' | 'date' | 'other';

export interface ClassifiedFailure {
  class: FailureClass;
  certificate?: CertificateProblem;
}

export function isFailureClass(value: unknown): value is FailureClass {
  return typeof value === 'string' && (FAILURE_CLASSES as readonly string[]).includes(value);
}

/**
 * The error text of a page that answered with a failing status (a main-frame 5xx, a 451): what the
 * browser's report of the page is stored as, and what the probes read the status back from.
 */
export function httpStatusError(status: number): string {
  return `HTTP ${status}`;
}

/** The status httpStatusError() wrote, or undefined for any other text. */
export function statusOfHttpStatusError(error: string | undefined): number | undefined {
  if (error === undefined || error.length !== 8 || !error.startsWith('HTTP ')) return undefined;
  const status = Number(error.slice(5));
  return Number.isInteger(status) && status >= 100 && status <= 599 ? status : undefined;
}
