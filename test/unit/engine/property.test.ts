/**
 * Properties over many random observation sets (seeded, so a failure is reproducible):
 * - every canary failing means the verdict is `local`, never `censorship`, whatever else was seen
 *   (block pages, 451s, bogons, a control that says the site is fine);
 * - the browser's error alone never yields censorship above 0.5;
 * - classify() never throws and always returns a well-formed verdict.
 */
import { describe, expect, it } from 'vitest';
import { rng } from './seeded-random';
import { FAILURE_CLASSES, type FailureClass } from '../../../engine/failure';
import type { CanaryObservation, Observations } from '../../../engine/types';
import { classify } from '../../../engine/verdict';
import { BLOCK_IP, control, DOH, HOST, scenarios, SITE_IP, URL_HTTP, URL_HTTPS } from './scenarios';

const ADDRS = [SITE_IP, BLOCK_IP, '10.10.34.35', '127.0.0.1', '2a02:6b8::2:242', '198.51.7.7', '8.7.198.45'];
const BODIES = [
  '<title>Доступ ограничен</title>Доступ к сайту ограничен в соответствии с Федеральными законами',
  '<html><title>Example Mail: sign in</title></html>',
  '<iframe src="http://10.10.34.34?type=Invalid Site&policy=MainPolicy"></iframe>',
  '<p>The document has moved <a href="https://x/">here</a>.</p>',
  '',
];
const DNS_FAILURES = ['nxdomain', 'no-answer', 'servfail', 'refused', 'timeout', 'error'] as const;

function randomObservations(seed: number): Observations {
  const r = rng(seed);
  const scenario = r.pick(Object.values(scenarios));
  const obs: Observations = structuredClone(r.chance(0.5) ? scenario.withControl : scenario.withoutControl);
  const failureClass = r.pick(FAILURE_CLASSES) as FailureClass;
  if (r.chance(0.8)) obs.failure = { class: failureClass, ...(failureClass === 'certificate' ? { certificate: r.pick(['name', 'issuer', 'date', 'other'] as const) } : {}) };
  if (r.chance(0.3)) obs.url = r.pick([URL_HTTP, URL_HTTPS]);
  if (r.chance(0.3)) obs.country = r.pick(['RU', 'IR', 'CN', 'TR', 'BY', 'EG', undefined]);
  if (r.chance(0.4)) {
    obs.dns = [
      { kind: 'system', resolver: 'system', addrs: r.chance(0.3) ? [] : [r.pick(ADDRS)], ...(r.chance(0.3) ? { failure: r.pick(DNS_FAILURES) } : {}) },
      ...(r.chance(0.6) ? [{ kind: 'doh' as const, resolver: DOH, addrs: r.chance(0.2) ? [] : [r.pick(ADDRS)] }] : []),
    ];
  }
  if (r.chance(0.4)) {
    obs.tcp = Array.from({ length: 1 + Math.floor(r.next() * 3) }, () => ({
      ip: r.pick(ADDRS),
      port: r.pick([80, 443]),
      ok: r.chance(0.4),
      failure: r.pick(FAILURE_CLASSES),
    }));
  }
  if (r.chance(0.4)) {
    obs.tls = Array.from({ length: 1 + Math.floor(r.next() * 2) }, () => ({
      serverName: r.chance(0.6) ? HOST : null,
      ip: r.pick(ADDRS),
      ok: r.chance(0.3),
      failure: r.pick(['reset', 'certificate', 'timeout', 'tls'] as const),
      certificate: r.pick(['name', 'issuer', 'date', 'other'] as const),
    }));
  }
  if (r.chance(0.5)) {
    obs.http = Array.from({ length: 1 + Math.floor(r.next() * 2) }, () => ({
      url: r.pick([URL_HTTP, URL_HTTPS, `http://${SITE_IP}/`]),
      ok: r.chance(0.7),
      status: r.pick([200, 301, 302, 403, 451, 503]),
      body: r.pick(BODIES),
      location: r.chance(0.3) ? r.pick(['http://warning.rt.ru/', 'https://mail.example.org/', 'http://elsewhere.example/']) : undefined,
    }));
  }
  if (r.chance(0.3)) obs.siblings = [{ host: 'account.example.org', ok: r.chance(0.5) }];
  if (r.chance(0.2)) obs.proxy = r.chance(0.5);
  if (r.chance(0.2)) obs.captivePortal = r.pick(['unlocked_portal', 'not_captive', 'unknown'] as const);
  if (r.chance(0.2)) obs.control = control({ dns: r.chance(0.5) ? [SITE_IP] : { failure: 'dns_name_error' } });
  return obs;
}

function failingCanaries(seed: number): CanaryObservation[] {
  const r = rng(seed ^ 0x5eed);
  return Array.from({ length: 1 + Math.floor(r.next() * 3) }, (_, i) => ({
    url: `https://canary-${i}.example.net/`,
    ok: false,
    failure: r.pick(['timeout', 'dns', 'reset', 'unreachable', 'refused'] as const),
  }));
}

const RUNS = 3000;

describe('properties', () => {
  it(`every canary failing never yields censorship (${RUNS} random observation sets)`, () => {
    let censorshipBefore = 0;
    for (let seed = 1; seed <= RUNS; seed++) {
      const obs = randomObservations(seed);
      if (classify(obs).kind === 'censorship') censorshipBefore++;
      const v = classify({ ...obs, canaries: failingCanaries(seed) });
      expect(v.kind, `seed ${seed}`).not.toBe('censorship');
      expect(v.kind, `seed ${seed}`).toBe('local');
    }
    // The generator must actually produce censorship verdicts for the property to mean anything.
    expect(censorshipBefore).toBeGreaterThan(RUNS / 10);
  });

  it('the browser error alone never yields censorship above 0.5', () => {
    for (const cls of FAILURE_CLASSES) {
      for (const certificate of [undefined, 'name', 'issuer', 'date', 'other'] as const) {
        for (const url of [URL_HTTP, URL_HTTPS]) {
          const v = classify({ url, host: HOST, failure: { class: cls, certificate, elapsedMs: 30 } });
          if (v.kind === 'censorship') expect(v.confidence).toBeLessThanOrEqual(0.5);
        }
      }
    }
  });

  it('never throws and always returns a well-formed verdict', () => {
    for (let seed = 1; seed <= RUNS; seed++) {
      const v = classify(randomObservations(seed));
      expect(['censorship', 'outage', 'local', 'ok', 'unknown']).toContain(v.kind);
      expect(v.confidence).toBeGreaterThanOrEqual(0);
      expect(v.confidence).toBeLessThanOrEqual(1);
      expect(v.kind === 'censorship' || v.method === undefined).toBe(true);
      expect(v.kind === 'local' || v.localCause === undefined).toBe(true);
      for (const e of v.evidence) expect(typeof e.code).toBe('string');
    }
  });
});
