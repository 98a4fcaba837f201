/**
 * Derived facts every step needs, computed once per classify() call: the URL's parts, the addresses
 * each resolver gave (canonical form), the control's answers indexed by endpoint, which observations
 * are about the site and which are reachability probes to a bare IP, and whether the user's network
 * is demonstrably up.
 *
 * It also fills the gaps a browser leaves: when the probes did not record a step but the browser's own
 * error names it (NAME_NOT_RESOLVED, CONNECTION_TIMED_OUT, CONNECTION_RESET on https), the step is
 * synthesized from that error and marked, so every rule sees one shape of data.
 */
import {
  parseControlResponse,
  type ControlIpInfo,
  type ControlResponse,
  type ControlTcpConnectResult,
  type ControlTlsHandshakeResult,
} from '../control-protocol';
import type { FingerprintSet } from '../fingerprints';
import { asciiHost, urlParts } from '../hosts';
import { canonicalIp, endpoint, ipFamily, isIp, parseEndpoint } from '../ip';
import type { DnsObservation, HttpObservation, Observations, TcpObservation, TlsObservation } from '../types';


/** Second-level labels under which registrars sell names (mail.yandex.com.tr, bbc.co.uk). */
const SECOND_LEVEL = new Set(['co', 'com', 'net', 'org', 'gov', 'edu', 'ac', 'or', 'ne', 'go', 'gen', 'biz', 'info']);

/**
 * The registrable domain, approximately (no public-suffix list in the bundle): the last two labels,
 * or three under a country code's generic second level.
 */
function registrableDomain(host: string): string {
  if (isIp(host)) return host;
  const labels = host.toLowerCase().replace(/\.$/, '').split('.');
  if (labels.length <= 2) return labels.join('.');
  const tld = labels[labels.length - 1]!;
  const second = labels[labels.length - 2]!;
  const take = tld.length === 2 && SECOND_LEVEL.has(second) ? 3 : 2;
  return labels.slice(-take).join('.');
}

export interface Context {
  obs: Observations;
  host: string;
  scheme: string;
  /** The port the failing URL uses (443 for https). */
  sitePort: number;
  country?: string;
  /** null: match no fingerprints. */
  fingerprints: FingerprintSet | null;
  /** The control's answer, when there is a usable one. */
  control?: ControlResponse;
  /** Why there is no control (for the `no_control` evidence). */
  noControlReason: string;

  /** The system resolver's lookup; synthesized from a browser DNS error when the probes had none. */
  system?: DnsObservation & { synthesized?: boolean };
  systemAddrs: string[];
  /** DoH lookups that returned addresses, and the union of those addresses. */
  dohAnswered: DnsObservation[];
  dohAddrs: string[];
  /** DoH lookups that said NXDOMAIN. */
  dohNxdomain: DnsObservation[];
  controlAddrs: string[];
  /** Where the site really is, by encrypted DNS and the control: DoH's and the control's answers. */
  realAddrs: string[];

  /** TCP connects to the site's port. */
  siteTcp: Array<TcpObservation & { synthesized?: boolean }>;
  /** Every TCP observation (any port), canonical addresses. */
  tcp: TcpObservation[];
  /** Handshakes that sent the site's name. */
  tlsSni: Array<TlsObservation & { synthesized?: boolean }>;
  /** Handshakes to a bare IP (no SNI). */
  tlsBare: TlsObservation[];
  /**
   * Fetches of the site itself (any scheme, host = the failing host), and the later hops of its
   * redirect chain (`hop` > 0, any host), in the order observed.
   */
  httpSite: Array<HttpObservation & { synthesized?: boolean }>;
  /** Fetches whose URL host is an IP literal: reachability probes (`ip` canonical). */
  httpIp: Array<HttpObservation & { ip: string }>;

  /** Something proves the user's network is up (a canary, the control, DoH, any answer at all). */
  networkUp: boolean;
  /** Something over IPv4 worked. */
  ipv4Works: boolean;
  /** IPv6 addresses fail with `unreachable` while IPv4 works: their failures say nothing about the site. */
  ipv6Broken: boolean;

  controlTcp(ip: string, port: number): ControlTcpConnectResult | undefined;
  controlTls(ip: string, port: number): ControlTlsHandshakeResult | undefined;
  ipInfo(ip: string): ControlIpInfo | undefined;
  /** The host, its registrable domain's subdomains, and the provider's sibling domains. */
  isProviderHost(host: string): boolean;
}

const unique = (xs: string[]) => [...new Set(xs)];

/** The addresses in a resolver's answer, canonical, each once; what is not an address is dropped. */
const addresses = (answer: string[]) => unique(answer.flatMap((a) => canonicalIp(a) ?? []));

function indexByEndpoint<T>(record: Record<string, T> | undefined): Map<string, T> {
  const map = new Map<string, T>();
  for (const [key, value] of Object.entries(record ?? {})) {
    // Under the canonical spelling, so that the lookup finds it however the helper wrote the address.
    const at = parseEndpoint(key);
    map.set(at ? endpoint(canonicalIp(at.ip)!, at.port) : key, value);
  }
  return map;
}

const CONNECT_FAILURES = new Set(['timeout', 'refused', 'unreachable', 'stalled']);
const TLS_STAGE_FAILURES = new Set(['reset', 'closed', 'tls', 'certificate']);

export function buildContext(obs: Observations, fingerprints: FingerprintSet | null): Context {
  const parts = urlParts(obs.url);
  // One form for every comparison below: an internationalized name in punycode, as URLs carry it.
  const rawHost = (obs.host || parts?.host || '').toLowerCase().replace(/^\[|\]$/g, '');
  const host = asciiHost(rawHost) ?? rawHost;
  const scheme = parts?.scheme ?? 'https';
  const sitePort = parts?.port || (scheme === 'http' ? 80 : 443);
  const failure = obs.failure;

  // The probes and the OONI adapter already parsed it; a caller that built Observations itself (or
  // read them back from storage) gets the same check, so no rule below meets a malformed control.
  const control = parseControlResponse(obs.control);
  const noControlReason = control ? '' : obs.controlFailure || (obs.control ? 'malformed' : 'not asked');

  // --- DNS ---
  const dns = obs.dns ?? [];
  let system: Context['system'] = dns.find((d) => d.kind === 'system');
  if (!system && failure?.class === 'dns') {
    system = { kind: 'system', resolver: 'system', addrs: [], failure: 'error', synthesized: true };
  }
  if (!system && isIp(host)) system = { kind: 'system', resolver: 'system', addrs: [host] };
  const systemAddrs = addresses(system?.addrs ?? []);
  const doh = dns.filter((d) => d.kind === 'doh');
  const dohAnswered = doh.filter((d) => d.addrs.some(isIp));
  const dohAddrs = addresses(dohAnswered.flatMap((d) => d.addrs));
  const dohNxdomain = doh.filter((d) => d.failure === 'nxdomain' && d.addrs.length === 0);
  const controlAddrs = addresses(control?.dns.addrs ?? []);

  // --- TCP ---
  const tcp = (obs.tcp ?? []).map((t) => ({ ...t, ip: canonicalIp(t.ip) ?? t.ip }));
  const siteTcp: Context['siteTcp'] = tcp.filter((t) => t.port === sitePort);

  // --- TLS ---
  const tls = (obs.tls ?? []).map((t) => (t.ip ? { ...t, ip: canonicalIp(t.ip) ?? t.ip } : t));
  const tlsSni: Context['tlsSni'] = tls.filter((t) => t.serverName !== null && (asciiHost(t.serverName) ?? t.serverName.toLowerCase()) === host);
  const tlsBare = tls.filter((t) => t.serverName === null);

  // --- HTTP ---
  const httpSite: Context['httpSite'] = [];
  const httpIp: Context['httpIp'] = [];
  for (const h of obs.http ?? []) {
    const p = urlParts(h.url);
    if (!p) continue;
    const ip = canonicalIp(p.host);
    // A later hop of the failing URL's redirect chain is the same page load, whatever its host.
    if ((h.hop ?? 0) > 0) httpSite.push(h);
    else if (ip && !isIp(host)) httpIp.push({ ...h, ip });
    else if (p.host === host) httpSite.push(h);
  }

  // A stalled page names no step, and a browser's timeout does not say which step timed out (Firefox
  // keeps retrying a handshake that hangs until its own timeout). When something proves that a
  // connection to the site's address on its port completes (a handshake without the name, another of
  // the provider's names loading over TLS from that address, a TCP probe), the hang comes after the
  // connect: the handshake with the name (an SNI filter that drops the ClientHello, Russia's
  // TLS-timeout variant), not a TCP connect timeout.
  const knownAddrs = new Set([...systemAddrs, ...dohAddrs, ...controlAddrs]);
  const connectsAtSitePort =
    tcp.some((t) => t.ok && t.port === sitePort && knownAddrs.has(t.ip)) ||
    tlsBare.some((t) => (t.ok || t.failure === 'certificate') && t.ip !== undefined && knownAddrs.has(t.ip)) ||
    (scheme === 'https' && (obs.siblings ?? []).some((sib) => sib.ok && sib.ip !== undefined && knownAddrs.has(canonicalIp(sib.ip) ?? sib.ip)));
  if ((failure?.class === 'stalled' || failure?.class === 'timeout') && scheme === 'https' && !siteTcp.length && !tlsSni.length && connectsAtSitePort) {
    tlsSni.push({ serverName: host, ip: systemAddrs[0], ok: false, failure: 'timeout', elapsedMs: failure.elapsedMs, synthesized: true });
  }

  // Fill the steps the browser's error names but no probe recorded.
  if (failure && !siteTcp.length && !tlsSni.length && CONNECT_FAILURES.has(failure.class)) {
    // Which address the browser tried: the system resolver's if known (Chromium does not tell), else
    // the DoH answer (the same site, most likely the same address), else unknown.
    const ips = systemAddrs.length ? systemAddrs : dohAddrs.length ? dohAddrs.slice(0, 2) : [''];
    for (const ip of ips) {
      siteTcp.push({
        ip,
        port: sitePort,
        ok: false,
        failure: failure.class === 'stalled' ? 'timeout' : failure.class,
        elapsedMs: failure.elapsedMs,
        synthesized: true,
      });
    }
  }
  if (failure && scheme === 'https' && !tlsSni.length && TLS_STAGE_FAILURES.has(failure.class)) {
    tlsSni.push({
      serverName: host,
      ip: systemAddrs[0],
      ok: false,
      failure: failure.class,
      certificate: failure.certificate,
      elapsedMs: failure.elapsedMs,
      synthesized: true,
    });
  }
  if (failure && scheme === 'http' && !httpSite.length && (failure.class === 'reset' || failure.class === 'closed')) {
    httpSite.push({ url: obs.url, ok: false, failure: failure.class, elapsedMs: failure.elapsedMs, synthesized: true });
  }

  // --- health of the user's own network ---
  const v4 = (ip: string | undefined) => !!ip && ipFamily(ip) === 4;
  const httpIpOk = httpIp.filter((h) => h.ok);
  const ipv4Works =
    tcp.some((t) => t.ok && v4(t.ip)) ||
    tls.some((t) => t.ok && v4(t.ip)) ||
    httpIpOk.some((h) => v4(h.ip));
  const v6Unreachable = [...tcp, ...siteTcp].some((t) => !t.ok && t.failure === 'unreachable' && ipFamily(t.ip) === 6);
  const canariesOk = (obs.canaries ?? []).some((c) => c.ok && !c.captive);
  const networkUp =
    canariesOk ||
    !!control ||
    dohAnswered.length > 0 ||
    ipv4Works ||
    tcp.some((t) => t.ok) ||
    (obs.http ?? []).some((h) => h.ok) ||
    (obs.siblings ?? []).some((s) => s.ok);
  const ipv6Broken = v6Unreachable && (ipv4Works || canariesOk);

  const tcpIndex = indexByEndpoint(control?.tcp_connect);
  const tlsIndex = indexByEndpoint(control?.tls_handshake);
  const ipInfoIndex = new Map(Object.entries(control?.ip_info ?? {}).map(([ip, info]) => [canonicalIp(ip) ?? ip, info]));

  const providerDomain = registrableDomain(host);
  const siblingDomains = (obs.siblings ?? []).map((s) => registrableDomain(s.host.toLowerCase()));
  const isProviderHost = (other: string) => {
    const h = other.toLowerCase().replace(/^\[|\]$/g, '');
    if (h === host) return true;
    const domain = registrableDomain(h);
    return domain === providerDomain || siblingDomains.includes(domain);
  };

  return {
    obs,
    host,
    scheme,
    sitePort,
    country: obs.country?.toUpperCase(),
    fingerprints,
    control,
    noControlReason,
    system,
    systemAddrs,
    dohAnswered,
    dohAddrs,
    dohNxdomain,
    controlAddrs,
    realAddrs: unique([...dohAddrs, ...controlAddrs]),
    siteTcp,
    tcp,
    tlsSni,
    tlsBare,
    httpSite,
    httpIp,
    networkUp,
    ipv4Works: ipv4Works || canariesOk,
    ipv6Broken,
    controlTcp: (ip, port) => tcpIndex.get(endpoint(canonicalIp(ip) ?? ip, port)),
    controlTls: (ip, port) => tlsIndex.get(endpoint(canonicalIp(ip) ?? ip, port)),
    ipInfo: (ip) => ipInfoIndex.get(canonicalIp(ip) ?? ip),
    isProviderHost,
  };
}
