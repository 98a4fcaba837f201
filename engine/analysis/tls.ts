/**
 * TLS: the handshake that sends the site's name (SNI). Three questions:
 *
 * 1. Does the control complete the same handshake? If it fails there too, the server is broken.
 * 2. Is the SNI the trigger? The same address completing a handshake WITHOUT the name (bare IP), or
 *    failing only on the certificate (which proves the handshake got that far), or completing one
 *    with another of the provider's names (a sibling served from the same address), while the named
 *    handshake is reset: that is SNI filtering, method `tls`. Plain HTTP to the address answering
 *    only shows the server is up (port 443 alone may be blocked), so on its own it is not that proof.
 *    Without it, a TLS failure the control does not share is OONI's `http-failure`; and when every
 *    connection to the address fails, with or without the name, on any port, it is `tcp_ip`.
 * 3. Is a certificate refused? An unknown issuer at an address that validates from outside is
 *    interception (`interception`); a wrong name at an address the DNS made up is a DNS block page.
 */
import { IP_FLAG } from '../control-protocol';
import { ev } from '../evidence';
import type { Evidence, TlsObservation } from '../types';
import type { DnsResult } from './dns';
import { none, scores, shift, type Scores, type StepResult } from './scores';
import type { Context } from './context';
import { describeEndpoint } from './tcp';


/** Below this, a reset came "at once": a filter answering the ClientHello, not a dying server. */
const FAST_FAILURE_MS = 1500;

/** What the control knows of the handshake at this address: true ok, false failed, undefined no data. */
function controlTlsOk(ctx: Context, ip: string | undefined, evidence: Evidence[]): boolean | undefined {
  const { control } = ctx;
  if (!control) return undefined;
  if (ip) {
    const exact = ctx.controlTls(ip, ctx.sitePort);
    // The control also fails at an address the user's DNS made up (the client sends it what it saw):
    // that says nothing of the site, which the control's own addresses answer for below.
    const madeUp = exact && !exact.status && !ctx.realAddrs.includes(ip);
    if (exact && !madeUp) {
      const where = describeEndpoint(ctx, { ip });
      evidence.push(
        exact.status ? ev('tls_control_ok', { endpoint: where }) : ev('tls_control_failed', { endpoint: where, failure: exact.failure ?? 'failed' }),
      );
      return exact.status;
    }
    const info = ctx.ipInfo(ip);
    if (info && (info.flags & IP_FLAG.VALID_FOR_DOMAIN) !== 0) {
      evidence.push(ev('tls_valid_elsewhere', { address: ip }));
      return true;
    }
  }
  const all = Object.entries(control.tls_handshake ?? {}).filter(([, r]) => r.server_name?.toLowerCase() === ctx.host);
  const okEntry = all.find(([, r]) => r.status);
  if (okEntry) {
    evidence.push(ev('tls_control_ok', { endpoint: okEntry[0] }));
    return true;
  }
  if (all.length) {
    evidence.push(ev('tls_control_failed', { endpoint: all[0]![0], failure: all[0]![1].failure ?? 'failed' }));
    return false;
  }
  // An old test helper (v0.4) measures no TLS; its HTTPS fetch tells the same.
  const http = control.http_request;
  if (ctx.scheme === 'https') {
    if (!http.failure && http.status_code > 0) {
      evidence.push(ev('http_control_ok', { status: http.status_code }));
      return true;
    }
    evidence.push(ev('http_control_failed', { failure: http.failure ?? 'failed' }));
    return false;
  }
  return undefined;
}

/** Proof that TCP and TLS work to this address when the name is not sent, or that plain HTTP works. */
function sniProof(
  ctx: Context,
  ip: string | undefined,
  evidence: Evidence[],
): { bare: boolean; plain: boolean; bareFailed: boolean; plainFailed: boolean } {
  const addrs = ip ? [ip] : ctx.systemAddrs;
  const bareHere = ctx.tlsBare.filter((t) => !t.ip || addrs.includes(t.ip));
  const bareOk = bareHere.find((t) => t.ok || t.failure === 'certificate');
  const bareBad = bareHere.find((t) => !t.ok && t.failure !== 'certificate');
  // A browser cannot see a bare-IP handshake fail only on the name, but it can see another of the
  // provider's names load from the very address the failing name resolves to: TLS works there, with
  // another name. When the system resolver's answer is unknown (Chromium), the site's real addresses
  // (encrypted DNS, control) stand in.
  const siteAddrs = addrs.length ? addrs : ctx.realAddrs;
  const sibling = (ctx.obs.siblings ?? []).find((s) => s.ok && s.ip && siteAddrs.includes(s.ip));
  if (bareOk) evidence.push(ev('tls_bare_ip_ok', { address: bareOk.ip ?? addrs[0] ?? '' }));
  else if (sibling) evidence.push(ev('sibling_same_address_ok', { host: sibling.host, address: sibling.ip! }));
  else if (bareBad) evidence.push(ev('tls_bare_ip_failed', { address: bareBad.ip ?? addrs[0] ?? '', failure: bareBad.failure ?? 'failed' }));
  const plainOk =
    addrs.find((a) => ctx.httpIp.some((h) => h.ok && h.ip === a)) ??
    addrs.find((a) => ctx.tcp.some((t) => t.ok && t.ip === a && t.port !== ctx.sitePort));
  if (plainOk) evidence.push(ev('plain_http_ip_ok', { address: plainOk }));
  const plainBad = plainOk
    ? undefined
    : ctx.httpIp.find((h) => !h.ok && addrs.includes(h.ip)) ??
      ctx.tcp.find((t) => !t.ok && addrs.includes(t.ip) && t.port !== ctx.sitePort);
  if (plainBad) {
    evidence.push(ev('plain_http_ip_failed', { address: plainBad.ip, failure: plainBad.failure ?? 'failed' }));
  }
  return { bare: !!bareOk || !!sibling, plain: !!plainOk, bareFailed: !bareOk && !sibling && !!bareBad, plainFailed: !!plainBad };
}

function certificateFailure(
  ctx: Context,
  f: TlsObservation & { synthesized?: boolean },
  dns: DnsResult | StepResult, evidence: Evidence[]): StepResult {
  const controlOk = controlTlsOk(ctx, f.ip, evidence);
  const controlled = controlOk !== undefined;
  const result = (s: Scores, method: StepResult['method'], status: StepResult['status'] = 'failed'): StepResult => ({
    step: 'tls',
    status,
    scores: s,
    method,
    evidence,
    controlled,
  });
  switch (f.certificate) {
    case 'name': {
      evidence.push(ev('certificate_wrong_name', { host: ctx.host }));
      const dnsInconsistent = 'consistency' in dns && dns.consistency === 'inconsistent';
      // The DNS sent the browser elsewhere; the certificate belongs to whatever answers there.
      if (dnsInconsistent) return result(scores(0.8, 0.1, 0.1), 'dns', 'tampered');
      if (controlOk === true) return result(scores(0.7, 0.2, 0.1), 'interception', 'tampered');
      if (controlOk === false) return result(scores(0.15, 0.75, 0.1), 'interception');
      return result(scores(0.45, 0.25, 0.3), 'interception');
    }
    case 'date':
      evidence.push(ev('certificate_date'));
      if (controlOk === false) return result(scores(0.1, 0.8, 0.1), 'interception');
      // An expired certificate is usually the server's or the computer clock's fault.
      return result(scores(0.1, 0.3, 0.3), 'interception');
    default: {
      evidence.push(
        f.certificate === 'issuer' || f.certificate === undefined
          ? ev('certificate_untrusted_issuer', { issuer: f.issuer ?? '' })
          : ev('certificate_other'),
      );
      if (controlOk === true) return result(scores(0.85, 0.1, 0.05), 'interception', 'tampered');
      if (controlOk === false) return result(scores(0.2, 0.7, 0.1), 'interception');
      // Without a control, a server with a missing intermediate certificate looks the same. Canaries
      // (HTTPS, validated) loading rule out a portal or a machine-wide interceptor; a probe that saw
      // the same certificate again rules out a one-off. Both are needed to lean towards interception.
      const canariesOk = (ctx.obs.canaries ?? []).some((c) => c.ok);
      const s = canariesOk && !f.synthesized ? scores(0.55, 0.2, 0.25) : scores(0.4, 0.2, 0.4);
      return result(s, 'interception', 'tampered');
    }
  }
}

export function analyzeTls(ctx: Context, dns: DnsResult | StepResult): StepResult {
  if (ctx.scheme !== 'https' || !ctx.tlsSni.length) return none('tls');
  const ok = ctx.tlsSni.find((t) => t.ok);
  if (ok) return { step: 'tls', status: 'ok', scores: scores(0, 0, 0.9), evidence: [], controlled: !!ctx.control };

  // Prefer what a probe recorded over what was inferred from the browser's error.
  const f = ctx.tlsSni.find((t) => !t.synthesized) ?? ctx.tlsSni[0]!;
  const evidence: Evidence[] = [];
  if (f.failure === 'certificate') return certificateFailure(ctx, f, dns, evidence);

  const failure = f.failure ?? 'unknown';
  evidence.push(ev('tls_failed_with_sni', { host: ctx.host, failure }));
  const controlOk = controlTlsOk(ctx, f.ip ?? ctx.systemAddrs[0], evidence);
  const proof = sniProof(ctx, f.ip, evidence);
  const fast = failure === 'reset' && f.elapsedMs !== undefined && f.elapsedMs < FAST_FAILURE_MS;
  if (fast) evidence.push(ev('fast_failure', { ms: Math.round(f.elapsedMs!) }));

  let s: Scores;
  // Plain HTTP to the bare address fails too (no name in it anywhere) and no handshake without the
  // name worked: every connection to the address fails, on any port: an IP block (a reset right
  // after the TCP handshake), not a TLS one.
  let method: StepResult['method'] = proof.plainFailed && !proof.bare ? 'tcp_ip' : 'http-failure';
  if (controlOk === false) {
    s = scores(0.2, 0.8, 0);
  } else if (controlOk === true) {
    if (proof.bare) {
      method = 'tls';
      s = scores(0.9, 0.1, 0);
    } else {
      s = failure === 'tls' ? scores(0.9, 0.1, 0) : failure === 'reset' ? scores(0.8, 0.2, 0) : scores(0.7, 0.3, 0);
    }
  } else if (proof.bare) {
    method = 'tls';
    s = proof.plain ? scores(0.8, 0.1, 0.1) : scores(0.75, 0.15, 0.1);
  } else if (proof.plain) {
    // The server is up (it answers plain HTTP), so "down" weighs less; what blocks 443 is unknown.
    s = scores(0.55, 0.3, 0.15);
  } else {
    s = failure === 'reset' ? scores(0.5, 0.35, 0.15) : scores(0.4, 0.45, 0.15);
  }
  if (fast && controlOk !== false) s = shift(s, 0.05);
  return { step: 'tls', status: 'failed', scores: s, method, evidence, controlled: controlOk !== undefined };
}
