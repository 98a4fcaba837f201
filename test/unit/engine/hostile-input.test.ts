/**
 * Every byte from the network is the censor's. Generated hostile input (fast-check) goes to every
 * part of the engine that reads it: block-page matching and titles (page bodies, headers), the DNS
 * wire parser (DoH answers), the OONI adapter (measurements anyone can hand to `npm run classify`)
 * and classify() itself. None may throw anything but its own documented error, and none may hang.
 */
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeMessage, DnsWireError, encodeResponse, RR_TYPE } from '../../../engine/dns-wire';
import { bundledFingerprints, BUNDLED_FINGERPRINTS_DATA } from '../../../engine/fingerprints-bundled';
import { ooniToObservations, OoniMeasurementError } from '../../../engine/ooni-measurement';
import { pageTitle } from '../../../engine/page-title';
import type { Observations } from '../../../engine/types';
import { classify } from '../../../engine/verdict';
import { patternPieces } from '../../../scripts/hostile-bodies';
import { control, HOST, URL_HTTP, URL_HTTPS } from './scenarios';

/** Per call; the backtracking matcher took minutes on bodies like these. */
const MAX_MS = 250;

const rows = BUNDLED_FINGERPRINTS_DATA.http;
const pieces = [...new Set(rows.flatMap((r) => patternPieces(r[4], r[3])))].filter((p) => p.length > 0);

/** Bodies made of fingerprint pieces, cut pieces, line breaks and noise, up to 64 KiB. */
const hostileBody = fc
  .tuple(
    fc.array(
      fc.oneof(
        fc.constantFrom(...pieces),
        fc.constantFrom(...pieces).map((p) => p.slice(0, -1)),
        fc.constantFrom('<title>', '<title', '</title>', '<', '\n', '\r\n', '\u2028', '\u0000', '\uFFFD', '\uD800'),
        fc.string({ maxLength: 20 }),
      ),
      { minLength: 1, maxLength: 12 },
    ),
    fc.integer({ min: 1, max: 65536 }),
  )
  .map(([parts, size]) => {
    const unit = parts.join('') || 'x';
    return unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
  });

const hostileHeaders = fc.dictionary(
  fc.oneof(fc.constantFrom('server', 'location', 'content-type', '__proto__', 'constructor', 'Set-Cookie', 'x-squid-error'), fc.string({ maxLength: 30 })),
  fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 200 }), hostileBody.map((b) => b.slice(0, 8192))),
  { maxKeys: 6 },
);

const hostileAddress = fc.oneof(
  fc.ipV4(),
  fc.ipV6(),
  fc.constantFrom('::7f00:1', '::ffff:10.0.0.1', '0x7f.1', '1.2.3.4.5', 'fe80::1%eth0', '', ' ', '999.1.1.1', ':'.repeat(5000)),
  fc.string({ maxLength: 100 }),
);

function timed<T>(run: () => T): T {
  const start = performance.now();
  const result = run();
  expect(performance.now() - start).toBeLessThan(MAX_MS);
  return result;
}

describe('hostile input', () => {
  const fps = bundledFingerprints();

  it('block-page matching and titles: no throw, no hang, on bodies and headers built to hurt', () => {
    fc.assert(
      fc.property(hostileBody, hostileHeaders, (body, headers) => {
        timed(() => fps.matchHttp({ body, headers, location: headers.location }));
        timed(() => pageTitle(body));
      }),
      { numRuns: 150 },
    );
  });

  it('classify(): no throw, no hang, a well-formed verdict, whatever the network answered', () => {
    const observation = fc.record({
      body: hostileBody,
      headers: hostileHeaders,
      status: fc.oneof(fc.integer({ min: -1, max: 999 }), fc.constant(Number.NaN)),
      addrs: fc.array(hostileAddress, { maxLength: 6 }),
      url: fc.oneof(fc.constantFrom(URL_HTTP, URL_HTTPS, 'http://[::7f00:1]/', 'http://10.0.0.1/'), fc.webUrl()),
      location: fc.option(fc.oneof(fc.webUrl(), fc.string({ maxLength: 300 })), { nil: undefined }),
      title: fc.option(fc.string({ maxLength: 600 }), { nil: undefined }),
      withControl: fc.boolean(),
    });
    fc.assert(
      fc.property(observation, (o) => {
        const obs: Observations = {
          url: URL_HTTP,
          host: HOST,
          failure: { class: 'reset' },
          dns: [
            { kind: 'system', resolver: 'system', addrs: o.addrs },
            { kind: 'doh', resolver: 'https://doh.example/dns-query', addrs: o.addrs.slice(1) },
          ],
          tcp: o.addrs.map((ip) => ({ ip, port: 80, ok: true })),
          http: [{ url: o.url, ok: true, status: o.status, headers: o.headers, body: o.body, title: o.title, location: o.location }],
          ...(o.withControl ? { control: control({ dns: o.addrs.filter((a) => a.length < 50) }) } : { controlFailure: 'timeout' }),
        };
        const verdict = timed(() => classify(obs));
        expect(['censorship', 'outage', 'local', 'ok', 'unknown']).toContain(verdict.kind);
        expect(Number.isFinite(verdict.confidence)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('the DNS wire parser: any bytes give a message or a DnsWireError', () => {
    const valid = encodeResponse({ id: 0, question: { name: 'mail.example.org', type: RR_TYPE.A, class: 1 }, answers: [{ name: 'mail.example.org', type: RR_TYPE.A, ttl: 60, data: '192.0.2.1' }] });
    const mutated = fc
      .array(fc.tuple(fc.nat({ max: valid.length - 1 }), fc.nat({ max: 255 })), { maxLength: 8 })
      .map((edits) => {
        const copy = Uint8Array.from(valid);
        for (const [at, byte] of edits) copy[at] = byte;
        return copy;
      });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 600 }), mutated), (bytes) => {
        try {
          timed(() => decodeMessage(bytes));
        } catch (error) {
          expect(error).toBeInstanceOf(DnsWireError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('the DNS wire parser: a compression pointer that points at itself is an error, not a loop', () => {
    // Header with one question whose name is a pointer to offset 12: itself.
    const loop = Uint8Array.from([0, 0, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]);
    expect(() => timed(() => decodeMessage(loop))).toThrow(DnsWireError);
  });

  it('the OONI adapter: any JSON gives observations or an OoniMeasurementError, and those classify', () => {
    const fixtures = readdirSync(new URL('../../fixtures/ooni/', import.meta.url))
      .filter((f) => /^v0[45]-.*\.json$/.test(f))
      .map((f) => JSON.parse(readFileSync(new URL(`../../fixtures/ooni/${f}`, import.meta.url), 'utf8')));
    /** A real measurement with one value somewhere inside replaced by something hostile. */
    const replaceDeep = (value: unknown, path: number[], replacement: unknown): unknown => {
      if (path.length === 0 || value === null || typeof value !== 'object') return replacement;
      const keys = Object.keys(value);
      if (keys.length === 0) return replacement;
      const key = keys[path[0]! % keys.length]!;
      const copy: Record<string, unknown> = Array.isArray(value) ? ([...value] as unknown as Record<string, unknown>) : { ...value };
      copy[key] = replaceDeep((value as Record<string, unknown>)[key], path.slice(1), replacement);
      return copy;
    };
    const replacement = fc.oneof(fc.jsonValue({ maxDepth: 3 }), hostileBody, fc.constantFrom(null, -1, 1e309, '__proto__', { format: 'base64', data: '!!' }));
    const measurement = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }),
      fc.tuple(fc.constantFrom(...fixtures), fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), replacement).map(([m, path, r]) => replaceDeep(m, path, r)),
    );
    let read = 0;
    fc.assert(
      fc.property(measurement, (m) => {
        let observations: Observations;
        try {
          observations = timed(() => ooniToObservations(m)).observations;
        } catch (error) {
          expect(error).toBeInstanceOf(OoniMeasurementError);
          return;
        }
        read++;
        const verdict = timed(() => classify(observations));
        expect(typeof verdict.kind).toBe('string');
      }),
      { numRuns: 600 },
    );
    // The mutations must leave many measurements readable, or the property says little.
    expect(read).toBeGreaterThan(100);
  });
});
