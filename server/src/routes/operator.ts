/**
 * GET /operator: the operator's view of the reports, server-rendered HTML with inline SVG and no
 * script at all: per provider and country, a bar per day split by censorship method, and the rows
 * behind it. It is public like the aggregates, so it shows only what they show: days, never hours,
 * and no row of fewer than k reports. Every value is HTML-escaped on the way out even though ingest
 * already refuses anything but vocabulary words (two locks: a future field, or a database edited by
 * hand, must not become markup). The Content-Security-Policy allows nothing but the page's own
 * stylesheet, so even a value that slipped through could not run.
 */
import fs from 'node:fs';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ReadyStore } from '../db/ready-store';
import { StoreUnavailableError, type ProviderDayRow } from '../db/store';
import type { Counters } from '../metrics';
import { METHOD_NAMES } from '../reports/vocabulary';

export const OPERATOR_PATH = '/operator';
const STYLESHEET_PATH = '/operator/operator.css';
const STYLESHEET = fs.readFileSync(new URL('./operator.css', import.meta.url), 'utf8');
const ICON_PATH = '/operator/icon.svg';
// Without a linked icon the browser asks for /favicon.ico and logs the 404.
const ICON = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect x="1" y="8" width="4" height="7" fill="#1f77b4"/><rect x="6" y="4" width="4" height="11" fill="#d62728"/><rect x="11" y="1" width="4" height="14" fill="#9e9e9e"/></svg>';
const DAY_MS = 24 * 3600_000;
/** Days shown by default, and at most. */
const DEFAULT_DAYS = 28;
const MAX_DAYS = 366;
const MAX_ROWS = 20_000;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export const OPERATOR_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** One colour per censorship method, and grey for reports of another kind (outage, local...). */
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];
const OTHER_COLOUR = '#9e9e9e';
const colourOf = (method: string | null) => (method === null ? OTHER_COLOUR : (COLOURS[METHOD_NAMES.indexOf(method as never)] ?? '#000'));
const methodLabel = (method: string | null) => method ?? 'not censorship';

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"'`=]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function days(since: string, until: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${since}T00:00:00Z`); t <= Date.parse(`${until}T00:00:00Z`); t += DAY_MS) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

/** Stacked bars, one per day, in an SVG built from numbers and escaped labels only. */
function chart(rows: readonly ProviderDayRow[], allDays: readonly string[]): string {
  const width = 900;
  const height = 160;
  const left = 40;
  const bottom = 20;
  const byDay = new Map<string, ProviderDayRow[]>();
  for (const r of rows) byDay.set(r.day, [...(byDay.get(r.day) ?? []), r]);
  const max = Math.max(1, ...[...byDay.values()].map((rs) => rs.reduce((s, r) => s + r.count, 0)));
  const slot = (width - left) / allDays.length;
  const bar = Math.max(1, slot * 0.8);
  const y = (n: number) => ((height - bottom) * n) / max;
  const parts: string[] = [];
  parts.push(`<line x1="${left}" y1="${height - bottom}" x2="${width}" y2="${height - bottom}" stroke="#999"/>`);
  parts.push(`<text x="${left - 4}" y="12" text-anchor="end" font-size="11">${max}</text>`);
  parts.push(`<text x="${left - 4}" y="${height - bottom}" text-anchor="end" font-size="11">0</text>`);
  allDays.forEach((day, i) => {
    const x = left + i * slot + (slot - bar) / 2;
    let base = height - bottom;
    for (const r of (byDay.get(day) ?? []).sort((a, b) => methodLabel(a.method).localeCompare(methodLabel(b.method)))) {
      const h = y(r.count);
      base -= h;
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${base.toFixed(1)}" width="${bar.toFixed(1)}" height="${h.toFixed(1)}" fill="${colourOf(r.method)}">` +
          `<title>${escapeHtml(`${day} ${methodLabel(r.method)}: ${r.count}`)}</title></rect>`,
      );
    }
    if (i === 0 || i === allDays.length - 1 || i % 7 === 0) {
      parts.push(`<text x="${(x + bar / 2).toFixed(1)}" y="${height - 5}" text-anchor="middle" font-size="10">${escapeHtml(day.slice(5))}</text>`);
    }
  });
  return `<svg role="img" aria-label="reports per day by method" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${parts.join('')}</svg>`;
}

function swatch(colour: string): string {
  return `<svg width="12" height="12" aria-hidden="true"><rect width="12" height="12" fill="${colour}"/></svg>`;
}

export function renderOperatorPage(rows: readonly ProviderDayRow[], opts: { since: string; until: string; k: number }): string {
  const groups = new Map<string, ProviderDayRow[]>();
  for (const r of rows) {
    const key = `${r.provider}\u0000${r.country ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const allDays = days(opts.since, opts.until);
  const methods = [...new Set(rows.map((r) => r.method))].sort((a, b) => methodLabel(a).localeCompare(methodLabel(b)));
  const legend = methods.map((m) => `<li>${swatch(colourOf(m))}${escapeHtml(methodLabel(m))}</li>`).join('');
  const sections = [...groups.values()]
    .sort((a, b) => b.reduce((s, r) => s + r.count, 0) - a.reduce((s, r) => s + r.count, 0))
    .map((group) => {
      const { provider, country } = group[0]!;
      const total = group.reduce((s, r) => s + r.count, 0);
      const table = group
        .map((r) => `<tr><td>${escapeHtml(r.day)}</td><td>${escapeHtml(methodLabel(r.method))}</td><td class="count">${escapeHtml(r.count)}</td></tr>`)
        .join('');
      return (
        `<section class="series" data-provider="${escapeHtml(provider)}" data-country="${escapeHtml(country ?? '')}">` +
        `<h2>${escapeHtml(provider)} · ${escapeHtml(country ?? 'no country given')} · ${escapeHtml(total)} reports</h2>` +
        chart(group, allDays) +
        `<table><thead><tr><th>day</th><th>method</th><th>reports</th></tr></thead><tbody>${table}</tbody></table></section>`
      );
    })
    .join('');
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>Detour reports</title><link rel="stylesheet" href="${STYLESHEET_PATH}"><link rel="icon" href="${ICON_PATH}" type="image/svg+xml"></head><body>` +
    '<h1>Detour failure reports</h1>' +
    `<p class="note">Opt-in reports per provider and country, per day from ${escapeHtml(opts.since)} to ${escapeHtml(opts.until)} (UTC). ` +
    `Days with fewer than ${escapeHtml(opts.k)} reports for a provider, country and method are not shown.</p>` +
    `<form method="get" action="${OPERATOR_PATH}"><label>since <input type="date" name="since" value="${escapeHtml(opts.since)}"></label> <button>show</button></form>` +
    (sections ? `<ul class="legend">${legend}</ul>${sections}` : '<p class="empty">Nothing to show yet: no cell has reached k reports.</p>') +
    '</body></html>'
  );
}

export interface OperatorRouteDeps {
  ready: ReadyStore;
  counters: Counters;
  k: number;
}

function send(reply: FastifyReply, status: number, html: string) {
  return reply
    .code(status)
    .header('content-security-policy', OPERATOR_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .type('text/html; charset=utf-8')
    .send(html);
}

export function registerOperatorRoutes(app: FastifyInstance, deps: OperatorRouteDeps): void {
  const { ready, counters, k } = deps;
  app.get(STYLESHEET_PATH, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').header('x-content-type-options', 'nosniff').send(STYLESHEET),
  );
  app.get(ICON_PATH, async (_request, reply) =>
    reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').header('x-content-type-options', 'nosniff').send(ICON),
  );
  app.get(OPERATOR_PATH, async (request, reply) => {
    const query = (request.query ?? {}) as Record<string, unknown>;
    const now = Date.now();
    const until = new Date(now).toISOString().slice(0, 10);
    let since = new Date(now - (DEFAULT_DAYS - 1) * DAY_MS).toISOString().slice(0, 10);
    const keys = Object.keys(query);
    const raw = query.since;
    if (keys.some((key) => key !== 'since') || (raw !== undefined && typeof raw !== 'string')) {
      counters.rejected_invalid++;
      return send(reply, 400, '<!doctype html><title>Bad request</title><p>The only parameter is since=YYYY-MM-DD.</p>');
    }
    if (typeof raw === 'string' && raw !== '') {
      const t = DAY.test(raw) ? Date.parse(`${raw}T00:00:00Z`) : NaN;
      if (!Number.isFinite(t) || new Date(t).toISOString().slice(0, 10) !== raw || t > now || now - t > MAX_DAYS * DAY_MS) {
        counters.rejected_invalid++;
        return send(reply, 400, `<!doctype html><title>Bad request</title><p>since: a day within the last ${MAX_DAYS} days, like 2026-11-23.</p>`);
      }
      since = raw;
    }
    let rows: ProviderDayRow[];
    try {
      rows = await (await ready()).providerDays({ since, k, limit: MAX_ROWS });
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      reply.header('retry-after', '60');
      return send(reply, 503, '<!doctype html><title>Unavailable</title><p>The report database is unavailable; retry later.</p>');
    }
    return send(reply, 200, renderOperatorPage(rows, { since, until, k }));
  });
}
