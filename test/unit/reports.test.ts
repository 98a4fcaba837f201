/**
 * Failure reports, the extension's side (issue 11): what one holds (exactly the service's fields,
 * and the service's own validation accepts it), the persisted queue (bounded, deduplicated, read
 * back strictly), the sender (random delay, batches of 100 with a fresh id each, credentials
 * omitted, the URLs in turn, backoff with jitter, the same id on a retry) and the reporter (queued
 * only while on, for failures the user met; off deletes the queue).
 */
import { describe, expect, it } from 'vitest';
import type { Verdict } from '../../engine/types';
import { REPORT_FIELDS, type Report } from '../../engine/report-format';
import { buildReport, dedupeKey, hourOf, sampleReport } from '../../lib/reports/build-report';
import { fetchSupport, parseAggregateRows, reportsView, supportFrom } from '../../lib/reports/aggregates';
import { reportPreview } from '../../lib/reports/preview';
import { parseStoredReports, QUEUE_LIMITS, ReportQueue } from '../../lib/reports/report-queue';
import { Reporter } from '../../lib/reports/reporter';
import { backoffMs, ReportSender, serviceEndpoint, type SenderDeps } from '../../lib/reports/send-reports';
import { DEFAULT_SETTINGS, type Settings } from '../../lib/settings';
import { STORAGE_KEYS, type StoredVerdict } from '../../lib/storage';
import { validateBatch, validateReport } from '../../server/src/reports/validate-batch';
import { memoryStorage } from './fakes';

const HOUR = 3600_000;
const NOW = Date.parse('2026-11-23T14:37:12.345Z');
const CONTEXT = { provider: 'proton', country: 'RU', version: '1.2.3', browser: 'firefox' as const };

function stored(over: Partial<StoredVerdict> = {}, verdict: Partial<Verdict> = {}): StoredVerdict {
  return {
    runId: 'r1',
    host: 'mail.proton.me',
    url: 'https://mail.proton.me/u/0/inbox',
    verdict: { kind: 'censorship', method: 'dns', confidence: 0.9, confirmed: true, evidence: [{ code: 'dns_nxdomain' } as never], ...verdict },
    trigger: 'dns',
    startedAt: NOW,
    finishedAt: NOW + 800,
    observations: { url: 'https://mail.proton.me/u/0/inbox', host: 'mail.proton.me', dns: { addrs: ['10.1.2.3'] } as never },
    ...over,
  };
}

function report(over: Partial<Report> = {}): Report {
  return { ...(buildReport(stored(), CONTEXT) as Report), ...over };
}

describe('a report, built from a stored verdict', () => {
  it('holds exactly the service fields: the host only, the hour rounded down, no address, URL or evidence', () => {
    const r = buildReport(stored(), CONTEXT)!;
    expect(r).toEqual({
      domain: 'mail.proton.me',
      provider: 'proton',
      kind: 'censorship',
      method: 'dns',
      local_cause: null,
      failure: 'dns',
      country: 'RU',
      hour: '2026-11-23T14:00:00Z',
      version: '1.2.3',
      browser: 'firefox',
    });
    // The fields of the shape the service shares (engine/report-format.ts), in its order.
    expect(Object.keys(r)).toEqual([...REPORT_FIELDS]);
    const text = JSON.stringify(r);
    for (const secret of ['/u/0/inbox', '10.1.2.3', 'dns_nxdomain', 'r1', String(NOW)]) expect(text).not.toContain(secret);
    // The service's own checks take it as it is.
    expect(validateReport(r as never, 'r', NOW)).toEqual(r);
  });

  it('names the local cause for a local verdict, neither for an outage, and a country only when chosen', () => {
    const local = buildReport(stored({ trigger: 'timeout' }, { kind: 'local', method: undefined, localCause: 'captive-portal' }), { ...CONTEXT, country: '' })!;
    expect(local).toMatchObject({ kind: 'local', method: null, local_cause: 'captive-portal', failure: 'timeout', country: null });
    const outage = buildReport(stored({ trigger: 'refused' }, { kind: 'outage', method: undefined }), CONTEXT)!;
    expect(outage).toMatchObject({ kind: 'outage', method: null, local_cause: null });
    for (const r of [local, outage]) expect(validateReport(r as never, 'r', NOW)).toEqual(r);
  });

  it('is not made for what the user asked for, a site that loaded, a domain of their own, or a host that is not one', () => {
    expect(buildReport(stored({ trigger: 'user' }), CONTEXT)).toBeUndefined();
    expect(buildReport(stored({}, { kind: 'ok', method: undefined }), CONTEXT)).toBeUndefined();
    expect(buildReport(stored({ host: 'mail.example.org' }), { ...CONTEXT, provider: undefined })).toBeUndefined();
    expect(buildReport(stored({ host: 'Mail.Proton.ME' }), CONTEXT)).toBeUndefined();
    expect(buildReport(stored({}, { method: undefined }), CONTEXT)).toBeUndefined();
  });

  it('rounds down to the hour, on the hour and just before it', () => {
    expect(hourOf(Date.parse('2026-11-23T14:00:00.000Z'))).toBe('2026-11-23T14:00:00Z');
    expect(hourOf(Date.parse('2026-11-23T14:59:59.999Z'))).toBe('2026-11-23T14:00:00Z');
    expect(sampleReport({ country: '', version: '1.2.3', browser: 'chrome' }, NOW)).toMatchObject({ hour: '2026-11-23T14:00:00Z', country: null });
    expect(validateReport(sampleReport({ country: 'TR', version: '1.2.3', browser: 'chrome' }, NOW) as never, 'r', NOW).country).toBe('TR');
  });
});

describe('the report queue', () => {
  it('survives a restart: a new queue on the same storage has what the last one queued', async () => {
    const storage = memoryStorage();
    const a = new ReportQueue(storage, () => NOW);
    expect(await a.add(report())).toBe(true);
    const b = new ReportQueue(storage, () => NOW);
    await b.ready;
    expect(b.size).toBe(1);
    expect(b.next()).toEqual(report());
  });

  it('queues one (domain, verdict, hour) once, even after it was sent', async () => {
    const q = new ReportQueue(memoryStorage(), () => NOW);
    expect(await q.add(report())).toBe(true);
    expect(await q.add(report({ failure: 'timeout' }))).toBe(false);
    await q.takeBatch(() => '0b0e7bd5-8f0c-4a5c-9d52-6e7c7f1a0e11', 'RU');
    await q.done();
    expect(await q.add(report())).toBe(false);
    // Another hour, another method, another domain: each is new.
    expect(await q.add(report({ hour: hourOf(NOW - HOUR) }))).toBe(true);
    expect(await q.add(report({ method: 'tls' }))).toBe(true);
    expect(await q.add(report({ domain: 'proton.me' }))).toBe(true);
    expect(dedupeKey(report())).not.toBe(dedupeKey(report({ method: 'tls' })));
  });

  it('is bounded, dropping the oldest first', async () => {
    const q = new ReportQueue(memoryStorage(), () => NOW);
    const hosts = Array.from({ length: QUEUE_LIMITS.queued + 5 }, (_, i) => `h${i}.proton.me`);
    for (const domain of hosts) await q.add(report({ domain }));
    expect(q.size).toBe(QUEUE_LIMITS.queued);
    expect(q.next()!.domain).toBe('h5.proton.me');
  });

  it('reads stored reports back as strictly as the service would take them', () => {
    const good = report();
    const hostile = [
      { ...good, domain: 'mail.proton.me/u/0' },
      { ...good, domain: 'evil.example' },
      { ...good, provider: 'tutanota' },
      { ...good, kind: 'blocked' },
      { ...good, method: null },
      { ...good, local_cause: 'offline' },
      { ...good, country: 'ru' },
      { ...good, hour: '2026-11-23T14:37:00Z' },
      { ...good, version: '1.2.3-beta' },
      { ...good, browser: 'netscape' },
      { ...good, ip: '10.1.2.3' },
      { ...good, hour: hourOf(NOW - 8 * 24 * HOUR) },
      'garbage',
      null,
    ];
    const { reports, dropped } = parseStoredReports(
      { queue: [good, ...hostile], seen: [dedupeKey(good), 42], attempts: -1, nextAt: NOW + 10 * 24 * HOUR, inflight: { batch_id: 'not-a-uuid', reports: [good] } },
      NOW,
    );
    // The batch with a bad id is not lost: its reports go back to the queue, to leave under a new id.
    expect(reports.queue).toEqual([good, good]);
    expect(reports.inflight).toBeUndefined();
    expect(dropped).toBe(hostile.length);
    expect(reports.seen).toEqual([dedupeKey(good)]);
    expect(reports.attempts).toBe(0);
    expect(reports.nextAt).toBeUndefined();
    expect(parseStoredReports('x', NOW).reports.queue).toEqual([]);
  });

  it('is deleted whole when cleared: reports, the batch being sent, and what was seen', async () => {
    const storage = memoryStorage();
    const q = new ReportQueue(storage, () => NOW);
    await q.add(report());
    await q.add(report({ method: 'tls' }));
    await q.takeBatch(() => '0b0e7bd5-8f0c-4a5c-9d52-6e7c7f1a0e11', '');
    await q.clear();
    expect(storage.data[STORAGE_KEYS.reports]).toEqual({ queue: [], seen: [], attempts: 0 });
  });
});

interface Sent {
  url: string;
  init: RequestInit;
  body: { batch_id: string; reports: Report[] };
}

function harness(options: { settings?: Partial<Settings>; answer?: (url: string, n: number) => number | Error; random?: () => number; permitted?: boolean } = {}) {
  let now = NOW;
  let ids = 0;
  const storage = memoryStorage();
  const settings: Settings = { ...structuredClone(DEFAULT_SETTINGS), reportsEnabled: true, reportUrls: ['https://a.example/', 'https://b.example/base'], country: 'RU', reportMaxDelayMs: 60_000, ...options.settings };
  const queue = new ReportQueue(storage, () => now);
  const sent: Sent[] = [];
  const scheduled: number[] = [];
  const deps: SenderDeps = {
    queue,
    settings: () => settings,
    fetch: async (url, init) => {
      sent.push({ url, init, body: JSON.parse(String(init.body)) });
      const answer = options.answer?.(url, sent.length) ?? 200;
      if (answer instanceof Error) throw answer;
      return new Response('{}', { status: answer });
    },
    now: () => now,
    random: options.random ?? (() => 0.5),
    newId: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`,
    schedule: (at) => void scheduled.push(at),
    permitted: async () => options.permitted ?? true,
    countryPermitted: async () => true,
  };
  const sender = new ReportSender(deps);
  const reporter = new Reporter({
    queue,
    sender,
    settings: () => settings,
    version: '1.2.3',
    browser: 'firefox',
    providerOf: (host) => (host.endsWith('proton.me') ? 'proton' : undefined),
    permitted: async () => options.permitted ?? true,
  });
  return {
    storage,
    settings,
    queue,
    sender,
    reporter,
    sent,
    scheduled,
    advance: (ms: number) => (now += ms),
    at: () => now,
  };
}

describe('the sender', () => {
  it('waits a random delay, then sends one batch with credentials omitted to the first service', async () => {
    const h = harness({ random: () => 0.25 });
    await h.queue.add(report());
    await h.sender.queued();
    expect(h.scheduled).toEqual([NOW + 15_000]);
    expect(await h.sender.flush()).toBe('not-due');
    expect(h.sent).toHaveLength(0);
    h.advance(15_000);
    expect(await h.sender.flush()).toBe('sent');
    expect(h.sent).toHaveLength(1);
    const [{ url, init, body }] = h.sent as [Sent];
    expect(url).toBe('https://a.example/api/v1/reports');
    expect(init).toMatchObject({ method: 'POST', credentials: 'omit', referrerPolicy: 'no-referrer', headers: { 'content-type': 'application/json' } });
    expect(Object.keys(body)).toEqual(['batch_id', 'reports']);
    expect(body.reports).toEqual([report()]);
    // What leaves is what the service takes.
    expect(validateBatch(body as never, NOW).reports).toHaveLength(1);
    expect(h.queue.size).toBe(0);
  });

  it('sends at most 100 per batch, each batch with a new id after a new random delay', async () => {
    const h = harness();
    for (let i = 0; i < 150; i++) await h.queue.add(report({ domain: `h${i}.proton.me` }));
    await h.sender.queued();
    h.advance(60_000);
    expect(await h.sender.flush()).toBe('sent');
    expect(h.sent[0]!.body.reports).toHaveLength(100);
    expect(h.queue.size).toBe(50);
    expect(h.scheduled.at(-1)).toBe(h.at() + 30_000);
    h.advance(30_000);
    expect(await h.sender.flush()).toBe('sent');
    expect(h.sent[1]!.body.reports).toHaveLength(50);
    expect(h.sent[0]!.body.batch_id).not.toBe(h.sent[1]!.body.batch_id);
  });

  it('tries the services in turn, and backs off with jitter under the same batch id when none answers', async () => {
    const h = harness({ answer: () => new TypeError('blocked') });
    await h.queue.add(report());
    h.advance(60_000);
    await h.sender.queued();
    h.advance(60_000);
    expect(await h.sender.flush()).toBe('failed');
    expect(h.sent.map((s) => s.url)).toEqual(['https://a.example/api/v1/reports', 'https://b.example/base/api/v1/reports']);
    expect(h.queue.size).toBe(1);
    const first = h.scheduled.at(-1)! - h.at();
    expect(first).toBe(backoffMs(1, 0.5));
    h.advance(first);
    expect(await h.sender.flush()).toBe('failed');
    expect(h.scheduled.at(-1)! - h.at()).toBe(backoffMs(2, 0.5));
    expect(new Set(h.sent.map((s) => s.body.batch_id)).size).toBe(1);
  });

  it('moves on to the next service when the first is blocked, and the queue empties', async () => {
    const h = harness({ answer: (url) => (url.startsWith('https://a.') ? 503 : 200) });
    await h.queue.add(report());
    h.advance(60_000);
    expect(await h.sender.flush()).toBe('sent');
    expect(h.sent.map((s) => s.url)).toEqual(['https://a.example/api/v1/reports', 'https://b.example/base/api/v1/reports']);
    expect(h.queue.size).toBe(0);
  });

  it('drops a batch every service refuses as invalid, rather than retrying it for ever', async () => {
    const h = harness({ answer: () => 400 });
    await h.queue.add(report());
    expect(await h.sender.flush()).toBe('refused');
    expect(h.queue.size).toBe(0);
  });

  it('grows the backoff up to six hours, each step jittered within half of it', () => {
    expect(backoffMs(1, 0)).toBe(30_000);
    expect(backoffMs(1, 0.999)).toBeLessThan(90_000);
    expect(backoffMs(3, 0.5)).toBe(240_000);
    expect(backoffMs(40, 0.5)).toBe(6 * HOUR);
  });

  it('keeps the batch across a restart and retries it with the same id', async () => {
    const h = harness({ answer: (_url, n) => (n <= 2 ? 0 : 200) });
    await h.queue.add(report());
    expect(await h.sender.flush()).toBe('failed');
    const again = new ReportQueue(h.storage, h.at);
    await again.ready;
    expect(again.size).toBe(1);
    expect(again.nextAt).toBe(h.scheduled.at(-1));
  });

  it('sends nothing while off, and deletes the queue when the browser took the permission back', async () => {
    const off = harness({ settings: { reportsEnabled: false } });
    await off.queue.add(report());
    expect(await off.sender.flush()).toBe('off');
    const revoked = harness({ permitted: false });
    await revoked.queue.add(report());
    expect(await revoked.sender.flush()).toBe('off');
    expect(revoked.sent).toHaveLength(0);
    expect(revoked.queue.size).toBe(0);
  });

  it('leaves the country out of a queued report when the user cleared it before it left', async () => {
    const h = harness();
    await h.queue.add(report());
    h.settings.country = '';
    expect(await h.sender.flush()).toBe('sent');
    expect(h.sent[0]!.body.reports[0]!.country).toBeNull();
  });

  it('joins a service base URL and the API path whether or not it ends in a slash', () => {
    expect(serviceEndpoint('https://r.example', 'api/v1/reports')).toBe('https://r.example/api/v1/reports');
    expect(serviceEndpoint('https://r.example/detour', 'api/v1/reports')).toBe('https://r.example/detour/api/v1/reports');
    expect(serviceEndpoint('http://127.0.0.1:8080/', 'api/v1/aggregates')).toBe('http://127.0.0.1:8080/api/v1/aggregates');
  });
});

describe('the reporter', () => {
  it('queues a failure the user met while on, once, and not a "check again", nor anything while off', async () => {
    const h = harness();
    expect(await h.reporter.verdict(stored())).toBe(true);
    expect(await h.reporter.verdict(stored({ runId: 'r2' }))).toBe(false);
    expect(await h.reporter.verdict(stored({ trigger: 'user' }, { method: 'tls' }))).toBe(false);
    expect(h.queue.size).toBe(1);
    expect(h.scheduled).toHaveLength(1);
    const off = harness({ settings: { reportsEnabled: false } });
    expect(await off.reporter.verdict(stored())).toBe(false);
    const noService = harness({ settings: { reportUrls: [] } });
    expect(await noService.reporter.verdict(stored())).toBe(false);
    expect(off.storage.data[STORAGE_KEYS.reports]).toBeUndefined();
  });

  it('deletes the queue when reports are turned off', async () => {
    const h = harness();
    await h.reporter.verdict(stored());
    const before = { ...h.settings };
    h.settings.reportsEnabled = false;
    await h.reporter.settingsChanged(before, h.settings);
    expect(h.queue.size).toBe(0);
    expect(h.storage.data[STORAGE_KEYS.reports]).toEqual({ queue: [], seen: [], attempts: 0 });
  });

  it('previews the next report with the country as chosen now, else the latest verdict, else a sample', async () => {
    const h = harness();
    const preview = (verdicts: StoredVerdict[]) =>
      reportPreview({
        storedReports: h.storage.data[STORAGE_KEYS.reports],
        verdicts,
        country: h.settings.country,
        version: '1.2.3',
        browser: 'firefox',
        providerOf: (host) => (host.endsWith('proton.me') ? 'proton' : undefined),
        now: h.at(),
      });
    expect(preview([])).toMatchObject({ source: 'sample', report: { country: 'RU', version: '1.2.3', browser: 'firefox' } });
    expect(preview([stored({ trigger: 'user' }), stored({ finishedAt: NOW - 10 })])).toMatchObject({ source: 'latest', report: report() });
    await h.reporter.verdict(stored());
    h.settings.country = '';
    expect(preview([])).toEqual({ source: 'queued', queued: 1, report: report({ country: null }) });
    // What the background stored is read as strictly as the background reads it: a forged report is not shown.
    h.storage.data[STORAGE_KEYS.reports] = { queue: [{ ...report(), domain: 'evil.example' }], seen: [], attempts: 0 };
    expect(preview([])).toMatchObject({ source: 'sample' });
  });
});

describe("other people's reports (the aggregates)", () => {
  const rows = [
    { domain: 'mail.proton.me', country: 'RU', method: 'dns', day: '2026-11-22', count: 12 },
    { domain: 'mail.proton.me', country: 'RU', method: 'dns', day: '2026-11-23', count: 3 },
    { domain: 'mail.proton.me', country: 'RU', method: 'tls', day: '2026-11-23', count: 40 },
    { domain: 'mail.proton.me', country: 'IR', method: 'dns', day: '2026-11-23', count: 7 },
    { domain: 'mail.proton.me', country: null, method: null, day: '2026-11-23', count: 9 },
  ];

  it('reads rows strictly and sums the week of one domain, method and country', () => {
    const parsed = parseAggregateRows({ k: 10, rows: [...rows, { domain: 'x', country: 'ru', method: 'dns', day: '2026-11-23', count: 1 }, { ...rows[0], count: -1 }, 'x'] })!;
    expect(parsed).toEqual(rows);
    expect(parseAggregateRows({ nope: [] })).toBeUndefined();
    expect(supportFrom(parsed, { domain: 'mail.proton.me', method: 'dns', country: 'RU' })).toEqual({ count: 15, method: 'dns', country: 'RU' });
    expect(supportFrom(parsed, { domain: 'mail.proton.me', method: 'dns', country: null })).toEqual({ count: 22, method: 'dns', country: null });
    expect(supportFrom(parsed, { domain: 'mail.proton.me', method: 'blockpage', country: 'RU' })).toBeUndefined();
  });

  it('asks the services in turn, with credentials omitted, for this week of this domain and country', async () => {
    const asked: Array<{ url: string; init: RequestInit }> = [];
    const support = await fetchSupport(
      {
        urls: ['https://a.example/', 'https://b.example/'],
        now: NOW,
        fetch: async (url, init) => {
          asked.push({ url, init });
          if (url.startsWith('https://a.')) throw new TypeError('blocked');
          return new Response(JSON.stringify({ k: 10, since: '2026-11-16', rows }), { status: 200 });
        },
      },
      { domain: 'mail.proton.me', method: 'dns', country: 'RU' },
    );
    expect(support).toEqual({ count: 15, method: 'dns', country: 'RU' });
    expect(asked.map((a) => a.url)).toEqual([
      'https://a.example/api/v1/aggregates?domain=mail.proton.me&since=2026-11-16&country=RU',
      'https://b.example/api/v1/aggregates?domain=mail.proton.me&since=2026-11-16&country=RU',
    ]);
    expect(asked[1]!.init.credentials).toBe('omit');
  });

  it('are asked only while reports are on, only for a censorship verdict of a catalog provider', async () => {
    let asked = 0;
    const settings: Settings = { ...structuredClone(DEFAULT_SETTINGS), reportsEnabled: true, reportUrls: ['https://a.example/'], country: 'RU' };
    const deps = {
      now: NOW,
      fetch: async () => {
        asked++;
        return new Response(JSON.stringify({ rows }), { status: 200 });
      },
    };
    expect(await reportsView(stored(), settings, deps)).toEqual({ reportsEnabled: true, reportUrls: 1, support: { count: 15, method: 'dns', country: 'RU' } });
    expect(asked).toBe(1);
    // None to tell: the note says nothing of others, and reports stay on.
    expect(await reportsView(stored({}, { method: 'blockpage' }), settings, deps)).toEqual({ reportsEnabled: true, reportUrls: 1 });
    expect(asked).toBe(2);
    expect(await reportsView(stored({}, { kind: 'outage', method: undefined }), settings, deps)).toEqual({ reportsEnabled: true, reportUrls: 1 });
    expect(await reportsView(stored({ host: 'mail.example.org' }), settings, deps)).toEqual({ reportsEnabled: true, reportUrls: 1 });
    expect(asked).toBe(2);
    settings.reportsEnabled = false;
    expect(await reportsView(stored({}, { method: 'tls' }), settings, deps)).toEqual({ reportsEnabled: false, reportUrls: 1 });
    settings.reportsEnabled = true;
    settings.reportUrls = [];
    expect(await reportsView(stored(), settings, deps)).toEqual({ reportsEnabled: true, reportUrls: 0 });
    expect(asked).toBe(2);
  });
});
