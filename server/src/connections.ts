/**
 * Caps on open connections, in total and per client, and the timeouts that end slow clients.
 *
 * Without caps one address held 2,000 idle sockets, and under a low file limit the service then had
 * no descriptors left for /health, for accepted measurements, or for the measurements' own outbound
 * sockets. The total cap (net.Server.maxConnections) keeps descriptors for that outbound work; the
 * per-client cap keeps one client from taking the whole total. Sockets over either cap are closed
 * on accept, before a byte is read.
 */
import type http from 'node:http';
import type net from 'node:net';
import ipaddr from 'ipaddr.js';
import { clientKey } from './rate-limit';

export interface ConnectionLimits {
  maxConnections: number;
  maxConnectionsPerClient: number;
  /** Fastify's trustProxy: connections from trusted proxies carry many clients, so no per-client cap. */
  trustProxy: boolean | string[];
}

// The names proxy-addr (Fastify's trustProxy) accepts besides addresses and CIDRs.
const NAMED_RANGES: Record<string, string[]> = {
  loopback: ['127.0.0.1/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

/** Whether a peer is one of the trusted proxies of a trustProxy list. */
export function proxyMatcher(trustProxy: boolean | string[]): (address: string | undefined) => boolean {
  if (trustProxy === true) return () => true;
  if (trustProxy === false) return () => false;
  const ranges: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]> = [];
  for (const entry of trustProxy.flatMap((e) => NAMED_RANGES[e] ?? [e])) {
    try {
      if (entry.includes('/')) ranges.push(ipaddr.parseCIDR(entry));
      else {
        const address = ipaddr.parse(entry);
        ranges.push([address, address.kind() === 'ipv4' ? 32 : 128]);
      }
    } catch {
      // Fastify refuses a bad entry at startup; nothing to match here.
    }
  }
  return (address) => {
    if (!address || !ipaddr.isValid(address)) return false;
    let parsed = ipaddr.parse(address);
    if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
    return ranges.some(([range, bits]) => range.kind() === parsed.kind() && parsed.match(range, bits));
  };
}

/**
 * Applies both caps to `server`. The per-client count is keyed like the rate limit (IPv6 by /64)
 * on the TCP peer, not on X-Forwarded-For: a socket exists before any header is read. Entries are
 * deleted when a client's last socket closes, so the Map is never larger than the open sockets.
 */
export function limitConnections(server: http.Server, limits: ConnectionLimits, onRefused: () => void = () => {}): void {
  server.maxConnections = limits.maxConnections;
  const isProxy = proxyMatcher(limits.trustProxy);
  const perClient = new Map<string, number>();
  server.on('connection', (socket: net.Socket) => {
    if (socket.destroyed || isProxy(socket.remoteAddress)) return;
    const key = clientKey(socket.remoteAddress);
    const open = perClient.get(key) ?? 0;
    if (open >= limits.maxConnectionsPerClient) {
      onRefused();
      socket.destroy();
      return;
    }
    perClient.set(key, open + 1);
    socket.once('close', () => {
      const left = (perClient.get(key) ?? 1) - 1;
      if (left > 0) perClient.set(key, left);
      else perClient.delete(key);
    });
  });
}

/**
 * Node's timeouts for receiving a request, all at `clientTimeoutMs`: a socket that sends nothing is
 * cut that long after it connected (or, kept alive, after its last answer), and trickled headers or a
 * trickled body that long after the request's first byte. (So a client that waits almost the whole
 * time before its first byte gets almost twice it in all; every byte of it costs the client one of
 * its DETOUR_MAX_CONNECTIONS_PER_CLIENT sockets and, per request, rate-limit budget.) The clock stops
 * once the whole request is in, so a client waiting for its measurement (up to
 * DETOUR_MEASUREMENT_TIMEOUT_MS, its socket silent) is never cut.
 *
 * Node only looks for expired requests every `connectionsCheckingInterval` (30 s by default), which
 * is why a 10 s requestTimeout used to cut slow clients at 30 s (bodies at 90 s); checking every
 * tenth of the timeout (at most each second) keeps the cut within 10% of the setting, and each check
 * only walks the connections still receiving a request.
 */
export function clientTimeouts(clientTimeoutMs: number): {
  requestTimeout: number;
  keepAliveTimeout: number;
  http: http.ServerOptions;
} {
  return {
    requestTimeout: clientTimeoutMs,
    // An idle keep-alive connection is a silent socket too (Fastify's default keeps it 72 s). Node
    // closes it 1 s after the keepAliveTimeout it advertises, hence the second off.
    keepAliveTimeout: Math.max(clientTimeoutMs - 1_000, Math.floor(clientTimeoutMs / 2)),
    http: {
      requestTimeout: clientTimeoutMs,
      headersTimeout: clientTimeoutMs,
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(clientTimeoutMs / 10))),
    },
  };
}
