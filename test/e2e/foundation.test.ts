/**
 * The foundation, end to end: the built extension (Chrome MV3, Firefox MV2 and MV3 builds, exactly as
 * shipped) in real Chromium and Firefox ESR records failed visits to a watched provider, each kind of
 * failure in one vocabulary, badges the tab, and records nothing for a host it does not watch. Against
 * the lab only, inside scripts/in-lab-netns.sh. Screenshots of the popup in English and Russian land in
 * test-results/screenshots/.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FailureClass } from '../../engine/failure';
import { classifyBrowserError } from '../../lib/browser-errors';
import type { LabBrowser } from '../lab/lab-browser';
import { LAB_NAMES } from '../lab/lab';
import { applyScenario, SCENARIOS, type BrowserOutcome, type ScenarioName } from '../lab/scenarios';
import { freshStart, launchDetour, SITE, startLabWithControl, state, visit, type LabWithControl, type Target } from './detour';

const SCREENSHOTS = path.resolve('test-results/screenshots');

let world: LabWithControl;

beforeAll(async () => {
  world = await startLabWithControl();
  await fs.mkdir(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await world?.close();
});

/** Each failure the foundation must record, with the class it must be normalised to. */
const CASES: Array<{ scenario: ScenarioName; class: Record<'chromium' | 'firefox', FailureClass> }> = [
  { scenario: 'dns-nxdomain', class: { chromium: 'dns', firefox: 'dns' } },
  { scenario: 'tcp-reset', class: { chromium: 'reset', firefox: 'reset' } },
  { scenario: 'tcp-refused', class: { chromium: 'refused', firefox: 'refused' } },
  { scenario: 'tls-sni-reset', class: { chromium: 'reset', firefox: 'reset' } },
  { scenario: 'http-451', class: { chromium: 'http-status', firefox: 'http-status' } },
  // Chromium has no connect-timeout setting (it gives up after ~134 s): Detour's stall detector
  // speaks first. Firefox's network.http.connection-timeout is shortened to 3 s in the lab.
  { scenario: 'tcp-blackhole', class: { chromium: 'stalled', firefox: 'timeout' } },
];

/** Firefox's generic failure, which it reports now and then for a connection reset at once. */
const FIREFOX_NO_CAUSE = ['NS_ERROR_FAILURE', 'Error code 2147500037'];

function rawErrorMatches(outcome: BrowserOutcome, error: string): boolean {
  if (outcome.kind === 'loads') return error === `HTTP ${outcome.status}`;
  if (outcome.kind === 'stalls') return error === 'stalled';
  if (outcome.kind === 'trickles') return error === 'slow';
  if (outcome.kind === 'hangs') return error === 'stalled' || classifyBrowserError(error).class === classifyBrowserError(outcome.error).class;
  const expected = outcome.error;
  const alternatives = [expected, outcome.navigationError].filter((e): e is string | RegExp => e !== undefined);
  return alternatives.some((e) => (typeof e === 'string' ? e === error : e.test(error)));
}

describe.each<Target>(['chromium', 'firefox-mv2', 'firefox-mv3'])('%s', (target) => {
  const family = target === 'chromium' ? 'chromium' : 'firefox';
  let browser: LabBrowser;

  beforeAll(async () => {
    browser = await launchDetour(target, world.lab);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('starts with a friendly empty state and knows the catalog', async () => {
    await freshStart(browser);
    const overview = await browser.sendMessage<{ hosts: unknown[]; watchedCount: number }>({ type: 'get-overview' });
    expect(overview.hosts).toEqual([]);
    expect(overview.watchedCount).toBeGreaterThan(15);
    const empty = await browser.inspect('popup.html', '[data-testid=empty]');
    expect(empty.text).toMatch(/All quiet/);
  });

  it('shows on the options page which catalog is in use and which keys an update must be signed with', async () => {
    const status = await browser.inspect('options.html', '[data-testid=catalog-status]');
    expect(status.data.source).toBe('shipped');
    expect(status.data.stale).toBe('false');
    expect(status.text).toContain('Built into this version of Detour');
    expect(status.text).toContain('0A014C240BDAB013');
    expect(status.text).toContain('77E83EB316A83068');
  });

  it.each(CASES)('records $scenario', async ({ scenario: name, class: expected }) => {
    const scenario = SCENARIOS[name];
    // Wait for the probes too: when Firefox names no cause (NS_ERROR_FAILURE, now and then), the
    // probe's retry of the URL supplies it.
    const { state: s } = await visit(browser, world.lab, scenario, { verdict: true, timeoutMs: 15_000 });
    const latest = s.failures[0];
    expect(latest, JSON.stringify(s)).toBeDefined();
    if (family === 'firefox' && FIREFOX_NO_CAUSE.includes(latest!.error)) {
      // Firefox named no cause and neither did the probe's two retries (measured: rare, reset at
      // once only): Detour says "the page showed an error" rather than guess.
      expect(name, latest!.error).toBe('tcp-reset');
      expect(['reset', 'unknown']).toContain(latest!.class);
    } else {
      expect(latest!.class).toBe(expected[family]);
      expect(rawErrorMatches(scenario.browsers[family], latest!.error), latest!.error).toBe(true);
    }
    expect(s.failedRecently).toBe(true);
    expect(s.provider).toEqual({ id: 'mailbox_org' });
    // No query string or fragment is ever stored.
    expect(latest!.url).toBe(scenario.url.replace(/[?#].*$/, ''));
  });

  it('badges the tab whose watched host failed', async () => {
    await visit(browser, world.lab, SCENARIOS['tcp-reset']);
    // What the user sees once the browser's error page is up (both browsers clear tab badges when a
    // tab shows a new page, its error page included): read after that, then poll briefly.
    await new Promise((r) => setTimeout(r, 1500));
    const readBadge = () =>
      browser.evaluateInExtension<string>(`
        const api = globalThis.browser ?? globalThis.chrome;
        const [tab] = await api.tabs.query({ url: '*://${SITE}/*' });
        return tab ? (api.action ?? api.browserAction).getBadgeText({ tabId: tab.id }) : 'no tab';
      `);
    await expect.poll(readBadge, { timeout: 3000 }).toBe('!');
  });

  it('records nothing for a host it does not watch', async () => {
    await applyScenario(world.lab, SCENARIOS['tcp-reset']);
    await freshStart(browser);
    await browser.navigate(`https://${LAB_NAMES.unwatched}/`, { waitMs: 2000 });
    // A watched failure afterwards proves the listeners were alive the whole time.
    await browser.navigate(SCENARIOS['tcp-reset'].url, { waitMs: 300 });
    await browser.waitForMessage<{ failures: unknown[] }>({ type: 'get-state', host: SITE }, (s) => s.failures.length > 0);
    const overview = await browser.sendMessage<{ hosts: Array<{ host: string }> }>({ type: 'get-overview' });
    expect(overview.hosts.map((h) => h.host)).toEqual([SITE]);
    expect((await state(browser, LAB_NAMES.unwatched)).failures).toEqual([]);
  });

  it('explains the failure in plain words in the popup', async () => {
    await visit(browser, world.lab, SCENARIOS['tls-sni-reset'], { verdict: true });
    const shown = await browser.inspect(`popup.html?host=${SITE}`, '[data-testid=current]', {
      file: path.join(SCREENSHOTS, `foundation-${target}-en.png`),
    });
    expect(shown.text).toContain(`${SITE} could not be reached: the connection was reset.`);
  });
});

describe.each<Target>(['chromium', 'firefox-mv2'])('%s in Russian', (target) => {
  let browser: LabBrowser;

  beforeAll(async () => {
    browser = await launchDetour(target, world.lab, { locale: 'ru' });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('speaks Russian, verdict included', async () => {
    await visit(browser, world.lab, SCENARIOS['tls-sni-reset'], { verdict: true });
    const shown = await browser.inspect(`popup.html?host=${SITE}`, '[data-testid=verdict]', {
      ready: (d) => d.kind !== 'checking',
      file: path.join(SCREENSHOTS, `popup-${target}-ru.png`),
      viewport: { width: 400, height: 420 },
    });
    const current = await browser.inspect(`popup.html?host=${SITE}`, '[data-testid=current]');
    expect(current.text).toContain(`Не удалось открыть ${SITE}: соединение было сброшено.`);
    expect(shown.text).toContain('Этот сервис заблокирован в вашей сети.');
  });
});
