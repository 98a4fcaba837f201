/**
 * Sends the queued reports (lib/reports/report-queue.ts) to the report services of the settings, in
 * batches of at most 100, each batch after a random delay (so that when a batch arrives says nothing
 * about when its failures happened), with a new random batch id per batch (crypto.randomUUID: it only
 * lets a service ignore a retry), `credentials: 'omit'` and no referrer. The services are tried in
 * turn, since one may itself be blocked; when none takes the batch it is tried again later with
 * exponential backoff and jitter, under the same id.
 *
 * Survives restarts: when the next send is due is stored with the queue, and `schedule` (the
 * background) sets a `browser.alarms` alarm for it, which wakes a stopped service worker or event
 * page, plus a timer for delays shorter than an alarm's minimum. An alarm a browser restart lost is
 * set again when the background next starts (`resume`).
 */
import type { Settings } from '../settings';
import type { ReportQueue } from './report-queue';

export const SEND_LIMITS = {
  /** First retry after about a minute, doubling each time, up to six hours. */
  backoffBaseMs: 60_000,
  backoffMaxMs: 6 * 3600_000,
  /** One POST. */
  timeoutMs: 15_000,
};

export const REPORTS_PATH = 'api/v1/reports';
export const AGGREGATES_PATH = 'api/v1/aggregates';

/** A service's base URL (as in the settings) and a path below it: `https://r.example/x` + path is `https://r.example/x/path`. */
export function serviceEndpoint(base: string, path: string): string {
  return new URL(path, base.endsWith('/') ? base : `${base}/`).toString();
}

export interface SenderDeps {
  queue: ReportQueue;
  settings(): Settings;
  fetch(input: string, init: RequestInit): Promise<Response>;
  now(): number;
  /** [0, 1). */
  random(): number;
  /** crypto.randomUUID. */
  newId(): string;
  /** Wake the sender at this time (ms since epoch), even if the background stopped meanwhile. */
  schedule(at: number): void;
  /** Whether the browser lets Detour send them now (Firefox's data-collection permission). */
  permitted(): Promise<boolean>;
  /** Whether it lets Detour send the chosen country too (Firefox: `locationInfo`). */
  countryPermitted(): Promise<boolean>;
}

export type FlushOutcome = 'sent' | 'refused' | 'failed' | 'not-due' | 'empty' | 'off';

/** Full range jitter around the exponential step: [0.5, 1.5) times it. */
export function backoffMs(attempts: number, random: number): number {
  const step = Math.min(SEND_LIMITS.backoffMaxMs, SEND_LIMITS.backoffBaseMs * 2 ** Math.min(attempts - 1, 20));
  return Math.round(step * (0.5 + random));
}

export class ReportSender {
  private flushing: Promise<FlushOutcome> | undefined;

  constructor(private readonly deps: SenderDeps) {}

  private active(): boolean {
    const s = this.deps.settings();
    return s.reportsEnabled && s.reportUrls.length > 0;
  }

  /** Something was queued: a send is due after a random delay, unless one is due already. */
  async queued(): Promise<void> {
    const { queue } = this.deps;
    await queue.ready;
    if (queue.nextAt !== undefined) return this.deps.schedule(queue.nextAt);
    const at = this.deps.now() + Math.round(this.deps.random() * this.deps.settings().reportMaxDelayMs);
    await queue.setNextAt(at);
    this.deps.schedule(at);
  }

  /** At start-up: set the wake-up again (a browser restart may have lost the alarm). */
  async resume(): Promise<void> {
    const { queue } = this.deps;
    await queue.ready;
    if (queue.size === 0 || !this.active()) return;
    if (queue.nextAt === undefined) return this.queued();
    this.deps.schedule(Math.max(queue.nextAt, this.deps.now()));
  }

  /** Sends one batch if one is due. The alarm and the timer may both fire: one flush at a time. */
  flush(): Promise<FlushOutcome> {
    this.flushing ??= this.flushOnce().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async flushOnce(): Promise<FlushOutcome> {
    const { queue, now } = this.deps;
    await queue.ready;
    if (!this.active()) return 'off';
    if (queue.size === 0) {
      await queue.setNextAt(undefined);
      return 'empty';
    }
    if (queue.nextAt !== undefined && queue.nextAt > now()) {
      this.deps.schedule(queue.nextAt);
      return 'not-due';
    }
    // The user took the permission back in the browser's add-on manager: nothing leaves, nothing stays.
    if (!(await this.deps.permitted())) {
      await queue.clear();
      return 'off';
    }
    const settings = this.deps.settings();
    const country = settings.country && (await this.deps.countryPermitted()) ? settings.country : '';
    const batch = await queue.takeBatch(this.deps.newId, country);
    if (!batch) return 'empty';
    const body = JSON.stringify(batch);
    let refused = 0;
    for (const base of settings.reportUrls) {
      const status = await this.post(serviceEndpoint(base, REPORTS_PATH), body);
      if (status >= 200 && status < 300) return this.after('sent');
      // 400: this service will never take this batch (a newer or older service, say); others might.
      if (status === 400 || status === 413) refused++;
    }
    if (refused === settings.reportUrls.length) return this.after('refused');
    const attempts = await queue.failed();
    const at = now() + backoffMs(attempts, this.deps.random());
    await queue.setNextAt(at);
    this.deps.schedule(at);
    return 'failed';
  }

  /** The batch is done with: the next one, if any, after a new random delay. */
  private async after(outcome: 'sent' | 'refused'): Promise<FlushOutcome> {
    const { queue } = this.deps;
    await queue.done();
    await queue.setNextAt(undefined);
    if (queue.size > 0) await this.queued();
    return outcome;
  }

  /** The status of one POST; 0 when the service could not be reached. */
  private async post(url: string, body: string): Promise<number> {
    try {
      const res = await this.deps.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        // No cookie, no HTTP authentication, no client certificate, no referrer: nothing but the batch.
        credentials: 'omit',
        referrerPolicy: 'no-referrer',
        cache: 'no-store',
        redirect: 'error',
        signal: AbortSignal.timeout(SEND_LIMITS.timeoutMs),
      });
      // The answer is not needed; reading it frees the connection.
      await res.body?.cancel().catch(() => {});
      return res.status;
    } catch {
      return 0;
    }
  }
}
