/**
 * A developer's tool: runs lab scenarios with the built extension in one browser and prints what
 * Detour concluded and from what. Inside the lab's network namespace:
 *   bash scripts/in-lab-netns.sh npx tsx scripts/lab-try.ts chromium tls-sni-reset tcp-reset
 */
import { SCENARIO_NAMES, SCENARIOS, type ScenarioName } from '../test/lab/scenarios';
import { launchDetour, startLabWithControl, visit, type Target } from '../test/e2e/detour';

const [target = 'chromium', ...names] = process.argv.slice(2);
const chosen = (names.length ? names : SCENARIO_NAMES) as ScenarioName[];
const { lab, close } = await startLabWithControl();
try {
  for (const name of chosen) {
    const scenario = SCENARIOS[name];
    const browser = await launchDetour(target as Target, lab, { scenario });
    try {
      const { state, verdictMs } = await visit(browser, lab, scenario, { verdict: name !== 'ok', timeoutMs: 20_000 }).catch((e) => ({ state: undefined, verdictMs: undefined, error: e }));
      const v = state?.verdict?.verdict;
      console.log(`\n=== ${name}: expected ${JSON.stringify(scenario.verdict)}`);
      console.log(`got ${v?.kind} ${v?.method ?? v?.localCause ?? ''} conf=${v?.confidence} confirmed=${v?.confirmed} in ${verdictMs} ms`);
      console.log('failures', JSON.stringify(state?.failures.map((f) => [f.class, f.error, f.source])));
      console.log('evidence', v?.evidence.map((e) => e.code + JSON.stringify(e.params ?? {})).join(' '));
      if (process.env.VERBOSE) console.log(JSON.stringify(state?.verdict?.observations, null, 1));
    } finally {
      await browser.close();
    }
  }
} finally {
  await close();
}
