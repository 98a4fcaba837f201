/**
 * Detection engine throughput: how many verdicts per second classify() gives on a varied batch (every
 * lab scenario with and without a control, the OONI fixtures, and pages with a 64 KiB body for the
 * fingerprint matcher), plus the cost of the fingerprint pass alone.
 *
 *   npx tsx scripts/bench-engine.ts [--ms 3000]
 *
 * `benchEngine()` is exported for the project-wide `npm run bench`; it touches no network.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundledFingerprints } from '../engine/fingerprints-bundled';
import { ooniToObservations } from '../engine/ooni-measurement';
import type { Observations } from '../engine/types';
import { classify } from '../engine/verdict';
import { HOST, scenarios, SITE_IP, URL_HTTP } from '../test/unit/engine/scenarios';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface EngineBenchResult {
  verdictsPerSecond: number;
  /** Mean time per verdict over the whole batch. */
  microsPerVerdict: number;
  /** Observation sets in one batch, and how many carry a 64 KiB body. */
  batchSize: number;
  bigBodies: number;
  verdicts: number;
  durationMs: number;
  /** The fingerprint pass over one 64 KiB body (all body and header rows). */
  fingerprintMsPer64KiB: number;
  /** First use: compiling 1955 fingerprints (DNS index, regexps, literal buckets). */
  fingerprintCompileMs: number;
  /** Verdicts per second for the 64 KiB-body observations alone. */
  bigBodyVerdictsPerSecond: number;
  /** Kinds in one batch, to show it is varied. */
  kinds: Record<string, number>;
}

const KIB64 = 64 * 1024;

/** A plain-HTTP page of exactly 64 KiB: realistic markup, no block page, so every rule is tried. */
export function bigPage(seed = 0): string {
  const para = `<p>Message ${seed}: Example Mail keeps your mail private and your address book in sync.</p>\n`;
  const head = '<!doctype html><html><head><title>Example Mail: sign in</title></head><body>';
  return (head + para.repeat(Math.ceil(KIB64 / para.length))).slice(0, KIB64);
}

export function benchBatch(): { batch: Observations[]; big: Observations[] } {
  const batch: Observations[] = Object.values(scenarios).flatMap((s) => [s.withControl, s.withoutControl]);
  const fixtures = join(ROOT, 'test/fixtures/ooni');
  for (const name of readdirSync(fixtures).filter((f) => /^v0[45]-.*\.json$/.test(f)).sort()) {
    batch.push(ooniToObservations(JSON.parse(readFileSync(join(fixtures, name), 'utf8'))).observations);
  }
  const big: Observations[] = [0, 1, 2, 3].map((seed) => ({
    url: URL_HTTP,
    host: HOST,
    canaries: scenarios.ok.withControl.canaries,
    dns: [{ kind: 'system', resolver: 'system', addrs: [SITE_IP] }],
    http: [
      {
        url: URL_HTTP,
        ok: true,
        status: 200,
        headers: { 'content-type': 'text/html', server: 'nginx', 'x-example-mail': '1' },
        body: bigPage(seed),
        bodyTruncated: true,
        bodyLength: 180_000,
      },
    ],
    control: scenarios.ok.withControl.control,
  }));
  return { batch: [...batch, ...big], big };
}

function timeLoop(fn: () => void, ms: number): { runs: number; elapsed: number } {
  const start = performance.now();
  let runs = 0;
  let elapsed = 0;
  while (elapsed < ms) {
    fn();
    runs++;
    elapsed = performance.now() - start;
  }
  return { runs, elapsed };
}

export async function benchEngine(options: { durationMs?: number } = {}): Promise<EngineBenchResult> {
  const durationMs = options.durationMs ?? 2000;
  const fingerprints = bundledFingerprints();
  const body = bigPage();

  const compileStart = performance.now();
  fingerprints.matchHttp({ body: '' });
  const fingerprintCompileMs = performance.now() - compileStart;

  const { batch, big } = benchBatch();
  const kinds: Record<string, number> = {};
  for (const obs of batch) {
    const kind = classify(obs).kind;
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  // Warm up the JIT before measuring.
  timeLoop(() => batch.forEach((o) => classify(o)), Math.min(300, durationMs / 4));

  const all = timeLoop(() => batch.forEach((o) => classify(o)), durationMs);
  const verdicts = all.runs * batch.length;
  const bigRun = timeLoop(() => big.forEach((o) => classify(o)), Math.max(200, durationMs / 4));
  const fp = timeLoop(() => fingerprints.matchHttp({ body, headers: { server: 'nginx' } }), Math.max(200, durationMs / 4));

  return {
    verdictsPerSecond: Math.round(verdicts / (all.elapsed / 1000)),
    microsPerVerdict: Math.round((all.elapsed * 1000) / verdicts),
    batchSize: batch.length,
    bigBodies: big.length,
    verdicts,
    durationMs: Math.round(all.elapsed),
    fingerprintMsPer64KiB: Math.round((fp.elapsed / fp.runs) * 1000) / 1000,
    fingerprintCompileMs: Math.round(fingerprintCompileMs * 10) / 10,
    bigBodyVerdictsPerSecond: Math.round((bigRun.runs * big.length) / (bigRun.elapsed / 1000)),
    kinds,
  };
}

async function main() {
  const msArg = process.argv.indexOf('--ms');
  const durationMs = msArg > 0 ? Number(process.argv[msArg + 1]) : 3000;
  const r = await benchEngine({ durationMs });
  const rows: Array<[string, string]> = [
    ['verdicts per second (varied batch)', r.verdictsPerSecond.toLocaleString('en')],
    ['µs per verdict (mean)', String(r.microsPerVerdict)],
    ['verdicts per second (64 KiB bodies only)', r.bigBodyVerdictsPerSecond.toLocaleString('en')],
    ['fingerprint pass, one 64 KiB body (ms)', String(r.fingerprintMsPer64KiB)],
    ['fingerprint compile, first use (ms)', String(r.fingerprintCompileMs)],
    ['batch size (of which 64 KiB bodies)', `${r.batchSize} (${r.bigBodies})`],
    ['verdicts measured / ms', `${r.verdicts.toLocaleString('en')} / ${r.durationMs}`],
    ['kinds in the batch', Object.entries(r.kinds).map(([k, n]) => `${k} ${n}`).join(', ')],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log('Detour detection engine');
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
