import { describe, expect, it } from 'vitest';
import { indexedProviders } from '../../catalog/provider-index';
import { CONCURRENCY, checkTargets, ProviderChecker, type CheckTarget } from '../../lib/check-providers';
import type { HostRecord } from '../../lib/failure-log';
import type { LightCheckResult } from '../../lib/probes/light-check';
import { providerStatus } from '../../lib/provider-status';
import { STORAGE_KEYS, type ProbeTrigger, type StoredVerdict } from '../../lib/storage';
import { parseProviderChecks } from '../../lib/stored-probe-state';
import { memoryStorage } from './fakes';

const targets = checkTargets(['mail.example.org']);
const settle = () => new Promise((r) => setTimeout(r, 0));

/** A checker whose light check answers `answer(url)` after `gate` opens, recording what it did. */
function checker(answer: (url: string) => LightCheckResult, options: { gate?: Promise<void> } = {}) {
  const storage = memoryStorage();
  const probed: ProbeTrigger[] = [];
  const activity: boolean[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const c = new ProviderChecker({
    storage,
    now: Date.now,
    lightCheck: async (url) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await options.gate;
      await settle();
      inFlight -= 1;
      return answer(url);
    },
    probe: async (trigger) => void probed.push(trigger),
    activity: (a) => activity.push(a),
  });
  return { c, storage, probed, activity, maxInFlight: () => maxInFlight };
}

async function until(condition: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('status check targets', () => {
  it('lists every catalog provider with the page it loads, then the user domains', () => {
    // CTemplar closed in 2022 and keeps no domain: nothing to check.
    expect(targets).toHaveLength(indexedProviders.filter((p) => p.domains.length > 0).length + 1);
    const proton = targets.find((t) => t.key === 'proton')!;
    expect(proton).toMatchObject({ url: 'https://mail.proton.me/', origin: 'catalog' });
    expect(targets.at(-1)).toEqual({ key: 'user:mail.example.org', url: 'https://mail.example.org/', origin: 'user', domains: ['mail.example.org'] });
    for (const t of targets) {
      const url = new URL(t.url);
      expect(url.search + url.hash, t.key).toBe('');
      expect(t.domains.some((d) => url.hostname === d || url.hostname.endsWith(`.${d}`)), t.key).toBe(true);
    }
  });
});

describe('ProviderChecker', () => {
  it(`checks at most ${CONCURRENCY} at a time, writes each result as it arrives, and probes only the failures`, async () => {
    const failing = new Set(['https://mail.proton.me/', 'https://app.tuta.com/']);
    const { c, storage, probed, activity, maxInFlight } = checker((url) =>
      failing.has(url) ? { ok: false, failure: 'reset', error: 'net::ERR_CONNECTION_RESET', elapsedMs: 5 } : { ok: true, status: 200, elapsedMs: 5 },
    );
    const writes: number[] = [];
    const set = storage.set;
    storage.set = async (items) => {
      const run = (items[STORAGE_KEYS.providerChecks] as { run?: { done: number } } | undefined)?.run;
      if (run) writes.push(run.done);
      return set(items);
    };
    expect(await c.check(targets, { all: true })).toEqual({ queued: targets.length });
    expect(c.isChecking('proton')).toBe(true);
    await until(() => c.run?.finishedAt !== undefined);
    expect(maxInFlight()).toBe(CONCURRENCY);
    expect(c.run).toMatchObject({ total: targets.length, done: targets.length });
    // Progress is pushed one result at a time, never skipped back.
    expect(writes[0]).toBe(0);
    expect(writes.at(-1)).toBe(targets.length);
    expect([...writes].sort((a, b) => a - b)).toEqual(writes);
    expect(probed.map((p) => p.url).sort()).toEqual([...failing].sort());
    expect(probed[0]).toMatchObject({ reason: 'user', failure: { class: 'reset', error: 'net::ERR_CONNECTION_RESET' } });
    expect(c.result('proton')).toMatchObject({ ok: false, failure: 'reset', host: 'mail.proton.me' });
    expect(c.result('riseup')).toMatchObject({ ok: true, status: 200 });
    expect(c.isChecking('proton')).toBe(false);
    expect(activity).toEqual([true, false]);
    // What was stored reads back whole through the same rules.
    const reread = new ProviderChecker({ storage, now: Date.now, lightCheck: async () => ({ ok: true, elapsedMs: 0 }), probe: async () => {} });
    await reread.ready;
    expect(reread.result('proton')).toEqual(c.result('proton'));
    expect(reread.run).toEqual(c.run);
  });

  it('does not check a target twice while it is being checked; a single check is not a "check all"', async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const calls: string[] = [];
    const { c } = checker(
      (url) => {
        calls.push(url);
        return { ok: true, elapsedMs: 1 };
      },
      { gate },
    );
    const one = targets.filter((t) => t.key === 'posteo');
    expect(await c.check(one)).toEqual({ queued: 1 });
    expect(await c.check(one)).toEqual({ queued: 0 });
    expect(c.run).toBeUndefined();
    open();
    await until(() => !c.isChecking('posteo'));
    expect(calls).toEqual(['https://posteo.de/']);
  });

  it('after "clear all data", a check still running writes nothing back', async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const { c, storage } = checker(() => ({ ok: true, elapsedMs: 1 }), { gate });
    await c.check(targets.slice(0, 2), { all: true });
    await c.clear();
    open();
    await settle();
    await settle();
    await new Promise((r) => setTimeout(r, 20));
    expect(storage.data[STORAGE_KEYS.providerChecks]).toEqual({ results: {} });
  });
});

describe('stored status checks are untrusted', () => {
  const good = { host: 'mail.proton.me', url: 'https://mail.proton.me/', at: 5, ok: false, failure: 'dns', elapsedMs: 3 };
  it('keeps what Detour writes and drops anything else whole', () => {
    const parsed = parseProviderChecks({
      results: {
        proton: good,
        tuta: { ...good, url: 'https://evil.example/' },
        posteo: { ...good, failure: 'not-a-class' },
        ['__proto__']: good,
        'user:mail.example.org': { ...good, host: 'mail.example.org', url: 'https://mail.example.org/?token=1' },
        riseup: { ...good, status: 99 },
      },
      run: { startedAt: 1, total: 3, done: 9 },
    });
    expect(Object.keys(parsed.results)).toEqual(['proton', 'user:mail.example.org']);
    expect(parsed.results['user:mail.example.org']!.url).toBe('https://mail.example.org/');
    expect(parsed.run).toBeUndefined();
    expect(Object.getPrototypeOf(parsed.results)).toBe(Object.prototype);
    expect(parseProviderChecks('garbage')).toEqual({ results: {} });
  });
});

describe('providerStatus: the latest of check, verdict, success and failure', () => {
  const proton: CheckTarget = targets.find((t) => t.key === 'proton')!;
  const none = { records: new Map<string, HostRecord>(), verdicts: new Map<string, StoredVerdict>(), checking: false, probing: () => false };
  const verdict = (at: number, v: StoredVerdict['verdict'], host = 'mail.proton.me'): StoredVerdict => ({
    runId: 'r',
    host,
    url: `https://${host}/`,
    verdict: v,
    trigger: 'user',
    startedAt: at - 1,
    finishedAt: at,
  });

  it('is "not checked yet" with nothing known', () => {
    expect(providerStatus(proton, { ...none, check: undefined })).toEqual({
      key: 'proton',
      origin: 'catalog',
      host: 'mail.proton.me',
      state: 'unchecked',
      checking: false,
    });
  });

  it('names the method of a censorship verdict newer than the failed check', () => {
    const check = { host: 'mail.proton.me', url: 'https://mail.proton.me/', at: 100, ok: false, failure: 'dns' as const, elapsedMs: 1 };
    const verdicts = new Map([['mail.proton.me', verdict(200, { kind: 'censorship', method: 'dns', confidence: 0.9, confirmed: false, evidence: [] })]]);
    expect(providerStatus(proton, { ...none, check, verdicts })).toMatchObject({ state: 'blocked', method: 'dns', at: 200 });
    // Before the verdict lands the row says "does not load", and that a run is going.
    expect(providerStatus(proton, { ...none, check, probing: (h) => h === 'mail.proton.me' })).toMatchObject({ state: 'fails', checking: true });
  });

  it('a page that loaded after an old outage verdict makes it "works"; another provider\'s verdict counts for nothing', () => {
    const records = new Map<string, HostRecord>([['proton.me', { host: 'proton.me', entries: [], lastOkAt: 300 }]]);
    const verdicts = new Map([
      ['mail.proton.me', verdict(200, { kind: 'outage', confidence: 0.8, confirmed: false, evidence: [] })],
      ['app.tuta.com', verdict(400, { kind: 'censorship', method: 'tls', confidence: 0.9, confirmed: false, evidence: [] }, 'app.tuta.com')],
    ]);
    expect(providerStatus(proton, { ...none, check: undefined, records, verdicts })).toMatchObject({ state: 'works', host: 'proton.me', at: 300 });
    expect(providerStatus(proton, { ...none, check: undefined, verdicts: new Map([...verdicts].slice(0, 1)) })).toMatchObject({ state: 'down' });
  });
});
