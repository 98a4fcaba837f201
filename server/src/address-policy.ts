/**
 * Which addresses the service may connect to. It fetches URLs for strangers, so by default only
 * global unicast addresses: nothing private, loopback, link-local (169.254.169.254, the cloud metadata
 * address, is link-local), CGNAT, reserved or otherwise bogon, judged by engine/ip.ts's isBogon, which
 * also sees through IPv4-mapped (::ffff:127.0.0.1) and NAT64 forms.
 *
 * A policy is a plain function so tests can inject one ("this loopback address plays a public
 * server, that one a private one") and exercise the real guard in safe-connect.ts, not a mock of it.
 */
import { isBogon, isIp } from '../../engine/ip';

/** May the service open a connection to this IP address? */
export type AddressPolicy = (ip: string) => boolean;

export const publicAddressesOnly: AddressPolicy = (ip) => isIp(ip) && !isBogon(ip);

/** The lab's policy (DETOUR_ALLOW_LOOPBACK_TARGETS=1): any address, private ones included. */
export const anyAddress: AddressPolicy = (ip) => isIp(ip);

export type PortPolicy = 'any' | readonly number[];

export function portAllowed(port: number, allowed: PortPolicy): boolean {
  return allowed === 'any' || allowed.includes(port);
}
