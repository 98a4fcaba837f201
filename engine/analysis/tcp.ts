/**
 * TCP: could the user's network open a connection to the site's address and port? A failure the
 * control does not share is blocking (`tcp_ip`: an IP block drops or refuses the SYN); one it shares
 * means the server is down. Refused is the ambiguous case: servers refuse too (a closed port, a
 * geo-fence), so it weighs less than a silent drop.
 *
 * IPv6 addresses that fail with `unreachable` while IPv4 works are masked: broken IPv6 on the user's
 * side says nothing about the site (ooni/data masks them the same way).
 */
import { ev, type EvidenceCode } from '../evidence';
import { endpoint, ipFamily } from '../ip';
import type { FailureClass } from '../failure';
import type { Evidence, TcpObservation } from '../types';
import type { Context } from './context';
import { none, scale, scores, type Scores, type StepResult } from './scores';

/** Unexpected failure (the control connects): how much each failure points to blocking. */
const WITH_CONTROL_OK: Partial<Record<FailureClass, Scores>> = {
  timeout: scores(0.75, 0.25, 0),
  refused: scores(0.6, 0.35, 0.05),
  reset: scores(0.8, 0.2, 0),
  unreachable: scores(0.65, 0.3, 0.05),
};
const WITH_CONTROL_FAILED = scores(0.25, 0.75, 0);
/** No control: a dead server and a dropped SYN look the same from here. */
const WITHOUT_CONTROL: Partial<Record<FailureClass, Scores>> = {
  timeout: scores(0.45, 0.45, 0.1),
  // Refused: a closed port or a filter; without a control, no side is taken.
  refused: scores(0.4, 0.45, 0.15),
  reset: scores(0.5, 0.35, 0.15),
  unreachable: scores(0.4, 0.4, 0.2),
};

const FAILURE_CODE: Partial<Record<FailureClass, EvidenceCode>> = {
  timeout: 'tcp_timeout',
  stalled: 'tcp_timeout',
  refused: 'tcp_refused',
  reset: 'tcp_reset',
  unreachable: 'tcp_unreachable',
};

export function describeEndpoint(ctx: Context, t: { ip?: string; port?: number }): string {
  return t.ip ? endpoint(t.ip, t.port ?? ctx.sitePort) : `${ctx.host}:${t.port ?? ctx.sitePort}`;
}

function weigh(ctx: Context, t: TcpObservation, evidence: Evidence[]): { s: Scores; controlled: boolean } {
  const failure: FailureClass = t.failure === 'stalled' ? 'timeout' : (t.failure ?? 'timeout');
  const where = describeEndpoint(ctx, t);
  const code = FAILURE_CODE[failure];
  if (code) evidence.push(ev(code, { endpoint: where }));
  const { control } = ctx;
  if (!control) return { s: WITHOUT_CONTROL[failure] ?? scores(0.4, 0.4, 0.2), controlled: false };

  const found = t.ip ? ctx.controlTcp(t.ip, t.port) : undefined;
  // A failure at an address only the user's DNS gave says nothing of the site (see tls.ts).
  const exact = found && !found.status && t.ip && !ctx.realAddrs.includes(t.ip) ? undefined : found;
  if (exact) {
    if (exact.status) {
      evidence.push(ev('tcp_control_ok', { endpoint: where }));
      return { s: WITH_CONTROL_OK[failure] ?? scores(0.7, 0.3, 0), controlled: true };
    }
    evidence.push(ev('tcp_control_failed', { endpoint: where, failure: exact.failure ?? 'failed' }));
    return { s: WITH_CONTROL_FAILED, controlled: true };
  }
  // The control tried other addresses (its own resolver's): judge by how the site fared there.
  const others = Object.entries(control.tcp_connect).filter(([key]) => key.endsWith(`:${t.port}`));
  if (others.some(([, r]) => r.status)) {
    const [key] = others.find(([, r]) => r.status)!;
    evidence.push(ev('tcp_control_ok', { endpoint: key }));
    return { s: scale(WITH_CONTROL_OK[failure] ?? scores(0.7, 0.3, 0), 0.85), controlled: true };
  }
  if (others.length) {
    evidence.push(ev('tcp_control_failed', { endpoint: others[0]![0], failure: others[0]![1].failure ?? 'failed' }));
    return { s: WITH_CONTROL_FAILED, controlled: true };
  }
  const http = control.http_request;
  if (!http.failure && http.status_code > 0) {
    evidence.push(ev('http_control_ok', { status: http.status_code }));
    return { s: scores(0.55, 0.3, 0.15), controlled: true };
  }
  evidence.push(ev('http_control_failed', { failure: http.failure ?? 'failed' }));
  return { s: scores(0.2, 0.8, 0), controlled: true };
}

export function analyzeTcp(ctx: Context): StepResult {
  const masked = ctx.ipv6Broken
    ? ctx.siteTcp.filter((t) => !(t.failure === 'unreachable' && ipFamily(t.ip) === 6))
    : ctx.siteTcp;
  const evidence: Evidence[] = [];
  if (masked.length < ctx.siteTcp.length) {
    const v6 = ctx.siteTcp.find((t) => ipFamily(t.ip) === 6)!;
    evidence.push(ev('ipv6_unreachable', { address: v6.ip }));
  }
  if (!masked.length) return none('tcp', evidence);

  const ok = masked.find((t) => t.ok);
  if (ok) {
    evidence.push(ev('tcp_ok', { endpoint: describeEndpoint(ctx, ok) }));
    return { step: 'tcp', status: 'ok', scores: scores(0, 0, 1), evidence, controlled: !!ctx.control };
  }

  // Every connect failed: average the per-address weights, so one address the control could not
  // reach either does not hide the others it could.
  const weighed = masked.map((t) => weigh(ctx, t, evidence));
  const n = weighed.length;
  const sum = weighed.reduce(
    (acc, w) => scores(acc.blocked + w.s.blocked / n, acc.down + w.s.down / n, acc.ok + w.s.ok / n),
    scores(0, 0, 0),
  );
  return {
    step: 'tcp',
    status: 'failed',
    scores: sum,
    method: 'tcp_ip',
    evidence: dedupe(evidence),
    controlled: weighed.some((w) => w.controlled),
  };
}

export function dedupe(evidence: Evidence[]): Evidence[] {
  const seen = new Set<string>();
  return evidence.filter((e) => {
    const key = e.code + JSON.stringify(e.params ?? {});
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
