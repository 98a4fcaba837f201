/**
 * parseControlResponse(): the one reading of a test helper's answer, for the probes (the network's
 * answer), the OONI adapter (a measurement's control block) and the engine (whatever Observations it
 * is handed). Real answers pass, including the ways OONI's helpers really differ from the type;
 * answers the engine would misread are refused whole; nothing makes it throw.
 */
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAX_CONTROL_ENTRIES, parseControlResponse, type ControlResponse } from '../../../engine/control-protocol';
import { ooniToObservations } from '../../../engine/ooni-measurement';
import { classify } from '../../../engine/verdict';
import { control, scenarios } from './scenarios';

const dir = new URL('../../fixtures/ooni/', import.meta.url);
const fixtures = readdirSync(dir).filter((f) => /^v0[45]-.*\.json$/.test(f));
const controlBlock = (name: string) => JSON.parse(readFileSync(new URL(name, dir), 'utf8')).test_keys.control;

/** The smallest answer accepted, as the probes' tests write it. */
const base = () => ({ tcp_connect: {}, http_request: { status_code: 200, failure: null }, dns: { addrs: [], failure: null } });

/** Checks every field the engine reads, by type: what an accepted answer must always satisfy. */
function expectWellTyped(c: ControlResponse) {
  const failure = (f: unknown) => expect(f === null || typeof f === 'string').toBe(true);
  failure(c.dns.failure);
  expect(Array.isArray(c.dns.addrs)).toBe(true);
  for (const a of c.dns.addrs) expect(typeof a).toBe('string');
  for (const r of Object.values(c.tcp_connect)) {
    expect(typeof r.status).toBe('boolean');
    failure(r.failure);
  }
  for (const r of Object.values(c.tls_handshake ?? {})) {
    expect(typeof r.server_name).toBe('string');
    expect(typeof r.status).toBe('boolean');
    failure(r.failure);
  }
  for (const r of Object.values(c.ip_info ?? {})) {
    expect(Number.isFinite(r.asn) && Number.isFinite(r.flags)).toBe(true);
  }
  const h = c.http_request;
  expect(Number.isFinite(h.status_code) && Number.isFinite(h.body_length)).toBe(true);
  failure(h.failure);
  expect(typeof h.title).toBe('string');
  for (const v of Object.values(h.headers)) expect(typeof v).toBe('string');
}

describe('real answers', () => {
  it.each(fixtures)('%s: the control block passes with every field the engine reads', (name) => {
    const raw = controlBlock(name);
    const parsed = parseControlResponse(raw);
    expect(parsed).toBeDefined();
    expectWellTyped(parsed!);
    // Nothing the engine reads is changed; QUIC and HTTP/3 are dropped.
    const { quic_handshake: _q, http3_request: _h3, ...read } = raw;
    expect(parsed).toEqual({ ...read, http_request: { discovered_h3_endpoint: '', ...read.http_request } });
  });

  it("passes the lab scenarios' answers (Detour's service's shape) unchanged", () => {
    for (const s of Object.values(scenarios)) {
      if (s.withControl.control) expect(parseControlResponse(s.withControl.control)).toEqual(s.withControl.control);
    }
  });

  it('gives what older helpers leave out, or Go writes as null, the value OONI gives it', () => {
    const parsed = parseControlResponse({
      dns: { failure: 'dns_name_error', addrs: null },
      http_request: { failure: 'dns_lookup_error' },
    });
    expect(parsed).toEqual({
      tcp_connect: {},
      dns: { failure: 'dns_name_error', addrs: [] },
      http_request: { body_length: -1, discovered_h3_endpoint: '', failure: 'dns_lookup_error', title: '', headers: {}, status_code: -1 },
    });
    // No TLS or ip_info block (v0.4 helpers): none, rather than an empty one the rules would read.
    expect(parsed).not.toHaveProperty('tls_handshake');
    expect(parsed).not.toHaveProperty('ip_info');
    expect(parseControlResponse({ ...base(), tcp_connect: null, tls_handshake: null, ip_info: null })).toEqual(parseControlResponse(base()));
  });

  it('reads a header given as a list of values (OONI request style) as its first value', () => {
    const parsed = parseControlResponse({ ...base(), http_request: { status_code: 200, headers: { Server: ['nginx', 'x'], Vary: [] } } });
    expect(parsed?.http_request.headers).toEqual({ Server: 'nginx', Vary: '' });
  });

  it('keeps addresses as text and body_length -1, title "" as OONI writes a failed fetch', () => {
    const parsed = parseControlResponse({ ...base(), dns: { addrs: ['185.70.42.37', 'not-an-ip'], failure: null }, http_request: { status_code: -1, body_length: -1, title: '', failure: 'generic_timeout_error', headers: {} } });
    expect(parsed?.dns.addrs).toEqual(['185.70.42.37', 'not-an-ip']);
    expect(parsed?.http_request).toMatchObject({ status_code: -1, body_length: -1, title: '' });
  });

  it('returns a fresh object holding only what the engine reads, and knows its own answers again', () => {
    const raw = { ...base(), pad: 'x'.repeat(100), quic_handshake: {}, http3_request: null };
    const parsed = parseControlResponse(raw)!;
    expect(parsed).not.toBe(raw);
    expect(parsed).not.toHaveProperty('pad');
    expect(parsed).not.toHaveProperty('quic_handshake');
    expect(parseControlResponse(parsed)).toBe(parsed);
  });
});

describe('hostile answers', () => {
  const over = MAX_CONTROL_ENTRIES + 1;
  const many = <T>(make: (i: number) => T) => Array.from({ length: over }, (_, i) => make(i));
  const hostile: Array<[string, unknown]> = [
    ['not an object', 'null'],
    ['null', null],
    ['a list', [base()]],
    ['an empty object (the helper failed)', {}],
    ['no DNS block', { ...base(), dns: undefined }],
    ['no HTTP block', { ...base(), http_request: undefined }],
    ['DNS block is a list', { ...base(), dns: [] }],
    ['an address that is not text', { ...base(), dns: { addrs: [{ ip: '45.90.28.10' }], failure: null } }],
    ['addresses that are not a list', { ...base(), dns: { addrs: '45.90.28.10', failure: null } }],
    ['a hole in the addresses', { ...base(), dns: { addrs: [, '45.90.28.10'], failure: null } }],
    ['a DNS failure that is not text', { ...base(), dns: { addrs: [], failure: 42 } }],
    ['a TCP result that is text', { ...base(), tcp_connect: { '45.90.28.10:443': 'open' } }],
    ['TCP results that are a list', { ...base(), tcp_connect: [{ status: true, failure: null }] }],
    ['a TCP status that is not a boolean', { ...base(), tcp_connect: { '45.90.28.10:443': { status: 'true', failure: null } } }],
    ['a TCP result without status', { ...base(), tcp_connect: { '45.90.28.10:443': { failure: null } } }],
    ['a null TLS result', { ...base(), tls_handshake: { '45.90.28.10:443': null } }],
    ['a server name that is a number', { ...base(), tls_handshake: { '45.90.28.10:443': { server_name: 42, status: true, failure: null } } }],
    ['a TLS result without server name', { ...base(), tls_handshake: { '45.90.28.10:443': { status: true, failure: null } } }],
    ['a TLS failure that is an object', { ...base(), tls_handshake: { '45.90.28.10:443': { server_name: 'x', status: false, failure: {} } } }],
    ['a null ip_info entry', { ...base(), ip_info: { '45.90.28.10': null } }],
    ['ip_info flags that are text', { ...base(), ip_info: { '45.90.28.10': { asn: 0, flags: '8' } } }],
    ['ip_info without asn', { ...base(), ip_info: { '45.90.28.10': { flags: 8 } } }],
    ['an HTTP failure that is an object', { ...base(), http_request: { status_code: 200, failure: { code: 1 } } }],
    ['a title that is a list', { ...base(), http_request: { status_code: 200, failure: null, title: ['x'] } }],
    ['a nested header', { ...base(), http_request: { status_code: 200, failure: null, headers: { server: { nested: true } } } }],
    ['a header list holding a number', { ...base(), http_request: { status_code: 200, headers: { server: [1] } } }],
    ['headers that are a list', { ...base(), http_request: { status_code: 200, headers: [['server', 'x']] } }],
    ['a status code that is text', { ...base(), http_request: { status_code: 'NaN', failure: null } }],
    ['a status code that is NaN', { ...base(), http_request: { status_code: Number.NaN } }],
    ['a body length that is Infinity', { ...base(), http_request: { status_code: 200, body_length: Number.POSITIVE_INFINITY } }],
    ['too many addresses', { ...base(), dns: { addrs: many((i) => `10.0.${i >> 8}.${i & 255}`), failure: null } }],
    ['too many TCP results', { ...base(), tcp_connect: Object.fromEntries(many((i) => [`10.0.0.1:${i + 1}`, { status: true, failure: null }])) }],
    ['too many headers', { ...base(), http_request: { status_code: 200, headers: Object.fromEntries(many((i) => [`x-${i}`, 'v'])) } }],
    ['too many ip_info entries', { ...base(), ip_info: Object.fromEntries(many((i) => [`10.0.${i >> 8}.${i & 255}`, { asn: 0, flags: 1 }])) }],
  ];

  it.each(hostile)('refuses %s', (_, answer) => {
    expect(parseControlResponse(answer)).toBeUndefined();
  });

  it(`accepts exactly ${MAX_CONTROL_ENTRIES} entries`, () => {
    const addrs = Array.from({ length: MAX_CONTROL_ENTRIES }, (_, i) => `10.0.${i >> 8}.${i & 255}`);
    expect(parseControlResponse({ ...base(), dns: { addrs, failure: null } })?.dns.addrs).toHaveLength(MAX_CONTROL_ENTRIES);
  });

  it('keeps a "__proto__" key a key, and pollutes nothing', () => {
    const raw = JSON.parse('{"tcp_connect": {"__proto__": {"status": true, "failure": null}}, "http_request": {"status_code": 200, "headers": {"__proto__": "x"}}, "dns": {"addrs": []}}');
    const parsed = parseControlResponse(raw)!;
    expect(Object.getPrototypeOf(parsed.tcp_connect)).toBe(Object.prototype);
    expect(Object.keys(parsed.tcp_connect)).toEqual(['__proto__']);
    expect(Object.keys(parsed.http_request.headers)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).status).toBeUndefined();
  });

  it('never throws, not even on getters and proxies that do', () => {
    const throwing = new Proxy({}, { get: () => { throw new Error('boom'); }, ownKeys: () => { throw new Error('boom'); } });
    const getter = { ...base(), get tcp_connect() { throw new Error('boom'); } };
    expect(parseControlResponse(throwing)).toBeUndefined();
    expect(parseControlResponse(getter)).toBeUndefined();
    expect(parseControlResponse({ ...base(), tls_handshake: throwing })).toBeUndefined();
  });

  it('never throws on generated JSON, and what it accepts is always well typed', () => {
    // Mostly the right type, sometimes anything: answers near the boundary, on both sides of it.
    const mostly = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ arbitrary: valid, weight: 30 }, { arbitrary: fc.jsonValue(), weight: 1 });
    const failure = mostly(fc.oneof(fc.constant(null), fc.string()));
    const table = <T>(value: fc.Arbitrary<T>) => mostly(fc.dictionary(fc.string(), value, { maxKeys: 4 }));
    const answer = fc.record(
      {
        tcp_connect: table(mostly(fc.record({ status: mostly(fc.boolean()), failure }, { requiredKeys: [] }))),
        tls_handshake: table(mostly(fc.record({ server_name: mostly(fc.string()), status: mostly(fc.boolean()), failure }, { requiredKeys: [] }))),
        ip_info: table(mostly(fc.record({ asn: mostly(fc.integer()), flags: mostly(fc.integer()) }, { requiredKeys: [] }))),
        dns: mostly(fc.record({ addrs: mostly(fc.array(mostly(fc.string()), { maxLength: 4 })), failure }, { requiredKeys: [] })),
        http_request: mostly(
          fc.record(
            {
              status_code: mostly(fc.integer()),
              body_length: mostly(fc.integer()),
              failure,
              title: mostly(fc.string()),
              headers: table(mostly(fc.oneof(fc.string(), fc.array(mostly(fc.string()), { maxLength: 2 })))),
            },
            { requiredKeys: [] },
          ),
        ),
      },
      { requiredKeys: [] },
    );
    let accepted = 0;
    fc.assert(
      fc.property(mostly(answer), (raw) => {
        const parsed = parseControlResponse(raw);
        if (parsed) {
          accepted++;
          expectWellTyped(parsed);
        }
      }),
      { numRuns: 2000, seed: 1 },
    );
    // The generator proves nothing unless it lands on both sides (about one answer in eight passes).
    expect(accepted).toBeGreaterThan(100);
    expect(accepted).toBeLessThan(1900);
  });
});

describe('everyone reads the control through it', () => {
  it('the OONI adapter: a control block the parser refuses is no control', () => {
    const m = JSON.parse(readFileSync(new URL('v05-tls-reset-sni.json', dir), 'utf8'));
    m.test_keys.control.tls_handshake['185.70.42.37:443'] = null;
    const { observations } = ooniToObservations(m);
    expect(observations.control).toBeUndefined();
    expect(observations.controlFailure).toBeDefined();
  });

  it('the OONI adapter: null addresses (Go, on NXDOMAIN) are no addresses', () => {
    const m = JSON.parse(readFileSync(new URL('v04-dns-nxdomain.json', dir), 'utf8'));
    m.test_keys.control.dns = { failure: 'dns_name_error', addrs: null };
    expect(ooniToObservations(m).observations.control?.dns).toEqual({ failure: 'dns_name_error', addrs: [] });
  });

  it('the engine: Observations built by hand with a control it would trip over get no control', () => {
    const obs = { ...scenarios.sniReset.withControl, control: { ...control(), tls_handshake: { '185.70.42.37:443': null } } as never };
    expect(() => classify(obs)).not.toThrow();
    expect(classify(obs).evidence).toContainEqual({ code: 'no_control', params: { reason: 'malformed' } });
  });
});
