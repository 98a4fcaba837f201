/**
 * The detection engine's data: observations in, verdict out (engine/verdict.ts). Observations are
 * what one vantage saw of one failing URL, step by step as OONI's Web Connectivity measures it
 * (DNS, TCP, TLS, HTTP), plus the health signals only a browser has (canaries, captive portal, proxy).
 *
 * Every field is optional: a browser sees less than an OONI probe, a probe run may be cut short by its
 * budget, a control may be unreachable. Missing evidence lowers confidence; it never invents a verdict.
 *
 * HOW TO FILL THEM (for the extension's probes; engine/ooni-measurement.ts fills them from OONI data):
 * - Put in only what was observed. An empty list means "probed, nothing came back"; an absent field
 *   means "not probed". The engine treats the two differently.
 * - `host` is the failing URL's host; "the provider" is this host, its parent domain, and `siblings`.
 * - `failure` is the browser's own error for the navigation (lib/browser-errors.ts classifies it).
 * - `dns`: one `system` entry with the address(es) the browser actually used (or `failure: 'nxdomain'`
 *   when it said NAME_NOT_RESOLVED), and one `doh` entry per DNS-over-HTTPS resolver asked.
 * - `tcp`: port 443 entries come from the browser's failure when it names the address (refused,
 *   timeout); port 80 entries from a plain-HTTP probe to each address (any HTTP answer, even an error
 *   status, means `ok: true`: TCP to that address works).
 * - `tls`: the failing HTTPS request as `{serverName: host, ip, ok: false, failure}`; an HTTPS request to
 *   the bare IP as `{serverName: null, ip, ...}`. A bare-IP handshake that completes, or fails ONLY on
 *   the certificate name (`failure: 'certificate', certificate: 'name'`), proves TCP and TLS to that
 *   address work without the SNI; that is how SNI filtering is told from an IP block.
 * - `http`: the timed retry of the failing URL (keep `elapsedMs`: an instant reset is not a timeout),
 *   any page or redirect that did load (status, lower-case headers, the first ~64 KiB of the body as
 *   text with `bodyTruncated` when cut, title, location), and plain-HTTP fetches to the bare IP (URL
 *   host is an IP literal: the engine reads those as reachability probes, never compares their pages).
 * - `canaries`: unrelated sites that always work in this country; every one failing means the user's
 *   own network is down, and then the engine never says "censorship".
 * - `control`: the OONI test-helper answer for the same URL, asked from Detour's service; when it could
 *   not be had, say why in `controlFailure`. A control answer also proves the user's network is up.
 */
import type { ControlResponse } from './control-protocol';
import type { CertificateProblem, FailureClass } from './failure';

/** One resolver's answer for the host. */
export interface DnsObservation {
  /** `system`: the resolver of the user's network (as the browser used it); `doh`: an encrypted resolver. */
  kind: 'system' | 'doh';
  /** The DoH URL, or `system`. */
  resolver: string;
  /** A and AAAA answers (for `system`: the address(es) the browser used). */
  addrs: string[];
  /**
   * Why no address came back. `nxdomain` is the resolver saying "no such name" (a common censor's
   * answer); `no-answer` a valid empty reply; `timeout`/`error` the resolver itself was not reached.
   */
  failure?: 'nxdomain' | 'no-answer' | 'servfail' | 'refused' | 'timeout' | 'error';
}

/** A TCP connect from the user's network. `ok: true` only when the handshake completed. */
export interface TcpObservation {
  ip: string;
  port: number;
  ok: boolean;
  failure?: FailureClass;
  elapsedMs?: number;
}

/**
 * A TLS handshake from the user's network. `ok: true` means the handshake completed AND the
 * certificate validated for `serverName` (for a bare-IP handshake: completed at all).
 */
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

/**
 * One HTTP(S) fetch from the user's network. For an `https:` URL, `ok: true` means the browser accepted
 * the certificate, so the answer (whatever its status) came from the real server.
 */
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
  /** `body` holds only the first bytes; body-length comparisons then use `bodyLength` alone. */
  bodyTruncated?: boolean;
  title?: string;
  /** Where a redirect pointed, when the answer was one. */
  location?: string;
  elapsedMs?: number;
  /**
   * The body as it arrived, for telling "nothing answers" from "answers slowly": how long it was
   * read (ms from the headers to the last byte read, or to the probe's deadline) and how the read
   * ended: `complete` (the whole body), `cap` (the probe's cap reached: it flowed fast enough),
   * `cut` (the deadline or an error stopped it mid-body). With `bodyLength` (the bytes that arrived)
   * it gives the rate the page flowed at. Left out when the body was not read.
   */
  bodyMs?: number;
  bodyEnd?: 'complete' | 'cap' | 'cut';
  /**
   * Where this fetch sits in the redirect chain that the failing URL started (0: the URL itself), for
   * a source that knows the chain in order (OONI's requests; the extension's probes leave it out).
   * A later hop may be at another host and is still the page the user asked for: the chain's last
   * hop is what the user got, and its failure (a reset, a refused connect, a name that does not
   * resolve) is the page's failure, however well the first hops went.
   */
  hop?: number;
  /**
   * The chain ended in a fault of the server's own making, which a browser shows as an error page:
   * more redirects than a browser follows (`too-many-redirects`), or a `Location` no browser can
   * follow (`bad-location`). Set on the last answer of the chain. Never the network's doing.
   */
  serverFault?: 'too-many-redirects' | 'bad-location';
}

/** A fetch of an unrelated, always-reachable site (the same for every provider). */
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
  /**
   * The address the browser reached it at, when it says (it does for a request that got an answer).
   * A sibling that loads over HTTPS from the failing host's own address proves TLS works there with
   * another name: the failing name is what is filtered.
   */
  ip?: string;
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
  /**
   * Detour's own checks failed to run (a bug): the engine then says `unknown`, with this as the
   * `probe_error` evidence. Only the engine sets a verdict, even this one.
   */
  probeError?: string;
  /**
   * When these observations were made (ms since the epoch). With `options.now`, old observations
   * lower the confidence: networks change.
   */
  observedAt?: number;
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
  | 'interception'
  | 'throttling';

/**
 * Why a `local` verdict: the browser is offline; a captive portal (hotel Wi-Fi login) holds the
 * traffic; the configured proxy or VPN failed; IPv6 is broken on the user's side; the user's network
 * is down (canaries fail); `browser`: the browser itself, another extension or a policy stopped the
 * request (never the network).
 */
export type LocalCause = 'offline' | 'captive-portal' | 'proxy' | 'ipv6' | 'network' | 'browser';

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
  /** The CSV scope: nat, isp, prod, inst, vbw (and fp, injb for known false positives). */
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
  /**
   * 0..1: how sure the engine is of `kind` (and `method`). Always 0 for `unknown`: the engine claims
   * nothing then. See engine/README.md for how it is computed.
   */
  confidence: number;
  /** A known block page or block-page DNS answer matched. */
  confirmed: boolean;
  scope?: BlockingScope;
  blockpage?: BlockpageMatch;
  evidence: Evidence[];
  /**
   * The fuzzy (blocked, down, ok) weights behind `confidence` (ooni/data style, each 0..1, summing to
   * at most 1: the rest is plain uncertainty), for reports and debugging. Absent for `local` verdicts,
   * which are decided before scoring.
   */
  scores?: { blocked: number; down: number; ok: number };
}
