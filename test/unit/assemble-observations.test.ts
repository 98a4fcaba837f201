/**
 * The inferences between measuring and the engine (lib/probes/assemble-observations.ts): which step
 * failed, which address the browser used, what a bare-address answer proves. Pure, so each is a table
 * row here, not a browser run.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { classify } from '../../engine/verdict';
import type { Observations } from '../../engine/types';
import { assembleObservations, type ProbeMeasurements } from '../../lib/probes/assemble-observations';

const HOST = 'mail.example.org';
const base = (fields: Partial<ProbeMeasurements> = {}): ProbeMeasurements => ({
  url: `https://${HOST}/`,
  host: HOST,
  observedAt: 1000,
  canaries: [],
  doh: [{ kind: 'doh', resolver: 'https://doh.example/dns-query', addrs: ['203.0.113.7'] }],
  retry: { url: `https://${HOST}/`, ok: false, failure: 'reset', elapsedMs: 40 },
  control: { controlFailure: 'not-configured' },
  addresses: [],
  ...fields,
});

describe('assembleObservations', () => {
  it('offline: the failure and nothing else, because nothing was measured', () => {
    const obs = assembleObservations({ url: `https://${HOST}/`, host: HOST, observedAt: 5, offline: true }, { class: 'network-down', error: 'net::ERR_INTERNET_DISCONNECTED' });
    expect(obs).toEqual({ url: `https://${HOST}/`, host: HOST, observedAt: 5, offline: true, failure: { class: 'network-down', error: 'net::ERR_INTERNET_DISCONNECTED' } });
  });

  it('system DNS: the browser\'s own resolver when it answered; else NXDOMAIN from the error; else the addresses the browser reached', () => {
    const system = { kind: 'system' as const, resolver: 'system', addrs: ['10.10.34.35'] };
    expect(assembleObservations(base({ system }), { class: 'dns' }).dns![0]).toBe(system);
    expect(assembleObservations(base(), { class: 'dns' }).dns![0]).toEqual({ kind: 'system', resolver: 'system', addrs: [], failure: 'nxdomain' });
    expect(assembleObservations(base({ retry: { url: `https://${HOST}/`, ok: false, failure: 'dns' } }), undefined).dns![0]).toMatchObject({ failure: 'nxdomain' });
    const reached = base({ retry: { url: `https://${HOST}/`, ok: true, status: 200, ip: '203.0.113.7' }, plainRoot: { url: `http://${HOST}/`, ok: true, ip: '203.0.113.8' } });
    expect(assembleObservations(reached, { class: 'reset', ip: '203.0.113.9' }).dns![0]).toEqual({ kind: 'system', resolver: 'system', addrs: ['203.0.113.9', '203.0.113.7', '203.0.113.8'] });
    // Nothing known: no system entry at all ("not probed"), only the DoH answers.
    expect(assembleObservations(base(), { class: 'reset' }).dns!.map((d) => d.kind)).toEqual(['doh']);
  });

  it('a failed connect is a TCP observation only where the browser named the address', () => {
    expect(assembleObservations(base(), { class: 'timeout' }).tcp).toEqual([]);
    expect(assembleObservations(base(), { class: 'refused', ip: '203.0.113.7' }).tcp).toEqual([{ ip: '203.0.113.7', port: 443, ok: false, failure: 'refused' }]);
    const plain = base({ url: `http://${HOST}/` });
    expect(assembleObservations(plain, { class: 'unreachable', ip: '203.0.113.7' }).tcp![0]).toMatchObject({ port: 80 });
  });

  it('a reset or certificate error on https is a failed handshake with the name', () => {
    expect(assembleObservations(base(), { class: 'certificate', certificate: 'issuer', ip: '203.0.113.7' }).tls).toEqual([
      { serverName: HOST, ok: false, failure: 'certificate', ip: '203.0.113.7', certificate: 'issuer' },
    ]);
    expect(assembleObservations(base(), { class: 'reset' }).tls).toEqual([{ serverName: HOST, ok: false, failure: 'reset' }]);
    expect(assembleObservations(base({ url: `http://${HOST}/` }), { class: 'reset' }).tls).toEqual([]);
  });

  it('a failure the browser left unnamed takes the step the retry of the URL named', () => {
    // Firefox's bare NS_ERROR_FAILURE for a reset right after the TCP handshake (scenario tcp-reset).
    const unnamed = { class: 'unknown' as const, error: 'NS_ERROR_FAILURE', ip: '203.0.113.7' };
    expect(assembleObservations(base(), unnamed).tls).toEqual([{ serverName: HOST, ok: false, failure: 'reset', ip: '203.0.113.7' }]);
    const refused = base({ retry: { url: `https://${HOST}/`, ok: false, failure: 'refused' } });
    expect(assembleObservations(refused, unnamed).tcp).toEqual([{ ip: '203.0.113.7', port: 443, ok: false, failure: 'refused' }]);
    const certificate = base({ retry: { url: `https://${HOST}/`, ok: false, failure: 'certificate', certificate: 'name' } });
    expect(assembleObservations(certificate, unnamed).tls).toEqual([{ serverName: HOST, ok: false, failure: 'certificate', ip: '203.0.113.7', certificate: 'name' }]);
    // The retry unnamed too, or no failure to name: no step is claimed.
    const vague = base({ retry: { url: `https://${HOST}/`, ok: false, failure: 'unknown' } });
    expect(assembleObservations(vague, unnamed)).toMatchObject({ tcp: [], tls: [] });
    expect(assembleObservations(base(), undefined)).toMatchObject({ tcp: [], tls: [] });
    // The browser's own name wins over the retry's.
    expect(assembleObservations(refused, { class: 'reset' }).tls).toEqual([{ serverName: HOST, ok: false, failure: 'reset' }]);
  });

  it("the page's own 5xx the browser got over HTTPS is an answer from the real server, even when the retry failed", () => {
    const served = { class: 'http-status' as const, error: 'HTTP 503' };
    // A retry that failed at once (seen in Chromium right after its caches were cleared).
    const failedRetry = base({ retry: { url: `https://${HOST}/`, ok: false, failure: 'unknown', elapsedMs: 1 } });
    expect(assembleObservations(failedRetry, served).http![0]).toEqual({ url: `https://${HOST}/`, ok: true, status: 503 });
    // The retry's own answer says more (headers, body): it alone stands.
    const answered = base({ retry: { url: `https://${HOST}/`, ok: true, status: 503, title: 'Service Unavailable' } });
    expect(assembleObservations(answered, served).http).toEqual([{ url: `https://${HOST}/`, ok: true, status: 503, title: 'Service Unavailable' }]);
    // Plain HTTP could be anyone's answer; a redirect loop is not a status.
    expect(assembleObservations(base({ url: `http://${HOST}/`, retry: undefined }), served).http).toEqual([]);
    expect(assembleObservations(failedRetry, { class: 'http-status', error: 'net::ERR_TOO_MANY_REDIRECTS' }).http!.some((h) => h.ok)).toBe(false);

    // What the user is told: the lab's site-503 in Chromium, as the 10-run bench met it 4 times in 10
    // (the retry and both siblings failing at once), was "censorship"; it is an outage.
    const recorded = JSON.parse(readFileSync('test/fixtures/lab/chromium-site-503.json', 'utf8')).observations as Observations;
    const measured: ProbeMeasurements = {
      url: recorded.url,
      host: recorded.host,
      observedAt: recorded.observedAt!,
      canaries: recorded.canaries,
      doh: recorded.dns!.filter((d) => d.kind === 'doh'),
      retry: { url: recorded.url, ok: false, failure: 'unknown', elapsedMs: 1 },
      plainRoot: { url: `http://${recorded.host}/`, ok: false, failure: 'ignored', elapsedMs: 26 },
      siblings: recorded.siblings!.map((sib) => ({ host: sib.host, ok: false, elapsedMs: 3, failure: 'unknown' as const })),
      control: { control: recorded.control! },
      addresses: [],
    };
    expect(classify(assembleObservations(measured, served))).toMatchObject({ kind: 'outage' });
  });

  it('bare addresses: an answer proves TCP, a timeout proves nothing gets through, a quick failure proves nothing', () => {
    const obs = assembleObservations(
      base({
        addresses: [
          { ip: '203.0.113.7', http: { ok: true, timedOut: false, elapsedMs: 30 }, tls: { ok: true, timedOut: false, elapsedMs: 50 } },
          { ip: '203.0.113.8', http: { ok: false, timedOut: true, elapsedMs: 5000 }, tls: { ok: false, timedOut: true, elapsedMs: 5000 } },
          { ip: '203.0.113.9', http: { ok: false, timedOut: false, elapsedMs: 20 }, tls: { ok: false, timedOut: false, elapsedMs: 20 } },
        ],
      }),
      { class: 'reset' },
    );
    expect(obs.tcp).toEqual([
      { ip: '203.0.113.7', port: 80, ok: true, elapsedMs: 30 },
      { ip: '203.0.113.8', port: 80, ok: false, elapsedMs: 5000, failure: 'timeout' },
      { ip: '203.0.113.8', port: 443, ok: false, failure: 'timeout', elapsedMs: 5000 },
    ]);
    expect(obs.tls).toContainEqual({ ip: '203.0.113.7', port: 443, serverName: null, ok: true, elapsedMs: 50 });
    expect(obs.http!.map((h) => h.url)).toEqual([`https://${HOST}/`, 'http://203.0.113.7/', 'http://203.0.113.8/']);
  });

  it('keeps page results without the address, and says proxy when the browser or the retry did', () => {
    const obs = assembleObservations(base({ retry: { url: `https://${HOST}/`, ok: false, failure: 'proxy', ip: '203.0.113.7' } }), undefined);
    expect(obs.http![0]).toEqual({ url: `https://${HOST}/`, ok: false, failure: 'proxy' });
    expect(obs.proxy).toBe(true);
    expect(assembleObservations(base(), { class: 'proxy' }).proxy).toBe(true);
    expect(assembleObservations(base(), { class: 'reset' }).proxy).toBeUndefined();
  });

  it('the control, or why there is none; siblings only when there were any to ask', () => {
    const control = { dns: { failure: null, addrs: [] }, tcp_connect: {}, tls_handshake: {}, quic_handshake: {}, http_request: { body_length: 1, discovered_h3_endpoint: '', failure: null, title: '', headers: {}, status_code: 200 }, http3_request: null, ip_info: {} };
    expect(assembleObservations(base({ control: { control } }), undefined).control).toBe(control);
    expect(assembleObservations(base(), undefined)).toMatchObject({ controlFailure: 'not-configured' });
    expect(assembleObservations(base(), undefined).siblings).toBeUndefined();
    expect(assembleObservations(base({ siblings: [] }), undefined).siblings).toEqual([]);
  });
});
