/**
 * One control measurement, OONI test-helper style: the HTTP fetch starts at once; in parallel the
 * service resolves the host, then connects to every endpoint (the client's and its own, on the URL's
 * port) and handshakes TLS where the endpoint speaks it; ip_info says where each address came from.
 * Every step reports its failure in OONI's words and never throws, so one answer always comes back.
 */
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
import { httpStep } from './http';
import { tcpConnect } from './tcp';
import { measureTlsHandshake } from './tls';

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

export function effectivePort(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
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

async function measureEndpoint(
  ep: ClientEndpoint,
  tlsServerName: string | undefined,
  ctx: MeasureContext,
  budget: Budget,
): Promise<{ ep: ClientEndpoint; tcp: ControlTcpConnectResult; tls?: ControlTlsHandshakeResult }> {
  const { result, socket } = await tcpConnect(ep.ip, ep.port, ctx, budget);
  if (!socket) return { ep, tcp: result };
  if (tlsServerName === undefined) {
    socket.destroy();
    return { ep, tcp: result };
  }
  return { ep, tcp: result, tls: await measureTlsHandshake(socket, tlsServerName, ctx.secureContext, budget) };
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

  const httpPromise = httpStep(url, request.headers, ctx, budget);
  const dns = await dnsStep(ctx.resolver, host, budget);

  const endpoints = planEndpoints(request.endpoints, dns.addrs, port, ctx.limits.maxEndpoints);
  // TLS where the endpoint speaks it: port 443, or the URL's own port for an https URL.
  const tlsFor = (ep: ClientEndpoint) => (ep.port === 443 || (https && ep.port === port) ? host : undefined);
  const measured = await Promise.all(endpoints.map((ep) => measureEndpoint(ep, tlsFor(ep), ctx, budget)));

  const tcp_connect: Record<string, ControlTcpConnectResult> = {};
  const tls_handshake: Record<string, ControlTlsHandshakeResult> = {};
  const flags = new Map<string, number>();
  const flag = (ip: string, bit: number) => {
    const key = canonicalIp(ip) ?? ip;
    flags.set(key, (flags.get(key) ?? 0) | bit);
  };
  for (const ep of request.endpoints) flag(ep.ip, IP_FLAG.RESOLVED_BY_PROBE);
  for (const ip of dns.addrs) flag(ip, IP_FLAG.RESOLVED_BY_TH);
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

  return {
    tcp_connect,
    tls_handshake,
    quic_handshake: {},
    http_request: await httpPromise,
    http3_request: null,
    dns,
    ip_info,
  };
}
