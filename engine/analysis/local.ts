/**
 * The user's own side: offline browser, captive portal, broken proxy, a dead connection (canaries),
 * broken IPv6, or the browser itself stopping the request. These run FIRST and win over every
 * censorship rule: telling a frightened user "your country blocks this" when their Wi-Fi is down is
 * the worst mistake the engine can make. In particular, when every canary fails the verdict is
 * `local`, whatever else was seen.
 */
import { ev } from '../evidence';
import { ipFamily } from '../ip';
import type { Evidence, LocalCause } from '../types';
import type { Context } from './context';

export interface LocalVerdict {
  cause: LocalCause;
  confidence: number;
  evidence: Evidence[];
}

export interface Health {
  /** Evidence about the user's network that qualifies any other verdict. */
  evidence: Evidence[];
  /** Scales the other verdicts' weights: < 1 when the network's health is unknown or shaky. */
  factor: number;
}

export function analyzeLocal(ctx: Context): LocalVerdict | undefined {
  const { obs } = ctx;
  const failure = obs.failure;
  const error = failure?.error ?? failure?.class ?? '';

  if (failure?.class === 'ignored') {
    return { cause: 'browser', confidence: 0.9, evidence: [ev('browser_stopped', { error })] };
  }
  if (obs.offline === true) {
    return { cause: 'offline', confidence: 0.95, evidence: [ev('browser_offline')] };
  }
  if (failure?.class === 'network-down') {
    return { cause: 'offline', confidence: 0.9, evidence: [ev('failure_network_down', { error })] };
  }
  if (obs.captivePortal === 'locked_portal') {
    return { cause: 'captive-portal', confidence: 0.95, evidence: [ev('captive_portal', { state: obs.captivePortal })] };
  }
  const captiveCanary = (obs.canaries ?? []).find((c) => c.captive);
  if (captiveCanary) {
    return { cause: 'captive-portal', confidence: 0.9, evidence: [ev('canary_captive', { canary: hostOf(captiveCanary.url) })] };
  }
  if (failure?.class === 'proxy') {
    return { cause: 'proxy', confidence: 0.95, evidence: [ev('proxy_failed', { error })] };
  }

  const canaries = obs.canaries ?? [];
  if (canaries.length > 0 && canaries.every((c) => !c.ok)) {
    const evidence = [ev('canaries_all_failed', { failed: canaries.length })];
    if (obs.proxy === true) {
      return { cause: 'proxy', confidence: 0.8, evidence: [...evidence, ev('proxy_in_use')] };
    }
    // The control answered although every canary failed: the canaries themselves may be blocked.
    // Still never "censorship" (a failing canary set means we cannot trust this network's view), but
    // say "local" with little confidence.
    if (ctx.control) return { cause: 'network', confidence: 0.6, evidence: [...evidence, ev('control_reached')] };
    return { cause: 'network', confidence: canaries.length >= 2 ? 0.9 : 0.8, evidence };
  }

  if (failure?.class === 'unreachable') {
    const ipv6 = ipv6Verdict(ctx);
    if (ipv6) return ipv6;
  }
  return undefined;
}

/** `unreachable` for IPv6 addresses while IPv4 works: the user's IPv6 is broken, not the site. */
function ipv6Verdict(ctx: Context): LocalVerdict | undefined {
  const failing = ctx.siteTcp.filter((t) => !t.ok && t.failure === 'unreachable' && t.ip);
  const addresses = failing.length ? failing.map((t) => t.ip) : ctx.systemAddrs;
  if (!addresses.length || !addresses.every((ip) => ipFamily(ip) === 6)) return undefined;
  const evidence = [ev('ipv6_unreachable', { address: addresses[0]! })];
  const explicitV4 = ctx.tcp.some((t) => t.ok && ipFamily(t.ip) === 4) || ctx.httpIp.some((h) => h.ok);
  if (explicitV4) return { cause: 'ipv6', confidence: 0.85, evidence };
  if (ctx.ipv4Works) return { cause: 'ipv6', confidence: 0.75, evidence: [...evidence, ev('canaries_ok', { ok: okCanaries(ctx) })] };
  return { cause: 'ipv6', confidence: 0.55, evidence };
}

const okCanaries = (ctx: Context) => (ctx.obs.canaries ?? []).filter((c) => c.ok).length;

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}

/** What the user's network health adds to a non-local verdict. */
export function assessHealth(ctx: Context): Health {
  const canaries = ctx.obs.canaries ?? [];
  const failed = canaries.filter((c) => !c.ok).length;
  const evidence: Evidence[] = [];
  let factor = 1;
  if (canaries.length && failed === 0) {
    evidence.push(ev('canaries_ok', { ok: canaries.length }));
  } else if (canaries.length) {
    evidence.push(ev('canaries_some_failed', { failed, total: canaries.length }));
    factor *= 0.85;
  } else if (ctx.control) {
    evidence.push(ev('control_reached'));
  } else {
    evidence.push(ev('no_canaries'));
    factor *= 0.9;
  }
  return { evidence, factor };
}
