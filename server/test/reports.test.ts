/**
 * POST /api/v1/reports and GET /api/v1/aggregates against the real service on loopback, the same
 * suite on SQLite (a file in a temp directory) and on PostgreSQL (a throw-away cluster on a Unix
 * socket, support/postgres.ts, one for the file, a database per suite). Each loopback address
 * (127.0.0.0/8) is a different client.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../src/config';
import { openStore } from '../src/db/open-store';
import { parseStrictJson } from '../src/reports/strict-json';
import { startPostgres, type PostgresCluster } from './support/postgres';
import { request } from './support/raw-http';
import { startService, type RunningService } from './support/service';
import { page, startHttpTarget, type Target } from './support/targets';

const HOUR = 3600_000;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'detour-reports-'));
const cleanup: RunningService[] = [];
let dbN = 0;
let cluster: PostgresCluster;

beforeAll(async () => {
  cluster = await startPostgres();
}, 30_000);

afterAll(async () => {
  await Promise.all(cleanup.map((s) => s.close()));
  await cluster?.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Backend {
  name: 'SQLite' | 'PostgreSQL';
  /** A fresh, empty database. */
  newDatabase(): Promise<string>;
  /** Every stored string, as text, to look for what must never be stored. */
  dump(url: string): Promise<{ text: string; columns: string[]; receivedHours: string[] }>;
}

const sqlite: Backend = {
  name: 'SQLite',
  newDatabase: async () => `sqlite:${path.join(dir, `reports-${++dbN}.sqlite`)}`,
  async dump(url) {
    const file = url.slice('sqlite:'.length);
    // The raw bytes of the database and its WAL: nothing may hide in a free page either.
    const text = ['', '-wal', '-shm']
      .map((suffix) => file + suffix)
      .filter((f) => fs.existsSync(f))
      .map((f) => fs.readFileSync(f).toString('latin1'))
      .join('');
    const db = new Database(file, { readonly: true });
    try {
      const receivedHours = (db.prepare('SELECT received_hour FROM report_batches').all() as Array<{ received_hour: string }>).map((r) => r.received_hour);
      const columns = (db.prepare("SELECT m.name AS t, p.name AS c FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table'").all() as Array<{ t: string; c: string }>).map(
        (r) => `${r.t}.${r.c}`,
      );
      return { text, columns, receivedHours };
    } finally {
      db.close();
    }
  },
};

const postgres: Backend = {
  name: 'PostgreSQL',
  newDatabase: () => cluster.createDatabase(`reports_${++dbN}`),
  async dump(url) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const cols = await client.query<{ t: string; c: string }>(
        "SELECT table_name AS t, column_name AS c FROM information_schema.columns WHERE table_schema = 'public'",
      );
      const tables = [...new Set(cols.rows.map((r) => r.t))];
      let text = '';
      for (const t of tables) text += JSON.stringify((await client.query(`SELECT * FROM "${t}"`)).rows);
      const hours = await client.query<{ received_hour: string }>('SELECT received_hour FROM report_batches');
      return { text, columns: cols.rows.map((r) => `${r.t}.${r.c}`), receivedHours: hours.rows.map((r) => r.received_hour) };
    } finally {
      await client.end();
    }
  },
};

const BACKENDS: Backend[] = [sqlite, postgres];

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

describe.each(BACKENDS)('$name', (backend) => {
  type Svc = RunningService & { databaseUrl: string };
  async function service(config: Partial<Config> = {}): Promise<Svc> {
    const databaseUrl = await backend.newDatabase();
    const s = await startService({ databaseUrl, reportRateLimitMax: 0, ...config });
    cleanup.push(s);
    // The service migrates on its first report; the tests count before that. Migrating twice is a no-op.
    await s.store.migrate();
    return Object.assign(s, { databaseUrl });
  }

  describe('POST /api/v1/reports', () => {
    let svc: Svc;
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
      const { text, columns, receivedHours } = await backend.dump(svc.databaseUrl);
      expect(text.length).toBeGreaterThan(0);
      expect(text).toContain('proton.me');
      expect(text).not.toContain('127.0.0.1');
      expect(text).not.toContain('198.51.100.99');
      expect(text).not.toContain('UA-MARKER-42');
      // The only arrival time kept is the batch's hour; no table has a column for anything else.
      expect(receivedHours.length).toBeGreaterThan(0);
      for (const h of receivedHours) expect(h).toMatch(/T\d{2}:00:00\.000Z$/);
      expect(columns.sort()).toEqual(
        [
          'report_batches.batch_id', 'report_batches.received_hour',
          ...['hour', 'domain', 'provider', 'kind', 'method', 'local_cause', 'failure', 'country', 'version', 'browser', 'count'].map((c) => `report_hours.${c}`),
          ...['day', 'domain', 'country', 'method', 'provider', 'kind', 'count'].map((c) => `report_days.${c}`),
          'schema_migrations.version', 'schema_migrations.name', 'schema_migrations.applied_at',
        ].sort(),
      );
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
    let svc: Svc;
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

  describe('GET /operator', () => {
    const HOSTILE = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "'; DROP TABLE report_days;--"];

    it('refuses <script> and HTML in every stored string field at ingest', async () => {
      const svc = await service();
      const fields = ['domain', 'provider', 'kind', 'method', 'local_cause', 'failure', 'country', 'hour', 'version', 'browser'];
      for (const field of fields) {
        for (const value of HOSTILE) {
          const res = await send(svc, batch([report({ [field]: value })]));
          expect(res.status, `${field} = ${value}`).toBe(400);
        }
      }
      expect(await total(svc)).toBe(0);
    });

    it('shows cells of k or more per provider and country by day and method, escapes everything, and sends a CSP', async () => {
      const svc = await service({ reportsK: 3 });
      const today = hourIso(now());
      const y = new Date(now() - 24 * HOUR).toISOString().slice(0, 10);
      const three = Array.from({ length: 3 }, () => report({ hour: today }));
      expect((await send(svc, batch([...three, report({ hour: `${y}T02:00:00Z`, method: 'tls' }), report({ hour: today, country: 'DE' })]))).status).toBe(200);
      // A database edited behind the service's back: the page must escape what ingest would refuse.
      const cell = (over: Record<string, unknown>) => ({ ...(report({ hour: today }) as never as object), count: 5, ...over }) as never;
      await svc.store.bulkAdd([cell({ provider: HOSTILE[0], country: HOSTILE[1] }), cell({ method: HOSTILE[1] })]);

      const res = await fetch(`${svc.url}/operator`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
      expect(res.headers.get('content-security-policy')).not.toMatch(/unsafe-inline|script-src/);
      const html = await res.text();
      expect(html).not.toMatch(/<script|<img|onerror=alert\(1\)>/i);
      expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
      // proton, RU: 3 dns reports today (= k) shown; 1 tls yesterday and 1 DE (< k) not.
      expect(html).toMatch(/data-provider="proton" data-country="RU"/);
      expect(html).toContain('<td>dns</td><td class="count">3</td>');
      expect(html).not.toContain('<td>tls</td>');
      expect(html).not.toMatch(/data-country="DE"/);
      expect(html).not.toMatch(/T\d{2}:00/);
      const css = await fetch(`${svc.url}/operator/operator.css`);
      expect(css.headers.get('content-type')).toMatch(/^text\/css/);
      expect((await fetch(`${svc.url}/operator?since=<b>`)).status).toBe(400);
      expect((await fetch(`${svc.url}/operator?x=1`)).status).toBe(400);
    });
  });

  it('keeps every acknowledged report after SIGKILL in the middle of a stream, across a restart', { timeout: 40_000 }, async () => {
    const { spawn } = await import('node:child_process');
    const { closedPort } = await import('./support/targets');
    const databaseUrl = await backend.newDatabase();
    const root = path.resolve(import.meta.dirname, '../..');
    const start = async () => {
      const port = await closedPort();
      const env = {
        ...process.env,
        DETOUR_PORT: String(port),
        DETOUR_HOST: '127.0.0.1',
        DETOUR_LOG_LEVEL: 'silent',
        DETOUR_DATABASE_URL: databaseUrl,
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
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      return { child, url };
    };

    const first = await start();
    let acknowledged = 0;
    let sent = 0;
    let stop = false;
    const sender = async () => {
      while (!stop) {
        const reports = Array.from({ length: 5 }, () => report());
        sent += reports.length;
        try {
          const res = await fetch(`${first.url}/api/v1/reports`, {
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
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    stop = true;
    await Promise.all(senders);

    // The restarted service finds them (and migrating again is a no-op).
    const second = await start();
    try {
      const after = await fetch(`${second.url}/api/v1/reports`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(batch([report()])),
      });
      expect(after.status).toBe(200);
      const store = openStore(databaseUrl);
      const stored = (await store.totalReports()) - 1;
      await store.close();
      console.log(`durability (${backend.name}): sent ${sent}, acknowledged ${acknowledged}, stored after SIGKILL and restart ${stored}`);
      expect(acknowledged).toBeGreaterThan(0);
      expect(stored).toBeGreaterThanOrEqual(acknowledged);
      expect(stored).toBeLessThanOrEqual(sent);
    } finally {
      second.child.kill('SIGKILL');
    }
  });
});

describe('database unavailable', () => {
  let target: Target;
  beforeAll(async () => {
    target = await startHttpTarget((_req, res) => res.end(page('Inbox').body));
  });
  afterAll(() => target?.close());

  const measure = (s: RunningService) => s.post({ http_request: `http://127.0.0.1:${target.port}/`, tcp_connect: [] }, {}, '/api/v1/control');

  it('SQLite: 503 while the file cannot be opened, the control works, and it recovers by itself', async () => {
    // A regular file where the database's directory should be: the store cannot open.
    const blocker = path.join(dir, 'blocker');
    fs.writeFileSync(blocker, '');
    const s = await startService({ databaseUrl: `sqlite:${path.join(blocker, 'db.sqlite')}`, reportRateLimitMax: 0 });
    cleanup.push(s);
    const down = await send(s, batch([report()]));
    expect(down.status).toBe(503);
    expect(down.json.error).toBe('store_unavailable');
    expect(down.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await aggregates(s)).status).toBe(503);
    expect((await measure(s)).status).toBe(200);

    fs.rmSync(blocker);
    const up = await send(s, batch([report()]));
    expect(up.status).toBe(200);
    expect(await s.store.totalReports()).toBe(1);
  });

  it('PostgreSQL stopped: 503 with Retry-After, the control works; restarted: reports are stored again', async () => {
    const databaseUrl = await cluster.createDatabase('unavailable');
    const s = await startService({ databaseUrl, reportRateLimitMax: 0 });
    cleanup.push(s);
    expect((await send(s, batch([report()]))).status).toBe(200);

    await cluster.stop();
    try {
      const started = performance.now();
      const down = await send(s, batch([report()]));
      console.log(`PostgreSQL stopped: reports answered ${down.status} in ${Math.round(performance.now() - started)} ms`);
      expect(down.status).toBe(503);
      expect(down.json.error).toBe('store_unavailable');
      expect(down.headers.get('retry-after')).toMatch(/^\d+$/);
      expect((await aggregates(s)).status).toBe(503);
      const control = await measure(s);
      expect(control.status).toBe(200);
      expect(control.json.http_request.title).toBe('Inbox');
    } finally {
      await cluster.start();
    }
    // No restart of the service: its pool drops the dead connections and opens new ones.
    const up = await send(s, batch([report(), report()]));
    expect(up.status).toBe(200);
    expect(up.json).toEqual({ stored: 2, duplicate: false });
    expect(await s.store.totalReports()).toBe(3);
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


describe('DETOUR_DATABASE_URL', () => {
  it('takes sqlite:PATH and postgres:// URLs and refuses anything else at startup', async () => {
    const { loadConfig } = await import('../src/config');
    expect(loadConfig({ DETOUR_DATABASE_URL: 'sqlite:/var/lib/detour/reports.sqlite' }).databaseUrl).toBe('sqlite:/var/lib/detour/reports.sqlite');
    expect(loadConfig({ DETOUR_DATABASE_URL: 'postgres://detour@localhost/detour?host=/run/postgresql' }).databaseUrl).toMatch(/^postgres:/);
    expect(loadConfig({ DETOUR_DATABASE_URL: 'postgresql://u:p@db.internal:5432/detour' }).databaseUrl).toMatch(/^postgresql:/);
    for (const bad of ['mysql://localhost/x', 'sqlite:', 'postgres://', '/tmp/x.sqlite']) {
      expect(() => loadConfig({ DETOUR_DATABASE_URL: bad }), bad).toThrow(/DETOUR_DATABASE_URL/);
    }
  });
});
