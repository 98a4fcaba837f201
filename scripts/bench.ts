/**
 * `npm run bench`: how fast Detour reaches a verdict, measured, not asserted. Runs inside the lab's
 * network namespace (scripts/in-lab-netns.sh, which `npm run bench` uses), with the built Chrome
 * extension in real Chromium and the real control service, and prints markdown tables:
 *
 * 1. per lab scenario, over --runs runs (default 10): time from the failure event (the browser's error,
 *    or Detour's stall) to the verdict, median and p95, and for the stalling IP blackhole also from
 *    the navigation's start;
 * 2. the engine's throughput on a batch of observations (scripts/bench-engine.ts).
 *
 *   npm run bench -- --runs 10 [--scenarios tcp-blackhole,tls-sni-reset]
 * Build first (npm run build).
 */
import { applyScenario, SCENARIO_NAMES, SCENARIOS, type ScenarioName } from '../test/lab/scenarios';
import { freshStart, launchDetour, startLabWithControl } from '../test/e2e/detour';
import type { HostState } from '../lib/messages';
import type { LabBrowser } from '../test/lab/lab-browser';
import { benchEngine } from './bench-engine';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const runs = Number(arg('runs', '10'));
const chosen = arg('scenarios', SCENARIO_NAMES.filter((n) => n !== 'ok').join(',')).split(',') as ScenarioName[];

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!);
}

interface Sample {
  fromFailure: number;
  fromNavigation: number;
  correct: boolean;
}

async function measure(browser: LabBrowser, lab: Parameters<typeof applyScenario>[0], name: ScenarioName): Promise<Sample> {
  const scenario = SCENARIOS[name];
  await applyScenario(lab, scenario);
  await freshStart(browser);
  const host = new URL(scenario.url).hostname;
  const started = Date.now();
  await browser.navigate(scenario.url, { waitMs: 200 });
  const state = await browser.waitForMessage<HostState>(
    { type: 'get-state', host },
    (s) => s.verdict !== undefined && !s.probing,
    30_000,
  );
  const failureAt = Math.min(...state.failures.map((f) => f.firstAt));
  const finished = state.verdict!.finishedAt;
  const expected = scenario.verdictIn?.chromium ?? scenario.verdict;
  const v = state.verdict!.verdict;
  return {
    fromFailure: finished - failureAt,
    fromNavigation: finished - started,
    correct: v.kind === expected.kind && (v.method ?? v.localCause) === (expected.method ?? expected.localCause),
  };
}

const { lab, close } = await startLabWithControl();
const rows: string[] = [];
try {
  for (const name of chosen) {
    const scenario = SCENARIOS[name];
    const browser = await launchDetour('chromium', lab, { scenario });
    try {
      const samples: Sample[] = [];
      for (let i = 0; i < runs; i += 1) samples.push(await measure(browser, lab, name));
      const failure = samples.map((s) => s.fromFailure);
      const navigation = samples.map((s) => s.fromNavigation);
      const right = samples.filter((s) => s.correct).length;
      rows.push(
        `| ${name} | ${percentile(failure, 50)} | ${percentile(failure, 95)} | ${percentile(navigation, 50)} | ${percentile(navigation, 95)} | ${right}/${runs} |`,
      );
      console.error(`${name}: done`);
    } finally {
      await browser.close();
    }
  }
} finally {
  await close();
}

console.log(`\n### Time to verdict in Chromium (${runs} runs each, ms)\n`);
console.log('| scenario | from failure, median | from failure, p95 | from navigation, median | from navigation, p95 | right verdict |');
console.log('|---|---|---|---|---|---|');
for (const row of rows) console.log(row);

const engine = await benchEngine();
console.log('\n### Engine throughput\n');
console.log('| batch | verdicts/s | µs per verdict | 64 KiB pages, verdicts/s | fingerprints, ms per 64 KiB | fingerprint compile, ms |');
console.log('|---|---|---|---|---|---|');
console.log(
  `| ${engine.batchSize} observation sets (${engine.bigBodies} with 64 KiB bodies) | ${Math.round(engine.verdictsPerSecond)} | ${engine.microsPerVerdict.toFixed(0)} | ${Math.round(engine.bigBodyVerdictsPerSecond)} | ${engine.fingerprintMsPer64KiB.toFixed(2)} | ${engine.fingerprintCompileMs.toFixed(1)} |`,
);
