/**
 * `npm run bench:reports [-- --duration 15] [-- --batch 10] [-- --reports 1000000]`
 *
 * The report service under load, SQLite and PostgreSQL side by side in one run, loopback only:
 *
 * 1. Ingest: the service as a child process (`node --import tsx server/main.ts`, rate limits off,
 *    otherwise default settings), driven by autocannon with 50 concurrent senders, each with one
 *    POST /api/v1/reports in flight; every request is a new batch (fresh batch id) of `--batch`
 *    valid reports, first saturated (each sender sends again when answered), then paced at an offered
 *    rate (`--rate` reports/s, default 2,500). Reports/s counts only reports in 200 answers; latency
 *    percentiles are exact, from every response time.
 * 2. Aggregates: a fresh database bulk-loaded with `--reports` random reports over the last week
 *    (counted into hourly and daily cells as ingest would), then GET /api/v1/aggregates timed over
 *    HTTP, unfiltered and filtered, and GET /operator.
 *
 * PostgreSQL is a throw-away cluster on a Unix socket (server/test/support/postgres.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { openStore } from '../src/db/open-store';
import type { ReportCell } from '../src/db/store';
import { METHOD_NAMES } from '../src/reports/vocabulary';
import { startPostgres } from '../test/support/postgres';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CONNECTIONS = 50;

interface AutocannonResult {
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
}
type Autocannon = (
  options: {
    url: string;
    connections: number;
    duration: number;
    timeout: number;
    requests: Array<{ method: string; path: string; headers: Record<string, string>; setupRequest: (req: { body?: string }) => { body?: string } }>;
  },
  done: (error: Error | null, result: AutocannonResult) => void,
) => { on(event: 'response', listener: (client: unknown, status: number, bytes: number, responseTime: number) => void): void };
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '15' },
    batch: { type: 'string', default: '10' },
    reports: { type: 'string', default: '1000000' },
    // Offered load for the latency row: 2,500 reports/s, above the 2,000 target, in batches of --batch.
    rate: { type: 'string', default: '2500' },
  },
});
const duration = Number(args.duration);
const batchSize = Number(args.batch);
const bulkReports = Number(args.reports);
const offeredReports = Number(args.rate);

const DOMAINS: Array<[string, string]> = [
  ['proton.me', 'proton'], ['mail.proton.me', 'proton'], ['protonmail.com', 'proton'], ['riseup.net', 'riseup'],
  ['mail.riseup.net', 'riseup'], ['tuta.com', 'tuta'], ['app.tuta.com', 'tuta'], ['posteo.de', 'posteo'],
  ['mailbox.org', 'mailbox_org'], ['disroot.org', 'disroot'], ['systemli.org', 'systemli'], ['startmail.com', 'startmail'],
];
const COUNTRIES = ['RU', 'BY', 'IR', 'CN', 'TR', 'KZ', 'UZ', 'TM', 'AE', 'EG', 'PK', 'VN', null];
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;
const hourIso = (ms: number) => new Date(ms - (ms % 3600_000)).toISOString().replace('.000Z', 'Z');

function randomReport(hour: string) {
  const [domain, provider] = pick(DOMAINS);
  const r = Math.random();
  const kind = r < 0.6 ? 'censorship' : r < 0.8 ? 'outage' : r < 0.95 ? 'local' : 'unknown';
  return {
    domain,
    provider,
    kind,
    method: kind === 'censorship' ? pick(METHOD_NAMES) : null,
    local_cause: kind === 'local' ? pick(['offline', 'captive-portal', 'proxy', 'network']) : null,
    failure: pick(['dns', 'reset', 'timeout', 'certificate', 'refused']),
    country: pick(COUNTRIES),
    hour,
    version: pick(['0.1.0', '0.2.0', '0.2.1']),
    browser: pick(['firefox', 'chrome', 'chromium']),
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startService(databaseUrl: string): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DETOUR_PORT: String(port),
      DETOUR_LOG_LEVEL: 'warn',
      DETOUR_DATABASE_URL: databaseUrl,
      DETOUR_RATE_LIMIT_MAX: '0',
      DETOUR_REPORT_RATE_LIMIT_MAX: '0',
      DETOUR_MAX_CONNECTIONS_PER_CLIENT: '1000',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      if (i > 300) throw new Error('service did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  // Migrate before timing anything.
  await fetch(`${url}/api/v1/aggregates`);
  return { child, url };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

function drive(url: string, seconds: number): Promise<{ latencies: number[]; ok: number; result: AutocannonResult }> {
  const latencies: number[] = [];
  let ok = 0;
  const hour = hourIso(Date.now());
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: CONNECTIONS,
        duration: seconds,
        timeout: 10,
        requests: [
          {
            method: 'POST',
            path: '/api/v1/reports',
            headers: { 'content-type': 'application/json' },
            setupRequest: (req) => ({
              ...req,
              body: JSON.stringify({ batch_id: randomUUID(), reports: Array.from({ length: batchSize }, () => randomReport(hour)) }),
            }),
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve({ latencies, ok, result })),
    );
    instance.on('response', (_client, status, _bytes, responseTime) => {
      latencies.push(responseTime);
      if (status === 200) ok++;
    });
  });
}

/**
 * The offered-load row: 50 senders, each sending its next batch on a fixed schedule (its share of
 * the rate, start times spread evenly), or as soon as its previous batch is answered when that is
 * later. autocannon's own rate option releases each second's quota in one burst at the top of the
 * second, which measures the burst, not the service.
 */
async function paced(url: string, seconds: number, reportsPerSecond: number): Promise<{ latencies: number[]; ok: number; result: AutocannonResult }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const { port } = new URL(url);
  const interval = (CONNECTIONS * batchSize * 1000) / reportsPerSecond;
  const hour = hourIso(Date.now());
  const latencies: number[] = [];
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  const post = (body: string) =>
    new Promise<number>((resolve) => {
      const req = http.request(
        { host: '127.0.0.1', port: Number(port), method: 'POST', path: '/api/v1/reports', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', () => resolve(0));
      req.end(body);
    });
  const sender = async (n: number) => {
    let next = performance.now() + (n * interval) / CONNECTIONS;
    while (next < end) {
      const wait = next - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const body = JSON.stringify({ batch_id: randomUUID(), reports: Array.from({ length: batchSize }, () => randomReport(hour)) });
      const started = performance.now();
      const status = await post(body);
      latencies.push(performance.now() - started);
      if (status === 200) ok++;
      else if (status === 0) errors++;
      else non2xx++;
      next += interval;
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, (_, n) => sender(n)));
  agent.destroy();
  return { latencies, ok, result: { non2xx, errors, timeouts: 0, duration: seconds } };
}

interface IngestRow {
  backend: string;
  load: string;
  requests: number;
  reportsPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
  non2xx: number;
  errors: number;
  stored: number;
}

async function ingest(backend: string, databaseUrl: string): Promise<IngestRow[]> {
  const { child, url } = await startService(databaseUrl);
  const store = openStore(databaseUrl);
  try {
    await drive(url, 2); // warm-up: JIT, connections, the database's caches
    const out: IngestRow[] = [];
    // Saturated: every sender sends again as soon as answered (the most the service takes). Offered:
    // the same 50 senders held to a total rate, which is what the latency target is about.
    for (const [load, rate] of [['saturated', undefined], [`${offeredReports} reports/s offered`, offeredReports]] as const) {
      const before = await store.totalReports();
      const { latencies, ok, result } = rate === undefined ? await drive(url, duration) : await paced(url, duration, offeredReports);
      const stored = (await store.totalReports()) - before;
      latencies.sort((a, b) => a - b);
      out.push({
        backend,
        load,
        requests: latencies.length,
        reportsPerSecond: Math.round((ok * batchSize) / duration),
        p50: percentile(latencies, 50),
        p95: percentile(latencies, 95),
        p99: percentile(latencies, 99),
        non2xx: result.non2xx,
        errors: result.errors + result.timeouts,
        stored,
      });
    }
    return out;
  } finally {
    await store.close();
    await stop(child);
  }
}

/** `n` random reports over the last 7 days, counted into cells as ingest would count them. */
function randomCells(n: number): ReportCell[] {
  const now = Date.now();
  const cells = new Map<string, ReportCell>();
  for (let i = 0; i < n; i++) {
    const r = randomReport(hourIso(now - Math.floor(Math.random() * 7 * 24) * 3600_000)) as ReportCell;
    const key = `${r.hour}|${r.domain}|${r.kind}|${r.method}|${r.local_cause}|${r.failure}|${r.country}|${r.version}|${r.browser}`;
    const cell = cells.get(key);
    if (cell) cell.count++;
    else cells.set(key, { ...r, count: 1 });
  }
  return [...cells.values()];
}

interface QueryRow {
  backend: string;
  query: string;
  rows: number;
  p50: number;
  p95: number;
  max: number;
}

async function timeQueries(backend: string, databaseUrl: string, cells: readonly ReportCell[]): Promise<{ rows: QueryRow[]; loadS: number; stored: number; dayRows: number }> {
  const store = openStore(databaseUrl);
  await store.migrate();
  const t0 = performance.now();
  await store.bulkAdd(cells);
  const loadS = (performance.now() - t0) / 1000;
  const stored = await store.totalReports();
  await store.close();
  const { child, url } = await startService(databaseUrl);
  const out: QueryRow[] = [];
  let dayRows = 0;
  try {
    const queries = ['/api/v1/aggregates', '/api/v1/aggregates?country=RU', '/api/v1/aggregates?domain=proton.me&country=RU', '/api/v1/aggregates.csv', '/operator'];
    for (const q of queries) {
      const times: number[] = [];
      let rows = 0;
      for (let i = 0; i < 25; i++) {
        const started = performance.now();
        const res = await fetch(url + q);
        const text = await res.text();
        times.push(performance.now() - started);
        if (res.status !== 200) throw new Error(`${q}: ${res.status}`);
        if (q.startsWith('/api/v1/aggregates?') || q === '/api/v1/aggregates') rows = (JSON.parse(text) as { rows: unknown[] }).rows.length;
        else if (q.endsWith('.csv')) rows = text.split('\r\n').length - 2;
        else rows = (text.match(/<tr><td>/g) ?? []).length;
      }
      if (q === '/api/v1/aggregates') dayRows = rows;
      // The first answer pays for cold caches; it is in `max`, not in the percentiles of the rest.
      const warm = times.slice(1).sort((a, b) => a - b);
      out.push({ backend, query: q, rows, p50: percentile(warm, 50), p95: percentile(warm, 95), max: Math.max(...times) });
    }
  } finally {
    await stop(child);
  }
  return { rows: out, loadS, stored, dayRows };
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'detour-bench-reports-'));
  const cluster = await startPostgres();
  try {
    console.log(`${os.cpus().length} cores, Node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    console.log(`ingest: ${CONNECTIONS} concurrent senders, ${batchSize} reports per batch, ${duration} s per backend\n`);
    const ingestRows = [
      ...(await ingest('SQLite', `sqlite:${path.join(dir, 'ingest.sqlite')}`)),
      ...(await ingest('PostgreSQL', await cluster.createDatabase('ingest'))),
    ];
    console.log('| backend | load | requests | reports/s | p50 ms | p95 ms | p99 ms | non-2xx | errors | reports stored |');
    console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of ingestRows) {
      console.log(`| ${r.backend} | ${r.load} | ${r.requests} | ${r.reportsPerSecond} | ${fmt(r.p50)} | ${fmt(r.p95)} | ${fmt(r.p99)} | ${r.non2xx} | ${r.errors} | ${r.stored} |`);
    }

    const cells = randomCells(bulkReports);
    console.log(`\naggregates: ${bulkReports} reports over 7 days in ${cells.length} hourly cells; 25 requests per query over HTTP\n`);
    const results = [
      await timeQueries('SQLite', `sqlite:${path.join(dir, 'million.sqlite')}`, cells),
      await timeQueries('PostgreSQL', await cluster.createDatabase('million'), cells),
    ];
    for (const [i, r] of results.entries()) console.log(`${i === 0 ? 'SQLite' : 'PostgreSQL'}: bulk load ${r.loadS.toFixed(1)} s, ${r.stored} reports stored`);
    console.log('\n| backend | query | rows | p50 ms | p95 ms | first (cold) / max ms |');
    console.log('|---|---|---:|---:|---:|---:|');
    for (const r of results.flatMap((x) => x.rows)) console.log(`| ${r.backend} | \`${r.query}\` | ${r.rows} | ${fmt(r.p50)} | ${fmt(r.p95)} | ${fmt(r.max)} |`);
  } finally {
    await cluster.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
