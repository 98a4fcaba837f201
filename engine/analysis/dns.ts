/**
 * DNS: did the user's resolver tell the truth? The system resolver's answer is compared with the
 * control's (an independent resolver outside the country) and, weaker, with DNS-over-HTTPS answers
 * (encrypted, so not rewritten on the path, but asked from the same network).
 *
 * Weights follow ooni/data (detection-method.md §3). Consistency follows OONI's rules: same address,
 * same ASN, or a TLS handshake that validated the address; an inconsistency backed by the control (or
 * a bogon, or a block-page address) is strong enough to override the deeper steps' verdict, because
 * every later failure happened at the wrong address.
 */
import { IP_FLAG } from '../control-protocol';
import { ev } from '../evidence';
import { ipFamily, isBogon } from '../ip';
import type { Evidence } from '../types';
import type { BlockpageResult } from './blockpage';
import type { Context } from './context';
import { none, scores, shift, type Scores, type StepResult } from './scores';

export interface DnsResult extends StepResult {
  step: 'dns';
  /** OONI's dns_consistency: `unknown` when there is nothing to compare with. */
  consistency: 'consistent' | 'inconsistent' | 'unknown';
  /** The inconsistency is strong enough to make any deeper failure a DNS verdict. */
  overrides: boolean;
}

const result = (
  s: Scores,
  status: StepResult['status'],
  consistency: DnsResult['consistency'],
  evidence: Evidence[],
  controlled: boolean,
  overrides = false,
): DnsResult => ({ step: 'dns', status, scores: s, method: 'dns', evidence, controlled, consistency, overrides });

/** Same /24 (IPv4) or /48 (IPv6): the same hosting block, for helpers without an ASN database. */
function samePrefix(a: string, b: string): boolean {
  const fa = ipFamily(a);
  if (!fa || fa !== ipFamily(b)) return false;
  if (fa === 4) return a.split('.').slice(0, 3).join('.') === b.split('.').slice(0, 3).join('.');
  const expand = (ip: string) => {
    const [head, tail] = ip.split('::') as [string, string | undefined];
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const middle = tail === undefined ? [] : Array(8 - h.length - t.length).fill('0');
    return [...h, ...middle, ...t].map((x) => x.padStart(4, '0'));
  };
  return expand(a).slice(0, 3).join(':') === expand(b).slice(0, 3).join(':');
}

export function analyzeDns(ctx: Context, blockpage: BlockpageResult): DnsResult | StepResult {
  const system = ctx.system;
  if (!system) return none('dns');
  if (ctx.systemAddrs.length === 0) return systemFailed(ctx);
  return systemAnswered(ctx, blockpage);
}

function systemFailed(ctx: Context): DnsResult {
  const system = ctx.system!;
  const evidence: Evidence[] = [
    system.failure === 'nxdomain'
      ? ev('dns_nxdomain', { host: ctx.host })
      : ev('dns_system_failure', { host: ctx.host, failure: system.failure ?? 'error' }),
  ];
  const { control } = ctx;
  if (control) {
    if (!control.dns.failure && ctx.controlAddrs.length) {
      evidence.push(ev('dns_control_answers', { address: ctx.controlAddrs[0]! }));
      return result(scores(0.9, 0.1, 0), 'failed', 'inconsistent', evidence, true, true);
    }
    evidence.push(ev('dns_control_failure', { failure: control.dns.failure ?? 'no addresses' }));
    return result(scores(0.1, 0.9, 0), 'failed', 'consistent', evidence, true);
  }
  if (ctx.dohAddrs.length) {
    evidence.push(ev('dns_doh_answers', { address: ctx.dohAddrs[0]!, resolver: ctx.dohAnswered[0]!.resolver }));
    // A resolver that times out or fails may just be a broken home router: NXDOMAIN is the censor's answer.
    let s = system.failure === 'nxdomain' ? scores(0.75, 0.15, 0.1) : scores(0.6, 0.25, 0.15);
    const reachable = dohAddressReachable(ctx);
    if (reachable) {
      evidence.push(reachable);
      s = shift(s, 0.05);
    }
    return result(s, 'failed', 'inconsistent', evidence, false);
  }
  if (ctx.dohNxdomain.length) {
    evidence.push(ev('dns_doh_nxdomain', { resolver: ctx.dohNxdomain[0]!.resolver }));
    return result(scores(0.1, 0.75, 0.15), 'failed', 'consistent', evidence, false);
  }
  evidence.push(ev('no_doh'));
  return result(scores(0.5, 0.5, 0), 'failed', 'unknown', evidence, false);
}

/** Plain HTTP or TCP to an address DoH gave works: the site is up, only its name is hidden. */
function dohAddressReachable(ctx: Context): Evidence | undefined {
  for (const ip of ctx.dohAddrs) {
    if (ctx.tcp.some((t) => t.ip === ip && t.ok)) return ev('plain_http_ip_ok', { address: ip });
    if (ctx.httpIp.some((h) => h.ok && h.ip === ip)) {
      return ev('plain_http_ip_ok', { address: ip });
    }
  }
  return undefined;
}

function tlsValidated(ctx: Context, ip: string): boolean {
  if (ctx.tlsSni.some((t) => t.ok && t.ip === ip)) return true;
  const info = ctx.ipInfo(ip);
  if (info && (info.flags & IP_FLAG.VALID_FOR_DOMAIN) !== 0) return true;
  // The browser loaded the HTTPS page, and the system entry is the address it used.
  return ctx.systemAddrs.length === 1 && ctx.httpSite.some((h) => h.ok && h.url.startsWith('https:'));
}

function systemAnswered(ctx: Context, blockpage: BlockpageResult): DnsResult {
  const addrs = ctx.systemAddrs;
  const { control } = ctx;
  const evidence: Evidence[] = [];

  if (blockpage.dnsMatches.length && blockpage.confirmed?.method === 'dns') {
    return result(scores(1, 0, 0), 'tampered', 'inconsistent', evidence, false, true);
  }
  // A vague or foreign block address still points away from the site: tilt towards blocked.
  const tilt = blockpage.dnsMatches.length ? 0.1 : 0;

  const validated = addrs.find((ip) => tlsValidated(ctx, ip));
  if (validated) {
    evidence.push(ev('dns_tls_validated', { address: validated }));
    return result(scores(0, 0, 1), 'ok', 'consistent', evidence, !!control);
  }

  const reference = control ? ctx.controlAddrs : ctx.dohAddrs;
  const fromControl = !!control && ctx.controlAddrs.length > 0;
  const overlap = addrs.find((ip) => !isBogon(ip) && (ctx.controlAddrs.includes(ip) || ctx.dohAddrs.includes(ip)));
  if (overlap) {
    evidence.push(ev('dns_consistent', { address: overlap }));
    return result(ctx.controlAddrs.includes(overlap) ? scores(0, 0, 0.9) : scores(0, 0, 0.85), 'ok', 'consistent', evidence, fromControl);
  }

  const bogons = addrs.filter(isBogon);
  if (bogons.length) {
    evidence.push(ev('dns_bogon', { address: bogons[0]! }));
    if (fromControl || ctx.dohAddrs.length) {
      const known = fromControl ? ctx.controlAddrs : ctx.dohAddrs;
      if (bogons.every((b) => known.includes(b))) {
        evidence.push(ev('dns_bogon_expected', { address: bogons[0]! }));
        return result(fromControl ? scores(0.1, 0.9, 0) : scores(0.1, 0.8, 0.1), 'failed', 'consistent', evidence, fromControl);
      }
      evidence.push(ev('dns_inconsistent', { address: bogons[0]!, reference: known[0] ?? '' }));
      const s = fromControl ? scores(0.95, 0.05, 0) : scores(0.85, 0.1, 0.05);
      return result(s, 'tampered', 'inconsistent', evidence, fromControl, true);
    }
    // "A bogon answer alone is not blocking": some real sites publish private addresses.
    evidence.push(ev('no_doh'));
    return result(shift(scores(0.35, 0.35, 0.3), tilt), 'failed', 'unknown', evidence, false);
  }

  if (control) {
    for (const ip of addrs) {
      const asn = ctx.ipInfo(ip)?.asn ?? 0;
      if (asn && ctx.controlAddrs.some((c) => ctx.ipInfo(c)?.asn === asn)) {
        evidence.push(ev('dns_same_asn', { asn }));
        return result(scores(0.2, 0, 0.8), 'ok', 'consistent', evidence, true);
      }
    }
  }
  for (const ip of addrs) {
    const near = reference.find((r) => samePrefix(ip, r)) ?? ctx.dohAddrs.find((r) => samePrefix(ip, r));
    if (near) {
      evidence.push(ev('dns_same_prefix', { address: ip, reference: near }));
      return result(scores(0.25, 0, 0.7), 'ok', 'consistent', evidence, fromControl);
    }
  }

  if (fromControl) {
    evidence.push(ev('dns_inconsistent', { address: addrs[0]!, reference: ctx.controlAddrs[0]! }));
    return result(shift(scores(0.75, 0, 0.25), tilt), 'tampered', 'inconsistent', evidence, true, true);
  }
  if (control && control.dns.failure) {
    // The name does not exist outside, yet the local resolver answers: a resolver that answers
    // everything on a block list (OONI's "local DNS success with remote NXDOMAIN").
    evidence.push(ev('dns_control_failure', { failure: control.dns.failure }));
    return result(scores(0.7, 0.2, 0.1), 'tampered', 'inconsistent', evidence, true, true);
  }
  if (ctx.dohAddrs.length) {
    // Encrypted DNS may pick another CDN edge; without an ASN database this is a hint, not proof.
    evidence.push(ev('dns_inconsistent', { address: addrs[0]!, reference: ctx.dohAddrs[0]! }));
    return result(shift(scores(0.6, 0, 0.3), tilt), 'tampered', 'inconsistent', evidence, false, tilt > 0);
  }
  evidence.push(ev('no_doh'));
  return result(shift(scores(0.15, 0, 0.5), tilt), 'ok', 'unknown', evidence, false);
}
