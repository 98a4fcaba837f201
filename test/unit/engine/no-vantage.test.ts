/**
 * Issue 12, item 1: when neither the control nor any DoH resolver answered (they may be blocked too)
 * and the provider's other names fail the same way, nothing independent says the site is down. A
 * censor blocking a provider blocks all its names, so that pattern must not read as an outage: the
 * verdict says what is missing (`no_vantage`) and claims nothing.
 */
import { describe, expect, it } from 'vitest';
import en from '../../../engine/i18n/en.json';
import ru from '../../../engine/i18n/ru.json';
import { classify } from '../../../engine/verdict';
import type { DnsObservation, Observations, Verdict } from '../../../engine/types';
import { CANARIES_OK, control, DOH, HOST, SITE_IP, URL_HTTPS } from './scenarios';

const i18n = { en, ru };

const codes = (v: Verdict) => v.evidence.map((e) => e.code);
const DOH_TIMEOUT: DnsObservation = { kind: 'doh', resolver: DOH, addrs: [], failure: 'timeout' };
const DOH_ERROR: DnsObservation = { kind: 'doh', resolver: 'https://doh2.example.com/dns-query', addrs: [], failure: 'error' };
const SIBLINGS_FAIL = [
  { host: 'example-mail.net', ok: false, failure: 'timeout' as const },
  { host: 'account.example.org', ok: false, failure: 'timeout' as const },
];

/** No independent vantage: control unreachable, every DoH resolver failing, every sibling failing. */
function isolated(extra: Partial<Observations>): Observations {
  return {
    url: URL_HTTPS,
    host: HOST,
    canaries: CANARIES_OK,
    controlFailure: 'timeout',
    siblings: SIBLINGS_FAIL,
    dns: [{ kind: 'system', resolver: 'system', addrs: [SITE_IP] }, DOH_TIMEOUT, DOH_ERROR],
    ...extra,
  };
}

const CASES: Array<[string, Partial<Observations>]> = [
  ['connect timeout', { failure: { class: 'timeout', error: 'net::ERR_CONNECTION_TIMED_OUT', elapsedMs: 30_000 } }],
  ['probe saw the timeout', { failure: { class: 'timeout', elapsedMs: 30_000 }, tcp: [{ ip: SITE_IP, port: 443, ok: false, failure: 'timeout' }] }],
  ['refused', { failure: { class: 'refused', error: 'net::ERR_CONNECTION_REFUSED', elapsedMs: 40 } }],
  ['stall', { failure: { class: 'stalled', elapsedMs: 8_000 } }],
  [
    'system DNS failing too',
    {
      failure: { class: 'dns', error: 'net::ERR_NAME_NOT_RESOLVED', elapsedMs: 30 },
      dns: [{ kind: 'system', resolver: 'system', addrs: [], failure: 'servfail' }, DOH_TIMEOUT, DOH_ERROR],
    },
  ],
  ['Firefox, no address known', { failure: { class: 'timeout', error: 'NS_ERROR_NET_TIMEOUT', elapsedMs: 90_000 }, dns: [DOH_TIMEOUT] }],
];

describe('no independent vantage', () => {
  it.each(CASES)('%s: not an outage, says the check could not be reached', (_name, extra) => {
    const v = classify(isolated(extra));
    // Before the fix these read "outage" at 0.5 to 0.55.
    expect(v.kind).not.toBe('outage');
    expect(v.kind).not.toBe('censorship');
    expect(v.confidence).toBe(0);
    expect(codes(v)).toContain('no_vantage');
    expect(codes(v)).toContain('siblings_failed');
    // One sentence for the missing lookups, not two.
    expect(codes(v)).not.toContain('no_doh');
  });

  it('the other names failing does not tilt the weights towards "down"', () => {
    const alone = classify(isolated({ ...CASES[0]![1], siblings: undefined }));
    const withSiblings = classify(isolated(CASES[0]![1]));
    expect(withSiblings.scores).toEqual(alone.scores);
  });

  it('an outage seen by a vantage is still an outage', () => {
    const failure = CASES[1]![1];
    // The control fails at the same address.
    const controlled = classify({
      ...isolated(failure),
      controlFailure: undefined,
      control: control({ tcp: { [`${SITE_IP}:443`]: 'generic_timeout_error' }, tls: {}, http: { failure: 'generic_timeout_error' } }),
    });
    expect(controlled.kind).toBe('outage');
    expect(codes(controlled)).not.toContain('no_vantage');
    // Encrypted DNS says the name is gone.
    const gone = classify(
      isolated({
        failure: { class: 'dns', error: 'net::ERR_NAME_NOT_RESOLVED', elapsedMs: 30 },
        dns: [{ kind: 'system', resolver: 'system', addrs: [], failure: 'nxdomain' }, { ...DOH_TIMEOUT, failure: 'nxdomain' }],
      }),
    );
    expect(gone.kind).toBe('outage');
    // The real server itself answers 503 over valid HTTPS.
    const broken = classify(isolated({ failure: { class: 'http-status', error: 'HTTP 503' }, http: [{ url: URL_HTTPS, ok: true, status: 503 }] }));
    expect(broken.kind).toBe('outage');
  });

  it('a check that was never configured is "no control", not "could not be reached"', () => {
    const v = classify({ ...isolated(CASES[0]![1]), controlFailure: 'not-configured' });
    expect(v.kind).toBe('unknown');
    expect(codes(v)).not.toContain('no_vantage');
    expect(codes(v)).toEqual(expect.arrayContaining(['no_control', 'no_doh']));
  });

  it('no resolver tried is "no encrypted DNS", not "could not reach"; still not an outage', () => {
    const v = classify({ ...isolated(CASES[0]![1]), dns: [{ kind: 'system', resolver: 'system', addrs: [SITE_IP] }] });
    expect(v.kind).toBe('unknown');
    expect(codes(v)).not.toContain('no_vantage');
    expect(codes(v)).toEqual(expect.arrayContaining(['no_control', 'no_doh']));
  });

  it('tells the user what is missing and what to do, in English and Russian', () => {
    for (const locale of ['en', 'ru'] as const) {
      const m = (i18n as Record<string, Record<string, { message: string; description: string }>>)[locale]!.evidence_no_vantage!;
      expect(m.message.length).toBeGreaterThan(40);
      expect(m.description.length).toBeGreaterThan(40);
    }
    expect(i18n.en.evidence_no_vantage.message).toMatch(/could not reach its own check/);
    expect(i18n.ru.evidence_no_vantage.message).toMatch(/заблокирован/);
  });
});
