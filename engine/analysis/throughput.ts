/**
 * Throughput: the page answers, but crawls. A censor that throttles (Russia slowed Twitter to a few
 * KB/s in March 2021) lets the connection and TLS through and the first bytes too, so every step
 * before this one says "it works"; only the rate the body arrives at shows it. Told apart from
 *
 * - an IP block: the connection was made and bytes came (never `tcp_ip` / `tcp_timeout`);
 * - a slow site: the control fetched the same page slowly too (`slow_everywhere`, not censorship);
 * - a merely slower network: the rate must be under a tenth of the control's.
 *
 * Needs a sample: a body read for at least MIN_SAMPLE_MS that did not reach the probe's cap (a body
 * that fills the cap flowed fast enough). Without the control's rate (no control, or an OONI helper
 * that does not time its body), only an absolute rate under SLOW_BYTES_PER_S counts, with less
 * weight, and only while something else shows the user's network is up.
 */
import type { ControlHttpRequestResult } from '../control-protocol';
import { ev } from '../evidence';
import type { Evidence, HttpObservation } from '../types';
import type { Context } from './context';
import { scores, type StepResult } from './scores';

/** A body read for less than this says nothing of a rate (latency, a page that is simply small). */
export const MIN_SAMPLE_MS = 750;
/** Throttled: the user's rate is under this share of the control's. */
export const THROTTLED_SHARE = 0.1;
/** Slow in itself: under ~8 KB/s a webmail's first page takes most of a minute. */
export const SLOW_BYTES_PER_S = 8000;
/** The control fetched it slowly too (under this): the site is slow, not the path. */
const CONTROL_SLOW_BYTES_PER_S = 32_000;

/** KB/s (1000 bytes) as the evidence shows it: one decimal below 10, whole numbers above. */
export function kbps(bytesPerSecond: number): number {
  const k = bytesPerSecond / 1000;
  return k < 10 ? Math.round(k * 10) / 10 : Math.round(k);
}

/** The rate the body arrived at (bytes/s), when the observation is a usable sample. */
export function bodyRate(h: HttpObservation): number | undefined {
  if (!h.ok || h.bodyMs === undefined || h.bodyMs < MIN_SAMPLE_MS || h.bodyEnd === 'cap') return undefined;
  const bytes = h.bodyLength ?? 0;
  // No first byte of the body: nothing flows at all, which is a stall, not a rate.
  if (bytes <= 0) return undefined;
  return (bytes * 1000) / h.bodyMs;
}

function controlRate(control: ControlHttpRequestResult | undefined): number | undefined {
  if (!control || control.failure || control.status_code <= 0 || control.body_length <= 0) return undefined;
  if (control.x_detour_body_ms === undefined) return undefined;
  return (control.body_length * 1000) / Math.max(1, control.x_detour_body_ms);
}

/** The page flowing too slowly here (`throttling`), slowly everywhere (an outage), or no opinion. */
export function analyzeThroughput(ctx: Context, h: HttpObservation): StepResult | undefined {
  const status = h.status ?? 0;
  if (status < 200 || status >= 300) return undefined;
  const rate = bodyRate(h);
  if (rate === undefined) return undefined;
  const control = ctx.control?.http_request;
  const controlOk = !!control && !control.failure && control.status_code >= 200 && control.status_code < 400 && control.body_length > 0;
  const evidence: Evidence[] = [];
  const theirs = controlRate(control);

  if (theirs !== undefined) {
    if (rate < theirs * THROTTLED_SHARE) {
      // The control read the whole page (or more of it than arrived here) far faster.
      evidence.push(ev('throttled_rate', { kbps: kbps(rate), control_kbps: kbps(theirs) }));
      evidence.push(ev('http_control_ok', { status: control!.status_code }));
      const s = rate < SLOW_BYTES_PER_S ? scores(0.8, 0.1, 0.1) : scores(0.7, 0.1, 0.2);
      return { step: 'http', status: 'failed', scores: s, method: 'throttling', evidence, controlled: true };
    }
    if (theirs < CONTROL_SLOW_BYTES_PER_S && rate < CONTROL_SLOW_BYTES_PER_S) {
      // Slow from outside as well: the site (or its hosting) is slow for everyone.
      evidence.push(ev('slow_everywhere', { kbps: kbps(rate), control_kbps: kbps(theirs) }));
      return { step: 'http', status: 'failed', scores: scores(0.05, 0.6, 0.25), evidence, controlled: true };
    }
    // Slower here, but not by an order of magnitude: a slow line, not a throttle.
    return undefined;
  }

  if (rate >= SLOW_BYTES_PER_S) return undefined;
  evidence.push(ev('throttled_rate_alone', { kbps: kbps(rate) }));
  if (controlOk) {
    // An OONI helper got the page without timing it: the page is there, only the rate is unknown.
    evidence.push(ev('http_control_ok', { status: control!.status_code }));
    return { step: 'http', status: 'failed', scores: scores(0.65, 0.15, 0.2), method: 'throttling', evidence, controlled: true };
  }
  // No control: the canaries (or DoH) must show the user's network is up, or a slow line looks the same.
  const upElsewhere = (ctx.obs.canaries ?? []).some((c) => c.ok && !c.captive) || ctx.dohAnswered.length > 0;
  // Nothing to compare with: a page crawling in is not "it works" either; the verdict stays open.
  const s = upElsewhere ? scores(0.55, 0.2, 0.25) : scores(0.3, 0.3, 0.2);
  return { step: 'http', status: 'failed', scores: s, method: 'throttling', evidence, controlled: false };
}
