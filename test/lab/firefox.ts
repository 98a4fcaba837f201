/**
 * Firefox ESR in the lab, through puppeteer-core over WebDriver BiDi and /usr/bin/firefox-esr.
 *
 * - The profile is made before launch: an NSS db (cert9.db) that trusts the lab root, then puppeteer
 *   adds its user.js with our prefs.
 * - The extension is installed with browser.installExtension() (BiDi webExtension.install) and gets a
 *   fixed moz-extension:// UUID from the `extensions.webextensions.uuids` pref, keyed by gecko id.
 * - Russian, Persian, Arabic UI: the system-wide langpacks (/usr/lib/firefox-esr/browser/extensions/
 *   langpack-<lang>@...xpi) are in the application scope, which puppeteer's `extensions.enabledScopes`
 *   = 5 keeps enabled; the pref `intl.locale.requested` then selects one. The self-test checks
 *   i18n.getUILanguage() says `ru`.
 * - Nothing outbound: DoH off (trr.mode 5), captive-portal and connectivity checks off unless asked,
 *   telemetry, updates, Normandy, remote settings, safe browsing, OCSP and speculative connects off.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser, type KeyInput, type Page } from 'puppeteer-core';
import { STAND_IN_GECKO_ID } from './stand-in-extension';
import {
  LAB_LOCALES,
  pollElement,
  pollMessage,
  prepareExtension,
  describeFocusInPage,
  readElementInPage,
  sleep,
  waitUntilReady,
  withTimeout,
  type InspectOptions,
  type LabBrowser,
  type LaunchOptionsBase,
} from './lab-browser';

export interface FirefoxLaunchOptions extends LaunchOptionsBase {
  /** Extra prefs, applied last. */
  prefs?: Record<string, string | number | boolean>;
  /** `network.http.connection-timeout` in seconds (default Firefox's 90): shorten it to see a blackhole fail. */
  connectTimeoutSeconds?: number;
  /** Keep Firefox's captive-portal detection on (default off: it would fetch detectportal.firefox.com). */
  captivePortalDetection?: boolean;
  /** Gecko id of the extension; Detour's by default. */
  geckoId?: string;
}

const FIREFOX = '/usr/bin/firefox-esr';
/** The moz-extension:// host of the extension in every lab Firefox. */
export const FIREFOX_EXTENSION_UUID = '0d3c7a52-6f0e-4b8e-9a51-d37a0b1ab001';

/** Prefs that keep Firefox quiet and deterministic in the lab. */
export function labFirefoxPrefs(options: FirefoxLaunchOptions): Record<string, string | number | boolean> {
  const language = LAB_LOCALES[options.locale];
  const prefs: Record<string, string | number | boolean> = {
    'extensions.webextensions.uuids': JSON.stringify({ [options.geckoId ?? STAND_IN_GECKO_ID]: FIREFOX_EXTENSION_UUID }),
    'intl.locale.requested': language.ui,
    'intl.accept_languages': language.accept,
    // DNS: the system resolver only (the ISP resolver). The cache stays as users have it (turning it off
    // changed a refused connection into NS_ERROR_UNKNOWN_HOST: Firefox re-resolves after a failed
    // connect); resetNetworkState() flushes it between scenarios instead.
    'network.trr.mode': 5,
    'network.dns.disablePrefetch': true,
    'network.dns.native_https_query': false,
    // Connections: no speculative or background traffic.
    'network.predictor.enabled': false,
    'network.prefetch-next': false,
    'network.http.speculative-parallel-limit': 0,
    'network.connectivity-service.enabled': false,
    'network.captive-portal-service.enabled': options.captivePortalDetection ?? false,
    'network.http.http3.enable': false,
    'dom.security.https_only_mode': false,
    'dom.security.https_first': false,
    'dom.security.https_first_schemeless': false,
    'browser.fixup.alternate.enabled': false,
    // Telemetry, updates, experiments, remote settings, safe browsing, OCSP/CRLite.
    'toolkit.telemetry.enabled': false,
    'toolkit.telemetry.unified': false,
    'toolkit.telemetry.server': '',
    'datareporting.policy.dataSubmissionEnabled': false,
    'app.update.auto': false,
    'app.normandy.enabled': false,
    'app.shield.optoutstudies.enabled': false,
    'messaging-system.rsexperimentloader.enabled': false,
    'services.settings.server': 'http://127.0.0.1:9/',
    'browser.safebrowsing.provider.mozilla.updateURL': '',
    'browser.safebrowsing.update.enabled': false,
    'security.OCSP.enabled': 0,
    'security.remote_settings.crlite_filters.enabled': false,
    'security.remote_settings.intermediates.enabled': false,
    'browser.region.network.url': '',
    'browser.region.update.enabled': false,
    'browser.newtabpage.activity-stream.feeds.section.topstories': false,
    'browser.newtabpage.activity-stream.feeds.telemetry': false,
    'browser.newtabpage.activity-stream.telemetry': false,
    'browser.ping-centre.telemetry': false,
    'extensions.systemAddon.update.enabled': false,
    'extensions.blocklist.enabled': false,
    'geo.enabled': false,
  };
  if (options.connectTimeoutSeconds !== undefined) prefs['network.http.connection-timeout'] = options.connectTimeoutSeconds;
  if (options.proxy) {
    Object.assign(prefs, {
      'network.proxy.type': 1,
      'network.proxy.http': options.proxy.host,
      'network.proxy.http_port': options.proxy.port,
      'network.proxy.ssl': options.proxy.host,
      'network.proxy.ssl_port': options.proxy.port,
      'network.proxy.share_proxy_settings': true,
      'network.proxy.no_proxies_on': '',
    });
  } else {
    prefs['network.proxy.type'] = 0;
  }
  return { ...prefs, ...options.prefs };
}

/** The slice of puppeteer's BiDi browser we use to reach Firefox's privileged (chrome) scope. */
interface BidiConnection {
  send(method: string, params: object): Promise<{ result: any }>;
}

/**
 * Evaluates JavaScript in the browser window's chrome scope (where `Services` lives). Needs the
 * `--remote-allow-system-access` launch flag; BiDi then lists chrome contexts under `moz:scope`.
 */
async function chromeEval(browser: Browser, expression: string): Promise<unknown> {
  const connection = (browser as unknown as { connection: BidiConnection }).connection;
  const tree = await connection.send('browsingContext.getTree', { 'moz:scope': 'chrome', maxDepth: 0 });
  const context = tree.result.contexts[0]?.context;
  if (!context) throw new Error('firefox: no chrome browsing context (is --remote-allow-system-access set?)');
  const answer = await connection.send('script.evaluate', { expression, target: { context }, awaitPromise: true });
  if (answer.result.type !== 'success') throw new Error(`firefox chrome eval failed: ${JSON.stringify(answer.result)}`);
  return answer.result.result;
}

/**
 * Opens a moz-extension:// page. Not with an awaited goto: the page moves to the extension process,
 * puppeteer sees its frame detach and the goto never settles, yet the Page object keeps working. So
 * start the navigation and poll the document until it is the extension page, fully loaded.
 */
async function openExtensionPage(page: Page, url: string, timeoutMs = 15_000): Promise<void> {
  page.goto(url, { timeout: 0 }).catch(() => {});
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const state = await withTimeout(
      page.evaluate(() => `${document.readyState} ${document.URL}`),
      2000,
      'extension page state',
    ).catch(() => '');
    if (state === `complete ${url}`) return;
    await sleep(50);
  }
  throw new Error(`firefox: ${url} did not load within ${timeoutMs} ms`);
}

export async function launchFirefox(options: FirefoxLaunchOptions): Promise<LabBrowser> {
  const started = Date.now();
  const profile = await fs.mkdtemp(path.join(os.tmpdir(), 'detour-firefox-'));
  if (options.pki) await options.pki.trustInNssDb(profile);
  const extension = await prepareExtension(options.extensionDir, options.grantHosts);

  let browser: Browser;
  try {
    browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX,
      headless: !options.headed,
      userDataDir: profile,
      extraPrefsFirefox: labFirefoxPrefs(options),
      // Lets the harness open moz-extension:// pages and talk to the extension from them.
      args: ['--remote-allow-system-access'],
      env: { ...process.env, LANG: LAB_LOCALES[options.locale].posix },
      protocolTimeout: 30_000,
      timeout: 30_000,
    });
  } catch (error) {
    await fs.rm(profile, { recursive: true, force: true });
    await extension.cleanup();
    throw error;
  }

  const cleanup = async () => {
    await withTimeout(browser.close(), 10_000, 'firefox close').catch(() => browser.process()?.kill('SIGKILL'));
    await fs.rm(profile, { recursive: true, force: true }).catch(() => {});
    await extension.cleanup().catch(() => {});
  };

  try {
    await browser.installExtension(extension.dir);
    const extensionBaseUrl = `moz-extension://${FIREFOX_EXTENSION_UUID}/`;
    const testPage: Page = (await browser.pages())[0] ?? (await browser.newPage());
    const extensionPage = await browser.newPage();
    await openExtensionPage(extensionPage, `${extensionBaseUrl}popup.html`);

    const send = <T>(message: unknown, timeoutMs = 5000) =>
      withTimeout(
        extensionPage.evaluate((m) => (globalThis as any).browser.runtime.sendMessage(m), message) as Promise<T>,
        timeoutMs,
        'sendMessage',
      );
    await waitUntilReady((m) => send(m, 2000), options.readyTimeoutMs ?? 20_000);

    return {
      name: 'firefox',
      extensionBaseUrl,
      launchMs: Date.now() - started,
      async navigate(url, opts) {
        // Puppeteer's goto to a reset URL often never settles on Firefox: never await it alone.
        const settled = testPage.goto(url, { waitUntil: 'load', timeout: 0 }).then(
          () => undefined,
          () => undefined,
        );
        await Promise.race([settled, sleep(opts?.waitMs ?? 5000)]);
      },
      sendMessage: (message, opts) => send(message, opts?.timeoutMs),
      async resetNetworkState() {
        await chromeEval(
          browser,
          `Services.dns.clearCache(true);
           Services.obs.notifyObservers(null, 'net:prune-all-connections');
           // Idle ones are pruned above; this aborts those still connecting (a SYN the last scenario's
           // firewall dropped), which Firefox would otherwise complete and reuse without DNS.
           Services.obs.notifyObservers(null, 'net:cancel-all-connections');
           Services.cache2.clear();`,
        );
      },
      async setPrefs(prefs) {
        const setter = (value: unknown) => (typeof value === 'number' ? 'setIntPref' : typeof value === 'boolean' ? 'setBoolPref' : 'setStringPref');
        await chromeEval(browser, Object.entries(prefs).map(([name, value]) => `Services.prefs.${setter(value)}(${JSON.stringify(name)}, ${JSON.stringify(value)});`).join('\n'));
      },
      waitForMessage: (message, predicate, timeoutMs = 10_000) => pollMessage((m) => send(m), message, predicate, timeoutMs),
      async screenshot(pagePath, file, viewport = { width: 400, height: 600 }) {
        const page = await browser.newPage();
        try {
          await page.setViewport(viewport);
          await openExtensionPage(page, extensionBaseUrl + pagePath.replace(/^\//, ''));
          await sleep(200); // let the page's script render after load
          await page.screenshot({ path: file as `${string}.png` });
        } finally {
          await withTimeout(page.close(), 5000, 'close screenshot page').catch(() => {});
        }
      },
      evaluateInExtension: <T>(source: string) =>
        withTimeout(extensionPage.evaluate(`(async () => { ${source} })()`) as Promise<T>, 5000, 'evaluateInExtension'),
      async clickInExtension(pagePath, click, read, opts = {}) {
        const page = await browser.newPage();
        try {
          await openExtensionPage(page, extensionBaseUrl + pagePath.replace(/^\//, ''));
          await page.waitForSelector(click, { timeout: 5000 });
          await page.click(click);
          return await pollElement(() => page.evaluate(readElementInPage, read), opts, `click ${pagePath} ${click}`);
        } finally {
          await withTimeout(page.close(), 5000, 'close clicked page').catch(() => {});
        }
      },
      async evaluateInPage<T>(pagePath: string, selector: string, source: string, opts: InspectOptions = {}): Promise<T> {
        const page = await browser.newPage();
        try {
          await page.setViewport(opts.viewport ?? { width: 400, height: 600 });
          await openExtensionPage(page, extensionBaseUrl + pagePath.replace(/^\//, ''));
          await pollElement(() => page.evaluate(readElementInPage, selector), opts, `evaluate in ${pagePath} ${selector}`);
          return (await withTimeout(page.evaluate(`(async () => { ${source} })()`), opts.timeoutMs ?? 20_000, 'evaluateInPage')) as T;
        } finally {
          await withTimeout(page.close(), 5000, 'close evaluated page').catch(() => {});
        }
      },
      async pressKeys(pagePath, selector, keys, read, opts = {}) {
        const page = await browser.newPage();
        try {
          await page.setViewport(opts.viewport ?? { width: 400, height: 600 });
          await openExtensionPage(page, extensionBaseUrl + pagePath.replace(/^\//, ''));
          await pollElement(() => page.evaluate(readElementInPage, selector), {}, `keys in ${pagePath} ${selector}`);
          for (const key of keys) await page.keyboard.press((key === 'Space' ? ' ' : key) as KeyInput);
          const found = await pollElement(() => page.evaluate(readElementInPage, read), opts, `keys ${keys.join(' ')} in ${pagePath}`);
          return { ...found, focused: await page.evaluate(describeFocusInPage) };
        } finally {
          await withTimeout(page.close(), 5000, 'close keyboard page').catch(() => {});
        }
      },
      async inspect(pagePath, selector, opts = {}) {
        const page = await browser.newPage();
        try {
          await page.setViewport(opts.viewport ?? { width: 400, height: 600 });
          await openExtensionPage(page, extensionBaseUrl + pagePath.replace(/^\//, ''));
          const found = await pollElement(() => page.evaluate(readElementInPage, selector), opts, `inspect ${pagePath} ${selector}`);
          if (opts.file) await page.screenshot({ path: opts.file as `${string}.png`, fullPage: opts.fullPage ?? false });
          return found;
        } finally {
          await withTimeout(page.close(), 5000, 'close inspected page').catch(() => {});
        }
      },
      close: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
