/**
 * Which addresses the service may connect to. It fetches URLs for strangers, so by default only
 * global unicast addresses, as engine/ip.ts's isGlobalUnicast decides from its table of IANA's IPv4
 * and IPv6 special-purpose registries: nothing private, loopback, link-local (169.254.169.254, the
 * cloud metadata address, is link-local), CGNAT, documentation, reserved, multicast, nothing outside
 * IPv6's 2000::/3 (so no IPv4-compatible ::7f00:1: old automatic tunnels deliver it to 127.0.0.1).
 * IPv4-mapped (::ffff:127.0.0.1) and NAT64 (64:ff9b::/96) addresses are judged by the IPv4 they carry.
 * The engine's isBogon is the same test, negated, so the two never disagree about an address.
 *
 * A policy is a plain function so tests can inject one ("this loopback address plays a public
 * server, that one a private one") and exercise the real guard in safe-connect.ts, not a mock of it.
 */
import { isGlobalUnicast, isIp } from '../../engine/ip';

/** May the service open a connection to this IP address? */
export type AddressPolicy = (ip: string) => boolean;

export const publicAddressesOnly: AddressPolicy = (ip) => isGlobalUnicast(ip);

/** The lab's policy (DETOUR_ALLOW_LOOPBACK_TARGETS=1): any address, private ones included. */
export const anyAddress: AddressPolicy = (ip) => isIp(ip);

export type PortPolicy = 'any' | readonly number[];

export function portAllowed(port: number, allowed: PortPolicy): boolean {
  return allowed === 'any' || allowed.includes(port);
}
