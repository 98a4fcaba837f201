/**
 * One anonymous failure report, built from a stored verdict (issue 11). Pure. A report holds exactly
 * the fields the service counts (engine/report-format.ts, the shape both share): the watched host
 * (never a path or a query), the catalog provider's id, the verdict's kind and method or local cause,
 * the failure class, the country only when the user chose one, the hour rounded down, the extension's
 * version and the browser family. Nothing else reaches it: no address, no URL, no install or random
 * id, no time finer than the hour, no evidence.
 */
import { normalizeHost } from '../../engine/hosts';
import type { StoredVerdict } from '../storage';
import type { BrowserFamily, Report } from '../../engine/report-format';

export const HOUR_MS = 3600_000;

/** The start of the hour `ms` falls in, as the service writes it: `2026-11-23T14:00:00Z`. */
export function hourOf(ms: number): string {
  return new Date(ms - (((ms % HOUR_MS) + HOUR_MS) % HOUR_MS)).toISOString().replace('.000Z', 'Z');
}

export interface ReportContext {
  /** The catalog provider id of the host (providerForHost); reports exist only for catalog providers. */
  provider: string | undefined;
  /** The user's choice ('' for none). */
  country: string;
  version: string;
  browser: BrowserFamily;
}

/**
 * The report of one verdict, or undefined when there is nothing to report: a verdict the user asked
 * for ("check again", the status check) rather than a failure they met, a site that loaded after all
 * (`ok`), a domain of the user's own (the service counts catalog providers only).
 */
export function buildReport(stored: StoredVerdict, context: ReportContext): Report | undefined {
  if (stored.trigger === 'user') return undefined;
  const { verdict } = stored;
  if (verdict.kind === 'ok') return undefined;
  if (!context.provider) return undefined;
  // The host only, lower-case, as the service checks it; a stored value that is not one is dropped.
  const domain = normalizeHost(stored.host);
  if (!domain || domain !== stored.host) return undefined;
  const method = verdict.kind === 'censorship' ? (verdict.method ?? null) : null;
  const localCause = verdict.kind === 'local' ? (verdict.localCause ?? null) : null;
  // The service refuses a censorship verdict without its method (or a local one without its cause).
  if (verdict.kind === 'censorship' && !method) return undefined;
  if (verdict.kind === 'local' && !localCause) return undefined;
  return {
    domain,
    provider: context.provider,
    kind: verdict.kind,
    method,
    local_cause: localCause,
    failure: stored.trigger,
    country: context.country || null,
    // When the failure was met (the run starts with it), not when the report leaves.
    hour: hourOf(stored.startedAt),
    version: context.version,
    browser: context.browser,
  };
}

/** Repeats of one (domain, verdict, hour) are sent once: this is what "the same" means. */
export function dedupeKey(report: Pick<Report, 'domain' | 'kind' | 'method' | 'local_cause' | 'hour'>): string {
  return [report.domain, report.kind, report.method ?? report.local_cause ?? '', report.hour].join(' ');
}

/** What the options page shows before any failure: a report of the kind Detour would send. */
export function sampleReport(context: Omit<ReportContext, 'provider'>, now: number): Report {
  return {
    domain: 'mail.proton.me',
    provider: 'proton',
    kind: 'censorship',
    method: 'dns',
    local_cause: null,
    failure: 'dns',
    country: context.country || null,
    hour: hourOf(now),
    version: context.version,
    browser: context.browser,
  };
}
