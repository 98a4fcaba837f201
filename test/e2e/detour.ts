/**
 * What Detour's own end-to-end tests share: the lab with the real control service running as its
 * outside vantage, the built extension (exactly as shipped: .output/<target>) in a real browser
 * pointed at the lab through its settings, and a visit that waits for what the user would see.
 */
import path from 'node:path';
import { catalogHostPatterns } from '../../catalog/provider-index';
import { buildApp, type DetourService } from '../../server/src/app';
import { DEFAULT_CONFIG, type Config } from '../../server/src/config';
import type { HostState } from '../../lib/messages';
import { launchChromium } from '../lab/chromium';
import { launchFirefox } from '../lab/firefox';
import { LAB_NAMES, labControlDial, startLab, type Lab } from '../lab/lab';
import { sleep, type LabBrowser, type LabLocale } from '../lab/lab-browser';
import { LAB_LOOPBACK } from '../lab/network';
import { applyScenario, LAB_CONTROL_URL, labExtensionSettings, type Scenario } from '../lab/scenarios';

export type Target = 'chromium' | 'firefox-mv2' | 'firefox-mv3';

export const TARGETS: Target[] = ['chromium', 'firefox-mv2', 'firefox-mv3'];

const BUILDS: Record<Target, string> = {
  chromium: 'chrome-mv3',
  'firefox-mv2': 'firefox-mv2',
  'firefox-mv3': 'firefox-mv3',
};

/** Firefox's own connect timeout, shortened (default 90 s) so a blackhole fails within a test. */
export const FIREFOX_CONNECT_TIMEOUT_S = 3;

export const SITE = LAB_NAMES.site;

export interface LabWithControl {
  lab: Lab;
  control: DetourService;
  close(): Promise<void>;
}

/**
 * The lab plus Detour's real control service, measuring from the lab's uncensored vantage. `config`
 * overrides the service's (a report database and k, for the reports test).
 */
export async function startLabWithControl(config: Partial<Config> = {}): Promise<LabWithControl> {
  const lab = await startLab();
  const url = new URL(LAB_CONTROL_URL);
  const control = await buildApp({
    config: {
      ...DEFAULT_CONFIG,
      logLevel: 'silent',
      host: url.hostname,
      port: Number(url.port),
      dnsServers: [LAB_LOOPBACK.honestResolver],
      extraCaFile: lab.pki.ca.certPath,
      rateLimitMax: 0,
      ...config,
    },
    dial: labControlDial,
  });
  await control.app.listen({ host: url.hostname, port: Number(url.port) });
  return {
    lab,
    control,
    async close() {
      await control.app.close();
      await lab.close();
    },
  };
}

/** The built extension in a real browser, with its endpoints pointed at the lab. */
export async function launchDetour(
  target: Target,
  lab: Lab,
  options: {
    locale?: LabLocale;
    scenario?: Scenario;
    firefoxPrefs?: Record<string, string | number | boolean>;
    /**
     * Install with access to every catalog provider (default), as a user who clicked "Watch every
     * provider" at first run; false: a fresh install that watches nothing yet.
     */
    watchCatalog?: boolean;
    /** The lab build (`npm run build:lab`, .output-lab/): it trusts the lab's catalog signing key. */
    labCatalogKey?: boolean;
  } = {},
): Promise<LabBrowser> {
  const extensionDir = path.resolve(options.labCatalogKey ? '.output-lab' : '.output', BUILDS[target]);
  const launch = { ...options.scenario?.launch, firefoxPrefs: { ...options.scenario?.launch?.firefoxPrefs, ...options.firefoxPrefs } };
  const common = {
    extensionDir,
    locale: options.locale ?? 'en',
    pki: lab.pki,
    // With the catalog, the canary whose body is checked, as the first-run prompt grants it.
    ...(options.watchCatalog === false ? {} : { grantHosts: [...catalogHostPatterns(), `*://${LAB_NAMES.canaryA}/*`] }),
    ...(launch.proxy ? { proxy: launch.proxy } : {}),
  };
  const browser =
    target === 'chromium'
      ? await launchChromium(common)
      : await launchFirefox({ ...common, connectTimeoutSeconds: FIREFOX_CONNECT_TIMEOUT_S, prefs: launch.firefoxPrefs });
  const answer = await browser.sendMessage<{ problems: unknown[] }>({ type: 'set-settings', settings: labExtensionSettings(lab) });
  if (answer.problems.length > 0) throw new Error(`lab settings refused: ${JSON.stringify(answer)}`);
  return browser;
}

export const state = (browser: LabBrowser, host: string = SITE) => browser.sendMessage<HostState>({ type: 'get-state', host });

/** A moment for a request the reset cut to be reported, before the log is cleared. */
const RESET_SETTLE_MS = 150;

/**
 * Forget everything the browser cached, and then everything Detour recorded, before the next case.
 * In that order, and a moment apart: a request of the last case's page still in flight (a throttled
 * page's favicon) fails when the reset or the lab's new setup cuts it, and cleared before that, its
 * failure would count as this case's evidence (seed 1004257466: tcp-blackhole after throttled in
 * Firefox MV2 read `closed` and said http-failure). The tab cannot just leave the page in Firefox
 * (see LabBrowser.resetNetworkState).
 */
export async function freshStart(browser: LabBrowser): Promise<void> {
  await browser.resetNetworkState();
  await sleep(RESET_SETTLE_MS);
  await browser.sendMessage({ type: 'clear-failures' });
}

/**
 * Sets the scenario up, visits its URL like a user, and waits until Detour has recorded the failure
 * and (with `verdict`) finished probing it. Returns the state and how long the verdict took after
 * the navigation started.
 */
export async function visit(
  browser: LabBrowser,
  lab: Lab,
  scenario: Scenario,
  options: { verdict?: boolean; timeoutMs?: number } = {},
): Promise<{ state: HostState; verdictMs?: number }> {
  await applyScenario(lab, scenario);
  await freshStart(browser);
  const started = Date.now();
  await browser.navigate(scenario.url, { waitMs: 300 });
  // Only what this visit caused: a verdict of a run started before it (a late favicon request of the
  // previous page, say) does not count.
  const done = (s: HostState) =>
    options.verdict
      ? s.failures.length > 0 && s.verdict !== undefined && s.verdict.startedAt >= started && !s.probing
      : s.failures.length > 0 || s.lastOkAt !== undefined;
  const final = await browser.waitForMessage<HostState>({ type: 'get-state', host: new URL(scenario.url).hostname }, done, options.timeoutMs ?? 15_000);
  return options.verdict && final.verdict ? { state: final, verdictMs: final.verdict.finishedAt - started } : { state: final };
}
