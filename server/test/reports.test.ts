/**
 * POST /api/v1/reports and GET /api/v1/aggregates against the real service on loopback, with a
 * SQLite file in a temp directory. Each loopback address (127.0.0.0/8) is a different client.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../src/config';
import { SqliteStore } from '../src/db/sqlite';
import { parseStrictJson } from '../src/reports/strict-json';
import { request } from './support/raw-http';
import { startService, type RunningService } from './support/service';

const HOUR = 3600_000;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'detour-reports-'));
const cleanup: RunningService[] = [];
let dbN = 0;

afterAll(async () => {
  await Promise.all(cleanup.map((s) => s.close()));
  fs.rmSync(dir, { recursive: true, force: true });
});

async function service(config: Partial<Config> = {}): Promise<RunningService & { file: string }> {
  const file = path.join(dir, `reports-${++dbN}.sqlite`);
  const s = await startService({ databaseUrl: `sqlite:${file}`, reportRateLimitMax: 0, ...config });
  cleanup.push(s);
  // The service migrates on its first report; the tests count before that. Migrating twice is a no-op.
  await s.store.migrate();
  return Object.assign(s, { file });
}

const hourIso = (ms: number) => new Date(ms - (ms % HOUR)).toISOString().replace('.000Z', 'Z');
const now = () => Date.now();

function report(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    domain: 'proton.me',
    provider: 'proton',
    kind: 'censorship',
    method: 'dns',
    local_cause: null,
    failure: 'dns',
    country: 'RU',
    hour: hourIso(now()),
    version: '1.2.3',
    browser: 'firefox',
    ...over,
  };
}

const batch = (reports: unknown[], batchId: string = randomUUID()) => ({ batch_id: batchId, reports });
const send = (svc: RunningService, body: unknown, headers: Record<string, string> = {}) => svc.post(body, headers, '/api/v1/reports');
const total = (svc: RunningService) => svc.store.totalReports();

async function aggregates(svc: RunningService, query = '', accept = 'application/json') {
  const res = await fetch(`${svc.url}/api/v1/aggregates${query}`, { headers: { accept } });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

describe('POST /api/v1/reports', () => {
  let svc: RunningService & { file: string };
  beforeAll(async () => {
    svc = await service();
  });

  it('stores a valid batch and counts every report in it', async () => {
    const before = await total(svc);
    const res = await send(svc, batch([report(), report({ kind: 'outage', method: null, failure: 'refused' }), report({ country: null })]));
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ stored: 3, duplicate: false });
    expect(await total(svc)).toBe(before + 3);
  });

  it('counts a retried batch once, and identical reports from two batches twice', async () => {
    const before = await total(svc);
    const body = batch([report({ domain: 'mail.proton.me' })]);
    expect((await send(svc, body)).json).toEqual({ stored: 1, duplicate: false });
    const retry = await send(svc, body);
    expect(retry.status).toBe(200);
    expect(retry.json).toEqual({ stored: 0, duplicate: true });
    expect(await total(svc)).toBe(before + 1);
    // Same reports, new batch id: another person.
    expect((await send(svc, batch(body.reports))).json).toEqual({ stored: 1, duplicate: false });
    expect(await total(svc)).toBe(before + 2);
  });

  const future = () => hourIso(now() + 2 * HOUR);
  const hostile: Array<[string, () => string | unknown, number]> = [
    ['an unknown field', () => batch([{ ...report(), ip: '203.0.113.7' }]), 400],
    ['a missing field', () => batch([(({ browser: _b, ...r }) => r)(report())]), 400],
    ['an unknown top-level field', () => ({ ...batch([report()]), client: 'x' }), 400],
    ['a wrong type', () => batch([report({ hour: Date.now() })]), 400],
    ['null where a string is required', () => batch([report({ domain: null })]), 400],
    ['a value outside the vocabulary', () => batch([report({ method: 'carrier-pigeon' })]), 400],
    ['method set on an outage', () => batch([report({ kind: 'outage' })]), 400],
    ['a domain not of the provider', () => batch([report({ domain: 'evil.example' })]), 400],
    ['a path in the domain', () => batch([report({ domain: 'proton.me/inbox?q=1' })]), 400],
    ['SQL in a string', () => batch([report({ domain: "proton.me'); DROP TABLE report_hours;--" })]), 400],
    ['SQL in the batch id', () => batch([report()], "1' OR '1'='1"), 400],
    ['HTML in a string', () => batch([report({ version: '<script>alert(1)</script>' })]), 400],
    ['a country that is not a code', () => batch([report({ country: '<b>RU</b>' })]), 400],
    ['a huge number', () => JSON.stringify(batch([report()])).replace('"1.2.3"', '1e999'), 400],
    ['a long number', () => JSON.stringify(batch([report()])).replace('"1.2.3"', '1'.repeat(400)), 400],
    ['a duplicate key', () => JSON.stringify(batch([report()])).replace('"domain":"proton.me"', '"domain":"proton.me","domain":"pm.me"'), 400],
    ['a __proto__ key', () => JSON.stringify(batch([report()])).replace('"domain":"proton.me"', '"__proto__":{"x":1},"domain":"proton.me"'), 400],
    ['101 reports', () => batch(Array.from({ length: 101 }, () => report())), 400],
    ['no reports', () => batch([]), 400],
    ['an hour in the future', () => batch([report({ hour: future() })]), 400],
    ['an hour not on the hour', () => batch([report({ hour: hourIso(now()).replace(':00:00Z', ':30:00Z') })]), 400],
    ['an hour older than a week', () => batch([report({ hour: hourIso(now() - 8 * 24 * HOUR) })]), 400],
    ['a date that does not exist', () => batch([report({ hour: '2026-02-30T10:00:00Z' })]), 400],
    ['one bad report among good ones', () => batch([report(), report(), report({ browser: 'netscape' })]), 400],
    ['a batch id that is not a UUID', () => batch([report()], 'not-a-uuid'), 400],
    ['trailing garbage', () => JSON.stringify(batch([report()])) + '{}', 400],
    ['an oversized body', () => JSON.stringify(batch([report()])) + ' '.repeat(70 * 1024), 413],
  ];

  it.each(hostile)('refuses %s with a 4xx and stores nothing', async (_name, body, status) => {
    const before = await total(svc);
    const res = await send(svc, body());
    expect(res.status).toBe(status);
    expect(res.json.error).toMatch(/^[a-z_]+$/);
    // The reason never echoes what was sent.
    expect(JSON.stringify(res.json)).not.toMatch(/DROP|script|203\.0\.113|evil|carrier/);
    expect(await total(svc)).toBe(before);
  });

  it('refuses a body that is not application/json', async () => {
    const before = await total(svc);
    const res = await send(svc, JSON.stringify(batch([report()])), { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
    expect(await total(svc)).toBe(before);
  });

  it('follows the origin rule: a web page is refused, an extension is served and may read the answer', async () => {
    const before = await total(svc);
    const page = await send(svc, batch([report()]), { origin: 'https://evil.example' });
    expect(page.status).toBe(403);
    expect(page.headers.get('access-control-allow-origin')).toBeNull();
    expect(await total(svc)).toBe(before);
    const ext = await send(svc, batch([report()]), { origin: 'moz-extension://0b5c1d2e-aaaa-bbbb-cccc-123456789abc' });
    expect(ext.status).toBe(200);
    expect(ext.headers.get('access-control-allow-origin')).toBe('moz-extension://0b5c1d2e-aaaa-bbbb-cccc-123456789abc');
    expect(await total(svc)).toBe(before + 1);
  });

  it('stores no client address, header or arrival time finer than the hour', async () => {
    await send(svc, batch([report()]), { 'user-agent': 'UA-MARKER-42', 'x-forwarded-for': '198.51.100.99' });
    const bytes = ['', '-wal', '-shm']
      .map((suffix) => svc.file + suffix)
      .filter((f) => fs.existsSync(f))
      .map((f) => fs.readFileSync(f).toString('latin1'))
      .join('');
    expect(bytes.length).toBeGreaterThan(0);
    expect(bytes).not.toContain('127.0.0.1');
    expect(bytes).not.toContain('198.51.100.99');
    expect(bytes).not.toContain('UA-MARKER-42');
    // The only arrival time kept is the batch's hour; no table has a column for anything else.
    const db = new Database(svc.file, { readonly: true });
    try {
      const hours = (db.prepare('SELECT received_hour FROM report_batches').all() as Array<{ received_hour: string }>).map((r) => r.received_hour);
      expect(hours.length).toBeGreaterThan(0);
      for (const h of hours) expect(h).toMatch(/T\d{2}:00:00\.000Z$/);
      const columns = (db.prepare("SELECT m.name AS t, p.name AS c FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table'").all() as Array<{ t: string; c: string }>)
        .map((r) => `${r.t}.${r.c}`)
        .sort();
      expect(columns).toEqual(
        [
          'report_batches.batch_id', 'report_batches.received_hour',
          ...['hour', 'domain', 'provider', 'kind', 'method', 'local_cause', 'failure', 'country', 'version', 'browser', 'count'].map((c) => `report_hours.${c}`),
          ...['day', 'domain', 'country', 'method', 'provider', 'kind', 'count'].map((c) => `report_days.${c}`),
          'schema_migrations.version', 'schema_migrations.name', 'schema_migrations.applied_at',
        ].sort(),
      );
    } finally {
      db.close();
    }
  });
});

describe('per-client report rate limit (DETOUR_REPORT_RATE_LIMIT_MAX)', () => {
  it('limits the client that floods and leaves another client alone', async () => {
    const svc = await service({ reportRateLimitMax: 3 });
    const post = (localAddress: string) =>
      request(svc.url, {
        method: 'POST',
        path: '/api/v1/reports',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(batch([report()])),
        localAddress,
      });
    const flood: number[] = [];
    for (let i = 0; i < 6; i++) flood.push((await post('127.0.0.7')).status);
    expect(flood).toEqual([200, 200, 200, 429, 429, 429]);
    const other = await post('127.0.0.8');
    expect(other.status).toBe(200);
    expect(await total(svc)).toBe(4);
    // Other endpoints are not in this budget.
    expect((await request(svc.url, { path: '/health', localAddress: '127.0.0.7' })).status).toBe(200);
  });
});

describe('GET /api/v1/aggregates', () => {
  let svc: RunningService;
  // Yesterday, two different hours of one UTC day: the roll-up must join them into one day row.
  const y = new Date(now() - 24 * HOUR).toISOString().slice(0, 10);
  const h1 = `${y}T01:00:00Z`;
  const h2 = `${y}T05:00:00Z`;

  beforeAll(async () => {
    svc = await service({ reportsK: 3 });
    // proton.me, RU, dns: 2 + 1 reports in two hours (3 = k: published as one day).
    expect((await send(svc, batch([report({ hour: h1 }), report({ hour: h1 })]))).status).toBe(200);
    expect((await send(svc, batch([report({ hour: h2, failure: 'timeout' })]))).status).toBe(200);
    // proton.me, RU, tls: 2 (< k: suppressed).
    expect((await send(svc, batch([report({ hour: h1, method: 'tls' }), report({ hour: h2, method: 'tls' })]))).status).toBe(200);
    // riseup.net, DE, dns: 4 in one hour.
    const riseup = report({ hour: h2, domain: 'riseup.net', provider: 'riseup', country: 'DE' });
    expect((await send(svc, batch([riseup, riseup, riseup, riseup]))).status).toBe(200);
  });

  it('publishes day rows at or above k, suppresses smaller ones, and never an hour', async () => {
    const res = await aggregates(svc);
    expect(res.status).toBe(200);
    const body = JSON.parse(res.text);
    expect(body.k).toBe(3);
    expect(body.rows).toEqual(
      expect.arrayContaining([
        { domain: 'proton.me', country: 'RU', method: 'dns', day: y, count: 3 },
        { domain: 'riseup.net', country: 'DE', method: 'dns', day: y, count: 4 },
      ]),
    );
    expect(body.rows).toHaveLength(2);
    expect(res.text).not.toMatch(/T\d{2}:/);
  });

  it('filters by domain, country and since', async () => {
    const byDomain = JSON.parse((await aggregates(svc, '?domain=riseup.net')).text).rows;
    expect(byDomain).toEqual([{ domain: 'riseup.net', country: 'DE', method: 'dns', day: y, count: 4 }]);
    const byCountry = JSON.parse((await aggregates(svc, '?country=RU')).text).rows;
    expect(byCountry.map((r: { domain: string }) => r.domain)).toEqual(['proton.me']);
    const today = new Date(now()).toISOString().slice(0, 10);
    expect(JSON.parse((await aggregates(svc, `?since=${today}`)).text).rows).toEqual([]);
  });

  it('answers CSV for Accept: text/csv and for the .csv path', async () => {
    const res = await aggregates(svc, '?domain=proton.me', 'text/csv');
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/csv/);
    expect(res.text).toBe(`domain,country,method,day,count\r\nproton.me,RU,dns,${y},3\r\n`);
    const dotCsv = await fetch(`${svc.url}/api/v1/aggregates.csv?domain=proton.me`);
    expect(await dotCsv.text()).toBe(res.text);
  });

  it.each([
    ['an unknown parameter', '?ip=1'],
    ['a bad domain', "?domain=proton.me'--"],
    ['a bad country', '?country=ZZ'],
    ['a bad day', '?since=2026-13-01'],
    ['a repeated parameter', '?country=RU&country=DE'],
  ])('refuses %s with 400', async (_name, query) => {
    expect((await aggregates(svc, query)).status).toBe(400);
  });
});

describe('database unavailable', () => {
  it('answers 503 for reports while the control service keeps working, and recovers by itself', async () => {
    // A regular file where the database's directory should be: the store cannot open.
    const blocker = path.join(dir, 'blocker');
    fs.writeFileSync(blocker, '');
    const s = await startService({ databaseUrl: `sqlite:${path.join(blocker, 'db.sqlite')}`, reportRateLimitMax: 0 });
    cleanup.push(s);
    const down = await send(s, batch([report()]));
    expect(down.status).toBe(503);
    expect(down.json.error).toBe('store_unavailable');
    expect((await aggregates(s)).status).toBe(503);
    expect((await fetch(`${s.url}/health`)).status).toBe(200);

    fs.rmSync(blocker);
    const up = await send(s, batch([report()]));
    expect(up.status).toBe(200);
    expect(await s.store.totalReports()).toBe(1);
  });
});

describe('strict JSON', () => {
  it('is linear on a hostile body: 60 KiB of nesting or of backslashes parses or fails at once', () => {
    const started = performance.now();
    expect(() => parseStrictJson('['.repeat(60_000))).toThrow(/deep/);
    expect(() => parseStrictJson(`"${'\\\\'.repeat(30_000)}`)).toThrow(/unterminated/);
    expect(performance.now() - started).toBeLessThan(200);
  });
});

describe('durability', () => {
  it('keeps every acknowledged report after SIGKILL in the middle of a stream', { timeout: 60_000 }, async () => {
    const { spawn } = await import('node:child_process');
    const { closedPort } = await import('./support/targets');
    const file = path.join(dir, 'durability.sqlite');
    const port = await closedPort();
    const root = path.resolve(import.meta.dirname, '../..');
    const env = {
      ...process.env,
      DETOUR_PORT: String(port),
      DETOUR_HOST: '127.0.0.1',
      DETOUR_LOG_LEVEL: 'silent',
      DETOUR_DATABASE_URL: `sqlite:${file}`,
      DETOUR_RATE_LIMIT_MAX: '0',
      DETOUR_REPORT_RATE_LIMIT_MAX: '0',
      DETOUR_MAX_CONNECTIONS_PER_CLIENT: '1000',
    };
    // node --import tsx: one process, so the SIGKILL hits the service itself, not a wrapper.
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], { cwd: root, env, stdio: 'ignore' });
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${url}/health`)).ok) break;
      } catch {
        if (i > 200) throw new Error('service did not start');
        await new Promise((r) => setTimeout(r, 100));
      }
    }

    let acknowledged = 0;
    let sent = 0;
    let stop = false;
    const sender = async () => {
      while (!stop) {
        const reports = Array.from({ length: 5 }, () => report());
        sent += reports.length;
        try {
          const res = await fetch(`${url}/api/v1/reports`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(batch(reports)),
          });
          if (res.status === 200 && (await res.json()).stored === reports.length) acknowledged += reports.length;
        } catch {
          return; // the service is gone
        }
      }
    };
    const senders = Array.from({ length: 16 }, sender);
    await new Promise((r) => setTimeout(r, 1_500));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    stop = true;
    await Promise.all(senders);

    const store = new SqliteStore(file);
    await store.migrate();
    const stored = await store.totalReports();
    await store.close();
    console.log(`durability (SQLite): sent ${sent}, acknowledged ${acknowledged}, stored after SIGKILL ${stored}`);
    expect(acknowledged).toBeGreaterThan(0);
    expect(stored).toBeGreaterThanOrEqual(acknowledged);
    expect(stored).toBeLessThanOrEqual(sent);
  });
});
