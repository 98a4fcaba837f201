/**
 * The rules by which a logged failure comes to be named better (lib/refine-failure.ts), each on its
 * own, then through the real DetourState.
 */
import { describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { DetourState } from '../../lib/detour-state';
import type { FailureEntry } from '../../lib/failure-log';
import { entriesAsNamed, failureAtAssembly, namedByEcho, namedByRetry, replacesStall } from '../../lib/refine-failure';
import type { StoredVerdict } from '../../lib/storage';
import { catalogHostPatterns } from '../../catalog/provider-index';

const entry = (fields: Partial<FailureEntry> = {}): FailureEntry => ({
  url: 'https://mailbox.org/',
  class: 'unknown',
  error: 'Error code 2147500037',
  source: 'navigation',
  firstAt: 1,
  lastAt: 1,
  count: 1,
  ...fields,
});

const verdict = (fields: Partial<StoredVerdict> = {}): StoredVerdict => ({
  runId: 'r1',
  host: 'mailbox.org',
  url: 'https://mailbox.org/',
  verdict: { kind: 'unknown', confidence: 0, confirmed: false, evidence: [] },
  trigger: 'unknown',
  startedAt: 1,
  finishedAt: 2,
  ...fields,
});

describe('1. a stall is a placeholder', () => {
  it('is replaced by the real error for its URL within a minute, and only then', () => {
    const stall = entry({ class: 'stalled', lastAt: 1000 });
    expect(replacesStall(stall, { class: 'timeout', url: stall.url, at: 30_000 })).toBe(true);
    expect(replacesStall(stall, { class: 'stalled', url: stall.url, at: 30_000 })).toBe(false);
    expect(replacesStall(stall, { class: 'timeout', url: 'https://mailbox.org/x', at: 30_000 })).toBe(false);
    expect(replacesStall(stall, { class: 'timeout', url: stall.url, at: 62_000 })).toBe(false);
    expect(replacesStall(entry({ class: 'reset' }), { class: 'timeout', url: stall.url, at: 2 })).toBe(false);
  });
});

describe('2. the echo names what the first report could not', () => {
  it('takes the class of the other listener\'s report, never loses one', () => {
    expect(namedByEcho(entry(), { class: 'certificate', certificate: 'issuer', error: 'Error code 2153390069' })).toEqual({
      class: 'certificate',
      certificate: 'issuer',
      error: 'Error code 2153390069',
    });
    expect(namedByEcho(entry({ class: 'reset' }), { class: 'certificate', error: 'x' })).toBeUndefined();
    expect(namedByEcho(entry(), { class: 'unknown', error: 'x' })).toBeUndefined();
  });
});

describe('3. a run assembles with the failure as logged when it ends', () => {
  it('takes the logged name of a failure the trigger could not name, and nothing else', () => {
    const started = { class: 'unknown' as const, error: 'NS_ERROR_FAILURE', ip: '192.0.2.1' };
    expect(failureAtAssembly(started, { class: 'reset', error: 'Error code 2152398868' })).toEqual({ class: 'reset', error: 'Error code 2152398868', ip: '192.0.2.1' });
    expect(failureAtAssembly({ class: 'stalled' }, { class: 'timeout', error: 'x' })).toEqual({ class: 'stalled' });
    expect(failureAtAssembly(started, { class: 'unknown', error: 'y' })).toBe(started);
    expect(failureAtAssembly(undefined, { class: 'reset', error: 'x' })).toBeUndefined();
  });
});

describe('4. the probe\'s retry names what the browser left unnamed', () => {
  const observations = {
    url: 'https://mailbox.org/',
    host: 'mailbox.org',
    failure: { class: 'unknown' as const },
    http: [{ url: 'https://mailbox.org/', ok: false, failure: 'reset' as const }],
  };

  it("shows the class the probe's retry of the same URL saw, and the log keeps what the browser said", async () => {
    // mailbox.org watched: its access granted, as at first run.
    const state = new DetourState(fakeBrowser.storage.local, Date.now, async () => catalogHostPatterns());
    await state.ready;
    state.recordFailure({ host: 'mailbox.org', url: 'https://mailbox.org/', class: 'unknown', error: 'Error code 2147500037', source: 'navigation', at: 1 });
    const retry = namedByRetry(observations);
    expect(retry).toEqual({ class: 'reset' });
    const entries = state.record('mailbox.org')!.entries;
    expect(entriesAsNamed(entries, verdict({ retry }))[0]).toMatchObject({ class: 'reset', error: 'Error code 2147500037' });
    expect(entries[0]!.class).toBe('unknown');
  });

  it('names nothing when the retry saw nothing precise, or the browser had named it', () => {
    expect(namedByRetry({ ...observations, http: [{ url: 'x', ok: false, failure: 'unknown' as const }] })).toBeUndefined();
    expect(namedByRetry({ ...observations, failure: { class: 'timeout' as const } })).toBeUndefined();
    expect(namedByRetry({ ...observations, http: [] })).toBeUndefined();
  });

  it('names only the newest unnamed entry of that URL logged before the verdict', () => {
    const older = entry({ firstAt: 1, lastAt: 1 });
    const other = entry({ url: 'https://mailbox.org/x', firstAt: 1 });
    const later = entry({ firstAt: 5, lastAt: 5 });
    const shown = entriesAsNamed([later, other, older], verdict({ finishedAt: 3, retry: { class: 'reset' } }));
    expect(shown.map((e) => e.class)).toEqual(['unknown', 'unknown', 'reset']);
    expect(entriesAsNamed([older], verdict()).map((e) => e.class)).toEqual(['unknown']);
  });
});
