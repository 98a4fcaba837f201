/**
 * Chromium in the lab, through playwright-core and the Debian build at /usr/bin/chromium.
 *
 * - Resolves through the namespace's resolver (127.0.0.53), so the ISP resolver's lies are what the
 *   browser sees: no --host-resolver-rules. Secure DNS stays off by itself: Chromium only upgrades to
 *   DoH when the system resolver is a known DoH provider, and 127.0.0.53 is none (the self-test checks
 *   the ISP resolver really gets the browser's queries).
 * - HTTPS-Upgrades / HTTPS-First are already in Playwright's --disable-features list, which we keep
 *   (a second --disable-features flag would replace it, not add to it).
 * - Trusts the lab root through an NSS db at $HOME/.pki/nssdb of a per-run HOME.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
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

export interface ChromiumLaunchOptions extends LaunchOptionsBase {
  extraArgs?: string[];
}

const CHROMIUM = '/usr/bin/chromium';

export async function launchChromium(options: ChromiumLaunchOptions): Promise<LabBrowser> {
  const started = Date.now();
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'detour-chromium-'));
  const home = path.join(root, 'home');
  const profile = path.join(root, 'profile');
  await fs.mkdir(home, { recursive: true });
  if (options.pki) await options.pki.trustInNssDb(path.join(home, '.pki', 'nssdb'));
  const extension = await prepareExtension(options.extensionDir, options.grantHosts);
  const extensionDir = extension.dir;
  const language = LAB_LOCALES[options.locale];
  const lang = language.ui;

  const args = [
    `--disable-extensions-except=${extensionDir}`,
    `--load-extension=${extensionDir}`,
    `--lang=${lang}`,
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
    '--no-default-browser-check',
    '--disable-domain-reliability',
    '--no-pings',
    // Exposes chrome.benchmarking to pages: resetNetworkState() clears the host cache and the pools.
    '--enable-net-benchmarking',
    ...(options.proxy ? [`--proxy-server=http://${options.proxy.host}:${options.proxy.port}`] : []),
    ...(options.extraArgs ?? []),
  ];

  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: !options.headed,
      args,
      // Playwright disables all extensions by default.
      ignoreDefaultArgs: ['--disable-extensions'],
      locale: language.accept.split(',')[0]!,
      env: { ...process.env, HOME: home, LANGUAGE: lang, LANG: language.posix },
      viewport: { width: 1000, height: 700 },
      timeout: 30_000,
    });
  } catch (error) {
    await fs.rm(root, { recursive: true, force: true });
    await extension.cleanup();
    throw error;
  }

  const cleanup = async () => {
    await withTimeout(context.close(), 10_000, 'chromium close').catch(() => {});
    await fs.rm(root, { recursive: true, force: true }).catch(() => {});
    await extension.cleanup().catch(() => {});
  };

  try {
    const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 15_000 }));
    const extensionId = new URL(worker.url()).host;
    const extensionBaseUrl = `chrome-extension://${extensionId}/`;

    // Tab 1: the test tab (Playwright's persistent context opens one). Tab 2: the extension's page.
    const testPage: Page = context.pages()[0] ?? (await context.newPage());
    const extensionPage = await context.newPage();
    await extensionPage.goto(`${extensionBaseUrl}popup.html`);

    const send = <T>(message: unknown, timeoutMs = 5000) =>
      withTimeout(
        extensionPage.evaluate((m) => (globalThis as any).chrome.runtime.sendMessage(m), message) as Promise<T>,
        timeoutMs,
        'sendMessage',
      );
    await waitUntilReady((m) => send(m, 2000), options.readyTimeoutMs ?? 20_000);

    const browser: LabBrowser = {
      name: 'chromium',
      extensionBaseUrl,
      launchMs: Date.now() - started,
      async navigate(url, opts) {
        const settled = testPage
          .goto(url, { waitUntil: 'load', timeout: 0 })
          .then(() => undefined, () => undefined);
        await Promise.race([settled, sleep(opts?.waitMs ?? 5000)]);
      },
      sendMessage: (message, opts) => send(message, opts?.timeoutMs),
      async resetNetworkState() {
        await withTimeout(testPage.goto('about:blank', { waitUntil: 'load' }), 5000, 'leave the last page').catch(() => {});
        await withTimeout(
          extensionPage.evaluate(async () => {
            const benchmarking = (globalThis as any).chrome.benchmarking;
            await benchmarking.clearCache();
            await benchmarking.clearHostResolverCache();
            await benchmarking.closeConnections();
          }),
          5000,
          'resetNetworkState',
        );
      },
      waitForMessage: (message, predicate, timeoutMs = 10_000) => pollMessage((m) => send(m), message, predicate, timeoutMs),
      async screenshot(pagePath, file, viewport = { width: 400, height: 600 }) {
        const page = await context.newPage();
        try {
          await page.setViewportSize(viewport);
          await page.goto(extensionBaseUrl + pagePath.replace(/^\//, ''), { waitUntil: 'load' });
          await page.screenshot({ path: file });
        } finally {
          // An extension page never failed a navigation, so closing it does not hang; bound it anyway.
          await withTimeout(page.close(), 5000, 'close screenshot page').catch(() => {});
        }
      },
      evaluateInExtension: <T>(source: string) =>
        withTimeout(extensionPage.evaluate(`(async () => { ${source} })()`) as Promise<T>, 5000, 'evaluateInExtension'),
      async clickInExtension(pagePath, click, read, opts = {}) {
        const page = await context.newPage();
        try {
          await page.goto(extensionBaseUrl + pagePath.replace(/^\//, ''), { waitUntil: 'load' });
          await page.click(click);
          return await pollElement(() => page.evaluate(readElementInPage, read), opts, `click ${pagePath} ${click}`);
        } finally {
          await withTimeout(page.close(), 5000, 'close clicked page').catch(() => {});
        }
      },
      async evaluateInPage<T>(pagePath: string, selector: string, source: string, opts: InspectOptions = {}): Promise<T> {
        const page = await context.newPage();
        try {
          await page.setViewportSize(opts.viewport ?? { width: 400, height: 600 });
          await page.goto(extensionBaseUrl + pagePath.replace(/^\//, ''), { waitUntil: 'load' });
          await pollElement(() => page.evaluate(readElementInPage, selector), opts, `evaluate in ${pagePath} ${selector}`);
          return (await withTimeout(page.evaluate(`(async () => { ${source} })()`), opts.timeoutMs ?? 20_000, 'evaluateInPage')) as T;
        } finally {
          await withTimeout(page.close(), 5000, 'close evaluated page').catch(() => {});
        }
      },
      async pressKeys(pagePath, selector, keys, read, opts = {}) {
        const page = await context.newPage();
        try {
          await page.setViewportSize(opts.viewport ?? { width: 400, height: 600 });
          await page.goto(extensionBaseUrl + pagePath.replace(/^\//, ''), { waitUntil: 'load' });
          await pollElement(() => page.evaluate(readElementInPage, selector), {}, `keys in ${pagePath} ${selector}`);
          for (const key of keys) await page.keyboard.press(key === 'Space' ? ' ' : key);
          const found = await pollElement(() => page.evaluate(readElementInPage, read), opts, `keys ${keys.join(' ')} in ${pagePath}`);
          return { ...found, focused: await page.evaluate(describeFocusInPage) };
        } finally {
          await withTimeout(page.close(), 5000, 'close keyboard page').catch(() => {});
        }
      },
      async inspect(pagePath, selector, opts = {}) {
        const page = await context.newPage();
        try {
          await page.setViewportSize(opts.viewport ?? { width: 400, height: 600 });
          await page.goto(extensionBaseUrl + pagePath.replace(/^\//, ''), { waitUntil: 'load' });
          const found = await pollElement(() => page.evaluate(readElementInPage, selector), opts, `inspect ${pagePath} ${selector}`);
          if (opts.file) await page.screenshot({ path: opts.file, fullPage: opts.fullPage ?? false });
          return found;
        } finally {
          await withTimeout(page.close(), 5000, 'close inspected page').catch(() => {});
        }
      },
      close: cleanup,
    };
    return browser;
  } catch (error) {
    await cleanup();
    throw error;
  }
}
