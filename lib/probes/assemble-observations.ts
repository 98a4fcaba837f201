/**
 * Raw probe results plus the failure as it is known now, in; Observations (engine/types.ts), out.
 * Pure: no fetch, no clock, no browser. This is where Detour infers what the browser did not say
 * outright (which step failed, which address the browser used), so every such inference is here and
 * tested on its own (test/unit/assemble-observations.test.ts), apart from the measuring.
 *
 * Only what was observed goes in: an absent field means "not probed", an empty list "probed, nothing
 * came back"; the engine treats the two differently.
 */
import { statusOfHttpStatusError, type FailureClass } from '../../engine/failure';
import { ipFamily } from '../../engine/ip';
import type {
  CanaryObservation,
  DnsObservation,
  HttpObservation,
  Observations,
  SiblingObservation,
  TcpObservation,
  TlsObservation,
} from '../../engine/types';
import type { ProbeTrigger } from '../storage';

/** A fetch of the failing host (or a sibling): what came back, and the address the browser reported. */
export type PageResult = HttpObservation & { ip?: string };

/** A request to a bare address, for which Detour holds no permission: only "answered" or "failed". */
export interface AddressResult {
  ok: boolean;
  timedOut: boolean;
  elapsedMs: number;
}

/** Everything one probe run measured, before any inference. */
export interface ProbeMeasurements {
  url: string;
  host: string;
  /** When the measuring ended. */
  observedAt: number;
  /** The browser said it was offline: nothing was measured. */
  offline?: true;
  canaries?: CanaryObservation[];
  /** Firefox's own resolver, where the browser exposes it. */
  system?: DnsObservation;
  doh?: DnsObservation[];
  captivePortal?: Observations['captivePortal'];
  /** The timed retry of the failing URL. */
  retry?: PageResult;
  /** The plain-HTTP root of an https URL. */
  plainRoot?: PageResult;
  /** Absent when the provider has no other domains. */
  siblings?: SiblingObservation[];
  control?: { control: NonNullable<Observations['control']> } | { controlFailure: string };
  /** The host's real addresses (from DoH), each tried over plain HTTP and, for https, over TLS. */
  addresses?: Array<{ ip: string; http: AddressResult; tls?: AddressResult }>;
}

export type KnownFailure = NonNullable<ProbeTrigger['failure']>;

export function urlForIp(scheme: 'http' | 'https', ip: string): string {
  return `${scheme}://${ipFamily(ip) === 6 ? `[${ip}]` : ip}/`;
}

function observedFailure(failure: KnownFailure | undefined): Observations['failure'] | undefined {
  if (!failure) return undefined;
  const out: NonNullable<Observations['failure']> = { class: failure.class };
  if (failure.certificate) out.certificate = failure.certificate;
  if (failure.error) out.error = failure.error;
  return out;
}

/** The failure's named class: the browser's own, or the retry's when the browser named no cause. */
function stepFailure(failure: KnownFailure | undefined, retry: PageResult | undefined): Pick<KnownFailure, 'class' | 'certificate'> | undefined {
  if (failure && failure.class !== 'unknown') return failure;
  if (!failure || !retry?.failure || retry.failure === 'unknown' || retry.failure === 'ignored') return undefined;
  return retry.certificate ? { class: retry.failure, certificate: retry.certificate } : { class: retry.failure };
}

const connectFailure = (c: FailureClass | undefined) => c === 'refused' || c === 'timeout' || c === 'unreachable';
const handshakeFailure = (c: FailureClass | undefined) => c === 'reset' || c === 'tls' || c === 'closed' || c === 'certificate';

export function assembleObservations(m: ProbeMeasurements, failure: KnownFailure | undefined): Observations {
  const observations: Observations = { url: m.url, host: m.host, observedAt: m.observedAt };
  const userFailure = observedFailure(failure);
  if (userFailure) observations.failure = userFailure;
  if (m.offline) {
    observations.offline = true;
    return observations;
  }
  const https = new URL(m.url).protocol === 'https:';
  const retry = m.retry;

  // The addresses the browser itself used: the one its error named, and those its own requests reached.
  const knownIps = new Set<string>(failure?.ip ? [failure.ip] : []);
  for (const r of [retry, m.plainRoot]) if (r?.ip) knownIps.add(r.ip);
  const dns: DnsObservation[] = [];
  if (m.system) dns.push(m.system);
  else if (failure?.class === 'dns' || retry?.failure === 'dns') {
    dns.push({ kind: 'system', resolver: 'system', addrs: [], failure: 'nxdomain' });
  } else if (knownIps.size > 0) {
    dns.push({ kind: 'system', resolver: 'system', addrs: [...knownIps] });
  }
  dns.push(...(m.doh ?? []));
  observations.dns = dns;

  const tcp: TcpObservation[] = [];
  const tls: TlsObservation[] = [];
  const http: HttpObservation[] = [];
  const userIp = failure?.ip ?? retry?.ip;
  // Which step failed: as the browser named it, else as the retry of the same URL named it moments
  // later (Firefox now and then reports a reset as a bare NS_ERROR_FAILURE; refine-failure.ts rule 4).
  const named = stepFailure(failure, retry);
  // Only when the browser named the address. Chromium never does for a failed connect; the engine
  // then assumes the system resolver's or the encrypted resolvers' addresses (engine/analysis/context.ts).
  if (userIp && named && connectFailure(named.class)) {
    tcp.push({ ip: userIp, port: https ? 443 : 80, ok: false, failure: named.class });
  }
  if (https && named && handshakeFailure(named.class)) {
    const t: TlsObservation = { serverName: m.host, ok: false, failure: named.class };
    if (userIp) t.ip = userIp;
    if (named.certificate) t.certificate = named.certificate;
    tls.push(t);
  }
  // The browser itself got the page's answer from the real server over HTTPS (a 5xx on the page, or
  // 451: lib/failure-events.ts): that answer was measured, whatever the retry met moments later. Only
  // when the retry got none, whose headers and body say more (a CDN's challenge page).
  const status = https && !retry?.ok && failure?.class === 'http-status' ? statusOfHttpStatusError(failure.error) : undefined;
  if (status !== undefined) http.push({ url: m.url, ok: true, status });
  for (const page of [retry, m.plainRoot]) {
    if (!page) continue;
    const { ip: _ip, ...observation } = page;
    http.push(observation);
  }
  for (const a of m.addresses ?? []) {
    if (a.http.ok || a.http.timedOut) {
      const failed = a.http.ok ? {} : { failure: 'timeout' as const };
      tcp.push({ ip: a.ip, port: 80, ok: a.http.ok, elapsedMs: a.http.elapsedMs, ...failed });
      http.push({ url: urlForIp('http', a.ip), ok: a.http.ok, elapsedMs: a.http.elapsedMs, ...failed });
    }
    // A reset and a refused certificate look the same from here ("failed"), so only a completed
    // handshake, or nothing at all until the deadline, is evidence.
    if (a.tls?.ok) tls.push({ ip: a.ip, port: 443, serverName: null, ok: true, elapsedMs: a.tls.elapsedMs });
    else if (a.tls?.timedOut && !tcp.some((t) => t.ip === a.ip && t.port === 443)) {
      tcp.push({ ip: a.ip, port: 443, ok: false, failure: 'timeout', elapsedMs: a.tls.elapsedMs });
    }
  }
  observations.tcp = tcp;
  observations.tls = tls;
  observations.http = http;
  if (m.canaries) observations.canaries = m.canaries;
  if (m.captivePortal) observations.captivePortal = m.captivePortal;
  if (failure?.class === 'proxy' || retry?.failure === 'proxy') observations.proxy = true;
  if (m.siblings) observations.siblings = m.siblings;
  if (m.control && 'control' in m.control) observations.control = m.control.control;
  else if (m.control) observations.controlFailure = m.control.controlFailure;
  return observations;
}
