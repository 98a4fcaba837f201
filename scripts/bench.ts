/**
 * `npm run bench`: how fast Detour reaches a verdict, measured, not asserted. Runs inside the lab's
 * network namespace (scripts/in-lab-netns.sh, which `npm run bench` uses), with the built extension
 * in real Chromium and Firefox ESR (both Firefox builds) and the real control service, and prints
 * markdown tables, one set per browser:
 *
 * 1. per lab scenario, over --runs runs (default 10): time from the failure event (the browser's error,
 *    or Detour's stall) and from the navigation's start to the verdict, median and p95, and how many
 *    verdicts were right;
 * 2. the status check (scripts/bench-status.ts): "check all" over the whole catalog, every provider
 *    working, and three blocked three ways;
 * 3. the way around (scripts/bench-alternatives.ts): with the popup open, the time from the verdict
 *    to every alternative shown in its state, mirrors included;
 * 4. once, the engine's throughput on a batch of observations (scripts/bench-engine.ts).
 *
 *   npm run bench -- --runs 10 [--scenarios tcp-blackhole,tls-sni-reset] [--browsers chromium,firefox-mv3]
 *   npm run bench -- --scenarios none          (only the status check and the engine)
 * Build first (npm run build).
 */
import { applyScenario, SCENARIO_NAMES, SCENARIOS, type ScenarioName } from '../test/lab/scenarios';
import { freshStart, launchDetour, startLabWithControl, TARGETS, type Target } from '../test/e2e/detour';
import { expectedVerdict } from '../test/lab/scenarios';
import { benchStatusCheck } from './bench-status';
import type { HostState } from '../lib/messages';
import type { LabBrowser } from '../test/lab/lab-browser';
import { benchEngine } from './bench-engine';
import { ALTERNATIVES_SCENARIOS, benchAlternatives } from './bench-alternatives';
import { percentile } from './percentile';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const runs = Number(arg('runs', '10'));
const scenarioArg = arg('scenarios', SCENARIO_NAMES.filter((n) => n !== 'ok').join(','));
const chosen = (scenarioArg === 'none' ? [] : scenarioArg.split(',')) as ScenarioName[];
const browsers = arg('browsers', TARGETS.join(',')).split(',') as Target[];
for (const b of browsers) if (!TARGETS.includes(b)) throw new Error(`--browsers: unknown ${b} (one of ${TARGETS.join(', ')})`);

interface Sample {
  fromFailure: number;
  fromNavigation: number;
  correct: boolean;
}

async function measure(browser: LabBrowser, lab: Parameters<typeof applyScenario>[0], name: ScenarioName, target: Target): Promise<Sample> {
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
  // No verdict within the wait: a wrong answer, timed at the wait, not a crash that loses the tables.
  if (!state.verdict || state.failures.length === 0) return { fromFailure: 30_000, fromNavigation: 30_000, correct: false };
  const failureAt = Math.min(...state.failures.map((f) => f.firstAt));
  const finished = state.verdict.finishedAt;
  const expected = expectedVerdict(scenario, target === 'chromium' ? 'chromium' : 'firefox');
  const v = state.verdict.verdict;
  const correct = v.kind === expected.kind && (v.method ?? v.localCause) === (expected.method ?? expected.localCause);
  // A wrong verdict is a finding: say what it was and from what, so a rare one can be chased.
  if (!correct) console.error(`${target} ${name}: wrong verdict ${v.kind} ${v.method ?? v.localCause ?? ''}: ${v.evidence.map((e) => e.code).join(' ')}; failures ${JSON.stringify(state.failures.map((f) => [f.class, f.error]))}`);
  return { fromFailure: finished - failureAt, fromNavigation: finished - started, correct };
}

const summary = (values: number[]) => `${Math.round(percentile(values, 50))} | ${Math.round(percentile(values, 95))}`;

const { lab, close } = await startLabWithControl();
const tables: string[] = [];
try {
  for (const target of browsers) {
    const rows: string[] = [];
    for (const name of chosen) {
      const scenario = SCENARIOS[name];
      const browser = await launchDetour(target, lab, { scenario });
      try {
        const samples: Sample[] = [];
        for (let i = 0; i < runs; i += 1) samples.push(await measure(browser, lab, name, target));
        const right = samples.filter((s) => s.correct).length;
        rows.push(`| ${name} | ${summary(samples.map((s) => s.fromFailure))} | ${summary(samples.map((s) => s.fromNavigation))} | ${right}/${runs} |`);
        console.error(`${target} ${name}: done`);
      } finally {
        await browser.close();
      }
    }
    const status: string[] = [];
    const alternatives: string[] = [];
    const browser = await launchDetour(target, lab);
    try {
      for (const blocked of [false, true]) {
        const samples = [];
        for (let i = 0; i < runs; i += 1) samples.push(await benchStatusCheck(browser, lab, blocked));
        const right = samples.filter((s) => s.right).length;
        status.push(`| ${blocked ? 'three blocked (DNS, SNI reset, IP blackhole)' : 'every provider working'} | ${summary(samples.map((s) => s.ms))} | ${right}/${runs} |`);
      }
      console.error(`${target} status check: done`);
      for (const name of ALTERNATIVES_SCENARIOS) {
        const samples = [];
        for (let i = 0; i < runs; i += 1) samples.push(await benchAlternatives(browser, lab, name));
        const right = samples.filter((s) => s.right).length;
        alternatives.push(`| ${name} | ${summary(samples.map((s) => s.fromVerdict))} | ${summary(samples.map((s) => s.fromFailure))} | ${right}/${runs} |`);
      }
      console.error(`${target} way around: done`);
    } finally {
      await browser.close();
    }
    if (rows.length > 0) {
      tables.push(`\n### Time to verdict in ${target} (${runs} runs each, ms)\n`);
      tables.push('| scenario | from failure, median | from failure, p95 | from navigation, median | from navigation, p95 | right verdict |');
      tables.push('|---|---|---|---|---|---|', ...rows);
    }
    tables.push(`\n### Status check, whole catalog, in ${target} (${runs} runs each, ms)\n`);
    tables.push('| catalog | check all, median | check all, p95 | every state right |', '|---|---|---|---|', ...status);
    tables.push(`\n### The way around, shown in the open popup, in ${target} (${runs} runs each, ms)\n`);
    tables.push(
      '| scenario | from the verdict, median | from the verdict, p95 | from the failure, median | from the failure, p95 | every mirror measured, advice shown |',
      '|---|---|---|---|---|---|',
      ...alternatives,
    );
    // Each browser's tables as soon as they are measured: a later browser failing loses nothing.
    for (const line of tables.splice(0)) console.log(line);
  }
} finally {
  await close();
}
for (const line of tables) console.log(line);

const engine = await benchEngine();
console.log('\n### Engine throughput\n');
console.log('| batch | verdicts/s | µs per verdict | 64 KiB pages, verdicts/s | fingerprints, ms per 64 KiB | fingerprint compile, ms |');
console.log('|---|---|---|---|---|---|');
console.log(
  `| ${engine.batchSize} observation sets (${engine.bigBodies} with 64 KiB bodies) | ${Math.round(engine.verdictsPerSecond)} | ${engine.microsPerVerdict.toFixed(0)} | ${Math.round(engine.bigBodyVerdictsPerSecond)} | ${engine.fingerprintMsPer64KiB.toFixed(2)} | ${engine.fingerprintCompileMs.toFixed(1)} |`,
);
