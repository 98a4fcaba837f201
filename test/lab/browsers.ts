/**
 * Both lab browsers behind one call, for tests that loop over browsers:
 *
 *   for (const name of ['chromium', 'firefox'] as const) {
 *     const b = await launchBrowser(name, { extensionDir: name === 'chromium' ? '.output/chrome-mv3' : '.output/firefox-mv2', locale: 'en', pki: lab.pki });
 *   }
 */
import { launchChromium, type ChromiumLaunchOptions } from './chromium';
import { launchFirefox, type FirefoxLaunchOptions } from './firefox';
import type { BrowserName, LabBrowser } from './lab-browser';

export { launchChromium, launchFirefox };
export type { ChromiumLaunchOptions, FirefoxLaunchOptions };
export type { BrowserName, LabBrowser, LabLocale, LabProxy, LaunchOptionsBase } from './lab-browser';

/** The build each browser loads by default (`npm run build` makes them). */
export const EXTENSION_BUILDS = {
  chromium: '.output/chrome-mv3',
  firefox: '.output/firefox-mv2',
  firefoxMv3: '.output/firefox-mv3',
} as const;

/** Options both launchers accept, plus each one's own (ignored by the other browser). */
export type AnyLaunchOptions = ChromiumLaunchOptions & Omit<FirefoxLaunchOptions, keyof ChromiumLaunchOptions>;

export function launchBrowser(name: BrowserName, options: AnyLaunchOptions): Promise<LabBrowser> {
  return name === 'chromium' ? launchChromium(options) : launchFirefox(options);
}
