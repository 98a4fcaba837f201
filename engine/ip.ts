/**
 * IP address facts the engine and the service both need: is it an address at all, and is it a bogon
 * (an address that cannot be a public web server: RFC 1918, loopback, link-local, CGNAT, TEST-NETs,
 * benchmarking, multicast, reserved, IPv6 ULA and link-local...). The list is OONI's bogon list; the
 * service uses the same test to refuse server-side request forgery.
 */
import ipaddr from 'ipaddr.js';

export function isIp(value: string): boolean {
  return ipaddr.isValid(value) && (ipaddr.IPv4.isValidFourPartDecimal(value) || value.includes(':'));
}

/** Canonical text of an address: IPv4-mapped IPv6 (::ffff:10.0.0.1) becomes the IPv4 it wraps. */
export function canonicalIp(value: string): string | undefined {
  if (!isIp(value)) return undefined;
  const parsed = ipaddr.parse(value);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    return (parsed as ipaddr.IPv6).toIPv4Address().toString();
  }
  return parsed.toString();
}

/**
 * True for every address that is not plain global unicast. IPv4-mapped and NAT64 (64:ff9b::/96)
 * addresses are judged by the IPv4 address they carry, so `::ffff:127.0.0.1` is a bogon.
 */
export function isBogon(value: string): boolean {
  if (!isIp(value)) return false;
  const parsed = ipaddr.parse(value);
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) return isBogon(v6.toIPv4Address().toString());
    if (v6.range() === 'rfc6052') {
      const bytes = v6.toByteArray().slice(12);
      return isBogon(bytes.join('.'));
    }
  }
  return parsed.range() !== 'unicast';
}

export function ipFamily(value: string): 4 | 6 | undefined {
  if (!isIp(value)) return undefined;
  return ipaddr.parse(value).kind() === 'ipv4' ? 4 : 6;
}

/** "ip:port" as OONI writes endpoints: IPv6 in brackets. */
export function endpoint(ip: string, port: number): string {
  return ipFamily(ip) === 6 ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Splits an OONI "ip:port" endpoint; undefined when it is not one. */
export function parseEndpoint(value: string): { ip: string; port: number } | undefined {
  const match = /^\[([^\]]+)\]:(\d{1,5})$/.exec(value) ?? /^([^:[\]]+):(\d{1,5})$/.exec(value);
  if (!match) return undefined;
  const ip = match[1]!;
  const port = Number(match[2]);
  if (!isIp(ip) || port < 1 || port > 65535) return undefined;
  return { ip, port };
}
