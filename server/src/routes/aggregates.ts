/**
 * GET /api/v1/aggregates?domain=&country=&since= (JSON; CSV with `Accept: text/csv` or the `.csv`
 * path): the public, k-anonymous roll-up of the reports, one row per domain, country, method and day.
 * Days, never hours: an hourly cell is small enough to single a person out; and a row counting fewer
 * than k reports is left out, whatever the filters. Every parameter is checked like a report field, so
 * what reaches the query is a host name, a country code and a date.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { normalizeHost } from '../../../engine/hosts';
import type { Counters } from '../metrics';
import type { ReadyStore } from '../db/ready-store';
import { StoreUnavailableError, type AggregateRow } from '../db/store';
import { MAX_REPORT_AGE_MS } from '../reports/report';
import { isCountry } from '../reports/vocabulary';

export const AGGREGATES_PATH = '/api/v1/aggregates';
/** Rows per answer: more than a year of every method for one domain and country. */
export const MAX_AGGREGATE_ROWS = 5_000;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const PARAMS = new Set(['domain', 'country', 'since']);

export interface AggregateRouteDeps {
  ready: ReadyStore;
  counters: Counters;
  k: number;
}

class QueryError extends Error {}

const CSV_COLUMNS = ['domain', 'country', 'method', 'day', 'count'] as const;

/** RFC 4180; the values are validated words, but quoting costs nothing and keeps that a non-issue. */
function csvField(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function toCsv(rows: readonly AggregateRow[]): string {
  return [CSV_COLUMNS.join(','), ...rows.map((r) => CSV_COLUMNS.map((c) => csvField(r[c])).join(','))].join('\r\n') + '\r\n';
}

function parseQuery(query: unknown, now: number): { domain?: string; country?: string; since: string } {
  const q = (query ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(q)) if (!PARAMS.has(key)) throw new QueryError('unknown parameter; use domain, country, since');
  const one = (key: string): string | undefined => {
    const v = q[key];
    if (v === undefined || v === '') return undefined;
    if (typeof v !== 'string') throw new QueryError(`${key}: give it once`);
    return v;
  };
  const out: { domain?: string; country?: string; since: string } = { since: new Date(now - MAX_REPORT_AGE_MS).toISOString().slice(0, 10) };
  const domain = one('domain');
  if (domain !== undefined) {
    if (domain.length > 253 || normalizeHost(domain) !== domain) throw new QueryError('domain: expected a lower-case host name');
    out.domain = domain;
  }
  const country = one('country');
  if (country !== undefined) {
    if (!isCountry(country)) throw new QueryError('country: expected an ISO 3166-1 alpha-2 code');
    out.country = country;
  }
  const since = one('since');
  if (since !== undefined) {
    const t = DAY.test(since) ? Date.parse(`${since}T00:00:00Z`) : NaN;
    if (!Number.isFinite(t) || new Date(t).toISOString().slice(0, 10) !== since) throw new QueryError('since: expected a day, like 2026-11-23');
    out.since = since;
  }
  return out;
}

export function registerAggregateRoutes(app: FastifyInstance, deps: AggregateRouteDeps): void {
  const { ready, counters, k } = deps;
  const handle = (csv: boolean) => async (request: FastifyRequest, reply: FastifyReply) => {
    let q;
    try {
      q = parseQuery(request.query, Date.now());
    } catch (error) {
      if (!(error instanceof QueryError)) throw error;
      counters.rejected_invalid++;
      return reply.code(400).send({ error: 'invalid_query', message: error.message });
    }
    let rows: AggregateRow[];
    try {
      rows = await (await ready()).aggregates({ ...q, k, limit: MAX_AGGREGATE_ROWS });
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      return reply.code(503).header('retry-after', '60').send({ error: 'store_unavailable', message: 'aggregates are unavailable now; retry later' });
    }
    // Cacheable for a while: the numbers move by the hour at most.
    reply.header('cache-control', 'public, max-age=300');
    const accept = request.headers.accept ?? '';
    if (csv || accept.toLowerCase().includes('text/csv')) return reply.type('text/csv; charset=utf-8').send(toCsv(rows));
    return reply.send({ k, since: q.since, rows });
  };
  app.get(AGGREGATES_PATH, handle(false));
  app.get(`${AGGREGATES_PATH}.csv`, handle(true));
}
