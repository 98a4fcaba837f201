/**
 * classify(): observations in, verdict out. Pure: no clock, no network, no browser or Node API.
 *
 * The order of the rules is the policy:
 *
 * 1. The user's own side (analysis/local.ts): offline, captive portal, broken proxy, every canary
 *    failing, broken IPv6, the browser itself. These win over everything: never accuse a network
 *    of censorship when the user's connection is the problem.
 * 2. A known block page or block-page DNS answer (analysis/blockpage.ts): confirmed censorship.
 * 3. The deepest step that says anything decides, as OONI walks them: HTTP > TLS > TCP > DNS. Each
 *    step weighs its observation against the control (or, weaker, DoH, bare-IP handshakes, plain
 *    HTTP probes) into fuzzy (blocked, down, ok) weights.
 * 4. OONI's DNS override: when the system resolver's answer is inconsistent (shares no address, ASN
 *    or validated handshake with the control's; or is a bogon or block-page address), the deeper
 *    failure happened at the wrong address, so the verdict is `dns`.
 * 5. Context adjusts the weights (siblings, proxy, missing canaries, stale data), and decide() reads
 *    the kind off them: the winner needs 0.5 and a 0.1 lead, or the verdict is `unknown`.
 */
import { analyzeBlockpage } from './analysis/blockpage';
import { buildContext, type Context } from './analysis/context';
import { analyzeDns, type DnsResult } from './analysis/dns';
import { analyzeHttp } from './analysis/http';
import { analyzeLocal, assessHealth } from './analysis/local';
import { confidenceOf, decide, round2, scale, scores, shift, type Scores, type StepResult } from './analysis/scores';
import { analyzeTcp, dedupe } from './analysis/tcp';
import { analyzeTls } from './analysis/tls';
import { ev } from './evidence';
import type { FingerprintSet } from './fingerprints';
import { isBogon } from './ip';
import type { Evidence, Observations, Verdict } from './types';

export interface ClassifyOptions {
  /**
   * The current time (ms since the epoch). The engine reads no clock: pass it to let old
   * observations (`observedAt`) lower the confidence.
   */
  now?: number;
  /** Block-page fingerprints to match. Left out: the bundled set (verdict.ts). `null`: none. */
  fingerprints?: FingerprintSet | null;
}

/** Observations older than this lose confidence: networks and blocks change. */
export const STALE_AFTER_MS = 10 * 60 * 1000;
/** At most this many evidence items per code (a site with 16 addresses would list 16 timeouts). */
const MAX_PER_CODE = 3;

function limitEvidence(evidence: Evidence[]): Evidence[] {
  const count = new Map<string, number>();
  return dedupe(evidence).filter((e) => {
    const n = (count.get(e.code) ?? 0) + 1;
    count.set(e.code, n);
    return n <= MAX_PER_CODE;
  });
}

const roundScores = (s: Scores) => ({ blocked: round2(s.blocked), down: round2(s.down), ok: round2(s.ok) });

/** True when some observation exists besides the browser's own error (and what was inferred from it). */
function hasIndependentEvidence(ctx: Context): boolean {
  const o = ctx.obs;
  return (
    !!ctx.control ||
    (o.dns ?? []).length > 0 ||
    (o.tcp ?? []).length > 0 ||
    (o.tls ?? []).length > 0 ||
    (o.http ?? []).length > 0 ||
    (o.canaries ?? []).length > 0 ||
    (o.siblings ?? []).length > 0
  );
}

/**
 * Whether anything besides the user's own failed connections says the site is down: the control
 * (which measures from outside), encrypted DNS when the DNS step decides (the name does not exist,
 * or it publishes the same unusable address), or the real server itself answering with an error.
 * DoH's addresses say nothing of a failed connection: they show the name resolves, not that the
 * server is dead. A redirect chain the server broke itself (`serverFault`) is its own witness.
 */
function outageWitnessed(ctx: Context, decisive: StepResult): boolean {
  if (ctx.control || decisive.controlled) return true;
  if (decisive.step === 'dns' && (ctx.dohNxdomain.length > 0 || ctx.dohAnswered.length > 0)) return true;
  // The server broke its own redirect chain: its answers are the witness.
  if (decisive.step === 'http' && ctx.httpSite.some((h) => h.serverFault !== undefined)) return true;
  return decisive.step === 'http' && ctx.httpSite.some((h) => h.ok && h.url.startsWith('https:') && (h.status ?? 0) >= 500);
}

/** What is missing, for an `unknown` verdict (and for low-confidence ones). */
function missingEvidence(ctx: Context): Evidence[] {
  const out: Evidence[] = [];
  if (!ctx.control) out.push(ev('no_control', { reason: ctx.noControlReason }));
  if (!ctx.control && !ctx.dohAnswered.length && !ctx.dohNxdomain.length) {
    // The check service was asked and did not answer, and the resolvers that were asked did not
    // either: say that both independent views are missing (and may be blocked themselves), not only
    // the DNS one. A control never configured, or no resolver tried, is not "could not reach".
    const asked = ctx.noControlReason !== 'not asked' && ctx.noControlReason !== 'not-configured';
    const dohTried = (ctx.obs.dns ?? []).some((d) => d.kind === 'doh');
    out.push(ev(asked && dohTried ? 'no_vantage' : 'no_doh'));
  }
  if (!(ctx.obs.canaries ?? []).length && !ctx.control) out.push(ev('no_canaries'));
  if (!hasIndependentEvidence(ctx)) out.push(ev('no_probes'));
  return out;
}

/**
 * Observations in, verdict out, matching page and DNS answers against `fingerprints`; `null` when
 * there are none to match (a set that failed to load). Required, and null rather than undefined, so
 * that no caller gets "no fingerprints" by forgetting them: classify() leaves them out to mean the
 * bundled set. Carries no fingerprint data itself, so a bundle that loads its set at run time (the
 * extension's background) stays small; verdict.ts's classify() brings the bundled set.
 */
export function classifyWith(observations: Observations, fingerprints: FingerprintSet | null, options: Pick<ClassifyOptions, 'now'> = {}): Verdict {
  // Detour's own checks broke: claim nothing, and say so.
  if (observations.probeError !== undefined) {
    return { kind: 'unknown', confidence: 0, confirmed: false, evidence: [ev('probe_error', { error: observations.probeError.slice(0, 200) })] };
  }
  const ctx = buildContext(observations, fingerprints);

  // 1. The user's own side.
  const local = analyzeLocal(ctx);
  if (local) {
    return {
      kind: 'local',
      localCause: local.cause,
      confidence: confidenceOf(local.confidence),
      confirmed: false,
      evidence: limitEvidence(local.evidence),
    };
  }

  const health = assessHealth(ctx);
  const context: Evidence[] = [];
  const failure = observations.failure;
  if (failure?.class === 'unknown') context.push(ev('failure_unknown', { error: failure.error ?? '' }));
  if (failure?.class === 'stalled') {
    context.push(ev('stalled', { seconds: Math.round((failure.elapsedMs ?? 0) / 1000) }));
  }
  if (failure?.class === 'slow' && failure.elapsedMs !== undefined) {
    context.push(ev('slow_answer', { seconds: Math.round(failure.elapsedMs / 1000) }));
  }
  if (!ctx.control) context.push(ev('no_control', { reason: ctx.noControlReason }));

  // 2. A known block page.
  const blockpage = analyzeBlockpage(ctx);
  const dns = analyzeDns(ctx, blockpage);
  const dnsResult = 'consistency' in dns ? (dns as DnsResult) : undefined;
  if (blockpage.confirmed) {
    const c = blockpage.confirmed;
    // A page served at an address the DNS made up (a bogon, a known block server) was reached by DNS
    // blocking: the page confirms it, the method is dns (Iran's 10.10.34.x sinkholes serve one).
    const byDns =
      c.method === 'blockpage' &&
      !!dnsResult?.overrides &&
      (blockpage.dnsMatches.length > 0 || (ctx.systemAddrs.length > 0 && ctx.systemAddrs.every(isBogon)));
    let confidence = c.confidence;
    const evidence = [...(byDns ? dnsResult!.evidence : []), ...c.evidence, ...blockpage.evidence];
    if (observations.proxy === true) {
      confidence *= 0.8;
      evidence.push(ev('proxy_in_use'));
    }
    return {
      kind: 'censorship',
      method: byDns ? 'dns' : c.method,
      confidence: confidenceOf(confidence),
      confirmed: true,
      ...(c.scope ? { scope: c.scope } : {}),
      blockpage: c.blockpage,
      evidence: limitEvidence([...evidence, ...health.evidence, ...context]),
      scores: roundScores(scores(confidence, 0, 1 - confidence)),
    };
  }

  // 3. The deepest step that saw something decides.
  const tcp = analyzeTcp(ctx);
  const tls = analyzeTls(ctx, dns);
  const http = analyzeHttp(ctx, blockpage);
  const decisive: StepResult | undefined = [http, tls, tcp, dns].find((r) => r.status !== 'none');
  if (!decisive) {
    return {
      kind: 'unknown',
      confidence: 0,
      confirmed: false,
      evidence: limitEvidence([...blockpage.evidence, ...health.evidence, ...context, ...missingEvidence(ctx)]),
    };
  }

  let s = decisive.scores;
  let method = decisive.method;
  const evidence: Evidence[] = [...decisive.evidence];
  const httpsLoaded = decisive.step === 'http' && decisive.status === 'ok' && ctx.scheme === 'https';

  // 4. The DNS override.
  if (decisive !== dns && dnsResult) {
    if (dnsResult.overrides && !httpsLoaded) {
      method = 'dns';
      s = scores(
        Math.max(dnsResult.scores.blocked, s.blocked),
        Math.min(dnsResult.scores.down, s.down),
        Math.min(dnsResult.scores.ok, s.ok),
      );
      evidence.unshift(...dnsResult.evidence);
    } else if (decisive.status !== 'ok' || dnsResult.consistency === 'inconsistent') {
      evidence.push(...dnsResult.evidence);
    }
  }
  if (http.ancillary && decisive.status !== 'ok') {
    s = shift(s, 0.1);
    evidence.push(...http.ancillary.evidence);
  }
  if (decisive !== tcp && decisive.status !== 'ok') evidence.push(...tcp.evidence.filter((e) => e.code === 'ipv6_unreachable'));

  // 5. Context.
  const failing = decisive.status !== 'ok';
  const siblings = observations.siblings ?? [];
  if (failing && siblings.length) {
    const working = siblings.find((x) => x.ok);
    if (working) {
      s = shift(s, 0.1);
      evidence.push(ev('siblings_ok', { host: working.host }));
    } else {
      // No shift towards "down": a censor that blocks a provider blocks all its names, so the other
      // names failing the same way says nothing of an outage.
      evidence.push(ev('siblings_failed', { count: siblings.length }));
    }
  }
  if (observations.proxy === true && failing) {
    s = scores(s.blocked * 0.5, s.down, s.ok);
    evidence.push(ev('proxy_in_use'));
  }
  s = scale(s, health.factor);
  if (failure?.class === 'stalled') s = scale(s, 0.9);
  if (options.now !== undefined && observations.observedAt !== undefined && options.now - observations.observedAt > STALE_AFTER_MS) {
    s = scale(s, 0.8);
    context.push(ev('stale_observations', { minutes: Math.round((options.now - observations.observedAt) / 60000) }));
  }

  const { outcome, weight } = decide(s);
  const allEvidence = [...evidence, ...blockpage.evidence, ...health.evidence, ...context];
  const base = { confirmed: false, scores: roundScores(s) };
  switch (outcome) {
    case 'ok':
      // After a failure, "it works" needs the site itself to have answered since: consistent DNS or
      // a completed handshake alone do not show the page loads.
      if (failure && !ctx.httpSite.some((h) => h.ok)) break;
      // A chain the server broke did not succeed on a retry: the control's page is what worked.
      if (failure && failure.class !== 'unknown' && !ctx.httpSite.some((h) => h.serverFault)) allEvidence.push(ev('retry_succeeded'));
      return { kind: 'ok', confidence: confidenceOf(weight), ...base, evidence: limitEvidence(allEvidence) };
    case 'down':
      // "Down for everyone" needs someone else to have seen it fail: without that, a site blocked on
      // this network (its check service and resolvers blocked too) reads the same.
      if (!outageWitnessed(ctx, decisive)) break;
      return { kind: 'outage', confidence: confidenceOf(weight), ...base, evidence: limitEvidence(allEvidence) };
    case 'blocked':
      // Never accuse on the browser's error alone.
      if (!hasIndependentEvidence(ctx)) break;
      return {
        kind: 'censorship',
        method: method ?? 'http-failure',
        confidence: confidenceOf(weight),
        ...base,
        evidence: limitEvidence(allEvidence),
      };
    case 'undecided':
      break;
  }
  const missing = missingEvidence(ctx);
  // no_vantage already says no resolver answered; a DNS step's own no_doh would say it twice.
  const said = missing.some((e) => e.code === 'no_vantage') ? allEvidence.filter((e) => e.code !== 'no_doh') : allEvidence;
  return { kind: 'unknown', confidence: 0, ...base, evidence: limitEvidence([...said, ...missing]) };
}
