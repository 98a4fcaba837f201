/**
 * The lab's scenarios as hand-built observations, at two richness levels: `withControl` (Detour's
 * service answered, OONI test-helper style) and `withoutControl` (the extension's own probes only).
 * Addresses are made up; nothing here is ever contacted.
 */
import type { ControlResponse } from '../../../engine/control-protocol';
import type { CanaryObservation, Observations } from '../../../engine/types';

export const HOST = 'mail.example.org';
export const URL_HTTPS = `https://${HOST}/`;
export const URL_HTTP = `http://${HOST}/`;
export const SITE_IP = '185.70.42.37';
export const SITE_IP6 = '2a02:6b8::2:242';
export const BLOCK_IP = '95.213.254.253';
export const DOH = 'https://doh.example.net/dns-query';
export const CANARIES_OK: CanaryObservation[] = [
  { url: 'https://canary-a.example.net/', ok: true },
  { url: 'https://canary-b.example.net/', ok: true },
];
export const CANARIES_DOWN: CanaryObservation[] = [
  { url: 'https://canary-a.example.net/', ok: false, failure: 'timeout' },
  { url: 'https://canary-b.example.net/', ok: false, failure: 'timeout' },
];

export const REAL_PAGE = {
  status: 200,
  title: 'Example Mail: sign in',
  headers: { 'content-type': 'text/html', 'x-example-mail': '1', server: 'nginx' },
  body_length: 48_000,
};

export interface ControlSpec {
  dns?: string[] | { failure: string };
  /** Per endpoint: true connects, a string is the failure. */
  tcp?: Record<string, true | string>;
  tls?: Record<string, true | string>;
  /** `bodyMs`: how long the control read the body (Detour's service times it; OONI's helpers do not). */
  http?: (typeof REAL_PAGE & { bodyMs?: number }) | { failure: string };
  ipInfo?: Record<string, { asn: number; flags: number }>;
}

/** A test-helper answer; by default the site is healthy from outside. */
export function control(spec: ControlSpec = {}): ControlResponse {
  const dns = spec.dns ?? [SITE_IP];
  const tcp = spec.tcp ?? { [`${SITE_IP}:443`]: true };
  const tls = spec.tls ?? { [`${SITE_IP}:443`]: true };
  const http: NonNullable<ControlSpec['http']> = spec.http ?? REAL_PAGE;
  return {
    dns: Array.isArray(dns) ? { failure: null, addrs: dns } : { failure: dns.failure, addrs: [] },
    tcp_connect: Object.fromEntries(
      Object.entries(tcp).map(([k, v]) => [k, v === true ? { status: true, failure: null } : { status: false, failure: v }]),
    ),
    tls_handshake: Object.fromEntries(
      Object.entries(tls).map(([k, v]) => [
        k,
        v === true ? { server_name: HOST, status: true, failure: null } : { server_name: HOST, status: false, failure: v },
      ]),
    ),
    http_request:
      'failure' in http
        ? { body_length: -1, discovered_h3_endpoint: '', failure: http.failure, title: '', headers: {}, status_code: -1 }
        : {
            body_length: http.body_length,
            discovered_h3_endpoint: '',
            failure: null,
            title: http.title,
            headers: http.headers,
            status_code: http.status,
            ...(http.bodyMs !== undefined ? { x_detour_body_ms: http.bodyMs } : {}),
          },
    ip_info: spec.ipInfo ?? { [SITE_IP]: { asn: 0, flags: 1 | 2 | 8 } },
  };
}

const base = (extra: Partial<Observations>): Observations => ({
  url: URL_HTTPS,
  host: HOST,
  canaries: CANARIES_OK,
  ...extra,
});

const systemDns = (addrs: string[]) => ({ kind: 'system' as const, resolver: 'system', addrs });
const dohDns = (addrs: string[]) => ({ kind: 'doh' as const, resolver: DOH, addrs });

export interface Scenario {
  name: string;
  withControl: Observations;
  withoutControl: Observations;
}

/** Adds the control to the observations (or says why there is none). */
function pair(name: string, obs: Observations, ctl: ControlResponse): Scenario {
  return {
    name,
    withControl: { ...obs, control: ctl },
    withoutControl: { ...obs, controlFailure: 'unreachable' },
  };
}

export const scenarios = {
  ok: pair(
    'ok',
    base({
      dns: [systemDns([SITE_IP]), dohDns([SITE_IP])],
      http: [{ url: URL_HTTPS, ok: true, status: 200, title: REAL_PAGE.title, elapsedMs: 300 }],
    }),
    control(),
  ),

  dnsNxdomain: pair(
    'DNS NXDOMAIN from the ISP while DoH answers',
    base({
      failure: { class: 'dns', error: 'net::ERR_NAME_NOT_RESOLVED', elapsedMs: 40 },
      dns: [{ ...systemDns([]), failure: 'nxdomain' }, dohDns([SITE_IP])],
      tcp: [{ ip: SITE_IP, port: 80, ok: true, elapsedMs: 60 }],
    }),
    control(),
  ),

  dnsSinkhole: pair(
    'DNS bogon sinkhole (10.10.34.35) in Iran',
    base({
      country: 'IR',
      failure: { class: 'timeout', error: 'net::ERR_CONNECTION_TIMED_OUT', elapsedMs: 21_000 },
      dns: [systemDns(['10.10.34.35']), dohDns([SITE_IP])],
      tcp: [{ ip: '10.10.34.35', port: 443, ok: false, failure: 'timeout' }],
    }),
    control({ ipInfo: { [SITE_IP]: { asn: 0, flags: 2 | 8 }, '10.10.34.35': { asn: 0, flags: 1 | 4 } } }),
  ),

  dnsBogon: pair(
    'DNS bogon answer not in any fingerprint',
    base({
      failure: { class: 'refused', error: 'net::ERR_CONNECTION_REFUSED', elapsedMs: 5 },
      dns: [systemDns(['10.99.0.1']), dohDns([SITE_IP])],
      tcp: [{ ip: '10.99.0.1', port: 443, ok: false, failure: 'refused' }],
    }),
    control({ ipInfo: { [SITE_IP]: { asn: 0, flags: 2 | 8 }, '10.99.0.1': { asn: 0, flags: 1 | 4 } } }),
  ),

  dnsBlockpage: pair(
    'DNS points to an ISP block page served with status 200',
    base({
      country: 'RU',
      failure: { class: 'certificate', certificate: 'name', error: 'net::ERR_CERT_COMMON_NAME_INVALID', elapsedMs: 200 },
      dns: [systemDns([BLOCK_IP]), dohDns([SITE_IP])],
      tls: [{ serverName: HOST, ip: BLOCK_IP, ok: false, failure: 'certificate', certificate: 'name' }],
      http: [
        {
          url: URL_HTTP,
          ok: true,
          status: 200,
          headers: { 'content-type': 'text/html; charset=utf-8', server: 'nginx' },
          body:
            '<html><head><title>Доступ ограничен</title></head><body><h1>Доступ к сайту ограничен в соответствии с Федеральными законами</h1></body></html>',
          title: 'Доступ ограничен',
          bodyLength: 140,
        },
      ],
    }),
    control({ ipInfo: { [SITE_IP]: { asn: 0, flags: 2 | 8 }, [BLOCK_IP]: { asn: 0, flags: 1 } } }),
  ),

  synDrop: pair(
    'SYNs dropped (IP blackhole)',
    base({
      failure: { class: 'stalled', error: 'stall', elapsedMs: 8_000 },
      dns: [systemDns([SITE_IP]), dohDns([SITE_IP])],
      tcp: [
        { ip: SITE_IP, port: 443, ok: false, failure: 'timeout', elapsedMs: 8_000 },
        { ip: SITE_IP, port: 80, ok: false, failure: 'timeout', elapsedMs: 5_000 },
      ],
    }),
    control(),
  ),

  /** Russia's TLS-timeout variant: the ClientHello with the name is dropped, the connect went through. */
  sniDrop: pair(
    'ClientHello with the name dropped; another of the provider\'s names loads from the same address',
    base({
      failure: { class: 'stalled', error: 'stall', elapsedMs: 4_000 },
      dns: [systemDns([SITE_IP]), dohDns([SITE_IP])],
      siblings: [{ host: 'example-mail.net', ok: true, ip: SITE_IP, elapsedMs: 120 }],
    }),
    control(),
  ),

  tcpReset: pair(
    'TCP reset on every connection to the address',
    base({
      failure: { class: 'reset', error: 'net::ERR_CONNECTION_RESET', elapsedMs: 40 },
      dns: [systemDns([SITE_IP]), dohDns([SITE_IP])],
      tls: [
        { serverName: HOST, ip: SITE_IP, ok: false, failure: 'reset', elapsedMs: 40 },
        { serverName: null, ip: SITE_IP, ok: false, failure: 'reset', elapsedMs: 35 },
      ],
      http: [
        { url: URL_HTTPS, ok: false, failure: 'reset', elapsedMs: 38 },
        { url: `http://${SITE_IP}/`, ok: false, failure: 'reset', elapsedMs: 30 },
      ],
    }),
    control(),
  ),

  refused: pair(
    'connection refused',
    base({
      failure: { class: 'refused', error: 'net::ERR_CONNECTION_REFUSED', elapsedMs: 30 },
      dns: [systemDns([SITE_IP]), dohDns([SITE_IP])],
      tcp: [{ ip: SITE_IP, port: 443, ok: false, failure: 'refused', elapsedMs: 30 }],
    }),
    control(),
  ),

  sniReset: pair(
    'reset after the ClientHello, only with the SNI',
    base({
      failure: { class: 'reset', error: 'net::ERR_CONNECTION_RESET', elapsedMs: 45 },
      dns: [systemDns([SITE_IP]), dohDns([SITE_IP])],
      tcp: [{ ip: SITE_IP, port: 80, ok: true, elapsedMs: 40 }],
      tls: [
        { serverName: HOST, ip: SITE_IP, ok: false, failure: 'reset', elapsedMs: 45 },
        { serverName: null, ip: SITE_IP, ok: false, failure: 'certificate', certificate: 'name', elapsedMs: 90 },
      ],
      http: [
        { url: URL_HTTPS, ok: false, failure: 'reset', elapsedMs: 44 },
        { url: `http://${SITE_IP}/`, ok: true, status: 301, location: URL_HTTPS, elapsedMs: 80 },
      ],
    }),
    control(),
  ),

  http451: pair(
    'HTTP 451',
    base({
      failure: { class: 'http-status', error: 'HTTP 451', elapsedMs: 300 },
      dns: [systemDns([SITE_IP]), dohDns([SITE_IP])],
      http: [{ url: URL_HTTPS, ok: true, status: 451, title: 'Unavailable For Legal Reasons', elapsedMs: 300 }],
    }),
    control(),
  ),

  interception: pair(
    'TLS interception with an untrusted CA',
    base({
      failure: { class: 'certificate', certificate: 'issuer', error: 'net::ERR_CERT_AUTHORITY_INVALID', elapsedMs: 250 },
      dns: [systemDns([SITE_IP]), dohDns([SITE_IP])],
      tls: [
        {
          serverName: HOST,
          ip: SITE_IP,
          ok: false,
          failure: 'certificate',
          certificate: 'issuer',
          issuer: 'Example National Root CA',
        },
      ],
    }),
    control(),
  ),

  siteDown: pair(
    'site down for everyone',
    base({
      failure: { class: 'timeout', error: 'net::ERR_CONNECTION_TIMED_OUT', elapsedMs: 30_000 },
      dns: [systemDns([SITE_IP]), dohDns([SITE_IP])],
      tcp: [{ ip: SITE_IP, port: 443, ok: false, failure: 'timeout' }],
    }),
    control({
      tcp: { [`${SITE_IP}:443`]: 'generic_timeout_error' },
      tls: {},
      http: { failure: 'generic_timeout_error' },
    }),
  ),

  /** Without a control, the outage signal an extension does get: the real server says 503. */
  serverError: pair(
    'the real server answers 503',
    base({
      failure: { class: 'http-status', error: 'HTTP 503', elapsedMs: 400 },
      dns: [systemDns([SITE_IP]), dohDns([SITE_IP])],
      http: [{ url: URL_HTTPS, ok: true, status: 503, elapsedMs: 400 }],
    }),
    control({ http: { failure: 'http_request_failed' } }),
  ),

  domainGone: pair(
    'the name does not exist anywhere',
    base({
      failure: { class: 'dns', error: 'net::ERR_NAME_NOT_RESOLVED', elapsedMs: 30 },
      dns: [{ ...systemDns([]), failure: 'nxdomain' }, { ...dohDns([]), failure: 'nxdomain' }],
    }),
    control({ dns: { failure: 'dns_name_error' }, tcp: {}, tls: {}, http: { failure: 'dns_lookup_error' } }),
  ),

  networkDown: pair(
    'the whole network is down',
    base({
      canaries: CANARIES_DOWN,
      failure: { class: 'timeout', error: 'net::ERR_CONNECTION_TIMED_OUT', elapsedMs: 30_000 },
      dns: [systemDns([SITE_IP]), { ...dohDns([]), failure: 'timeout' }],
      tcp: [{ ip: SITE_IP, port: 443, ok: false, failure: 'timeout' }],
    }),
    control(),
  ),

  captivePortal: pair(
    'captive portal',
    base({
      canaries: [{ url: 'https://canary-a.example.net/', ok: true, captive: true }],
      captivePortal: 'locked_portal',
      failure: { class: 'certificate', certificate: 'name', error: 'net::ERR_CERT_COMMON_NAME_INVALID', elapsedMs: 100 },
      dns: [systemDns(['10.1.0.1'])],
    }),
    control(),
  ),

  brokenProxy: pair(
    'broken proxy',
    base({
      proxy: true,
      failure: { class: 'proxy', error: 'net::ERR_PROXY_CONNECTION_FAILED', elapsedMs: 10 },
    }),
    control(),
  ),

  throttled: pair(
    'throttled: the connection and TLS work, the page crawls in at 4 KB/s while the control reads it at full speed',
    base({
      failure: { class: 'slow', error: 'slow', elapsedMs: 4000 },
      dns: [systemDns([SITE_IP]), dohDns([SITE_IP])],
      http: [
        {
          url: URL_HTTPS,
          ok: true,
          status: 200,
          title: REAL_PAGE.title,
          elapsedMs: 250,
          bodyLength: 8192,
          bodyTruncated: false,
          bodyMs: 2000,
          bodyEnd: 'cut',
        },
      ],
    }),
    control({ http: { ...REAL_PAGE, body_length: 300_000, bodyMs: 15 } }),
  ),

  ipv6: pair(
    'IPv6-only unreachable while IPv4 works',
    base({
      failure: { class: 'unreachable', error: 'net::ERR_ADDRESS_UNREACHABLE', elapsedMs: 5 },
      dns: [systemDns([SITE_IP6]), dohDns([SITE_IP, SITE_IP6])],
      tcp: [
        { ip: SITE_IP6, port: 443, ok: false, failure: 'unreachable', elapsedMs: 5 },
        { ip: SITE_IP, port: 80, ok: true, elapsedMs: 50 },
      ],
    }),
    control({ dns: [SITE_IP, SITE_IP6], tcp: { [`${SITE_IP}:443`]: true, [`[${SITE_IP6}]:443`]: true } }),
  ),
} satisfies Record<string, Scenario>;

/** Only the browser's own error: what the extension knows before any probe ran. */
export const failureOnly = (cls: 'reset' | 'timeout' | 'dns' | 'refused' | 'stalled' | 'slow' | 'certificate'): Observations => ({
  url: URL_HTTPS,
  host: HOST,
  failure: cls === 'certificate' ? { class: cls, certificate: 'issuer' } : { class: cls },
});
