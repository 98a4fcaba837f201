/**
 * What other people reported: the report services' public, k-anonymous counts
 * (`GET api/v1/aggregates?domain=&country=&since=`, server/src/routes/aggregates.ts) of the same block
 * this week, summed over its days, as supporting evidence for the popup (engine/report-support.ts).
 * Asked only while the user has reports on (asking names the domain to the service), with credentials
 * omitted, the services tried in turn; the answer is read strictly and capped.
 *
 * The popup asks, the one page that shows the count, not the background: the background parses its
 * bundle on every wake and would carry this only to pass it on (issue 9, `npm run size`).
 */
import { providerForHost } from '../../catalog/provider-index';
import { isCountryCode } from '../../engine/countries';
import type { ReportSupport } from '../../engine/report-support';
import type { CensorshipMethod } from '../../engine/types';
import type { Settings } from '../settings';
import type { StoredVerdict } from '../storage';
import { AGGREGATES_PATH, serviceEndpoint } from './send-reports';

export interface AggregateRow {
  domain: string;
  country: string | null;
  method: string | null;
  day: string;
  count: number;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const MAX_ANSWER_CHARS = 256 * 1024;
const MAX_ROWS = 5000;
const WEEK_MS = 7 * 24 * 3600_000;

/** The rows of an answer, each checked; undefined when it is not an aggregates answer at all. */
export function parseAggregateRows(body: unknown): AggregateRow[] | undefined {
  if (!body || typeof body !== 'object' || !Array.isArray((body as { rows?: unknown }).rows)) return undefined;
  const rows: AggregateRow[] = [];
  for (const r of ((body as { rows: unknown[] }).rows).slice(0, MAX_ROWS)) {
    if (!r || typeof r !== 'object') continue;
    const { domain, country, method, day, count } = r as Record<string, unknown>;
    if (typeof domain !== 'string' || domain.length > 253) continue;
    if (country !== null && !isCountryCode(country)) continue;
    if (method !== null && (typeof method !== 'string' || method.length > 40)) continue;
    if (typeof day !== 'string' || !DAY.test(day)) continue;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > 1e9) continue;
    rows.push({ domain, country, method, day, count });
  }
  return rows;
}

/** The week's count of this domain and method (and country, when given). */
export function supportFrom(rows: readonly AggregateRow[], query: { domain: string; method: CensorshipMethod; country: string | null }): ReportSupport | undefined {
  const count = rows
    .filter((r) => r.domain === query.domain && r.method === query.method && (query.country === null || r.country === query.country))
    .reduce((sum, r) => sum + r.count, 0);
  return count > 0 ? { count, method: query.method, country: query.country } : undefined;
}

export interface AggregateDeps {
  fetch(input: string, init: RequestInit): Promise<Response>;
  urls: readonly string[];
  now: number;
}

/** Asks the services in turn; the first that answers decides. */
export async function fetchSupport(deps: AggregateDeps, query: { domain: string; method: CensorshipMethod; country: string | null }): Promise<ReportSupport | undefined> {
  const since = new Date(deps.now - WEEK_MS).toISOString().slice(0, 10);
  const params = new URLSearchParams({ domain: query.domain, since });
  if (query.country) params.set('country', query.country);
  for (const base of deps.urls) {
    try {
      const res = await deps.fetch(`${serviceEndpoint(base, AGGREGATES_PATH)}?${params}`, {
        credentials: 'omit',
        referrerPolicy: 'no-referrer',
        redirect: 'error',
        // The service allows caching for 5 minutes, but a count that was below k a minute ago may be
        // published now; and the browser's cache would keep, on disk, which domain was asked about.
        cache: 'no-store',
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) continue;
      const text = await res.text();
      if (text.length > MAX_ANSWER_CHARS) continue;
      const rows = parseAggregateRows(JSON.parse(text));
      if (rows) return supportFrom(rows, query);
    } catch {
      // Blocked, down, or not an answer: the next service.
    }
  }
  return undefined;
}

/** What the popup says under a censorship verdict (components/ReportsNote.tsx). */
export interface ReportsView {
  reportsEnabled: boolean;
  /** How many report services are set: with none, there is nothing to offer. */
  reportUrls: number;
  /** Others' reports of the same block this week; absent when there are none to tell. */
  support?: ReportSupport;
}

/**
 * The note under a verdict: whether reports are on, and, for a censorship verdict of a catalog
 * provider while they are, what others reported (the services are asked only then).
 */
export async function reportsView(stored: StoredVerdict, settings: Settings, deps: Omit<AggregateDeps, 'urls'>): Promise<ReportsView> {
  const view: ReportsView = { reportsEnabled: settings.reportsEnabled, reportUrls: settings.reportUrls.length };
  const { verdict, host } = stored;
  if (!view.reportsEnabled || view.reportUrls === 0 || verdict.kind !== 'censorship' || !verdict.method || !providerForHost(host)) return view;
  const support = await fetchSupport({ ...deps, urls: settings.reportUrls }, { domain: host, method: verdict.method, country: settings.country || null });
  return support ? { ...view, support } : view;
}
