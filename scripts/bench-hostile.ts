/**
 * `npm run bench:hostile`: the worst a censor's page can do to block-page matching and title
 * extraction. Every HTTP fingerprint gives three 64 KiB near-miss bodies (scripts/hostile-bodies.ts),
 * plus one body mixing all of them; each is matched against ALL fingerprints together, as a probe run
 * does, and the slowest body is reported. Target: under 50 ms.
 *
 * `--regexp` also times V8's RegExp on the worst pattern at small sizes, for comparison with what
 * Detour did before linear-pattern.ts (it grows with the cube of the size: 64 KiB would take minutes).
 */
import { bundledFingerprints, BUNDLED_FINGERPRINTS_DATA } from '../engine/fingerprints-bundled';
import { pageTitle } from '../engine/page-title';
import { adversarialBodies, mixedBody } from './hostile-bodies';

const SIZE = 64 * 1024;
const TARGET_MS = 50;

function timeOnce(run: () => void): number {
  const start = performance.now();
  run();
  return performance.now() - start;
}

/** The median of three runs. */
function time(run: () => void): number {
  const runs = [timeOnce(run), timeOnce(run), timeOnce(run)].sort((a, b) => a - b);
  return runs[1]!;
}

const fps = bundledFingerprints();
fps.matchHttp({ body: 'warm-up' });
const rows = BUNDLED_FINGERPRINTS_DATA.http;

const bodies: Array<{ label: string; body: string }> = [];
for (const [name, , location, type, pattern] of rows) {
  if (location !== 'body' && !location.startsWith('header.')) continue;
  for (const body of adversarialBodies([pattern], SIZE, type)) bodies.push({ label: `${name} (${type})`, body });
}
bodies.push({ label: 'all fingerprints mixed', body: mixedBody(rows.map((r) => ({ pattern: r[4], type: r[3] })), SIZE) });

const match = (body: string) => () => fps.matchHttp({ body, headers: { server: body.slice(0, 8192), location: body.slice(0, 8192) } });
// Every body once, then the slowest ten again, three times each: the worst case is the code's, not a hiccup.
const once = bodies.map((b) => ({ ...b, ms: timeOnce(match(b.body)) }));
const total = once.reduce((sum, b) => sum + b.ms, 0);
const slowest = [...once].sort((a, b) => b.ms - a.ms).slice(0, 10);
let worst = { ms: 0, label: '' };
for (const { label, body } of slowest) {
  const ms = time(match(body));
  if (ms > worst.ms) worst = { ms, label };
}
console.log(`block-page matching, all ${rows.length} HTTP fingerprints at once, ${bodies.length} hostile bodies of 64 KiB:`);
console.log(`  worst ${worst.ms.toFixed(2)} ms (${worst.label}), mean ${(total / bodies.length).toFixed(2)} ms; target < ${TARGET_MS} ms`);

const titleBodies = ['<title'.repeat(11000), '<title>'.repeat(9400), `<title>${'a'.repeat(SIZE)}`, '<title>a<'.repeat(7300)].map((b) => b.slice(0, SIZE));
const titleWorst = Math.max(...titleBodies.map((body) => time(() => pageTitle(body))));
console.log(`title extraction, ${titleBodies.length} hostile 64 KiB bodies: worst ${titleWorst.toFixed(2)} ms`);

if (process.argv.includes('--regexp')) {
  const pattern = 'URL .* Sp.*er Gate';
  const re = new RegExp(pattern);
  console.log(`V8 RegExp on /${pattern}/, the way Detour matched before:`);
  for (const kib of [1, 2, 4, 8]) {
    const [body] = adversarialBodies([pattern], kib * 1024);
    console.log(`  ${kib} KiB: ${timeOnce(() => re.test(body!)).toFixed(0)} ms`);
  }
}

if (worst.ms >= TARGET_MS) {
  console.error(`bench:hostile: worst case ${worst.ms.toFixed(1)} ms is over the ${TARGET_MS} ms target`);
  process.exitCode = 1;
}
