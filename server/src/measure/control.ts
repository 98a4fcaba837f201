/**
 * One control measurement, OONI test-helper style: resolve the host; connect to every endpoint (the
 * client's and the service's own addresses on the URL's port) and handshake TLS where the endpoint
 * speaks it; fetch the URL; say in ip_info where each address came from. Every step reports its
 * failure in OONI's words and never throws, so one answer always comes back.
 *
 * The fetch's first request goes over the first of the service's own endpoint connections to succeed,
 * already verified by the TLS step, instead of a second connection and handshake to the same place:
 * the answer is the same, and TLS handshakes are most of a measurement's CPU time (see README).
 */
import type net from 'node:net';
import {
  IP_FLAG,
  type ControlIpInfo,
  type ControlResponse,
  type ControlTcpConnectResult,
  type ControlTlsHandshakeResult,
} from '../../../engine/control-protocol';
import { canonicalIp, endpoint, isBogon } from '../../../engine/ip';
import { bareHost } from '../safe-connect';
import type { Budget } from './budget';
import type { MeasureContext } from './context';
import { dnsStep } from './dns';
import { effectivePort, httpStep, type OpenConnection } from './http';
import { tcpStep } from './tcp';
import { tlsStep } from './tls';

export interface ClientEndpoint {
  /** The endpoint as the client wrote it: the key of its result in the answer. */
  key: string;
  ip: string;
  port: number;
}

/** A request that passed validation (see control-request.ts). */
export interface ControlMeasurementRequest {
  url: URL;
  headers: Record<string, string[]>;
  endpoints: ClientEndpoint[];
}

/** One identity per address and port, whatever spelling the client used (::ffff:1.2.3.4 is 1.2.3.4). */
function endpointId(ep: { ip: string; port: number }): string {
  return endpoint(canonicalIp(ep.ip) ?? ep.ip, ep.port);
}

/**
 * The client's endpoints first, then the service's own addresses on the URL's port, de-duplicated
 * by canonical address and capped so one request cannot fan out into hundreds of connections.
 */
export function planEndpoints(client: ClientEndpoint[], resolved: string[], port: number, max: number): ClientEndpoint[] {
  const seen = new Set<string>();
  const planned: ClientEndpoint[] = [];
  const add = (ep: ClientEndpoint) => {
    const id = endpointId(ep);
    if (seen.has(id) || planned.length >= max) return;
    seen.add(id);
    planned.push(ep);
  };
  client.forEach(add);
  for (const ip of resolved) add({ key: endpoint(ip, port), ip, port });
  return planned;
}

interface Probe {
  ep: ClientEndpoint;
  tcp: ControlTcpConnectResult;
  tls?: ControlTlsHandshakeResult;
  /** The open connection (TLS if the TLS step ran), until someone closes or claims it. */
  stream?: net.Socket;
  /** Why there is no stream. */
  error?: unknown;
}

/** TCP, then TLS when `serverName` is set. Leaves the final connection open in `stream`. */
async function probeEndpoint(ep: ClientEndpoint, serverName: string | undefined, ctx: MeasureContext, budget: Budget): Promise<Probe> {
  const tcp = await tcpStep(ep.ip, ep.port, ctx, budget);
  if (!tcp.socket) return { ep, tcp: tcp.result, error: tcp.error };
  if (serverName === undefined) return { ep, tcp: tcp.result, stream: tcp.socket };
  const tls = await tlsStep(tcp.socket, serverName, ctx.secureContext, budget);
  return { ep, tcp: tcp.result, tls: tls.result, stream: tls.secure, error: tls.error };
}

/**
 * Offers the fetch the first probe connection to succeed; every other one is closed as soon as its
 * probe ends. The handlers are attached now, not when the fetch asks, so no connection is left open
 * whatever happens to the fetch. If none succeeds, the fetch fails as the first candidate did.
 */
function offerFirstConnection(candidates: Array<Promise<Probe>>): OpenConnection {
  let claimed = false;
  const offers = candidates.map((probe) =>
    probe.then((p) => {
      if (p.stream && !claimed) {
        claimed = true;
        return p.stream;
      }
      p.stream?.destroy();
      throw p.error ?? new Error('connection not needed');
    }),
  );
  const first = Promise.any(offers).catch(async () => {
    // Promise.any's AggregateError lists errors in candidate order: report the first candidate's.
    const failed = await candidates[0]!;
    throw failed.error;
  });
  first.catch(() => {});
  return () => first;
}

export async function measureControl(
  request: ControlMeasurementRequest,
  ctx: MeasureContext,
  budget: Budget,
): Promise<ControlResponse> {
  const { url } = request;
  const host = bareHost(url.hostname);
  const port = effectivePort(url);
  const https = url.protocol === 'https:';

  const dns = await dnsStep(ctx.resolver, host, budget);
  const endpoints = planEndpoints(request.endpoints, dns.result.addrs, port, ctx.limits.maxEndpoints);

  // TLS where the endpoint speaks it: port 443, or the URL's own port for an https URL.
  const serverNameFor = (ep: ClientEndpoint) => (ep.port === 443 || (https && ep.port === port) ? host : undefined);
  // The fetch may reuse connections to the service's own addresses for the host, on the URL's port.
  const ownAddresses = new Set(dns.result.addrs);
  const reusable = (ep: ClientEndpoint) => ep.port === port && ownAddresses.has(canonicalIp(ep.ip) ?? ep.ip);

  const probes = endpoints.map((ep) => probeEndpoint(ep, serverNameFor(ep), ctx, budget));
  const candidates = probes.filter((_, i) => reusable(endpoints[i]!));
  probes.forEach((probe, i) => {
    if (!reusable(endpoints[i]!)) void probe.then((p) => p.stream?.destroy());
  });
  let firstConnection: OpenConnection | undefined;
  if (candidates.length > 0) firstConnection = offerFirstConnection(candidates);
  else if (dns.error !== undefined) firstConnection = () => Promise.reject(dns.error);

  const [measured, http_request] = await Promise.all([
    Promise.all(probes),
    httpStep(url, request.headers, ctx, budget, firstConnection),
  ]);

  const tcp_connect: Record<string, ControlTcpConnectResult> = {};
  const tls_handshake: Record<string, ControlTlsHandshakeResult> = {};
  const flags = new Map<string, number>();
  const flag = (ip: string, bit: number) => {
    const key = canonicalIp(ip) ?? ip;
    flags.set(key, (flags.get(key) ?? 0) | bit);
  };
  for (const ep of request.endpoints) flag(ep.ip, IP_FLAG.RESOLVED_BY_PROBE);
  for (const ip of dns.result.addrs) flag(ip, IP_FLAG.RESOLVED_BY_TH);
  for (const { ep, tcp, tls } of measured) {
    tcp_connect[ep.key] = tcp;
    if (tls) {
      tls_handshake[ep.key] = tls;
      if (tls.status) flag(ep.ip, IP_FLAG.VALID_FOR_DOMAIN);
    }
  }
  // A client that wrote one endpoint two ways gets an answer under each spelling.
  const byId = new Map(measured.map((m) => [endpointId(m.ep), m]));
  for (const ep of request.endpoints) {
    const same = byId.get(endpointId(ep));
    if (!same || ep.key in tcp_connect) continue;
    tcp_connect[ep.key] = same.tcp;
    if (same.tls) tls_handshake[ep.key] = same.tls;
  }
  const ip_info: Record<string, ControlIpInfo> = {};
  for (const [ip, bits] of flags) {
    // asn 0: the service ships no GeoIP/ASN database (it runs offline); clients compare by IP instead.
    ip_info[ip] = { asn: 0, flags: bits | (isBogon(ip) ? IP_FLAG.BOGON : 0) };
  }

  return { tcp_connect, tls_handshake, quic_handshake: {}, http_request, http3_request: null, dns: dns.result, ip_info };
}
