/**
 * An OONI Web Connectivity measurement (the public JSON format, test versions 0.4.x and 0.5.x) as
 * Observations, so the very classify() the extension runs also classifies OONI's data. Reading OONI's
 * own `blocking` field would be easier, and would test nothing of ours.
 *
 * What is kept, per OONI's "classic" subset (ts-017): the system resolver's lookups (getaddrinfo /
 * system engine) and DoH lookups for the input's host; TCP connects and TLS handshakes to addresses
 * that resolver returned (v0.5 also connects to the test helper's addresses: those are dropped, they
 * are not what the user's resolver gave); every request of the redirect chain, oldest first; the
 * control and control_failure. DNS-over-UDP lookups (v0.5's extension E003) are dropped: a UDP
 * resolver abroad is neither the user's resolver nor tamper-proof.
 */
import { parseControlResponse } from './control-protocol';
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

const sameHost = (a: unknown, host: string) =>
  typeof a === 'string' && a.toLowerCase().replace(/\.$/, '') === host;

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

function httpObservations(tk: Json): HttpObservation[] {
  // OONI lists the chain newest first; the engine reads it oldest first.
  const out: HttpObservation[] = [];
  for (const r of [...arr(tk.requests)].reverse()) {
    if (!isObject(r)) continue;
    const request = isObject(r.request) ? r.request : {};
    const url = str(request.url);
    if (!url) continue;
    const failure = ooniFailureClass(str(r.failure));
    const response = isObject(r.response) ? r.response : undefined;
    const status = response && typeof response.code === 'number' && response.code > 0 ? response.code : undefined;
    if (failure || !response || status === undefined) {
      out.push({ url, ok: false, failure: failure?.class ?? 'unknown', ...(failure?.certificate ? { certificate: failure.certificate } : {}) });
      continue;
    }
    const headers = headersOf(response);
    const body = decodeOoniBody(response.body);
    out.push({
      url,
      ok: true,
      status,
      headers,
      ...(body !== undefined ? { body, bodyLength: response.body_is_truncated === true ? undefined : body.length } : {}),
      ...(response.body_is_truncated === true ? { bodyTruncated: true } : {}),
      ...(headers.location ? { location: headers.location } : {}),
    });
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

  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const dns = dnsObservations(tk, host);
  const system = dns.find((d) => d.kind === 'system');
  const systemAddrs = new Set((system?.addrs ?? []).map((ip) => canonicalIp(ip) ?? ip));
  // Keep the steps at the addresses the user's resolver gave (all of them when it gave none we know).
  const keep = (ip: string) => systemAddrs.size === 0 ? !system : systemAddrs.has(canonicalIp(ip) ?? ip);

  const http = httpObservations(tk);
  // v0.4 helpers send no TLS or ip_info and null addresses on NXDOMAIN: the parser's defaults cover them.
  const control = parseControlResponse(tk.control);
  const controlFailure = str(tk.control_failure);

  // The "browser error" of an OONI run: the final request's failure, or the first failing step's.
  const final = http[http.length - 1];
  const failureString = str(tk.http_experiment_failure) ?? str(tk.dns_experiment_failure);
  let failure: Observations['failure'];
  const classified = ooniFailureClass(failureString);
  if (classified) failure = { ...classified, error: failureString };
  else if (final && !final.ok && final.failure) failure = { class: final.failure, error: 'request failed' };
  else if (final?.status === 451) failure = { class: 'http-status', error: 'HTTP 451' };

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
