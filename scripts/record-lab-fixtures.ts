/**
 * Records golden fixtures from the censorship lab, the way OONI keeps measurement -> observations ->
 * analysis triples: for each scenario and browser, what the extension observed (as it stores it) and
 * the verdict it reached. test/unit/engine/lab-fixtures.test.ts classifies every recorded observation
 * set again and must reach the recorded verdict, which must be the verdict the scenario expects.
 *
 * Re-record after a deliberate change to the probes or the engine, and read the diff:
 *   npm run build && bash scripts/in-lab-netns.sh npx tsx scripts/record-lab-fixtures.ts [target...] [-- scenario...]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SCENARIO_NAMES, SCENARIOS, expectedVerdict, type ScenarioName } from '../test/lab/scenarios';
import { launchDetour, startLabWithControl, TARGETS, visit, type Target } from '../test/e2e/detour';
import type { HostState } from '../lib/messages';
import type { LabFixture } from '../test/fixtures/lab/lab-fixture';

const args = process.argv.slice(2);
const split = args.indexOf('--');
const targets = (split === -1 ? args : args.slice(0, split)) as Target[];
const names = (split === -1 ? [] : args.slice(split + 1)) as ScenarioName[];
const chosenTargets = targets.length ? targets : TARGETS;
const chosen = names.length ? names : SCENARIO_NAMES;
const outDir = path.resolve('test/fixtures/lab');
mkdirSync(outDir, { recursive: true });

const { lab, close } = await startLabWithControl();
let failed = 0;
try {
  for (const target of chosenTargets) {
    const family = target === 'chromium' ? 'chromium' : 'firefox';
    for (const name of chosen) {
      const scenario = SCENARIOS[name];
      const browser = await launchDetour(target, lab, { scenario });
      try {
        let { state } = await visit(browser, lab, scenario, { verdict: name !== 'ok', timeoutMs: 20_000 });
        // A site that works sets off no probe run; "check again" is how a user gets its verdict.
        if (!state.verdict) state = await browser.sendMessage<HostState>({ type: 'probe-host', host: new URL(scenario.url).hostname }, { timeoutMs: 15_000 });
        const stored = state.verdict;
        if (!stored?.observations) {
          console.log(`${target} ${name}: no verdict with observations; not recorded`);
          failed += 1;
          continue;
        }
        const { verdict } = stored;
        const fixture: LabFixture = {
          scenario: name,
          target,
          description: scenario.description,
          expected: expectedVerdict(scenario, family),
          observations: stored.observations,
          verdict: {
            kind: verdict.kind,
            ...(verdict.method ? { method: verdict.method } : {}),
            ...(verdict.localCause ? { localCause: verdict.localCause } : {}),
            confirmed: verdict.confirmed,
            evidence: verdict.evidence.map((e) => e.code),
          },
        };
        writeFileSync(path.join(outDir, `${target}-${name}.json`), `${JSON.stringify(fixture, null, 1)}\n`);
        console.log(`${target} ${name}: ${verdict.kind} ${verdict.method ?? verdict.localCause ?? ''}`);
      } catch (error) {
        console.log(`${target} ${name}: ${String(error)}`);
        failed += 1;
      } finally {
        await browser.close();
      }
    }
  }
} finally {
  await close();
}
process.exitCode = failed ? 1 : 0;
