import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildFingerprints, parseCsv, pythonRegexToJs, serialize } from '../../../scripts/build-fingerprints';
import { compileFingerprints, LiteralMatcher, type FingerprintRow } from '../../../engine/fingerprints';
import { bundledFingerprints, BUNDLED_FINGERPRINTS_DATA } from '../../../engine/fingerprints-bundled';
import { adversarialBodies } from '../../../scripts/hostile-bodies';

const names = (ms: { fingerprint: { name: string } }[]) => ms.map((m) => m.fingerprint.name);

describe('bundled fingerprint data', () => {
  it('holds every CSV row, credits its sources and matches a fresh build', () => {
    const data = BUNDLED_FINGERPRINTS_DATA;
    expect(data.dns).toHaveLength(226);
    expect(data.http).toHaveLength(1729);
    expect(data.commit).toBe('171641e60b54231cad18753a72145da87b0d3e07');
    expect(data.credit).toMatch(/OONI/);
    expect(data.credit).toMatch(/Censored Planet/);
    expect(data.credit).toMatch(/Citizen Lab/);
    expect(data.regexp).toMatchObject({ total: 14, converted: [], skipped: [] });
    // The committed file is what the script produces from the CSVs.
    expect(readFileSync(new URL('../../../engine/fingerprints.data.json', import.meta.url), 'utf8')).toBe(serialize(buildFingerprints()));
  });

  it('every row compiles', () => {
    expect(bundledFingerprints().skipped).toEqual([]);
  });
});

describe('matching', () => {
  const fps = bundledFingerprints();

  it('matches DNS answers in canonical form', () => {
    expect(names(fps.matchDns(['10.10.34.35']))).toEqual(['ooni.ir_5']);
    expect(names(fps.matchDns(['d0:0:0:0:0:0:0:11']))).toEqual(['ooni.ir_ipv6_1']);
    expect(fps.matchDns(['185.70.42.37'])).toEqual([]);
    expect(fps.matchDns(['not an address'])).toEqual([]);
  });

  it('matches body substrings, header prefixes, and regexps', () => {
    expect(names(fps.matchHttp({ body: 'x Доступ к сайту ограничен в соответствии с Федеральными законами y' }))).toContain('ooni.ru_0');
    expect(names(fps.matchHttp({ headers: { Location: 'http://warning.rt.ru/?x' } }))).toContain('ooni.ru_6');
    expect(names(fps.matchHttp({ location: 'http://warning.rt.ru/?x' }))).toContain('ooni.ru_6');
    expect(names(fps.matchHttp({ headers: { server: 'Protected by WireFilter 8000' } }))).toContain('ooni.ae_0');
    expect(names(fps.matchHttp({ body: '<p>Sorry, but the URL you are requesting is prohibited!</p>' }))).toContain('cp.f_gen_blocked_23');
    expect(fps.matchHttp({ body: '<html><title>Example Mail</title></html>', headers: { server: 'nginx' } })).toEqual([]);
  });

  it('is case-sensitive, as OONI\'s matcher', () => {
    expect(names(fps.matchHttp({ body: 'ДОСТУП К САЙТУ ОГРАНИЧЕН В СООТВЕТСТВИИ С ФЕДЕРАЛЬНЫМИ ЗАКОНАМИ' }))).not.toContain('ooni.ru_0');
  });

  it('prefix and full patterns anchor', () => {
    const set = compileFingerprints({
      dns: [],
      http: [
        ['t.prefix', 'isp', 'body', 'prefix', '<html>BLOCK', '', 5],
        ['t.full', 'isp', 'header.server', 'full', 'blocker', '', 5],
      ] satisfies FingerprintRow[],
    });
    expect(names(set.matchHttp({ body: '<html>BLOCKED' }))).toEqual(['t.prefix']);
    expect(set.matchHttp({ body: ' <html>BLOCKED' })).toEqual([]);
    expect(names(set.matchHttp({ headers: { server: 'blocker' } }))).toEqual(['t.full']);
    expect(set.matchHttp({ headers: { server: 'blocker 2' } })).toEqual([]);
  });

  it('reports rows that do not compile instead of throwing', () => {
    const set = compileFingerprints({
      dns: [['t.dns', 'isp', 'dns', 'contains', '10.', '', 5]],
      http: [
        ['t.bad', 'isp', 'body', 'regexp', '(unclosed', '', 5],
        ['t.where', 'isp', 'cookie', 'contains', 'x', '', 5],
      ],
    });
    expect(set.matchHttp({ body: '(unclosed' })).toEqual([]);
    expect(set.skipped.map((s) => s.name).sort()).toEqual(['t.bad', 't.dns', 't.where']);
  });

  it('the one-pass literal matcher finds exactly what includes() finds', () => {
    const patterns = ['he', 'she', 'his', 'hers', 'Доступ', 'ступ', 'a', 'aaa', 'ab', 'bab', 'ушёл', 'hers', 'abab'];
    const matcher = new LiteralMatcher(patterns);
    const texts = ['ushers', 'Доступ закрыт', 'aaab', 'xbabab', '', 'hishe', 'ёушёл', 'a'.repeat(50)];
    for (const text of texts) {
      const expected = patterns.map((p, i) => (text.includes(p) ? i : -1)).filter((i) => i >= 0);
      expect([...matcher.search(text)].sort((a, b) => a - b), text).toEqual(expected);
    }
  });

  it('matches a 64 KiB body quickly (budget: 25 ms per body, typically ~2)', () => {
    const body = '<p>Example Mail keeps your messages private. Lorem ipsum dolor sit amet.</p>\n'.repeat(900).slice(0, 65536);
    fps.matchHttp({ body });
    const runs = 20;
    const start = performance.now();
    for (let i = 0; i < runs; i++) fps.matchHttp({ body, headers: { server: 'nginx', location: 'https://x/' } });
    expect((performance.now() - start) / runs).toBeLessThan(25);
  });

  it('cannot be frozen by a page built from the regexps\' own pieces (64 KiB, all fingerprints at once)', () => {
    const regexps = BUNDLED_FINGERPRINTS_DATA.http.filter((row) => row[3] === 'regexp').map((row) => row[4]);
    let worst = 0;
    for (const body of adversarialBodies(regexps, 65536)) {
      const start = performance.now();
      fps.matchHttp({ body, headers: { server: body.slice(0, 4096) } });
      worst = Math.max(worst, performance.now() - start);
    }
    // V8's RegExp took 7 s at 8 KiB on one of these; `npm run bench:hostile` prints the real figure.
    expect(worst).toBeLessThan(200);
  });
});

describe('build script', () => {
  it('parses RFC 4180 CSV: quoted commas, doubled quotes, newlines', () => {
    expect(parseCsv('a,b\n"x,y","say ""hi""\nthere"\r\n1,\n')).toEqual([
      ['a', 'b'],
      ['x,y', 'say "hi"\nthere'],
      ['1', ''],
    ]);
  });

  it('converts Python-only regexp syntax and skips what JavaScript cannot do', () => {
    expect(pythonRegexToJs('(?P<name>ab)(?P=name)')).toMatchObject({ source: '(?<name>ab)\\k<name>', changed: true });
    expect(pythonRegexToJs('(?i)blocked')).toMatchObject({ source: 'blocked', flags: 'i', changed: true });
    expect(pythonRegexToJs('\\Astart.*end\\Z')).toMatchObject({ source: '^start.*end$' });
    expect(pythonRegexToJs('{"msg":.*"id":')).toMatchObject({ source: '{"msg":.*"id":', changed: false });
    expect(pythonRegexToJs('(?>atomic)')).toHaveProperty('skip');
    expect(pythonRegexToJs('a++')).toHaveProperty('skip');
    expect(pythonRegexToJs('(?x) spaced')).toHaveProperty('skip');
    expect(pythonRegexToJs('(a+)+$')).toHaveProperty('skip');
    expect(pythonRegexToJs('[unclosed')).toHaveProperty('skip');
  });

  it('keeps converted flags in the pattern, and the engine honours them', () => {
    const set = compileFingerprints({ dns: [], http: [['t.flags', 'isp', 'body', 'regexp', '(?i)access denied', '', 5]] });
    expect(names(set.matchHttp({ body: 'ACCESS DENIED' }))).toEqual(['t.flags']);
  });
});
