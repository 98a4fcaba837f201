/**
 * The SSRF guard. Every outbound socket the service opens (the TCP step, the TLS step, each HTTP
 * hop) is created here and nowhere else.
 *
 * Names are resolved first, by the service's own resolver; each candidate address is checked against
 * the address policy and the socket is then dialled to that same IP literal, so Node performs no
 * lookup of its own in between: the address connected to is the address checked. A redirect, or a
 * DNS answer that changes between the DNS step and the fetch (rebinding), goes through the same check
 * again. Once connected, the kernel's view of the peer (socket.remoteAddress) is checked as well, so a
 * dialler that rewrote the address would still be caught.
 */
import net from 'node:net';
import { once } from 'node:events';
import { canonicalIp, ipFamily, isIp } from '../../engine/ip';
import { portAllowed, type AddressPolicy, type PortPolicy } from './address-policy';
import { failureError } from './failure-strings';
import { bound, type Budget } from './measure/budget';
import { resolveHost, type AddressResolver } from './measure/dns';

/** Creates a TCP socket to an IP literal; net.connect unless a test watches what is dialled. */
export type Dialer = (options: { host: string; port: number }) => net.Socket;

export interface ConnectGuard {
  allowAddress: AddressPolicy;
  allowedPorts: PortPolicy;
  dial: Dialer;
  /** Told about every refusal, for the aggregate counters. */
  onRefused?: (reason: 'address' | 'port') => void;
}

/** How many of a name's addresses one HTTP hop tries before giving up. */
const MAX_ADDRESSES_PER_HOP = 4;

function refuse(guard: ConnectGuard, reason: 'address' | 'port'): Error {
  guard.onRefused?.(reason);
  return reason === 'address' ? failureError('bogon_refused', 'address refused by policy') : failureError('port_not_allowed');
}

/** Opens a TCP connection to exactly ip:port, or throws an error ooniFailure() can name. */
export async function connectChecked(ip: string, port: number, guard: ConnectGuard, budget: Budget): Promise<net.Socket> {
  if (!portAllowed(port, guard.allowedPorts)) throw refuse(guard, 'port');
  if (!isIp(ip) || !guard.allowAddress(ip)) throw refuse(guard, 'address');
  budget.throwIfInterrupted();
  const socket = guard.dial({ host: ip, port });
  // A socket must never be without an 'error' listener: an unhandled one would crash the service.
  socket.on('error', () => {});
  const disarm = bound(socket, budget.stepMs(), budget.signal);
  try {
    await once(socket, 'connect');
  } catch (error) {
    socket.destroy();
    throw error;
  } finally {
    disarm();
  }
  const peer = socket.remoteAddress;
  if (!peer || !guard.allowAddress(peer)) {
    socket.destroy();
    throw refuse(guard, 'address');
  }
  return socket;
}

/** Strips the brackets WHATWG URLs keep around IPv6 hosts. */
export function bareHost(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

/**
 * Resolves a host (unless it is an IP literal) and connects to the first allowed address that
 * answers, IPv4 first. Throws `bogon_refused` when every address is refused, else the first error.
 */
export async function connectToHost(
  host: string,
  port: number,
  guard: ConnectGuard,
  resolver: AddressResolver,
  budget: Budget,
): Promise<{ socket: net.Socket; ip: string }> {
  if (!portAllowed(port, guard.allowedPorts)) throw refuse(guard, 'port');
  const literal = net.isIP(host) ? canonicalIp(host) : undefined;
  const addrs = literal ? [literal] : await resolveHost(resolver, host, budget);
  const candidates = addrs
    .filter((ip) => guard.allowAddress(ip))
    .sort((a, b) => (ipFamily(a) ?? 0) - (ipFamily(b) ?? 0))
    .slice(0, MAX_ADDRESSES_PER_HOP);
  if (candidates.length === 0) throw refuse(guard, 'address');
  let firstError: unknown;
  for (const ip of candidates) {
    try {
      return { socket: await connectChecked(ip, port, guard, budget), ip };
    } catch (error) {
      firstError ??= error;
      if (budget.signal.aborted || budget.remainingMs() === 0) break;
    }
  }
  throw firstError;
}
