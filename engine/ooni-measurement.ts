/**
 * An OONI Web Connectivity measurement (the public JSON format, test versions 0.4.x and 0.5.x) as
 * Observations, so the very classify() the extension runs also classifies OONI's data. Reading OONI's
 * own `blocking` field would be easier, and would test nothing of ours.
 *
 * What is kept, per OONI's "classic" subset (ts-017): the system resolver's lookups (getaddrinfo /
 * system engine) and DoH lookups for the input's host; TCP connects and TLS handshakes to addresses
 * that resolver returned (v0.5 also connects to the test helper's addresses: those are dropped, they
 * are not what the user's resolver gave); the redirect chain as the user's browser would have walked
 * it, oldest first, each fetch with its `hop`: only the requests to addresses the system resolver gave
 * for that request's host (v0.5 also fetches through the DoH/UDP resolvers' and the helper's
 * addresses: a page that loads there did not load for the user), plus the hop the chain was going to
 * when the experiment says why it stopped (a later hop's NXDOMAIN, refused connect or reset leaves no
 * request behind), and `serverFault` when the server broke the chain itself (too many redirects, a
 * Location no client follows); the control and control_failure. Host names are compared in one form
 * (punycode, as the URL parser writes them). DNS-over-UDP lookups (v0.5's extension E003) are
 * dropped: a UDP resolver abroad is neither the user's resolver nor tamper-proof.
 */
import { parseControlResponse } from './control-protocol';
import { httpStatusError } from './failure';
import { asciiHost, urlParts } from './hosts';
import { canonicalIp, isIp, parseEndpoint } from './ip';
import { ooniDnsFailure, ooniFailureClass } from './ooni-failures';
import type { DnsObservation, HttpObservation, Observations, TcpObservation, TlsObservation } from './types';

export interface OoniMeta {
  input: string;
  measurement_uid: string | null;
  report_id: string | null;
  probe_cc: string | null;
  probe_asn: string | null;
  test_version: string | null;
}

export class OoniMeasurementError extends Error {
  override name = 'OoniMeasurementError';
}

type Json = Record<string, unknown>;
const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);
const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);
const arr = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);

const SYSTEM_ENGINES = new Set(['system', 'getaddrinfo', 'golang_net_resolver', 'go', '']);

/** A body as OONI stores it: a string, or `{format: "base64", data}` for non-UTF-8 bytes. */
export function decodeOoniBody(body: unknown): string | undefined {
  if (typeof body === 'string') return body;
  if (isObject(body) && body.format === 'base64' && typeof body.data === 'string') {
    try {
      const binary = atob(body.data);
      const bytes = new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
      return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function headersOf(response: Json): Record<string, string> {
  const out: Record<string, string> = {};
  const list = arr(response.headers_list);
  if (list.length) {
    for (const pair of list) {
      if (Array.isArray(pair) && typeof pair[0] === 'string' && typeof pair[1] === 'string') {
        const name = pair[0].toLowerCase();
        if (!(name in out)) out[name] = pair[1];
      }
    }
    return out;
  }
  if (isObject(response.headers)) {
    for (const [name, value] of Object.entries(response.headers)) {
      const v = Array.isArray(value) ? value[0] : value;
      if (typeof v === 'string') out[name.toLowerCase()] = v;
    }
  }
  return out;
}

/** A name as OONI wrote it (Unicode or punycode, any case) in the one form the engine compares. */
const hostKey = (name: unknown): string | undefined => (typeof name === 'string' ? asciiHost(name) : undefined);
const sameHost = (a: unknown, host: string) => hostKey(a) === host;
const canonical = (ip: string) => canonicalIp(ip) ?? ip;

/**
 * The system resolver's addresses for every name it was asked: the input's and each redirect
 * target's (v0.5 resolves every hop). An empty set: it was asked and gave nothing.
 */
function systemAddrsByHost(tk: Json): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const q of arr(tk.queries)) {
    if (!isObject(q) || !SYSTEM_ENGINES.has(str(q.engine) ?? '')) continue;
    const host = hostKey(q.hostname);
    if (!host) continue;
    const addrs = out.get(host) ?? new Set<string>();
    out.set(host, addrs);
    for (const a of arr(q.answers)) {
      if (!isObject(a)) continue;
      const ip = a.answer_type === 'A' ? str(a.ipv4) : a.answer_type === 'AAAA' ? str(a.ipv6) : undefined;
      if (ip && isIp(ip)) addrs.add(canonical(ip));
    }
  }
  return out;
}

function dnsObservations(tk: Json, host: string): DnsObservation[] {
  const groups = new Map<string, { obs: DnsObservation; failures: string[] }>();
  for (const q of arr(tk.queries)) {
    if (!isObject(q) || !sameHost(q.hostname, host)) continue;
    const engine = str(q.engine) ?? '';
    let kind: DnsObservation['kind'];
    let resolver: string;
    if (SYSTEM_ENGINES.has(engine)) {
      kind = 'system';
      resolver = 'system';
    } else if (engine === 'doh') {
      kind = 'doh';
      resolver = str(q.resolver_address) || str(q.resolver_hostname) || 'doh';
    } else {
      continue;
    }
    const key = `${kind} ${resolver}`;
    const group = groups.get(key) ?? { obs: { kind, resolver, addrs: [] }, failures: [] };
    groups.set(key, group);
    for (const a of arr(q.answers)) {
      if (!isObject(a)) continue;
      const ip = a.answer_type === 'A' ? str(a.ipv4) : a.answer_type === 'AAAA' ? str(a.ipv6) : undefined;
      if (ip && isIp(ip) && !group.obs.addrs.includes(ip)) group.obs.addrs.push(ip);
    }
    const failure = str(q.failure);
    if (failure) group.failures.push(failure);
  }
  const out: DnsObservation[] = [];
  for (const { obs, failures } of groups.values()) {
    // An AAAA "no answer" next to A answers is a site without IPv6, not a failure.
    if (!obs.addrs.length && failures.length) {
      const hard = failures.find((f) => f !== 'dns_no_answer') ?? failures[0]!;
      obs.failure = ooniDnsFailure(hard);
    }
    out.push(obs);
  }
  if (!out.some((d) => d.kind === 'system')) {
    const failure = str(tk.dns_experiment_failure);
    if (failure) out.unshift({ kind: 'system', resolver: 'system', addrs: [], failure: ooniDnsFailure(failure) });
  }
  return out;
}

function tcpObservations(tk: Json, keep: (ip: string) => boolean): TcpObservation[] {
  const out: TcpObservation[] = [];
  for (const t of arr(tk.tcp_connect)) {
    if (!isObject(t)) continue;
    const ip = str(t.ip);
    const port = typeof t.port === 'number' ? t.port : Number(t.port);
    if (!ip || !isIp(ip) || !Number.isInteger(port) || !keep(ip)) continue;
    const status = isObject(t.status) ? t.status : {};
    const failure = str(status.failure);
    const ok = status.success === true && !failure;
    out.push({ ip, port, ok, ...(ok ? {} : { failure: ooniFailureClass(failure)?.class ?? 'unknown' }) });
  }
  return out;
}

function tlsObservations(tk: Json, keep: (ip: string) => boolean): TlsObservation[] {
  const out: TlsObservation[] = [];
  for (const t of arr(tk.tls_handshakes)) {
    if (!isObject(t)) continue;
    const at = str(t.address) ? parseEndpoint(str(t.address)!) : undefined;
    if (at && !keep(at.ip)) continue;
    const failure = ooniFailureClass(str(t.failure));
    const serverName = str(t.server_name) || null;
    out.push({
      ...(at ? { ip: at.ip, port: at.port } : {}),
      serverName,
      ok: !failure,
      ...(failure ? { failure: failure.class, ...(failure.certificate ? { certificate: failure.certificate } : {}) } : {}),
    });
  }
  return out;
}

/**
 * A failure that ends a redirect chain by the server's own doing: Go's "stopped after too many
 * redirects" (a browser stops too, at 20), or a Location no client can follow (netxlite's
 * http_invalid_redirect_location_host, Go's failure to parse the header).
 */
function serverFaultOf(failure: string | undefined): HttpObservation['serverFault'] | undefined {
  if (!failure) return undefined;
  const f = failure.toLowerCase();
  if (f.includes('too many redirects')) return 'too-many-redirects';
  if (f.includes('redirect_location') || f.includes('location header') || f.includes('invalid redirect')) return 'bad-location';
  return undefined;
}

/** v0.5 tags every step with its place in the redirect chain ("depth=2"); v0.4 lists the chain only. */
function depthOf(entry: Json): number | undefined {
  for (const tag of arr(entry.tags)) {
    if (typeof tag === 'string' && tag.startsWith('depth=')) {
      const n = Number(tag.slice(6));
      if (Number.isInteger(n) && n >= 0) return n;
    }
  }
  return undefined;
}

const isRedirectStatus = (status: number | undefined) => status !== undefined && status >= 300 && status < 400;

/**
 * The redirect chain as the user's browser would have walked it, oldest first, each fetch with its
 * `hop`. Kept: the requests to addresses the system resolver gave for the request's host (v0.5 also
 * fetches through the other resolvers' and the test helper's addresses: a page that loads there did
 * not load for the user, whose browser asks the system resolver); a request that names no address
 * (v0.4), or whose host the system resolver was not asked about, is kept. When the chain stops at a
 * redirect and the experiment says why (the next hop's name did not resolve, its connect was
 * refused, its handshake reset: none of which leaves a request behind), that next hop is added as
 * the failed fetch it was; a chain the server itself broke is marked `serverFault`.
 */
function httpObservations(tk: Json, keepInput: (ip: string) => boolean, inputHost: string): HttpObservation[] {
  const byHost = systemAddrsByHost(tk);
  const kept: Array<{ obs: HttpObservation; depth: number | undefined; order: number }> = [];
  // OONI lists the chain newest first; the engine reads it oldest first.
  const requests = [...arr(tk.requests)].reverse();
  for (let i = 0; i < requests.length; i++) {
    const r = requests[i];
    if (!isObject(r)) continue;
    const request = isObject(r.request) ? r.request : {};
    const url = str(request.url);
    if (!url) continue;
    const at = str(r.address) ? parseEndpoint(str(r.address)!) : undefined;
    if (at) {
      const host = urlParts(url)?.host;
      const known = host === undefined ? undefined : byHost.get(host);
      if (host === inputHost ? !keepInput(at.ip) : known !== undefined && !known.has(canonical(at.ip))) continue;
    }
    const failureString = str(r.failure);
    const fault = serverFaultOf(failureString);
    const failure = fault ? undefined : ooniFailureClass(failureString);
    const response = isObject(r.response) ? r.response : undefined;
    const status = response && typeof response.code === 'number' && response.code > 0 ? response.code : undefined;
    let obs: HttpObservation;
    if (failure || !response || status === undefined) {
      obs = {
        url,
        ok: false,
        failure: failure?.class ?? 'unknown',
        ...(failure?.certificate ? { certificate: failure.certificate } : {}),
        ...(fault ? { serverFault: fault } : {}),
      };
    } else {
      const headers = headersOf(response);
      const body = decodeOoniBody(response.body);
      obs = {
        url,
        ok: true,
        status,
        headers,
        ...(body !== undefined ? { body, bodyLength: response.body_is_truncated === true ? undefined : body.length } : {}),
        ...(response.body_is_truncated === true ? { bodyTruncated: true } : {}),
        ...(headers.location !== undefined ? { location: headers.location } : {}),
        ...(fault ? { serverFault: fault } : {}),
      };
    }
    kept.push({ obs, depth: depthOf(r), order: i });
  }
  // By depth where v0.5 gives it (stable: the list's own order within a depth).
  kept.sort((a, b) => (a.depth ?? a.order) - (b.depth ?? b.order) || a.order - b.order);
  const out = kept.map(({ obs, depth }, index) => ({ ...obs, hop: depth ?? index }));

  const last = out[out.length - 1];
  const stopped = str(tk.http_experiment_failure);
  if (last && last.ok && !last.serverFault && isRedirectStatus(last.status) && stopped) {
    const fault = serverFaultOf(stopped);
    let next: string | undefined;
    try {
      next = last.location ? new URL(last.location, last.url).toString() : undefined;
    } catch {
      next = undefined;
    }
    const nextHost = next ? urlParts(next)?.host : undefined;
    if (fault) last.serverFault = fault;
    else if (!next || !nextHost) last.serverFault = 'bad-location';
    else {
      const failure = ooniFailureClass(stopped) ?? { class: 'unknown' as const };
      out.push({ url: next, ok: false, failure: failure.class, ...(failure.certificate ? { certificate: failure.certificate } : {}), hop: last.hop + 1 });
    }
  }
  return out;
}

function startTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const t = Date.parse(value.replace(' ', 'T') + (/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? '' : 'Z'));
  return Number.isFinite(t) ? t : undefined;
}

/**
 * Reads one measurement. Throws OoniMeasurementError with a plain explanation when the JSON is not a
 * Web Connectivity measurement the engine can read.
 */
export function ooniToObservations(measurement: unknown): { meta: OoniMeta; observations: Observations } {
  if (!isObject(measurement)) throw new OoniMeasurementError('not a JSON object');
  const testName = str(measurement.test_name);
  if (testName && testName !== 'web_connectivity') {
    throw new OoniMeasurementError(`test_name is ${testName}, not web_connectivity`);
  }
  const input = str(measurement.input);
  if (!input) throw new OoniMeasurementError('no "input" URL');
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new OoniMeasurementError(`"input" is not a URL: ${input.slice(0, 100)}`);
  }
  const tk = measurement.test_keys;
  if (!isObject(tk)) throw new OoniMeasurementError('no "test_keys" object');

  const host = asciiHost(url.hostname) ?? url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const dns = dnsObservations(tk, host);
  const system = dns.find((d) => d.kind === 'system');
  const systemAddrs = new Set((system?.addrs ?? []).map((ip) => canonicalIp(ip) ?? ip));
  // Keep the steps at the addresses the user's resolver gave (all of them when it gave none we know).
  const keep = (ip: string) => systemAddrs.size === 0 ? !system : systemAddrs.has(canonicalIp(ip) ?? ip);

  const http = httpObservations(tk, keep, host);
  // v0.4 helpers send no TLS or ip_info and null addresses on NXDOMAIN: the parser's defaults cover them.
  const control = parseControlResponse(tk.control);
  const controlFailure = str(tk.control_failure);

  // The "browser error" of an OONI run: the final request's failure, or the first failing step's.
  const final = http[http.length - 1];
  const failureString = str(tk.http_experiment_failure) ?? str(tk.dns_experiment_failure);
  let failure: Observations['failure'];
  // A chain the server broke is what a browser reports as an HTTP error (ERR_TOO_MANY_REDIRECTS:
  // lib/browser-errors.ts's class for it), not as an unknown failure.
  const classified = serverFaultOf(failureString) ? { class: 'http-status' as const } : ooniFailureClass(failureString);
  if (classified) failure = { ...classified, error: failureString };
  else if (final && !final.ok && final.failure) failure = { class: final.failure, error: 'request failed' };
  else if (final?.status === 451) failure = { class: 'http-status', error: httpStatusError(451) };

  const probeCc = str(measurement.probe_cc);
  const observations: Observations = {
    url: input,
    host,
    ...(probeCc && probeCc !== 'ZZ' ? { country: probeCc } : {}),
    ...(failure ? { failure } : {}),
    dns,
    tcp: tcpObservations(tk, keep),
    tls: tlsObservations(tk, keep),
    http,
    ...(control ? { control } : { controlFailure: controlFailure ?? 'no control in the measurement' }),
    ...(startTime(measurement.measurement_start_time) !== undefined
      ? { observedAt: startTime(measurement.measurement_start_time) }
      : {}),
  };
  return {
    meta: {
      input,
      measurement_uid: str(measurement.measurement_uid) ?? null,
      report_id: str(measurement.report_id) ?? null,
      probe_cc: probeCc ?? null,
      probe_asn: str(measurement.probe_asn) ?? null,
      test_version: str(measurement.test_version) ?? null,
    },
    observations,
  };
}
