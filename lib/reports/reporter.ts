/**
 * Reports as the background runs them: a verdict of a failure the user met is queued while reports
 * are on (and the browser permits them), the sender is told, and turning reports off deletes the
 * queue. Also what the options page previews: the report that leaves next, else the one the latest
 * verdict would give, else a sample, each with the user's country as chosen now.
 */
import type { ReportSupport } from '../../engine/report-support';
import type { Settings } from '../settings';
import type { StoredVerdict } from '../storage';
import { buildReport, sampleReport, type ReportContext } from './build-report';
import type { BrowserFamily, Report } from './report';
import type { ReportQueue } from './report-queue';
import type { ReportSender } from './send-reports';
import { fetchSupport } from './aggregates';

export interface ReporterDeps {
  queue: ReportQueue;
  sender: ReportSender;
  settings(): Settings;
  version: string;
  browser: BrowserFamily;
  /** The catalog provider id of a host (providerForHost). */
  providerOf(host: string): string | undefined;
  permitted(): Promise<boolean>;
  now(): number;
  /** For the aggregates; absent where not needed. */
  fetch?(input: string, init: RequestInit): Promise<Response>;
}

/** A count the service gave is reused this long (each popup asks once per verdict). */
const SUPPORT_CACHE_MS = 5 * 60_000;

export interface ReportPreview {
  report: Report;
  /** `queued`: the next to leave; `latest`: what the latest verdict gives; `sample`: no failure yet. */
  source: 'queued' | 'latest' | 'sample';
  queued: number;
}

export class Reporter {
  private readonly supportCache = new Map<string, { at: number; support: Promise<ReportSupport | undefined> }>();

  constructor(private readonly deps: ReporterDeps) {}

  /**
   * Other people's reports of the same block this week, for a censorship verdict: only while the
   * user has reports on (the question names the domain to the service), from the services in turn.
   */
  async support(stored: StoredVerdict | undefined): Promise<ReportSupport | undefined> {
    const settings = this.deps.settings();
    const { fetch } = this.deps;
    if (!fetch || !stored || !settings.reportsEnabled || settings.reportUrls.length === 0) return undefined;
    const { verdict, host } = stored;
    if (verdict.kind !== 'censorship' || !verdict.method || !this.deps.providerOf(host)) return undefined;
    const country = settings.country || null;
    const key = [host, verdict.method, country ?? '', settings.reportUrls.join(' ')].join('|');
    const now = this.deps.now();
    const cached = this.supportCache.get(key);
    if (cached && now - cached.at < SUPPORT_CACHE_MS) return cached.support;
    for (const [k, v] of this.supportCache) if (now - v.at >= SUPPORT_CACHE_MS) this.supportCache.delete(k);
    const support = fetchSupport({ fetch, urls: settings.reportUrls, now }, { domain: host, method: verdict.method, country });
    // A count is kept for a while; "none yet" is not, since the next report may publish one.
    this.supportCache.set(key, { at: now, support });
    const answer = await support;
    if (!answer) this.supportCache.delete(key);
    return answer;
  }

  private context(host: string): ReportContext {
    return { provider: this.deps.providerOf(host), country: this.deps.settings().country, version: this.deps.version, browser: this.deps.browser };
  }

  /** A probe run ended; true when its report was queued. */
  async verdict(stored: StoredVerdict): Promise<boolean> {
    const settings = this.deps.settings();
    if (!settings.reportsEnabled || settings.reportUrls.length === 0) return false;
    const report = buildReport(stored, this.context(stored.host));
    if (!report || !(await this.deps.permitted())) return false;
    if (!(await this.deps.queue.add(report))) return false;
    await this.deps.sender.queued();
    return true;
  }

  /** "Clear all data": the reports not sent yet go with the rest. */
  async clear(): Promise<void> {
    await this.deps.queue.clear();
  }

  /** After the settings changed: off deletes the queue; a new country re-forms the batch being sent. */
  async settingsChanged(before: Settings, after: Settings): Promise<void> {
    if (!after.reportsEnabled) {
      if (before.reportsEnabled || this.deps.queue.size > 0) await this.deps.queue.clear();
      return;
    }
    if (before.country !== after.country) await this.deps.queue.countryChanged();
    await this.deps.sender.resume();
  }

  /** The options page's preview, field by field. */
  async preview(latest: Iterable<StoredVerdict>): Promise<ReportPreview> {
    const { queue } = this.deps;
    await queue.ready;
    const country = this.deps.settings().country || null;
    const next = queue.next();
    if (next) return { report: { ...next, country }, source: 'queued', queued: queue.size };
    const newestFirst = [...latest].sort((a, b) => b.finishedAt - a.finishedAt);
    for (const stored of newestFirst) {
      const report = buildReport(stored, this.context(stored.host));
      if (report) return { report, source: 'latest', queued: 0 };
    }
    return { report: sampleReport({ country: this.deps.settings().country, version: this.deps.version, browser: this.deps.browser }, this.deps.now()), source: 'sample', queued: 0 };
  }
}
