/**
 * The detection engine's data: observations in, verdict out (engine/verdict.ts). Observations are
 * what one vantage saw of one failing URL, step by step as OONI's Web Connectivity measures it
 * (DNS, TCP, TLS, HTTP), plus the health signals only a browser has (canaries, captive portal, proxy).
 *
 * Every field is optional: a browser sees less than an OONI probe, a probe run may be cut short by its
 * budget, a control may be unreachable. Missing evidence lowers confidence; it never invents a verdict.
 */
import type { ControlResponse } from './control-protocol';
import type { CertificateProblem, FailureClass } from './failure';

/** One resolver's answer for the host. */
export interface DnsObservation {
  /** `system`: the resolver of the user's network (as the browser used it); `doh`: an encrypted resolver. */
  kind: 'system' | 'doh';
  /** The DoH URL, or `system`. */
  resolver: string;
  /** A and AAAA answers. */
  addrs: string[];
  failure?: 'nxdomain' | 'no-answer' | 'servfail' | 'refused' | 'timeout' | 'error';
}

export interface TcpObservation {
  ip: string;
  port: number;
  ok: boolean;
  failure?: FailureClass;
  elapsedMs?: number;
}

export interface TlsObservation {
  ip?: string;
  port?: number;
  /** The SNI sent; null for a handshake to a bare IP, which sends none. */
  serverName: string | null;
  ok: boolean;
  failure?: FailureClass;
  certificate?: CertificateProblem;
  /** Issuer of the certificate the user's browser was shown, when known (Firefox getSecurityInfo). */
  issuer?: string;
  elapsedMs?: number;
}

export interface HttpObservation {
  url: string;
  /** An HTTP answer arrived (any status). */
  ok: boolean;
  failure?: FailureClass;
  certificate?: CertificateProblem;
  status?: number;
  /** Header names in lower case to their first value. */
  headers?: Record<string, string>;
  bodyLength?: number;
  /** The first bytes of the body, as text, for block-page fingerprints and titles. */
  body?: string;
  title?: string;
  /** Where a redirect pointed, when the answer was one. */
  location?: string;
  elapsedMs?: number;
}

export interface CanaryObservation {
  url: string;
  ok: boolean;
  failure?: FailureClass;
  /** The canary answered, but not with what it always answers: something on the path rewrote it. */
  captive?: boolean;
  elapsedMs?: number;
}

export interface SiblingObservation {
  /** Another official domain of the same provider. */
  host: string;
  ok: boolean;
  failure?: FailureClass;
  elapsedMs?: number;
}

export interface Observations {
  url: string;
  host: string;
  /** ISO 3166-1 alpha-2 country of the user's network, when known; used to weigh block-page fingerprints. */
  country?: string;
  /** The failure the user hit, as the browser reported it. */
  failure?: {
    class: FailureClass;
    certificate?: CertificateProblem;
    /** Raw browser string. */
    error?: string;
    /** Time from the start of the navigation to the error. */
    elapsedMs?: number;
  };
  dns?: DnsObservation[];
  /** TCP connects from the user's network (probes; or OONI's tcp_connect). */
  tcp?: TcpObservation[];
  /** TLS handshakes from the user's network, with the SNI and without it (to the bare IP). */
  tls?: TlsObservation[];
  /** HTTP fetches from the user's network: the retry of the failing URL, a plain-HTTP request to the IP. */
  http?: HttpObservation[];
  canaries?: CanaryObservation[];
  /** Firefox's captivePortal API, when available. */
  captivePortal?: 'locked_portal' | 'unlocked_portal' | 'not_captive' | 'unknown';
  /** Whether the browser is set to use a proxy or VPN extension, when known. */
  proxy?: boolean;
  /** The browser said it is offline (navigator.onLine false). */
  offline?: boolean;
  siblings?: SiblingObservation[];
  /** The control vantage's measurement of the same URL (OONI test-helper response). */
  control?: ControlResponse;
  /** Why there is no control: not configured, unreachable, timed out, answered garbage. */
  controlFailure?: string;
}

export type VerdictKind = 'censorship' | 'outage' | 'local' | 'ok' | 'unknown';

export type CensorshipMethod =
  | 'dns'
  | 'tcp_ip'
  | 'tls'
  | 'http-failure'
  | 'http-diff'
  | 'blockpage'
  | 'http-451'
  | 'interception';

export type LocalCause = 'offline' | 'captive-portal' | 'proxy' | 'ipv6' | 'network';

export type BlockingScope = 'national' | 'isp' | 'institutional';

/**
 * One reason behind a verdict. `code` is stable (the popup renders `evidence_<code>` from the
 * browser's i18n with `params` as substitutions; reports and researchers key on it).
 */
export interface Evidence {
  code: string;
  params?: Record<string, string | number>;
}

export interface BlockpageMatch {
  /** Fingerprint name, e.g. `ooni.ru_1`. */
  name: string;
  /** The CSV scope: nat, isp, prod, inst, vbw. */
  scope: string;
  countries: string[];
  /** Where it matched: dns, body, header.<name>. */
  location: string;
}

export interface Verdict {
  kind: VerdictKind;
  /** Present when kind is `censorship`. */
  method?: CensorshipMethod;
  /** Present when kind is `local`. */
  localCause?: LocalCause;
  /** 0..1: how sure the engine is of `kind` (and `method`). */
  confidence: number;
  /** A known block page or block-page DNS answer matched. */
  confirmed: boolean;
  scope?: BlockingScope;
  blockpage?: BlockpageMatch;
  evidence: Evidence[];
}
