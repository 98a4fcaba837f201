import { describe, expect, it } from 'vitest';
import type { Observations, Verdict } from '../../engine/types';
import type { KeyValueStorage } from '../../lib/storage';
import { classify } from '../../engine/verdict';
import type { ProbeMeasurements } from '../../lib/probes/assemble-observations';
import { ProbeScheduler } from '../../lib/probe-scheduler';
import type { ProbeTrigger } from '../../lib/storage';
import { STORAGE_KEYS } from '../../lib/storage';
import { memoryStorage } from './fakes';


const verdict = (kind: Verdict['kind']): Verdict => ({ kind, confidence: 0.9, confirmed: false, evidence: [] });

function trigger(host = 'mail.example.org', cls: 'reset' | 'dns' = 'reset'): ProbeTrigger {
  return { host, url: `https://${host}/`, failure: { class: cls }, startedAt: Date.now(), reason: 'failure' };
}

/** A scheduler whose measuring is `probe` and whose engine says censorship unless given another. */
function scheduler(
  storage: KeyValueStorage,
  probe: (t: ProbeTrigger) => Promise<Omit<ProbeMeasurements, 'observedAt'>>,
  classify: (o: Observations) => Verdict = () => verdict('censorship'),
) {
  const activity: boolean[] = [];
  const measure = async (t: ProbeTrigger) => ({ observedAt: Date.now(), ...(await probe(t)) });
  const s = new ProbeScheduler({ storage, measure, classify, now: Date.now, activity: (a) => activity.push(a) });
  return { s, activity };
}

describe('probe scheduler', () => {
  it('runs one probe per host: a flood of failures joins the running run', async () => {
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { s, activity } = scheduler(memoryStorage(), async (t) => {
      runs += 1;
      await gate;
      return { url: t.url, host: t.host };
    });
    const flood = Array.from({ length: 300 }, () => s.trigger(trigger()));
    await new Promise((r) => setTimeout(r, 10));
    expect(s.isRunning('mail.example.org')).toBe(true);
    release();
    const results = await Promise.all(flood);
    expect(runs).toBe(1);
    expect(new Set(results.map((r) => r.runId)).size).toBe(1);
    expect(activity).toEqual([true, false]);
  });

  it('a stalled or slow page carries how long it had been waiting when its run started', async () => {
    let seen: Observations | undefined;
    const { s } = scheduler(memoryStorage(), async (t) => ({ url: t.url, host: t.host }), (o) => ((seen = o), verdict('censorship')));
    for (const cls of ['stalled', 'slow'] as const) {
      const startedAt = Date.now() - 4000;
      await s.trigger({ host: `${cls}.example.org`, url: `https://${cls}.example.org/`, failure: { class: cls, error: cls }, startedAt, reason: 'failure' });
      expect(seen?.failure?.elapsedMs).toBeGreaterThanOrEqual(4000);
      expect(seen?.failure?.elapsedMs).toBeLessThan(5000);
    }
    // A browser error has no waiting time to add.
    await s.trigger({ ...trigger('reset.example.org'), startedAt: Date.now() - 4000 });
    expect(seen?.failure?.elapsedMs).toBeUndefined();
  });

  it('after "clear all data", a new failure starts its own run instead of joining one whose verdict is discarded', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let runs = 0;
    const { s, activity } = scheduler(memoryStorage(), async (t) => {
      runs += 1;
      if (runs === 1) await gate;
      return { url: t.url, host: t.host };
    });
    const old = s.trigger(trigger());
    await new Promise((r) => setTimeout(r, 10));
    await s.clear();
    expect(s.isRunning('mail.example.org')).toBe(false);
    const fresh = await s.trigger(trigger());
    expect(runs).toBe(2);
    expect(s.verdictFor('mail.example.org')?.runId).toBe(fresh.runId);
    release();
    await old;
    // The old run, cut loose, stored nothing and still ended its own activity.
    expect(s.verdictFor('mail.example.org')?.runId).toBe(fresh.runId);
    expect(activity.filter(Boolean).length).toBe(activity.filter((a) => !a).length);
  });

  it('answers a repeat of the same failure with the fresh verdict, and probes again on a new kind or on request', async () => {
    let runs = 0;
    const { s } = scheduler(memoryStorage(), async (t) => {
      runs += 1;
      return { url: t.url, host: t.host };
    });
    await s.trigger(trigger());
    await s.trigger(trigger());
    expect(runs).toBe(1);
    await s.trigger(trigger('mail.example.org', 'dns'));
    expect(runs).toBe(2);
    await s.trigger({ ...trigger(), reason: 'user' }, { force: true });
    expect(runs).toBe(3);
  });

  it('restarts a run whose service worker was killed, and never leaves two verdicts', async () => {
    const storage = memoryStorage();
    const killed = scheduler(storage, () => new Promise<never>(() => {}));
    void killed.s.trigger(trigger());
    await new Promise((r) => setTimeout(r, 10));
    expect(Object.keys(storage.data[STORAGE_KEYS.probeRuns] as object)).toEqual(['mail.example.org']);

    // A new service worker with the same storage.
    let resumed = 0;
    const next = scheduler(storage, async (t) => {
      resumed += 1;
      return { url: t.url, host: t.host };
    });
    await next.s.resume();
    await new Promise((r) => setTimeout(r, 10));
    expect(resumed).toBe(1);
    expect(storage.data[STORAGE_KEYS.probeRuns]).toEqual({});
    expect(Object.keys(storage.data[STORAGE_KEYS.verdicts] as object)).toEqual(['mail.example.org']);
    expect(next.s.verdictFor('mail.example.org')?.verdict.kind).toBe('censorship');
  });

  it('does not resume a run older than two minutes', async () => {
    const storage = memoryStorage({
      [STORAGE_KEYS.probeRuns]: { 'old.example.org': { runId: 'x', since: Date.now() - 10 * 60_000, trigger: trigger('old.example.org') } },
    });
    let runs = 0;
    const { s } = scheduler(storage, async (t) => {
      runs += 1;
      return { url: t.url, host: t.host };
    });
    await s.resume();
    expect(runs).toBe(0);
    expect(storage.data[STORAGE_KEYS.probeRuns]).toEqual({});
  });

  it('does not resume a run for a host that is no longer watched', async () => {
    const storage = memoryStorage({
      [STORAGE_KEYS.probeRuns]: {
        'gone.example.org': { runId: 'x', since: Date.now(), trigger: trigger('gone.example.org') },
        'mail.example.org': { runId: 'y', since: Date.now(), trigger: trigger('mail.example.org') },
      },
    });
    const probed: string[] = [];
    const { s } = scheduler(storage, async (t) => {
      probed.push(t.host);
      return { url: t.url, host: t.host };
    });
    await s.resume((host) => host === 'mail.example.org');
    await new Promise((r) => setTimeout(r, 10));
    expect(probed).toEqual(['mail.example.org']);
    expect(storage.data[STORAGE_KEYS.probeRuns]).toEqual({});
  });

  it('keeps no page body and no query string of a redirect target in the stored observations', async () => {
    const storage = memoryStorage();
    const { s } = scheduler(storage, async (t) => ({
      url: t.url,
      host: t.host,
      retry: {
        url: t.url,
        ok: true,
        status: 302,
        body: '<title>sign in</title>',
        location: '/login?session=SECRET#inbox',
        headers: { location: 'https://mail.example.org/login?session=SECRET', server: 'nginx' },
      },
    }));
    await s.trigger(trigger());
    const stored = JSON.stringify(storage.data[STORAGE_KEYS.verdicts]);
    expect(stored).not.toContain('SECRET');
    expect(stored).not.toContain('sign in');
    const http = s.verdictFor('mail.example.org')!.observations!.http![0]!;
    expect(http.location).toBe('https://mail.example.org/login');
    expect(http.headers).toEqual({ location: 'https://mail.example.org/login', server: 'nginx' });
  });

  it('keeps the first bytes of a block page that confirmed the verdict, and no other body', async () => {
    const blockPage = `<title>Access restricted</title>${'x'.repeat(20_000)}`;
    const measured = async (t: ProbeTrigger): Promise<Omit<ProbeMeasurements, 'observedAt'>> => ({
      url: t.url,
      host: t.host,
      retry: { url: t.url, ok: true, status: 200, body: blockPage },
    });
    const confirmed = scheduler(memoryStorage(), measured, () => ({ ...verdict('censorship'), confirmed: true })).s;
    await confirmed.trigger(trigger());
    const kept = confirmed.verdictFor('mail.example.org')!.observations!.http![0]!.body!;
    expect(kept.startsWith('<title>Access restricted</title>')).toBe(true);
    expect(kept.length).toBe(8192);

    const unconfirmed = scheduler(memoryStorage(), measured).s;
    await unconfirmed.trigger(trigger());
    expect(unconfirmed.verdictFor('mail.example.org')!.observations!.http![0]!.body).toBeUndefined();
  });

  it('turns a probe that throws into an unknown verdict, and ignores corrupt stored verdicts', async () => {
    const storage = memoryStorage({ [STORAGE_KEYS.verdicts]: { 'x.example.org': { verdict: 'garbage' }, 'y.example.org': null } });
    const seen: Observations[] = [];
    const engine = (o: Observations) => (seen.push(o), classify(o));
    const { s } = scheduler(storage, async () => {
      throw new Error('boom');
    }, engine);
    expect(s.verdictFor('x.example.org')).toBeUndefined();
    const stored = await s.trigger(trigger());
    expect(stored.verdict).toMatchObject({ kind: 'unknown', confidence: 0 });
    expect(stored.verdict.evidence[0]?.code).toBe('probe_error');
    // The engine said so: the scheduler only told it the probes broke.
    expect(seen[0]).toMatchObject({ url: 'https://mail.example.org/', probeError: 'Error: boom' });
  });

  it('forgets a run that was still going when the user cleared everything', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const storage = memoryStorage();
    const { s } = scheduler(storage, async (t) => {
      await gate;
      return { url: t.url, host: t.host };
    });
    const run = s.trigger(trigger());
    await new Promise((r) => setTimeout(r, 10));
    await s.clear();
    release();
    await run;
    expect(s.verdictFor('mail.example.org')).toBeUndefined();
    expect(storage.data[STORAGE_KEYS.verdicts]).toEqual({});
    expect(storage.data[STORAGE_KEYS.probeRuns]).toEqual({});
  });
});
