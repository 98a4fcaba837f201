/**
 * The persisted queue of failure reports: under the `reports` key of storage.local, so it survives a
 * browser restart and a killed service worker. Bounded (MAX_QUEUED, the oldest dropped first), and a
 * repeat of one (domain, verdict, hour) already queued or sent is not queued again. Reports older
 * than a service accepts (a week) are dropped. Read back as strictly as it is written: storage is
 * untrusted (lib/storage.ts), and a report that would not pass the service's own checks is dropped.
 */
import { providerForHost } from '../../catalog/provider-index';
import { isCountryCode } from '../../engine/countries';
import { isFailureClass } from '../../engine/failure';
import { hostMatchesDomain, normalizeHost } from '../../engine/hosts';
import type { CensorshipMethod, LocalCause, VerdictKind } from '../../engine/types';
import { STORAGE_KEYS, type KeyValueStorage } from '../storage';
import { dedupeKey, HOUR_MS } from './build-report';
import { isBrowserFamily, REPORT_FIELDS, type Report } from '../../engine/report-format';
import type { StoredReports } from './report';
import { isCensorshipMethod, isLocalCause, isVerdictKind } from '../../engine/vocabulary';

export const QUEUE_LIMITS = {
  /** Reports waiting; past it the oldest go first. */
  queued: 500,
  /** One batch, the service's MAX_REPORTS_PER_BATCH. */
  batch: 100,
  /** Dedupe keys remembered (a week of hours covers far fewer than this for one user). */
  seen: 2000,
  /** A service refuses reports older than a week; an hour is kept in hand for a slow send. */
  maxAgeMs: 7 * 24 * HOUR_MS - HOUR_MS,
};

const HOUR = /^\d{4}-\d{2}-\d{2}T\d{2}:00:00Z$/;
const VERSION = /^\d{1,5}(?:\.\d{1,5}){1,3}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** One stored report, held to the rules the service checks; undefined when it breaks one. */
export function parseReport(value: unknown): Report | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const r = value as Record<string, unknown>;
  const keys = Object.keys(r);
  if (keys.length !== REPORT_FIELDS.length || !REPORT_FIELDS.every((k) => Object.prototype.hasOwnProperty.call(r, k))) return undefined;
  if (typeof r.domain !== 'string' || r.domain.length > 253 || normalizeHost(r.domain) !== r.domain) return undefined;
  const provider = providerForHost(r.domain);
  if (!provider || provider.id !== r.provider || !provider.domains.some((d) => hostMatchesDomain(r.domain as string, d))) return undefined;
  if (!isVerdictKind(r.kind) || !isFailureClass(r.failure) || !isBrowserFamily(r.browser)) return undefined;
  if (r.kind === 'censorship' ? !isCensorshipMethod(r.method) : r.method !== null) return undefined;
  if (r.kind === 'local' ? !isLocalCause(r.local_cause) : r.local_cause !== null) return undefined;
  if (r.country !== null && !isCountryCode(r.country)) return undefined;
  if (typeof r.hour !== 'string' || !HOUR.test(r.hour) || new Date(Date.parse(r.hour)).toISOString().replace('.000Z', 'Z') !== r.hour) return undefined;
  if (typeof r.version !== 'string' || r.version.length > 23 || !VERSION.test(r.version)) return undefined;
  // Rebuilt field by field, in the service's order: nothing else stored beside them survives.
  return Object.fromEntries(REPORT_FIELDS.map((k) => [k, r[k]])) as unknown as Report;
}

export const emptyReports = (): StoredReports => ({ queue: [], seen: [], attempts: 0 });

function fresh(report: Report, now: number): boolean {
  const t = Date.parse(report.hour);
  return t >= now - QUEUE_LIMITS.maxAgeMs && t <= now + HOUR_MS;
}

/** The stored queue, every part checked; what fails is dropped and counted. */
export function parseStoredReports(raw: unknown, now: number): { reports: StoredReports; dropped: number } {
  const reports = emptyReports();
  let dropped = 0;
  if (raw === undefined || raw === null) return { reports, dropped };
  if (typeof raw !== 'object' || Array.isArray(raw)) return { reports, dropped: 1 };
  const r = raw as Record<string, unknown>;
  const list = (value: unknown, max: number): Report[] => {
    if (!Array.isArray(value)) {
      if (value !== undefined) dropped++;
      return [];
    }
    const out: Report[] = [];
    for (const item of value.slice(-max)) {
      const parsed = parseReport(item);
      if (parsed && fresh(parsed, now)) out.push(parsed);
      else dropped++;
    }
    return out;
  };
  reports.queue = list(r.queue, QUEUE_LIMITS.queued);
  if (r.inflight !== undefined) {
    const f = r.inflight as Record<string, unknown> | null;
    const batchReports = f && typeof f === 'object' ? list(f.reports, QUEUE_LIMITS.batch) : [];
    if (f && typeof f.batch_id === 'string' && UUID.test(f.batch_id) && batchReports.length > 0) reports.inflight = { batch_id: f.batch_id, reports: batchReports };
    else if (batchReports.length > 0) reports.queue.unshift(...batchReports);
    else dropped++;
  }
  if (Array.isArray(r.seen)) {
    reports.seen = r.seen.filter((k): k is string => typeof k === 'string' && k.length <= 400).slice(-QUEUE_LIMITS.seen);
  }
  if (typeof r.attempts === 'number' && Number.isInteger(r.attempts) && r.attempts >= 0 && r.attempts <= 1000) reports.attempts = r.attempts;
  // A due time far in the future (a clock set back, a hand edit) would stop sending for good.
  if (typeof r.nextAt === 'number' && Number.isFinite(r.nextAt) && r.nextAt <= now + 24 * HOUR_MS) reports.nextAt = r.nextAt;
  return { reports, dropped };
}

/** The hour a dedupe key names (its last part), as ms. */
const keyHour = (key: string) => Date.parse(key.slice(key.lastIndexOf(' ') + 1));

export class ReportQueue {
  private state: StoredReports = emptyReports();
  /** Corrupt items dropped at load, for get-status. */
  dropped = 0;
  readonly ready: Promise<void>;

  constructor(
    private readonly storage: KeyValueStorage,
    private readonly now: () => number = Date.now,
  ) {
    this.ready = this.load();
  }

  private async load(): Promise<void> {
    const stored = await this.storage.get([STORAGE_KEYS.reports]).catch(() => ({}) as Record<string, unknown>);
    const { reports, dropped } = parseStoredReports(stored[STORAGE_KEYS.reports], this.now());
    this.state = reports;
    this.dropped = dropped;
  }

  /** Reports waiting, the batch being sent included. */
  get size(): number {
    return this.state.queue.length + (this.state.inflight?.reports.length ?? 0);
  }

  get attempts(): number {
    return this.state.attempts;
  }

  get nextAt(): number | undefined {
    return this.state.nextAt;
  }

  /** The report that leaves next. */
  next(): Report | undefined {
    return this.state.inflight?.reports[0] ?? this.state.queue[0];
  }

  /** Queues a report; false when it repeats one already queued or sent (same domain, verdict, hour). */
  async add(report: Report): Promise<boolean> {
    await this.ready;
    const now = this.now();
    if (!fresh(report, now)) return false;
    const key = dedupeKey(report);
    if (this.state.seen.includes(key)) return false;
    this.state.seen = [...this.state.seen.filter((k) => keyHour(k) >= now - QUEUE_LIMITS.maxAgeMs), key].slice(-QUEUE_LIMITS.seen);
    this.state.queue.push(report);
    // Bounded: the oldest go first.
    if (this.state.queue.length > QUEUE_LIMITS.queued) this.state.queue.splice(0, this.state.queue.length - QUEUE_LIMITS.queued);
    await this.save();
    return true;
  }

  /**
   * The batch to send: the one already being sent (the same id, so a retry counts once), else the
   * oldest reports with a new id. `country` is the user's choice now: a report queued before the
   * user cleared it does not carry it.
   */
  async takeBatch(newId: () => string, country: string): Promise<{ batch_id: string; reports: Report[] } | undefined> {
    await this.ready;
    this.dropStale();
    if (!this.state.inflight) {
      if (this.state.queue.length === 0) return undefined;
      const reports = this.state.queue.splice(0, QUEUE_LIMITS.batch).map((r) => ({ ...r, country: country || null }));
      this.state.inflight = { batch_id: newId(), reports };
      await this.save();
    }
    return structuredClone(this.state.inflight);
  }

  private dropStale(): void {
    const now = this.now();
    this.state.queue = this.state.queue.filter((r) => fresh(r, now));
    if (this.state.inflight) {
      this.state.inflight.reports = this.state.inflight.reports.filter((r) => fresh(r, now));
      if (this.state.inflight.reports.length === 0) delete this.state.inflight;
    }
  }

  /** A service took the batch being sent (or refused it for good): it is done with. */
  async done(): Promise<void> {
    await this.ready;
    delete this.state.inflight;
    this.state.attempts = 0;
    await this.save();
  }

  /** Every service failed: the batch stays for a retry with the same id. */
  async failed(): Promise<number> {
    await this.ready;
    this.state.attempts += 1;
    await this.save();
    return this.state.attempts;
  }

  async setNextAt(at: number | undefined): Promise<void> {
    await this.ready;
    if (at === undefined) delete this.state.nextAt;
    else this.state.nextAt = at;
    await this.save();
  }

  /**
   * The user changed the country: the batch being sent goes back to the queue, to leave under a new
   * id with the new choice, rather than be retried with the old one.
   */
  async countryChanged(): Promise<void> {
    await this.ready;
    if (!this.state.inflight) return;
    this.state.queue.unshift(...this.state.inflight.reports);
    delete this.state.inflight;
    await this.save();
  }

  /** Reports turned off (or their permission taken back): every queued report is deleted. */
  async clear(): Promise<void> {
    await this.ready;
    this.state = emptyReports();
    await this.save();
  }

  private save(): Promise<void> {
    return this.storage
      .set({ [STORAGE_KEYS.reports]: this.state })
      .catch((error: unknown) => console.error('Detour: could not save the report queue', error));
  }
}
