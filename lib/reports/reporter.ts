/**
 * Reports as the background runs them: a verdict of a failure the user met is queued while reports
 * are on (and the browser permits them), the sender is told, and turning reports off deletes the
 * queue. The pages build what they show themselves: the options page its preview (./preview.ts), the
 * popup others' reports (./aggregates.ts).
 */
import type { Settings } from '../settings';
import type { StoredVerdict } from '../storage';
import { buildReport, type ReportContext } from './build-report';
import type { BrowserFamily } from '../../engine/report-format';
import type { ReportQueue } from './report-queue';
import type { ReportSender } from './send-reports';

export interface ReporterDeps {
  queue: ReportQueue;
  sender: ReportSender;
  settings(): Settings;
  version: string;
  browser: BrowserFamily;
  /** The catalog provider id of a host (providerForHost). */
  providerOf(host: string): string | undefined;
  permitted(): Promise<boolean>;
}

export class Reporter {
  constructor(private readonly deps: ReporterDeps) {}

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
}
