/**
 * The way around's bench (issue 9): with the popup already open, the time from the verdict to every
 * alternative shown in its state (each mirror working or failing, the Tor steps, the secure-DNS
 * advice), and from the failure. The mirrors are the provider's other names, probed in the same run
 * as the verdict (lib/probes/run-probes.ts), so their probes are inside "from the failure"; "from the
 * verdict" is the push to the open popup, the catalog it loads, and the render. Called by
 * scripts/bench.ts once per browser.
 */
import type { HostState } from '../lib/messages';
import { freshStart, SITE } from '../test/e2e/detour';
import type { Lab } from '../test/lab/lab';
import type { LabBrowser } from '../test/lab/lab-browser';
import { applyScenario, SCENARIOS, type ScenarioName } from '../test/lab/scenarios';

/** A block by name (mirrors, Tor, bridges) and a DNS block (secure DNS first). */
export const ALTERNATIVES_SCENARIOS: ScenarioName[] = ['tls-sni-reset', 'dns-nxdomain'];

export interface AlternativesSample {
  fromVerdict: number;
  fromFailure: number;
  /** Every mirror in a measured state, and the advice for the method there. */
  right: boolean;
}

/**
 * In the open popup: waits (a MutationObserver, so the moment is exact) until the way around is
 * shown with no mirror unmeasured, and returns when, with what it shows.
 */
const WAIT_FOR_WAY_AROUND = `
  const done = () => {
    const around = document.querySelector('[data-testid=way-around]');
    if (!around) return undefined;
    const mirrors = [...around.querySelectorAll('[data-testid=mirror]')].map((m) => m.dataset.state);
    if (mirrors.some((s) => s === 'not-checked')) return undefined;
    return { at: Date.now(), mirrors, text: around.innerText };
  };
  return await new Promise((resolve) => {
    const found = done();
    if (found) return resolve(found);
    const timer = setTimeout(() => resolve(null), 30000);
    new MutationObserver((_, observer) => {
      const seen = done();
      if (!seen) return;
      observer.disconnect();
      clearTimeout(timer);
      resolve(seen);
    }).observe(document.body, { childList: true, subtree: true, attributes: true, characterData: true });
  });`;

const ADVICE: Record<string, string> = { 'tls-sni-reset': 'Tor Browser', 'dns-nxdomain': 'secure DNS' };

export async function benchAlternatives(browser: LabBrowser, lab: Lab, name: ScenarioName): Promise<AlternativesSample> {
  const scenario = SCENARIOS[name];
  await applyScenario(lab, scenario);
  await freshStart(browser);
  // The popup is open before the failure, as a user who opened it to see why the page will not load.
  const shown = browser.evaluateInPage<{ at: number; mirrors: string[]; text: string } | null>(`popup.html?host=${SITE}`, 'body', WAIT_FOR_WAY_AROUND, {
    timeoutMs: 35_000,
  });
  await new Promise((r) => setTimeout(r, 300));
  await browser.navigate(scenario.url, { waitMs: 200 });
  const [seen, state] = await Promise.all([
    shown,
    browser.waitForMessage<HostState>({ type: 'get-state', host: SITE }, (s) => s.verdict !== undefined && !s.probing, 30_000),
  ]);
  if (!seen || !state.verdict || state.failures.length === 0) return { fromVerdict: 30_000, fromFailure: 30_000, right: false };
  const failureAt = Math.min(...state.failures.map((f) => f.firstAt));
  return {
    fromVerdict: Math.max(0, seen.at - state.verdict.finishedAt),
    fromFailure: seen.at - failureAt,
    right: seen.mirrors.length > 0 && seen.mirrors.every((s) => s === 'working' || s === 'failing') && seen.text.includes(ADVICE[name]!),
  };
}
