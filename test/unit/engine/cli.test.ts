/**
 * `npm run classify` end to end: the real script in a child process, on files written here.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_FINGERPRINTS_DATA } from '../../../engine/fingerprints-bundled';
import { adversarialBodies, mixedBody } from '../../../scripts/hostile-bodies';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FIXTURES = join(ROOT, 'test/fixtures/ooni');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const KEYS = ['input', 'measurement_uid', 'report_id', 'kind', 'method', 'confidence', 'confirmed'];

const expected: Record<string, { kind: string; method: string | null }> = JSON.parse(
  readFileSync(join(FIXTURES, 'expected.json'), 'utf8'),
);
const fixtureNames = readdirSync(FIXTURES).filter((f) => /^v0[45]-.*\.json$/.test(f)).sort();
const measurement = (name: string) => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));

function run(args: string[], input?: string) {
  const result = spawnSync(TSX, ['scripts/classify.ts', ...args], { cwd: ROOT, input, encoding: 'utf8', timeout: 60_000 });
  const lines = result.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  return { status: result.status, lines, stderr: result.stderr };
}

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'detour-classify-'));
});

describe('npm run classify', () => {
  it('prints one line per fixture with exactly the documented fields', () => {
    const { status, lines, stderr } = run(fixtureNames.map((f) => join(FIXTURES, f)));
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(lines).toHaveLength(fixtureNames.length);
    lines.forEach((line, i) => {
      const name = fixtureNames[i]!;
      const m = measurement(name);
      expect(Object.keys(line)).toEqual(KEYS);
      expect(line).toMatchObject({ input: m.input, report_id: m.report_id, measurement_uid: m.measurement_uid ?? null });
      expect({ kind: line.kind, method: line.method }).toEqual(expected[name]);
      expect(typeof line.confidence).toBe('number');
      expect(typeof line.confirmed).toBe('boolean');
    });
    expect(lines.find((l) => l.method === 'blockpage')?.confirmed).toBe(true);
  });

  it('reads a JSON array, JSON lines from stdin, and gzip', () => {
    const all = fixtureNames.map(measurement);
    const arrayFile = join(tmp, 'all.json');
    writeFileSync(arrayFile, JSON.stringify(all, null, 2));
    const gzFile = join(tmp, 'all.jsonl.gz');
    writeFileSync(gzFile, gzipSync(all.map((m) => JSON.stringify(m)).join('\n') + '\n'));
    const fromArray = run([arrayFile, gzFile]);
    expect(fromArray.status).toBe(0);
    expect(fromArray.lines).toHaveLength(2 * all.length);
    expect(fromArray.lines.map((l) => l.report_id)).toEqual([...all, ...all].map((m) => m.report_id));

    const fromStdin = run(['-'], all.slice(0, 3).map((m) => JSON.stringify(m)).join('\n'));
    expect(fromStdin.status).toBe(0);
    expect(fromStdin.lines.map((l) => l.report_id)).toEqual(all.slice(0, 3).map((m) => m.report_id));
  });

  it('reports bad lines by number on stderr, classifies the rest, exits 1', () => {
    const good = measurement('v05-tcp-ip.json');
    const file = join(tmp, 'mixed.jsonl');
    writeFileSync(
      file,
      [
        JSON.stringify(good),
        '{"input": "https://x.example/", "test_keys": ', // truncated line
        '',
        JSON.stringify({ input: 'https://x.example/', test_name: 'telegram', test_keys: {} }),
        JSON.stringify(measurement('v04-accessible.json')),
      ].join('\n'),
    );
    const { status, lines, stderr } = run([file]);
    expect(status).toBe(1);
    expect(lines.map((l) => l.kind)).toEqual(['censorship', 'ok']);
    expect(stderr).toContain(`${file}:2: invalid JSON`);
    expect(stderr).toContain(`${file}:4: test_name is telegram, not web_connectivity`);
    expect(stderr.trim().split('\n')).toHaveLength(2);
  });

  it('names the array index of a bad element', () => {
    const file = join(tmp, 'bad-array.json');
    writeFileSync(file, JSON.stringify([measurement('v05-accessible.json'), { input: 42 }]));
    const { status, lines, stderr } = run([file]);
    expect(status).toBe(1);
    expect(lines).toHaveLength(1);
    expect(stderr).toContain(`${file}[1]: no "input" URL`);
  });

  it('a missing file is an error that does not stop the others; no argument is a usage error', () => {
    const missing = run([join(tmp, 'nope.json'), join(FIXTURES, 'v05-accessible.json')]);
    expect(missing.status).toBe(1);
    expect(missing.lines).toHaveLength(1);
    expect(missing.stderr).toContain('nope.json: no such file');
    const usage = run([]);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('usage:');
  });

  it('runs through the package.json script', () => {
    const result = spawnSync('npm', ['run', '--silent', 'classify', '--', join(FIXTURES, 'v04-dns-nxdomain.json')], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout.trim())).toMatchObject({ kind: 'censorship', method: 'dns' });
  });

  it('classifies measurements carrying 64 KiB hostile bodies about as fast as a plain one', () => {
    const rows = BUNDLED_FINGERPRINTS_DATA.http;
    const regexps = rows.filter((r) => r[3] === 'regexp').map((r) => r[4]);
    const bodies = [...adversarialBodies(regexps, 65536).slice(0, 11), mixedBody(rows.map((r) => ({ pattern: r[4], type: r[3] })), 65536)];
    const template = measurement('v04-http-blockpage.json');
    const file = join(tmp, 'hostile.jsonl');
    writeFileSync(
      file,
      bodies
        .map((body, i) => {
          const m = structuredClone(template);
          m.report_id = `hostile-${i}`;
          m.test_keys.requests[0].response.body = body;
          return JSON.stringify(m);
        })
        .join('\n'),
    );
    const timed = (args: string[]) => {
      const start = performance.now();
      const result = run(args);
      return { ...result, ms: performance.now() - start };
    };
    const plain = timed([join(FIXTURES, 'v04-http-blockpage.json')]);
    const hostile = timed([file]);
    expect(hostile.status).toBe(0);
    expect(hostile.lines).toHaveLength(bodies.length);
    // Before linear-pattern.ts one such body took V8 minutes; now the twelve add well under a second.
    expect(hostile.ms - plain.ms).toBeLessThan(1000);
  });
});
