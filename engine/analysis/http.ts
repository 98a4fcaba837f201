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
 */
import { ev } from '../evidence';
import type { ControlHttpRequestResult } from '../control-protocol';
import { pageTitle } from '../page-title';
import type { Evidence, HttpObservation } from '../types';
import type { BlockpageResult } from './blockpage';
import { urlParts } from '../hosts';
import type { Context } from './context';
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

export function analyzeHttp(ctx: Context, blockpage: BlockpageResult): HttpResult {
  const https = ctx.httpSite.filter((h) => h.url.startsWith('https:'));
  const plain = ctx.httpSite.filter((h) => h.url.startsWith('http:'));

  let ancillary: StepResult | undefined;
  let decided: StepResult | undefined;

  // The latest HTTPS answer from the real server decides.
  const answered = [...https].reverse().find((h) => h.ok);
  if (answered) {
    if (answered.status === 451) decided = https451(ctx, answered);
    else if ((answered.status ?? 0) >= 500) decided = serverError(ctx, answered);
    else {
      const evidence = [ev('https_loaded', { status: answered.status ?? 0 })];
      const target = isRedirect(answered) ? targetHost(ctx, answered) : undefined;
      if (target && !ctx.isProviderHost(target)) evidence.push(ev('redirect_authentic', { target }));
      decided = { step: 'http', status: 'ok', scores: scores(0, 0, 0.95), evidence, controlled: !!ctx.control };
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
    if (plainResult) decided ??= plainResult;
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
