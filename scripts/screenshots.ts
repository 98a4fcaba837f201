/**
 * `npm run screenshots`: the popup in each state a blocked user meets, in English and Russian, from
 * real Chromium in the lab, into docs/screenshots/popup-<state>-<lang>.png (the README shows them).
 * Build first. Runs inside the lab's network namespace, like the end-to-end tests.
 */
import path from 'node:path';
import { launchDetour, SITE, startLabWithControl, visit } from '../test/e2e/detour';
import type { LabLocale } from '../test/lab/lab-browser';
import { SCENARIOS, type ScenarioName } from '../test/lab/scenarios';

/** The file name of each state, and the lab scenario that leads to it. */
const STATES: Array<[string, ScenarioName]> = [
  ['dns', 'dns-nxdomain'],
  ['sni', 'tls-sni-reset'],
  ['ip', 'tcp-blackhole'],
  ['interception', 'tls-interception'],
  ['throttled', 'throttled'],
  ['outage', 'site-down'],
  ['captive-portal', 'captive-portal'],
];
const LANGUAGES: LabLocale[] = ['en', 'ru'];
const OUT = path.resolve('docs/screenshots');

const world = await startLabWithControl();
try {
  for (const locale of LANGUAGES) {
    for (const [state, name] of STATES) {
      const scenario = SCENARIOS[name];
      const browser = await launchDetour('chromium', world.lab, { locale, scenario });
      try {
        await visit(browser, world.lab, scenario, { verdict: true, timeoutMs: 20_000 });
        const file = path.join(OUT, `popup-${state}-${locale}.png`);
        const shown = await browser.inspect(`popup.html?host=${SITE}`, '[data-testid=verdict]', {
          ready: (d) => d.kind !== 'checking',
          file,
          fullPage: true,
          viewport: { width: 400, height: 600 },
        });
        console.log(`${path.relative(process.cwd(), file)}: ${shown.data.kind} ${shown.data.method ?? ''}`);
      } finally {
        await browser.close();
      }
    }
  }
} finally {
  await world.close();
}
