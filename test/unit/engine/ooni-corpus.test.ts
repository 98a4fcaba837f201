/**
 * The OONI corpus: OONI's own Web Connectivity measurements (test/fixtures/ooni/probe-cli/, from
 * ooni/probe-cli's netem QA suite and its hand-run real-network cases: SOURCES.md) and the project's
 * simulated ones (test/fixtures/ooni/v0*.json), each through the very classifyMeasurement() that
 * `npm run classify` runs. Every file must get the verdict expected.json gives Detour; how often that
 * verdict agrees with OONI's own (`test_keys.blocking` / `accessible`) is printed and held to a floor,
 * and every disagreement must say why (expected.json `why`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classifyMeasurement } from '../../../scripts/classify';
import { ooniToObservations } from '../../../engine/ooni-measurement';
import { classify } from '../../../engine/verdict';

interface CorpusEntry {
  source: string;
  ooni: { blocking: string | false | null; accessible: boolean | null; x_blocking_flags: number | null };
  qa?: { file: string; blocking: string | false | null; accessible: boolean | null };
  detour: { kind: string; method: string | null };
  why?: string;
}

const probeCliDir = new URL('../../fixtures/ooni/probe-cli/', import.meta.url);
const simulatedDir = new URL('../../fixtures/ooni/', import.meta.url);
const read = (dir: URL, name: string) => JSON.parse(readFileSync(new URL(name, dir), 'utf8'));

const probeCliExpected: Record<string, CorpusEntry> = read(probeCliDir, 'expected.json');
const probeCliFiles = readdirSync(probeCliDir).filter((f) => f.endsWith('.json') && f !== 'expected.json').sort();
const simulatedExpected: Record<string, { kind: string; method: string | null }> = read(simulatedDir, 'expected.json');
const simulatedFiles = readdirSync(simulatedDir).filter((f) => /^v0[45]-.*\.json$/.test(f)).sort();

/** Detour's names for OONI's blocking methods (OONI calls a TLS-stage block http-failure). */
const METHODS: Record<string, string[]> = {
  dns: ['dns'],
  tcp_ip: ['tcp_ip'],
  'http-failure': ['http-failure', 'tls'],
  'http-diff': ['http-diff', 'blockpage'],
};

/**
 * Whether Detour's verdict agrees with OONI's. `blocking` a method: censorship by that method.
 * `false`: no accusation (`ok` or `outage`; strictly, `ok` when OONI says accessible, else `outage`).
 * `null` (OONI gives no verdict): no accusation; strictly, `unknown`.
 */
function agreement(ooni: CorpusEntry['ooni'], verdict: { kind: string; method: string | null }): { agrees: boolean; strict: boolean } {
  if (ooni.blocking === null) return { agrees: verdict.kind !== 'censorship', strict: verdict.kind === 'unknown' };
  if (ooni.blocking === false) {
    return { agrees: verdict.kind === 'ok' || verdict.kind === 'outage', strict: verdict.kind === (ooni.accessible ? 'ok' : 'outage') };
  }
  const agrees = verdict.kind === 'censorship' && (METHODS[ooni.blocking] ?? [ooni.blocking]).includes(verdict.method ?? '');
  return { agrees, strict: agrees };
}

const classified = (dir: URL, file: string) => {
  const m = read(dir, file);
  const line = classifyMeasurement(m);
  return { m, verdict: { kind: line.kind, method: line.method } };
};

describe('OONI corpus (ooni/probe-cli measurements)', () => {
  it('has an expected.json entry for every file, and a file for every entry', () => {
    expect(probeCliFiles).toEqual(Object.keys(probeCliExpected).sort());
    expect(probeCliFiles.length).toBeGreaterThanOrEqual(50);
  });

  it('covers the cases of the issue', () => {
    const has = (prefix: string) => probeCliFiles.filter((f) => f.startsWith(prefix)).length;
    expect(has('redirectWithConsistentDNSAndThen')).toBeGreaterThanOrEqual(9);
    expect(has('redirectWithMoreThanTenRedirects')).toBe(2);
    expect(has('redirectWithBrokenLocation')).toBe(2);
    expect(has('idnaWithoutCensorship')).toBe(2);
    expect(has('cloudflareCAPTCHA')).toBe(2);
    expect(has('dnsBlocking')).toBe(3);
  });

  it.each(probeCliFiles)('%s', (file) => {
    const entry = probeCliExpected[file]!;
    const { m, verdict } = classified(probeCliDir, file);
    // expected.json records OONI's verdict as the measurement has it.
    expect({ blocking: m.test_keys.blocking, accessible: m.test_keys.accessible }).toEqual({
      blocking: entry.ooni.blocking,
      accessible: entry.ooni.accessible,
    });
    expect(verdict).toEqual(entry.detour);
    if (!agreement(entry.ooni, verdict).agrees) expect(entry.why, `${file} disagrees with OONI: say why`).toBeTruthy();
  });

  it('never calls a server-side fault censorship', () => {
    for (const file of probeCliFiles.filter((f) => /^(redirectWithMoreThanTen|redirectWithBrokenLocation|cloudflareCAPTCHA)/.test(f))) {
      expect(classified(probeCliDir, file).verdict.kind, file).not.toBe('censorship');
    }
  });
});

describe('OONI corpus: agreement with OONI\'s own verdict', () => {
  it('prints the agreement and holds it to a floor', () => {
    const rows = [
      ...probeCliFiles.map((file) => ({ set: 'probe-cli', file, ...classified(probeCliDir, file) })),
      ...simulatedFiles.map((file) => ({ set: 'simulated', file, ...classified(simulatedDir, file) })),
    ];
    let agrees = 0;
    let strict = 0;
    const disagreements: string[] = [];
    for (const row of rows) {
      const ooni = { blocking: row.m.test_keys.blocking ?? null, accessible: row.m.test_keys.accessible ?? null, x_blocking_flags: null };
      const a = agreement(ooni, row.verdict);
      if (a.agrees) agrees++;
      else disagreements.push(`${row.file}: OONI ${String(ooni.blocking)}, Detour ${row.verdict.kind}${row.verdict.method ? `/${row.verdict.method}` : ''}`);
      if (a.strict) strict++;
      if (row.set === 'simulated') expect(row.verdict, row.file).toEqual(simulatedExpected[row.file]);
    }
    const pct = (n: number) => `${((100 * n) / rows.length).toFixed(1)}%`;
    console.log(
      `OONI corpus: ${rows.length} measurements (${probeCliFiles.length} ooni/probe-cli, ${simulatedFiles.length} simulated); ` +
        `Detour agrees with OONI on ${agrees} (${pct(agrees)}), strictly (ok vs outage vs unknown too) on ${strict} (${pct(strict)})\n` +
        disagreements.map((d) => `  differs: ${d}`).join('\n'),
    );
    // 65 of 70 when written: the 5 differences are explained in expected.json (`why`).
    expect(agrees / rows.length).toBeGreaterThanOrEqual(0.92);
    expect(strict / rows.length).toBeGreaterThanOrEqual(0.87);
  });
});

describe('the adapter reads the measurement as the user experienced it', () => {
  it('drops the fetches through other resolvers\' addresses when the system resolver failed', () => {
    const { observations } = ooniToObservations(read(probeCliDir, 'dnsBlockingNXDOMAIN.json'));
    expect(observations.http).toEqual([]);
    expect(observations.dns?.find((d) => d.kind === 'system')).toMatchObject({ addrs: [], failure: 'nxdomain' });
  });

  it('adds the later hop that failed without leaving a request, after the redirect that led there', () => {
    const { observations } = ooniToObservations(read(probeCliDir, 'redirectWithConsistentDNSAndThenNXDOMAIN.json'));
    expect(observations.http?.map((h) => [h.hop, h.url, h.ok, h.failure ?? h.status])).toEqual([
      [0, 'https://bit.ly/21645', true, 308],
      [1, 'https://www.example.com/', false, 'dns'],
    ]);
  });

  it('marks a chain the server broke', () => {
    const loop = ooniToObservations(read(probeCliDir, 'redirectWithMoreThanTenRedirectsAndHTTPS.json')).observations.http!;
    expect(loop).toHaveLength(11);
    expect(loop.at(-1)).toMatchObject({ hop: 10, ok: true, status: 302, serverFault: 'too-many-redirects' });
    const broken = ooniToObservations(read(probeCliDir, 'redirectWithBrokenLocationForHTTP.json')).observations.http!;
    expect(broken).toEqual([expect.objectContaining({ hop: 0, status: 302, location: 'http://', serverFault: 'bad-location' })]);
  });

  it('compares an internationalized name in one form, whichever form OONI wrote it in', () => {
    const m = read(probeCliDir, 'idnaWithoutCensorshipLowercase.json');
    for (const q of m.test_keys.queries) if (q.hostname === 'xn--d1acpjx3f.xn--p1ai') q.hostname = 'ЯНДЕКС.рф';
    for (const t of m.test_keys.tls_handshakes) if (t.server_name === 'xn--d1acpjx3f.xn--p1ai') t.server_name = 'яндекс.рф';
    const { observations } = ooniToObservations(m);
    expect(observations.host).toBe('xn--d1acpjx3f.xn--p1ai');
    expect(observations.dns?.find((d) => d.kind === 'system')?.addrs).toEqual(['5.255.255.80']);
    expect(classify(observations)).toMatchObject({ kind: 'ok' });
  });

  it('reads a server-side fault as an outage when the control fails too, never as censorship', () => {
    for (const file of ['cloudflareCAPTCHAWithHTTPS.json', 'cloudflareCAPTCHAWithHTTP.json', 'redirectWithBrokenLocationForHTTPS.json']) {
      const m = read(probeCliDir, file);
      Object.assign(m.test_keys.control.http_request, { failure: 'connection_reset', status_code: -1, body_length: -1, title: '' });
      expect(classifyMeasurement(m), file).toMatchObject({ kind: 'outage' });
    }
  });

  it('reads a later hop that fails for the control too as an outage', () => {
    const m = read(probeCliDir, 'redirectWithConsistentDNSAndThenConnectionResetForHTTPS.json');
    Object.assign(m.test_keys.control.http_request, { failure: 'connection_reset', status_code: -1, body_length: -1, title: '' });
    expect(classifyMeasurement(m)).toMatchObject({ kind: 'outage' });
  });

  it('a redirect chain that leaves the provider over plain HTTP for a page unlike the control\'s is tampering', () => {
    const m = read(probeCliDir, 'idnaWithoutCensorshipLowercase.json');
    m.test_keys.control.http_request.title = 'Yandex';
    m.test_keys.control.http_request.body_length = 90000;
    m.test_keys.control.http_request.headers = { 'X-Yandex-Req-Id': '1' };
    expect(classifyMeasurement(m)).toMatchObject({ kind: 'censorship', method: 'http-diff' });
  });
});
