/**
 * Self-test of the browser harness: Chromium and Firefox ESR, each with the stand-in extension, in the
 * lab. Proves the launchers (extension loaded, fixed URL, ready handshake, locale, screenshots), that
 * the browsers resolve through the ISP resolver and trust the lab root, and that each scenario produces
 * the browser error the scenario table promises (test/lab/scenarios.ts has the measured table).
 * Runs inside scripts/in-lab-netns.sh.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../lab/chromium';
import { FIREFOX_EXTENSION_UUID, launchFirefox } from '../lab/firefox';
import { LAB_NAMES, startLab, type Lab } from '../lab/lab';
import { prepareExtension, type BrowserName, type LabBrowser, type LabLocale, type LabProxy } from '../lab/lab-browser';
import { applyScenario, SCENARIOS, type BrowserOutcome, type ScenarioName } from '../lab/scenarios';
import { writeStandInExtension, type StandInEvent, type StandInStatus } from '../lab/stand-in-extension';

/** Firefox's connect timeout in this file: long enough for loopback, short enough to see a blackhole fail. */
const FIREFOX_CONNECT_TIMEOUT_S = 3;

let lab: Lab;
const extensions: Partial<Record<BrowserName, string>> = {};
const timings: string[] = [];

beforeAll(async () => {
  lab = await startLab();
  extensions.chromium = await writeStandInExtension({ manifestVersion: 3 });
  extensions.firefox = await writeStandInExtension({ manifestVersion: 2 });
});

afterAll(async () => {
  await lab?.close();
  for (const dir of Object.values(extensions)) await fs.rm(dir!, { recursive: true, force: true });
  console.log(`lab-browsers timings:\n  ${timings.join('\n  ')}`);
});

function launch(name: BrowserName, options: { locale?: LabLocale; proxy?: LabProxy; firefoxPrefs?: Record<string, string | number | boolean> } = {}) {
  const common = { extensionDir: extensions[name]!, locale: options.locale ?? 'en', pki: lab.pki, proxy: options.proxy };
  return name === 'chromium'
    ? launchChromium(common)
    : launchFirefox({ ...common, connectTimeoutSeconds: FIREFOX_CONNECT_TIMEOUT_S, prefs: options.firefoxPrefs });
}

/** Aborts caused by the harness (a previous navigation still running, Firefox's process switch). */
const IGNORED = new Set(['net::ERR_ABORTED', 'NS_BINDING_ABORTED', 'Error code 2152398850']);

/** The final main-frame webRequest event for `url`: completed, or an error that is not an abort. */
function mainFrameOutcome(events: StandInEvent[], url: string): StandInEvent | undefined {
  return events.find(
    (e) =>
      e.source === 'webRequest' &&
      e.type === 'main_frame' &&
      e.url === url &&
      (e.event === 'completed' || (e.event === 'error' && !IGNORED.has(e.error ?? ''))),
  );
}

const getLog = (b: LabBrowser) => b.sendMessage<{ events: StandInEvent[] }>({ type: 'get-log' });

/** Applies a scenario, visits its URL, and waits for the outcome the browser reports. */
async function visit(b: LabBrowser, name: ScenarioName, timeoutMs = 8000): Promise<{ outcome?: StandInEvent; events: StandInEvent[]; ms: number }> {
  const scenario = SCENARIOS[name];
  await applyScenario(lab, scenario);
  await b.resetNetworkState();
  await b.sendMessage({ type: 'clear-log' });
  const started = Date.now();
  await b.navigate(scenario.url, { waitMs: 1000 });
  const log = await b.waitForMessage<{ events: StandInEvent[] }>({ type: 'get-log' }, (l) => mainFrameOutcome(l.events, scenario.url) !== undefined, timeoutMs);
  const outcome = mainFrameOutcome(log.events, scenario.url);
  // webNavigation arrives 30-80 ms after webRequest: give Firefox's `Error code` a moment.
  const events = outcome?.event === 'error' && b.name === 'firefox' ? (await b.waitForMessage<{ events: StandInEvent[] }>(
    { type: 'get-log' },
    (l) => l.events.some((e) => e.source === 'webNavigation' && !IGNORED.has(e.error ?? '')),
    2000,
  )).events : log.events;
  return { outcome, events, ms: (outcome?.timeStamp ?? Date.now()) - started };
}

function expectOutcome(b: LabBrowser, result: Awaited<ReturnType<typeof visit>>, expected: BrowserOutcome) {
  const { outcome, events } = result;
  if (expected.kind === 'trickles') {
    // The answer started and the navigation committed, and nothing final came within the wait.
    expect(outcome, JSON.stringify(events)).toBeUndefined();
    expect(events.filter((e) => e.event === 'started').map((e) => e.statusCode), JSON.stringify(events)).toContain(expected.status);
    expect(events.some((e) => e.event === 'committed'), JSON.stringify(events)).toBe(true);
    return;
  }
  if (expected.kind === 'stalls') {
    // Nothing final within the visit's wait: the page hangs.
    expect(outcome, JSON.stringify(events)).toBeUndefined();
    return;
  }
  expect(outcome, JSON.stringify(events)).toBeDefined();
  if (expected.kind === 'loads') {
    expect(outcome).toMatchObject({ event: 'completed', statusCode: expected.status });
    return;
  }
  expect(outcome!.event, JSON.stringify(events)).toBe('error');
  if (typeof expected.error === 'string') expect(outcome!.error).toBe(expected.error);
  else expect(outcome!.error).toMatch(expected.error);
  // When Firefox names no cause (NS_ERROR_FAILURE, see scenarios.ts), webNavigation names none either.
  if (b.name === 'firefox' && expected.kind === 'error' && expected.navigationError && outcome!.error !== 'NS_ERROR_FAILURE') {
    const navigation = events.filter((e) => e.source === 'webNavigation' && e.event === 'error' && !IGNORED.has(e.error ?? ''));
    expect(navigation.map((e) => e.error)).toContain(expected.navigationError);
  }
}

// Scenarios whose outcome arrives within a second or two in both browsers, on one launch.
const QUICK: ScenarioName[] = [
  'ok',
  'dns-nxdomain',
  'dns-bogon',
  'dns-blockpage',
  'tcp-reset',
  'tcp-refused',
  'tls-sni-reset',
  'http-451',
  'tls-interception',
  'site-down',
  'site-503',
  'network-down',
  'captive-portal',
];

describe.each(['chromium', 'firefox'] as const)('%s with the stand-in extension', (name) => {
  let b: LabBrowser;

  beforeAll(async () => {
    b = await launch(name);
    timings.push(`${name} launch (until get-status ready): ${b.launchMs} ms`);
  });
  afterAll(async () => {
    const started = Date.now();
    await b?.close();
    timings.push(`${name} close: ${Date.now() - started} ms`);
  });

  it('launches with the extension at its fixed base URL, ready, in English', async () => {
    if (name === 'chromium') expect(b.extensionBaseUrl).toMatch(/^chrome-extension:\/\/[a-p]{32}\/$/);
    else expect(b.extensionBaseUrl).toBe(`moz-extension://${FIREFOX_EXTENSION_UUID}/`);
    const status = await b.sendMessage<StandInStatus>({ type: 'get-status' });
    expect(status).toMatchObject({ ready: true, greeting: 'Hello from the lab' });
    expect(status.uiLanguage).toMatch(/^en/);
    expect(b.launchMs).toBeLessThan(20_000);
  });

  it('resolves through the ISP resolver and trusts the lab root (the first navigation is recorded)', async () => {
    const result = await visit(b, 'ok');
    expectOutcome(b, result, SCENARIOS.ok.browsers[name]);
    expect(lab.isp.queries.map((q) => q.name)).toContain(LAB_NAMES.site);
  });

  it.each(QUICK)('%s: reports what the scenario table says', async (scenario) => {
    const result = await visit(b, scenario);
    expectOutcome(b, result, SCENARIOS[scenario].browsers[name]);
    timings.push(`${name} ${scenario}: outcome after ${result.ms} ms`);
  });

  if (name === 'chromium') {
    it('tcp-blackhole: no error within 4 s (Chromium gives up only after ~134 s)', async () => {
      await applyScenario(lab, SCENARIOS['tcp-blackhole']);
      await b.resetNetworkState();
      await b.sendMessage({ type: 'clear-log' });
      await b.navigate(SCENARIOS['tcp-blackhole'].url, { waitMs: 4000 });
      const log = await getLog(b);
      expect(mainFrameOutcome(log.events, SCENARIOS['tcp-blackhole'].url)).toBeUndefined();
      await b.navigate('about:blank', { waitMs: 1000 }); // end the hanging navigation
    });
  } else {
    it(`tcp-blackhole: NS_ERROR_NET_TIMEOUT after the ${FIREFOX_CONNECT_TIMEOUT_S} s connection-timeout pref`, async () => {
      const result = await visit(b, 'tcp-blackhole', 10_000);
      expectOutcome(b, result, { kind: 'error', error: 'NS_ERROR_NET_TIMEOUT', navigationError: 'Error code 2152398862' });
      expect(result.ms).toBeGreaterThanOrEqual(FIREFOX_CONNECT_TIMEOUT_S * 1000 - 500);
      timings.push(`firefox tcp-blackhole: outcome after ${result.ms} ms`);
    });
  }

  it('throttled: the answer starts and commits at once, and is still arriving after 6 s', async () => {
    await applyScenario(lab, SCENARIOS.throttled);
    await b.resetNetworkState();
    await b.sendMessage({ type: 'clear-log' });
    const started = Date.now();
    await b.navigate(SCENARIOS.throttled.url, { waitMs: 6000 });
    const { events } = await getLog(b);
    expectOutcome(b, { outcome: mainFrameOutcome(events, SCENARIOS.throttled.url), events, ms: 0 }, SCENARIOS.throttled.browsers[name]);
    const at = (event: string) => (events.find((e) => e.event === event)?.timeStamp ?? NaN) - started;
    timings.push(`${name} throttled: response started after ${Math.round(at('started'))} ms, committed after ${Math.round(at('committed'))} ms, nothing final in 6 s`);
    await b.navigate('about:blank', { waitMs: 500 }); // end the trickling navigation
  });

  it('screenshots an extension page to a PNG', async () => {
    const file = path.join(os.tmpdir(), `detour-lab-${name}-popup.png`);
    await b.screenshot('popup.html', file, { width: 360, height: 240 });
    const png = await fs.readFile(file);
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(png.readUInt32BE(16)).toBe(360); // IHDR width
    await fs.rm(file);
  });
});

describe('grantHosts', () => {
  it('loads a copy whose manifest requires the hosts (MV3 host_permissions, MV2 permissions)', async () => {
    for (const [name, key] of [['chromium', 'host_permissions'], ['firefox', 'permissions']] as const) {
      const copy = await prepareExtension(extensions[name]!, ['*://*.detour-lab.test/*']);
      try {
        expect(copy.dir).not.toBe(extensions[name]);
        const manifest = JSON.parse(await fs.readFile(path.join(copy.dir, 'manifest.json'), 'utf8'));
        expect(manifest[key]).toContain('*://*.detour-lab.test/*');
        expect(manifest[key]).toContain('<all_urls>'); // what was there stays
      } finally {
        await copy.cleanup();
      }
    }
    expect((await prepareExtension(extensions.chromium!)).dir).toBe(path.resolve(extensions.chromium!));
  });
});

describe.each(['chromium', 'firefox'] as const)('%s, launches of their own', (name) => {
  it('broken-proxy: the proxy failure, not a site error', async () => {
    const b = await launch(name, { proxy: SCENARIOS['broken-proxy'].launch!.proxy });
    try {
      const result = await visit(b, 'broken-proxy');
      expectOutcome(b, result, SCENARIOS['broken-proxy'].browsers[name]);
    } finally {
      await b.close();
    }
  });

  it('Russian UI: the extension renders its ru locale', async () => {
    const b = await launch(name, { locale: 'ru' });
    try {
      const status = await b.sendMessage<StandInStatus>({ type: 'get-status' });
      expect(status.uiLanguage).toMatch(/^ru/);
      expect(status.greeting).toBe('Привет из лаборатории');
      timings.push(`${name} ru launch: ${b.launchMs} ms`);
      if (name === 'firefox') {
        // Firefox localizes certificate errors it gives webRequest; webNavigation keeps the code.
        const result = await visit(b, 'tls-interception');
        expect(result.outcome?.error).toBe('Издатель сертификата узла не распознан.');
      }
    } finally {
      await b.close();
    }
  });
});
