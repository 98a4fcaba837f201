import { describe, expect, it } from 'vitest';
import {
  emptyLog,
  failedRecently,
  LIMITS,
  parseLog,
  recordFailure,
  recordSuccess,
  type FailureEvent,
} from '../../lib/failure-log';

const T0 = 1_800_000_000_000;

function event(overrides: Partial<FailureEvent> = {}): FailureEvent {
  return {
    host: 'mail.proton.me',
    url: 'https://mail.proton.me/inbox',
    class: 'reset',
    error: 'net::ERR_CONNECTION_RESET',
    source: 'navigation',
    at: T0,
    ...overrides,
  };
}

describe('failure log', () => {
  it('collapses repeats within the window into one entry with a count', () => {
    const log = emptyLog();
    recordFailure(log, event());
    recordFailure(log, event({ at: T0 + 1000, url: 'https://mail.proton.me/api/x' }));
    const entries = log.hosts['mail.proton.me']!.entries;
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ count: 2, firstAt: T0, lastAt: T0 + 1000 });
  });

  it('starts a new entry after the window or for another kind of failure', () => {
    const log = emptyLog();
    recordFailure(log, event());
    recordFailure(log, event({ at: T0 + LIMITS.collapseWindowMs + 1 }));
    recordFailure(log, event({ at: T0 + LIMITS.collapseWindowMs + 2, class: 'dns', error: 'net::ERR_NAME_NOT_RESOLVED' }));
    const entries = log.hosts['mail.proton.me']!.entries;
    expect(entries.map((e) => e.class)).toEqual(['dns', 'reset', 'reset']);
  });

  it('stays bounded under a flood of distinct failures from many hosts', () => {
    const log = emptyLog();
    for (let i = 0; i < 20_000; i += 1) {
      recordFailure(log, event({ host: `h${i % 500}.example.org`, at: T0 + i, error: `e${i % 97}` }));
    }
    expect(Object.keys(log.hosts).length).toBe(LIMITS.hosts);
    for (const record of Object.values(log.hosts)) expect(record.entries.length).toBeLessThanOrEqual(LIMITS.entriesPerHost);
    // The most recent failures survive eviction.
    expect(log.hosts['h499.example.org']).toBeDefined();
    expect(JSON.stringify(log).length).toBeLessThan(1_000_000);
  });

  it('turns a stall into the real error when the browser finally reports it', () => {
    const log = emptyLog();
    recordFailure(log, event({ class: 'stalled', error: 'stalled', source: 'stall' }));
    recordFailure(log, event({ class: 'timeout', error: 'net::ERR_CONNECTION_TIMED_OUT', at: T0 + 50_000 }));
    const entries = log.hosts['mail.proton.me']!.entries;
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ class: 'timeout', count: 1, firstAt: T0, lastAt: T0 + 50_000 });
  });

  it('knows when a host failed recently and when it recovered', () => {
    const log = emptyLog();
    recordFailure(log, event());
    expect(failedRecently(log.hosts['mail.proton.me'], T0 + 1000)).toBe(true);
    expect(failedRecently(log.hosts['mail.proton.me'], T0 + LIMITS.recentMs + 1)).toBe(false);
    expect(recordSuccess(log, 'mail.proton.me', T0 + 2000)).toBe(true);
    expect(failedRecently(log.hosts['mail.proton.me'], T0 + 3000)).toBe(false);
    expect(recordSuccess(log, 'unknown.example', T0)).toBe(false);
  });

  it('salvages what is valid from corrupt storage and counts the rest', () => {
    const good = { url: 'https://mailbox.org/', class: 'dns', error: 'x', source: 'navigation', firstAt: T0, lastAt: T0, count: 3 };
    const { log, dropped } = parseLog({
      version: 1,
      hosts: {
        'mailbox.org': { entries: [good, { ...good, class: 'exploded' }, null, 'junk', { ...good, count: -1 }], lastOkAt: 'yesterday' },
        'proton.me': 'not a record',
        'Bad Host': { entries: [good] },
      },
    });
    expect(log.hosts['mailbox.org']!.entries).toEqual([good]);
    expect(log.hosts['mailbox.org']!.lastOkAt).toBeUndefined();
    expect(log.hosts['proton.me']).toBeUndefined();
    expect(log.hosts['Bad Host']).toBeUndefined();
    expect(dropped).toBe(6);
    for (const garbage of ['{', 42, [], { hosts: null }]) {
      expect(parseLog(garbage).log).toEqual(emptyLog());
      expect(parseLog(garbage).dropped).toBe(1);
    }
    expect(parseLog(undefined)).toEqual({ log: emptyLog(), dropped: 0 });
  });
});
