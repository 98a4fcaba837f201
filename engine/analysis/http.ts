/**
 * HTTP: the answers that did arrive.
 *
 * - Over HTTPS with a valid certificate the answer is the real server's: the site is accessible
 *   (OONI's rule), except a 451 (the server or a TLS-terminating censor says "unavailable for legal
 *   reasons") and a 5xx (the server itself is broken: an outage).
 * - Over plain HTTP anyone on the path can answer: the page is compared with the control's (status,
 *   body length, uncommon headers, title words, as probe-cli's analysishttpdiff.go) and a mismatch is
 *   `http-diff`. A redirect off the provider (to a host neither the provider's nor a sibling's) is a
 *   transparent proxy at work. The expected http->https redirect to the provider is not a difference.
 * - A failure after the handshake succeeded is `http-failure` when the control fetches the page.
 * - A redirect chain known in order (`hop`) is read as the browser walks it: its last hop is what the
 *   user got. A later hop that fails (reset, refused, timed out, a name that does not resolve) is the
 *   page failing, however well the first hops went; a chain the server broke itself (too many
 *   redirects, a Location no browser follows) is the server's fault, never censorship: `ok` when the
 *   control got the page, an outage when it did not.
 * - A CDN's challenge page (a CAPTCHA, "Just a moment...") with 403/429/503 is the site's own bot
 *   check, over HTTPS or not: the server's doing, not the network's.
 */
import { ev } from '../evidence';
import type { ControlHttpRequestResult } from '../control-protocol';
import { pageTitle } from '../page-title';
import type { Evidence, HttpObservation } from '../types';
import type { BlockpageResult } from './blockpage';
import { urlParts } from '../hosts';
import type { Context } from './context';
import { analyzeThroughput } from './throughput';
import { none, scores, shift, type Scores, type StepResult } from './scores';

export interface HttpResult extends StepResult {
  step: 'http';
  /**
   * The plain-HTTP fetch of an https site was tampered with (block page, foreign redirect): not the
   * failing request itself, but evidence that this host is targeted.
   */
  ancillary?: StepResult;
}

/** Headers every server sends: sharing them proves nothing (probe-cli's list). */
const COMMON_HEADERS = new Set([
  'date', 'content-type', 'server', 'cache-control', 'vary', 'set-cookie', 'location', 'expires',
  'x-powered-by', 'content-encoding', 'last-modified', 'accept-ranges', 'pragma', 'x-frame-options',
  'etag', 'x-content-type-options', 'age', 'via', 'p3p', 'x-xss-protection', 'content-language',
  'cf-ray', 'strict-transport-security', 'link', 'x-varnish',
]);

interface HttpDiff {
  statusMatch?: boolean;
  bodyLengthMatch?: boolean;
  headersMatch?: boolean;
  titleMatch?: boolean;
  /** OONI's verdict: status matches and one of body, headers, title matches. */
  matches: boolean;
}

/** OONI's HTTP comparison of the user's final answer with the control's. */
function compareWithControl(h: HttpObservation, control: ControlHttpRequestResult): HttpDiff {
  const diff: HttpDiff = { matches: false };
  const status = h.status ?? 0;
  if (control.status_code > 0 && status > 0) {
    if (status === control.status_code) diff.statusMatch = true;
    // No opinion when the control itself got an error page and ours differs.
    else if (Math.floor(control.status_code / 100) === 2) diff.statusMatch = false;
  }
  const length = h.bodyLength ?? (h.bodyTruncated ? undefined : h.body?.length);
  if (control.body_length > 0 && length !== undefined && length > 0) {
    const proportion = Math.min(length, control.body_length) / Math.max(length, control.body_length);
    diff.bodyLengthMatch = proportion > 0.7;
  }
  const ours = Object.keys(h.headers ?? {}).map((k) => k.toLowerCase());
  const theirs = Object.keys(control.headers ?? {}).map((k) => k.toLowerCase());
  if (ours.length && theirs.length) {
    const a = new Set(ours);
    const b = new Set(theirs);
    const equal = a.size === b.size && [...a].every((k) => b.has(k));
    diff.headersMatch = equal || [...a].some((k) => !COMMON_HEADERS.has(k) && b.has(k));
  }
  const title = h.title ?? pageTitle(h.body);
  if (title && control.title && control.status_code > 0) {
    const words = (t: string) => t.split(' ').filter((w) => w.length >= 5).map((w) => w.toLowerCase());
    const mine = new Set(words(title));
    const other = new Set(words(control.title));
    diff.titleMatch = [...mine].every((w) => other.has(w)) && [...other].every((w) => mine.has(w));
  }
  diff.matches = diff.statusMatch === true && (diff.bodyLengthMatch === true || diff.headersMatch === true || diff.titleMatch === true);
  return diff;
}

const isRedirect = (h: HttpObservation) => h.status !== undefined && h.status >= 300 && h.status < 400;
const locationOf = (h: HttpObservation) => h.location ?? h.headers?.location;

function targetHost(ctx: Context, h: HttpObservation): string | undefined {
  const location = locationOf(h);
  if (!location) return undefined;
  try {
    return urlParts(new URL(location, h.url).toString())?.host;
  } catch {
    return undefined;
  }
}

function diffEvidence(h: HttpObservation, control: ControlHttpRequestResult, diff: HttpDiff, evidence: Evidence[]) {
  if (diff.statusMatch === false) evidence.push(ev('http_status_differs', { status: h.status ?? 0, control: control.status_code }));
  if (diff.bodyLengthMatch === false) {
    evidence.push(ev('http_body_differs', { length: h.bodyLength ?? h.body?.length ?? 0, control: control.body_length }));
  }
  if (diff.headersMatch === false) evidence.push(ev('http_headers_differ'));
  if (diff.titleMatch === false) {
    evidence.push(ev('http_title_differs', { title: h.title ?? pageTitle(h.body) ?? '', control: control.title }));
  }
}

/** A plain-HTTP answer from the site: tampered, matching, or no opinion. */
function plainAnswer(ctx: Context, h: HttpObservation, blockpage: BlockpageResult): StepResult | undefined {
  const evidence: Evidence[] = [];
  const control = ctx.control?.http_request;
  const controlOk = !!control && !control.failure && control.status_code > 0;
  const tilt = blockpage.suspicious.has(h) ? 0.1 : 0;
  if (isRedirect(h)) {
    const target = targetHost(ctx, h);
    if (!target || ctx.isProviderHost(target)) {
      return { step: 'http', status: 'ok', scores: scores(0, 0, 0.7), evidence, controlled: false };
    }
    evidence.push(ev('redirect_off_provider', { target }));
    const s = controlOk ? scores(0.7, 0.1, 0.2) : scores(0.55, 0.15, 0.3);
    return { step: 'http', status: 'tampered', scores: shift(s, tilt), method: 'http-diff', evidence, controlled: controlOk };
  }
  if (cdnChallenge(h)) return challenged(ctx, h);
  if (blockpage.harmless.has(h)) {
    return { step: 'http', status: 'ok', scores: scores(0.05, 0.05, 0.6), evidence, controlled: false };
  }
  if (controlOk) {
    evidence.push(ev('http_control_ok', { status: control.status_code }));
    const diff = compareWithControl(h, control);
    if (diff.matches) {
      evidence.push(ev('http_matches_control'));
      return { step: 'http', status: 'ok', scores: scores(0, 0, 0.9), evidence, controlled: true };
    }
    diffEvidence(h, control, diff, evidence);
    const s = diff.statusMatch === false ? scores(0.7, 0.1, 0.2) : diff.statusMatch === true ? scores(0.6, 0.1, 0.3) : scores(0.5, 0.2, 0.3);
    return { step: 'http', status: 'tampered', scores: shift(s, tilt), method: 'http-diff', evidence, controlled: true };
  }
  if (tilt) return { step: 'http', status: 'tampered', scores: scores(0.5, 0.2, 0.3), method: 'http-diff', evidence, controlled: false };
  return undefined;
}

function failureAfterConnect(ctx: Context, h: HttpObservation): StepResult {
  const failure = h.failure ?? 'unknown';
  const evidence: Evidence[] = [ev('http_failure', { url: h.url, failure })];
  const control = ctx.control?.http_request;
  let s: Scores;
  if (control && !control.failure && control.status_code > 0) {
    evidence.push(ev('http_control_ok', { status: control.status_code }));
    s = failure === 'reset' ? scores(0.8, 0.2, 0) : failure === 'unknown' ? scores(0.6, 0.3, 0.1) : scores(0.7, 0.3, 0);
  } else if (control) {
    evidence.push(ev('http_control_failed', { failure: control.failure ?? 'failed' }));
    s = scores(0.2, 0.8, 0);
  } else {
    s = failure === 'reset' ? scores(0.5, 0.35, 0.15) : scores(0.4, 0.45, 0.15);
  }
  return { step: 'http', status: 'failed', scores: s, method: 'http-failure', evidence, controlled: !!control };
}

function https451(ctx: Context, h: HttpObservation): StepResult {
  const evidence: Evidence[] = [ev('http_451', { url: h.url })];
  const control = ctx.control?.http_request;
  let s: Scores;
  if (!control) s = scores(0.75, 0.1, 0.15);
  else if (control.status_code === 451) {
    // The server says 451 to the outside too: its own legal restriction, not this network's.
    evidence.push(ev('http_status_differs', { status: 451, control: 451 }));
    s = scores(0.2, 0.7, 0.1);
  } else if (!control.failure && control.status_code > 0) {
    evidence.push(ev('http_control_ok', { status: control.status_code }));
    s = scores(0.9, 0.05, 0.05);
  } else {
    evidence.push(ev('http_control_failed', { failure: control.failure ?? 'failed' }));
    s = scores(0.6, 0.3, 0.1);
  }
  return { step: 'http', status: 'tampered', scores: s, method: 'http-451', evidence, controlled: !!control };
}

function serverError(ctx: Context, h: HttpObservation): StepResult {
  const evidence: Evidence[] = [ev('https_server_error', { status: h.status ?? 0 })];
  const control = ctx.control?.http_request;
  let s = scores(0.05, 0.8, 0.15);
  if (control && !control.failure && control.status_code >= 200 && control.status_code < 400) {
    // Broken here only: a regional outage, or the provider refusing this country.
    evidence.push(ev('http_control_ok', { status: control.status_code }));
    s = scores(0.3, 0.5, 0.2);
  }
  return { step: 'http', status: 'failed', scores: s, method: 'http-diff', evidence, controlled: !!control };
}

/** What a CDN's bot check says on its page: Cloudflare's, DDoS-Guard's, Sucuri's, a CAPTCHA. */
const CHALLENGE_MARKERS = ['just a moment', 'attention required', 'checking your browser', 'cf-chl', 'challenge-platform', 'captcha', 'ddos-guard'];

/**
 * A CDN's challenge page: a 403/429/503 from a CDN (its own headers) whose page is a bot check. The
 * first ~64 KiB are searched with indexOf: linear, no pattern over the network's text.
 */
function cdnChallenge(h: HttpObservation): boolean {
  const status = h.status ?? 0;
  if (status !== 403 && status !== 429 && status !== 503) return false;
  const headers = h.headers ?? {};
  if ((headers['cf-mitigated'] ?? '').toLowerCase() === 'challenge') return true;
  const server = (headers.server ?? '').toLowerCase();
  const cdn = 'cf-ray' in headers || server === 'cloudflare' || server.startsWith('ddos-guard') || 'x-sucuri-id' in headers;
  if (!cdn) return false;
  const text = `${h.title ?? pageTitle(h.body) ?? ''} ${(h.body ?? '').slice(0, 65536)}`.toLowerCase();
  return CHALLENGE_MARKERS.some((m) => text.includes(m));
}

/** The CDN challenged this vantage: the control's page decides between "it works" and an outage. */
function challenged(ctx: Context, h: HttpObservation): StepResult {
  const evidence: Evidence[] = [ev('cdn_challenge', { status: h.status ?? 0 })];
  const control = ctx.control?.http_request;
  if (control && !control.failure && control.status_code >= 200 && control.status_code < 400) {
    evidence.push(ev('http_control_ok', { status: control.status_code }));
    return { step: 'http', status: 'ok', scores: scores(0, 0.1, 0.75), evidence, controlled: true };
  }
  return { step: 'http', status: 'failed', scores: scores(0, 0.75, 0.2), evidence, controlled: !!control };
}

/** The server broke its own redirect chain: `ok` when the control got the page, else an outage. */
function serverFault(ctx: Context, h: HttpObservation): StepResult {
  const evidence: Evidence[] = [
    h.serverFault === 'too-many-redirects'
      ? ev('redirect_loop', { url: h.url })
      : ev('redirect_location_invalid', { url: h.url, location: (locationOf(h) ?? '').slice(0, 200) }),
  ];
  const control = ctx.control?.http_request;
  if (control && !control.failure && control.status_code > 0) {
    evidence.push(ev('http_control_ok', { status: control.status_code }));
    return { step: 'http', status: 'ok', scores: scores(0, 0.15, 0.7), evidence, controlled: true };
  }
  if (control) evidence.push(ev('http_control_failed', { failure: control.failure ?? 'failed' }));
  return { step: 'http', status: 'failed', scores: scores(0, 0.8, 0.15), evidence, controlled: !!control };
}

/** A later hop of the chain failed: the page did not load, whatever the first hops did. */
function hopFailed(ctx: Context, h: HttpObservation): StepResult {
  const failure = h.failure ?? 'unknown';
  const evidence: Evidence[] = [ev('redirect_hop_failed', { url: h.url, failure })];
  const control = ctx.control?.http_request;
  // The control follows the redirects too: its page is the chain's last hop seen from outside.
  let s: Scores;
  if (control && !control.failure && control.status_code > 0) {
    evidence.push(ev('http_control_ok', { status: control.status_code }));
    s = failure === 'reset' || failure === 'closed' || failure === 'dns' ? scores(0.8, 0.2, 0) : failure === 'unknown' ? scores(0.6, 0.3, 0.1) : scores(0.75, 0.25, 0);
  } else if (control) {
    evidence.push(ev('http_control_failed', { failure: control.failure ?? 'failed' }));
    s = scores(0.2, 0.8, 0);
  } else {
    s = scores(0.45, 0.4, 0.15);
  }
  return { step: 'http', status: 'failed', scores: s, method: failure === 'dns' ? 'dns' : 'http-failure', evidence, controlled: !!control };
}

/**
 * A plain-HTTP request sent off the provider and the chain ending at an HTTPS page of that other host:
 * the page is authentic, but whether the redirect was is told by the control's own final page.
 */
function offProviderEnd(ctx: Context, chain: HttpObservation[], end: HttpObservation): StepResult | undefined {
  const first = chain[0];
  if (!first || !first.url.startsWith('http:') || !isRedirect(first)) return undefined;
  const target = targetHost(ctx, first);
  const endHost = urlParts(end.url)?.host;
  if (!target || ctx.isProviderHost(target) || !endHost || ctx.isProviderHost(endHost)) return undefined;
  const control = ctx.control?.http_request;
  if (!control || control.failure || control.status_code <= 0) return undefined;
  const diff = compareWithControl(end, control);
  if (diff.matches) return undefined;
  const evidence: Evidence[] = [ev('redirect_off_provider', { target }), ev('http_control_ok', { status: control.status_code })];
  diffEvidence(end, control, diff, evidence);
  return { step: 'http', status: 'tampered', scores: scores(0.6, 0.1, 0.3), method: 'http-diff', evidence, controlled: true };
}

export function analyzeHttp(ctx: Context, blockpage: BlockpageResult): HttpResult {
  const https = ctx.httpSite.filter((h) => h.url.startsWith('https:'));
  const plain = ctx.httpSite.filter((h) => h.url.startsWith('http:'));

  let ancillary: StepResult | undefined;
  let decided: StepResult | undefined;

  // A chain known in order: its last hop is what the user got. Several fetches at the last hop (one
  // per address): the browser gets the page if one answers.
  const chain = ctx.httpSite.filter((h) => h.hop !== undefined);
  let lastHop = -1;
  for (const h of chain) lastHop = Math.max(lastHop, h.hop!);
  const atEnd = chain.filter((h) => h.hop === lastHop);
  const end = atEnd.find((h) => h.ok) ?? atEnd[atEnd.length - 1];
  if (end?.serverFault) decided = serverFault(ctx, end);
  else if (end && !end.ok && (end.hop ?? 0) > 0 && end.failure !== 'ignored') decided = hopFailed(ctx, end);
  else if (end?.ok && cdnChallenge(end)) decided = challenged(ctx, end);
  else if (end?.ok && end.url.startsWith('https:') && (end.hop ?? 0) > 0) decided = offProviderEnd(ctx, chain, end);

  // The latest HTTPS answer from the real server decides.
  const answered = decided ? undefined : [...https].reverse().find((h) => h.ok);
  if (decided) {
    // Decided by the chain above.
  } else if (answered) {
    if (answered.status === 451) decided = https451(ctx, answered);
    else if (cdnChallenge(answered)) decided = challenged(ctx, answered);
    else if ((answered.status ?? 0) >= 500) decided = serverError(ctx, answered);
    else {
      // The real server answered; if the page crawls, it is throttled on the way (or slow everywhere).
      decided = analyzeThroughput(ctx, answered);
      if (!decided) {
        const evidence = [ev('https_loaded', { status: answered.status ?? 0 })];
        const target = isRedirect(answered) ? targetHost(ctx, answered) : undefined;
        if (target && !ctx.isProviderHost(target)) evidence.push(ev('redirect_authentic', { target }));
        decided = { step: 'http', status: 'ok', scores: scores(0, 0, 0.95), evidence, controlled: !!ctx.control };
      }
    }
  } else if (https.some((h) => !h.ok && !h.synthesized) && ctx.tlsSni.some((t) => t.ok)) {
    // The handshake worked and the request still failed: the failure is after TLS.
    decided = failureAfterConnect(ctx, https.find((h) => !h.ok)!);
  } else if (!ctx.tlsSni.length && !ctx.siteTcp.some((t) => !t.ok)) {
    // The fetch failed and nothing says at which step (Firefox, now and then, names no cause at all):
    // OONI's rule for a failed HTTP request whose control succeeds, with the weight of an unknown cause.
    const unnamed = https.find((h) => !h.ok && !h.synthesized && h.failure === 'unknown');
    if (unnamed) decided = failureAfterConnect(ctx, unnamed);
  }

  const latestPlain = [...plain].reverse().find((h) => h.ok);
  const plainResult = latestPlain ? plainAnswer(ctx, latestPlain, blockpage) : undefined;
  if (ctx.scheme === 'http') {
    const slow = latestPlain && !decided ? analyzeThroughput(ctx, latestPlain) : undefined;
    if (slow) decided = slow;
    else if (plainResult) decided ??= plainResult;
    else {
      // A failed fetch is an HTTP-stage failure only if the connection itself was not seen failing.
      const failed = plain.find((h) => !h.ok);
      const tcpFailed = ctx.siteTcp.length > 0 && ctx.siteTcp.every((t) => !t.ok);
      if (failed && !tcpFailed) decided ??= failureAfterConnect(ctx, failed);
    }
  } else if (plainResult?.status === 'tampered') {
    ancillary = plainResult;
  }

  if (!decided) return { ...none('http'), step: 'http', ancillary };
  return { ...decided, step: 'http', ancillary };
}
