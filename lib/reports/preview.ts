/**
 * The options page's preview of a failure report, built in the page from what the background stored:
 * the report that leaves next (the queue is saved on every change), else the one the latest verdict
 * gives, else a sample, each with the user's country as chosen now. Built here rather than asked of
 * the background, which parses its bundle on every wake and never shows it (issue 9, `npm run size`).
 */
import { browser } from 'wxt/browser';
import { providerForHost } from '../../catalog/provider-index';
import { browserFamily } from '../browser-adapter';
import { parseVerdicts } from '../probe-scheduler';
import { STORAGE_KEYS, type StoredVerdict } from '../storage';
import type { BrowserFamily, Report } from '../../engine/report-format';
import { buildReport, sampleReport, type ReportContext } from './build-report';
import { parseStoredReports } from './report-queue';

export interface ReportPreview {
  report: Report;
  /** `queued`: the next to leave; `latest`: what the latest verdict gives; `sample`: no failure yet. */
  source: 'queued' | 'latest' | 'sample';
  queued: number;
}

export interface PreviewInput {
  /** What storage.local holds under `reports`, as read: parsed as strictly as the background reads it. */
  storedReports: unknown;
  /** The stored verdicts, parsed (lib/probe-scheduler.ts parseVerdicts). */
  verdicts: Iterable<StoredVerdict>;
  country: string;
  version: string;
  browser: BrowserFamily;
  /** The catalog provider id of a host (providerForHost). */
  providerOf(host: string): string | undefined;
  now: number;
}

export function reportPreview(input: PreviewInput): ReportPreview {
  const { reports } = parseStoredReports(input.storedReports, input.now);
  const country = input.country || null;
  const next = reports.inflight?.reports[0] ?? reports.queue[0];
  if (next) return { report: { ...next, country }, source: 'queued', queued: reports.queue.length + (reports.inflight?.reports.length ?? 0) };
  const context = (host: string): ReportContext => ({ provider: input.providerOf(host), country: input.country, version: input.version, browser: input.browser });
  const newestFirst = [...input.verdicts].sort((a, b) => b.finishedAt - a.finishedAt);
  for (const stored of newestFirst) {
    const report = buildReport(stored, context(stored.host));
    if (report) return { report, source: 'latest', queued: 0 };
  }
  return { report: sampleReport({ country: input.country, version: input.version, browser: input.browser }, input.now), source: 'sample', queued: 0 };
}

/** The preview from what storage holds now, for the country the user has chosen. */
export async function loadReportPreview(country: string): Promise<ReportPreview> {
  const stored = await browser.storage.local.get([STORAGE_KEYS.reports, STORAGE_KEYS.verdicts]);
  return reportPreview({
    storedReports: stored[STORAGE_KEYS.reports],
    verdicts: Object.values(parseVerdicts(stored[STORAGE_KEYS.verdicts])),
    country,
    version: browser.runtime.getManifest().version,
    browser: browserFamily(),
    providerOf: (host) => providerForHost(host)?.id,
    now: Date.now(),
  });
}
