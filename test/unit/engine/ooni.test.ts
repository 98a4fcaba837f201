import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeOoniBody, OoniMeasurementError, ooniToObservations } from '../../../engine/ooni-measurement';
import { OONI_FAILURES, ooniFailureClass } from '../../../engine/ooni-failures';
import { isFailureClass } from '../../../engine/failure';
import { classify } from '../../../engine/verdict';

const dir = new URL('../../fixtures/ooni/', import.meta.url);
const load = (name: string) => JSON.parse(readFileSync(new URL(name, dir), 'utf8'));
const expected: Record<string, { kind: string; method: string | null }> = load('expected.json');
const fixtures = readdirSync(dir).filter((f) => /^v0[45]-.*\.json$/.test(f));

describe('OONI fixtures through the same classify()', () => {
  it('covers every blocking type in both test versions', () => {
    expect(fixtures.sort()).toEqual(Object.keys(expected).sort());
    for (const version of ['0.4', '0.5']) {
      expect(fixtures.filter((f) => load(f).test_version.startsWith(version))).toHaveLength(7);
    }
  });

  it.each(fixtures)('%s', (name) => {
    const m = load(name);
    const { meta, observations } = ooniToObservations(m);
    expect(meta.input).toBe(m.input);
    expect(meta.report_id).toBe(m.report_id);
    expect(meta.measurement_uid).toBe(m.measurement_uid ?? null);
    const v = classify(observations);
    expect({ kind: v.kind, method: v.method ?? null }).toEqual(expected[name]);
    if (v.kind !== 'ok') expect(v.confidence).toBeGreaterThanOrEqual(0.7);
  });

  it('agrees with OONI\'s own blocking field on every fixture', () => {
    for (const name of fixtures) {
      const m = load(name);
      const v = classify(ooniToObservations(m).observations);
      const ooni = m.test_keys.blocking;
      if (ooni === false) expect(['ok', 'outage']).toContain(v.kind);
      else if (ooni === 'http-diff') expect(['http-diff', 'blockpage']).toContain(v.method);
      else expect(v.method).toBe(ooni);
    }
  });
});

describe('adapter details', () => {
  it('keeps only the system resolver\'s addresses and drops test-helper-only connects', () => {
    const m = load('v05-dns-nxdomain.json');
    m.test_keys.tcp_connect = [{ ip: '185.70.42.37', port: 443, status: { failure: null, success: true, blocked: false } }];
    const { observations } = ooniToObservations(m);
    expect(observations.tcp).toEqual([]);
    expect(observations.dns).toEqual([{ kind: 'system', resolver: 'system', addrs: [], failure: 'nxdomain' }]);
  });

  it('ignores an AAAA no-answer next to A answers; maps DoH lookups; drops UDP ones', () => {
    const m = load('v04-accessible.json');
    m.test_keys.queries.push(
      { answers: null, engine: 'system', failure: 'dns_no_answer', hostname: 'mail.example.org', query_type: 'AAAA' },
      { answers: [{ answer_type: 'A', ipv4: '185.70.42.38' }], engine: 'doh', failure: null, hostname: 'mail.example.org', resolver_address: 'https://dns.example/dns-query' },
      { answers: [{ answer_type: 'A', ipv4: '6.6.6.6' }], engine: 'udp', failure: null, hostname: 'mail.example.org', resolver_address: '8.8.8.8:53' },
    );
    const { observations } = ooniToObservations(m);
    expect(observations.dns).toEqual([
      { kind: 'system', resolver: 'system', addrs: ['185.70.42.37'] },
      { kind: 'doh', resolver: 'https://dns.example/dns-query', addrs: ['185.70.42.38'] },
    ]);
  });

  it('reads requests oldest first, with lower-case headers and the title from the body', () => {
    const { observations } = ooniToObservations(load('v05-http-blockpage.json'));
    const [first] = observations.http!;
    expect(first).toMatchObject({ url: 'http://mail.example.org/', ok: true, status: 200 });
    expect(first!.headers).toHaveProperty('content-type');
    expect(first!.body).toContain('Доступ к сайту ограничен');
  });

  it('decodes base64 bodies without Buffer', () => {
    const text = 'Доступ ограничен <title>x</title>';
    const data = btoa(String.fromCharCode(...new TextEncoder().encode(text)));
    expect(decodeOoniBody({ format: 'base64', data })).toBe(text);
    expect(decodeOoniBody('plain')).toBe('plain');
    expect(decodeOoniBody({ format: 'base64', data: '%%%' })).toBeUndefined();
    expect(decodeOoniBody(42)).toBeUndefined();
  });

  it('turns a missing control into controlFailure, and the measurement time into observedAt', () => {
    const m = load('v04-tcp-ip.json');
    m.test_keys.control = {};
    m.test_keys.control_failure = 'generic_timeout_error';
    const { observations } = ooniToObservations(m);
    expect(observations.control).toBeUndefined();
    expect(observations.controlFailure).toBe('generic_timeout_error');
    expect(observations.observedAt).toBe(Date.UTC(2024, 2, 4, 10, 0, 0));
    expect(classify(observations).kind).toBe('unknown');
  });

  it.each([
    [null, 'not a JSON object'],
    [[], 'not a JSON object'],
    [{ test_keys: {} }, 'no "input" URL'],
    [{ input: 'not a url', test_keys: {} }, '"input" is not a URL'],
    [{ input: 'https://x.example/' }, 'no "test_keys" object'],
    [{ input: 'https://x.example/', test_name: 'telegram', test_keys: {} }, 'test_name is telegram'],
  ])('rejects %j with a clear message', (value, message) => {
    expect(() => ooniToObservations(value)).toThrow(OoniMeasurementError);
    expect(() => ooniToObservations(value)).toThrow(message);
  });

  it('survives odd shapes inside test_keys without throwing', () => {
    const { observations } = ooniToObservations({
      input: 'https://x.example/',
      test_keys: { queries: 'nope', tcp_connect: [null, 1, { ip: 'bad' }], tls_handshakes: [{}], requests: [{ request: {} }], control: [] },
    });
    expect(() => classify(observations)).not.toThrow();
  });
});

describe('OONI failure table', () => {
  it('maps every entry to a known failure class', () => {
    for (const classified of Object.values(OONI_FAILURES)) expect(isFailureClass(classified.class)).toBe(true);
  });

  it.each([
    ['connection_reset', 'reset'],
    ['connection_refused', 'refused'],
    ['generic_timeout_error', 'timeout'],
    ['dns_nxdomain_error', 'dns'],
    ['dns_name_error', 'dns'],
    ['eof_error', 'closed'],
    ['ssl_failed_handshake', 'tls'],
    ['unknown_failure: dial tcp [scrubbed]: connect: no route to host', 'unreachable'],
    ['unknown_failure: something new', 'unknown'],
  ])('%s is %s', (failure, cls) => {
    expect(ooniFailureClass(failure)?.class).toBe(cls);
  });

  it('keeps the certificate problem', () => {
    expect(ooniFailureClass('ssl_invalid_hostname')).toEqual({ class: 'certificate', certificate: 'name' });
    expect(ooniFailureClass('ssl_unknown_authority')).toEqual({ class: 'certificate', certificate: 'issuer' });
    expect(ooniFailureClass(null)).toBeUndefined();
  });
});
