/**
 * The one interface the e2e tests and the benchmark drive both browsers through. chromium.ts and
 * firefox.ts implement it; browsers.ts re-exports both launchers.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export type BrowserName = 'chromium' | 'firefox';
export type LabLocale = 'en' | 'ru' | 'fa' | 'ar';

/**
 * How each lab language is asked for: the browser's UI locale, and the POSIX locale of its process.
 * Chromium needs Debian's chromium-l10n for anything but en-US, Firefox the firefox-esr-l10n-<lang>
 * language pack (scripts/setup.sh --test installs both).
 */
export const LAB_LOCALES: Record<LabLocale, { ui: string; posix: string; accept: string }> = {
  en: { ui: 'en-US', posix: 'en_US.UTF-8', accept: 'en-US, en' },
  ru: { ui: 'ru', posix: 'ru_RU.UTF-8', accept: 'ru-RU, ru, en-US, en' },
  fa: { ui: 'fa', posix: 'C.UTF-8', accept: 'fa-IR, fa, en-US, en' },
  ar: { ui: 'ar', posix: 'C.UTF-8', accept: 'ar-EG, ar, en-US, en' },
};

export interface LabBrowser {
  name: BrowserName;
  /** `chrome-extension://ID/` or `moz-extension://UUID/`, with the trailing slash. */
  extensionBaseUrl: string;
  /** Milliseconds the launch took, until the extension answered get-status with ready. */
  launchMs: number;
  /**
   * Navigates the test tab (one tab, reused: closing a tab after a failed navigation can hang).
   * Never throws on network errors; returns when the navigation settled or after `waitMs` (default
   * 5000), whichever is first, leaving a slow navigation running.
   */
  navigate(url: string, opts?: { waitMs?: number }): Promise<void>;
  /**
   * Sends a runtime message from the extension's own page (popup.html, kept open in a second tab) and
   * returns the answer. Throws when the extension does not answer within `timeoutMs` (default 5000).
   */
  sendMessage<T>(message: unknown, opts?: { timeoutMs?: number }): Promise<T>;
  /** Polls sendMessage until predicate(answer) holds or `timeoutMs` (default 10000) passed; returns the last answer. */
  waitForMessage<T>(message: unknown, predicate: (answer: T) => boolean, timeoutMs?: number): Promise<T>;
  /**
   * Makes the browser forget what it learned under the previous scenario: cached DNS answers, pooled
   * connections, the HTTP cache, and in Chromium the page it is on (the test tab goes to about:blank
   * first: a navigation that followed the last scenario's certificate-error page recorded nothing).
   * Not in Firefox, where leaving a page still loading that way hid the next navigation from Detour
   * (measured: throttled right after tls-sni-drop, in MV3). Call it after applyScenario() whenever one browser runs several scenarios (Chromium keeps
   * a DNS answer for a minute whatever its TTL).
   */
  resetNetworkState(): Promise<void>;
  /** Firefox only: sets prefs while it runs, as a user does in its settings (DNS over HTTPS, say). */
  setPrefs?(prefs: Record<string, string | number | boolean>): Promise<void>;
  /** Opens extensionBaseUrl + path at the given viewport (default 400x600) and writes a PNG. */
  screenshot(path: string, file: string, viewport?: { width: number; height: number }): Promise<void>;
  /**
   * Opens extensionBaseUrl + path, waits until `selector` matches an element for which `ready` (run in
   * the page on the element's data-* attributes) holds, and returns that element's text and data-*
   * attributes: what the user sees, read off the real page. With `file`, also writes a screenshot.
   */
  inspect(path: string, selector: string, opts?: InspectOptions): Promise<InspectedElement>;
  /**
   * Runs `source` (the body of an async function, as text, so no bundler helper leaks in) in the
   * extension's own page, with the extension's APIs as `chrome`/`browser`, and returns its JSON result.
   */
  evaluateInExtension<T>(source: string): Promise<T>;
  /**
   * Opens extensionBaseUrl + path, clicks `click` like a user (a real input event, so the page may ask
   * for permissions), and returns what `read` then shows (as inspect() does).
   */
  clickInExtension(path: string, click: string, read: string, opts?: InspectOptions): Promise<InspectedElement>;
  /**
   * Opens extensionBaseUrl + path, waits as inspect() does for `selector`, then runs `source` (the body
   * of an async function, as text) in that page and returns its JSON result: for audits (axe-core).
   */
  evaluateInPage<T>(path: string, selector: string, source: string, opts?: InspectOptions): Promise<T>;
  /**
   * Opens extensionBaseUrl + path, waits for `selector`, presses `keys` one after another like a user
   * with a keyboard (`Tab`, `Enter`, `Space`), then returns what `read` shows (as inspect() does) and
   * which element has the focus.
   */
  pressKeys(path: string, selector: string, keys: readonly string[], read: string, opts?: InspectOptions): Promise<InspectedElement & { focused: string }>;
  close(): Promise<void>;
}

export interface InspectOptions {
  /** Polled until it holds: e.g. `(d) => d.kind !== 'checking'`. Default: the element exists. */
  ready?: (data: Record<string, string>) => boolean;
  timeoutMs?: number;
  file?: string;
  viewport?: { width: number; height: number };
  /** The screenshot holds the whole page, however long, not only the viewport. */
  fullPage?: boolean;
}

export interface InspectedElement {
  text: string;
  /** The element's dataset (data-kind="x" is `kind: 'x'`). */
  data: Record<string, string>;
  /** The page's language and direction, and whether anything sticks out sideways (a small screen). */
  page: { lang: string; dir: string; overflowsX: boolean };
}

/**
 * Polls `read` (the element's text and dataset, or null) until `ready` holds. Shared by both
 * launchers; `read` runs in the page through each driver's evaluate.
 */
export async function pollElement(
  read: () => Promise<InspectedElement | null>,
  opts: InspectOptions,
  what: string,
): Promise<InspectedElement> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  let last: InspectedElement | null = null;
  for (;;) {
    last = await read().catch(() => null);
    if (last && (opts.ready?.(last.data) ?? true)) return last;
    if (Date.now() > deadline) throw new Error(`${what}: not ready in time; last seen ${JSON.stringify(last)}`);
    await sleep(100);
  }
}

/** In-page reader for pollElement: text and dataset of the first element matching the selector. */
export function readElementInPage(selector: string): InspectedElement | null {
  const element = document.querySelector(selector) as HTMLElement | null;
  if (!element) return null;
  const root = document.documentElement;
  return {
    text: element.innerText,
    data: { ...element.dataset } as Record<string, string>,
    page: { lang: root.lang, dir: root.dir, overflowsX: root.scrollWidth > root.clientWidth },
  };
}

/** In-page: the focused element, as a test names it (its test id, label or text). */
export function describeFocusInPage(): string {
  const el = document.activeElement as HTMLElement | null;
  if (!el || el === document.body) return '';
  return el.dataset.testid ?? el.getAttribute('aria-label') ?? el.innerText.trim().slice(0, 80);
}

/** A proxy the browser must use for everything (the broken-proxy scenario points it at a dead port). */
export interface LabProxy {
  host: string;
  port: number;
}

export interface LaunchOptionsBase {
  /** An unpacked extension: `.output/chrome-mv3`, `.output/firefox-mv2`, or the stand-in. */
  extensionDir: string;
  locale: LabLocale;
  proxy?: LabProxy;
  /**
   * Something that can add the lab root CA to an NSS database (LabPki). Without it the browser trusts
   * no lab certificate.
   */
  pki?: { trustInNssDb(dbDir: string): Promise<void> };
  /** Run with a window (debugging on a desktop); default headless. */
  headed?: boolean;
  /** How long to wait for the extension to report ready; default 20000. */
  readyTimeoutMs?: number;
  /**
   * Host permissions to hold from the start, e.g. `['*://*.detour-lab.test/*']`, so `watch-add` for a
   * lab domain works without the permission prompt (which headless Chromium cannot answer). Done by
   * launching a copy of the extension whose manifest lists them as required (MV3 `host_permissions`,
   * MV2 `permissions`): the browser grants them at install, but `permissions.remove` then refuses them.
   */
  grantHosts?: string[];
}

/**
 * The directory to load: `dir` itself, or a temp copy whose manifest also requires `grantHosts`.
 * `cleanup` removes the copy.
 */
export async function prepareExtension(dir: string, grantHosts: string[] = []): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const source = path.resolve(dir);
  if (grantHosts.length === 0) return { dir: source, cleanup: async () => {} };
  const copy = await fs.mkdtemp(path.join(os.tmpdir(), 'detour-extension-'));
  await fs.cp(source, copy, { recursive: true });
  const manifestPath = path.join(copy, 'manifest.json');
  const manifest = JSON.parse(await fs.readFile(manifestPath, 'utf8')) as Record<string, unknown>;
  const key = manifest.manifest_version === 3 ? 'host_permissions' : 'permissions';
  const current = Array.isArray(manifest[key]) ? (manifest[key] as string[]) : [];
  manifest[key] = [...new Set([...current, ...grantHosts])];
  await fs.writeFile(manifestPath, JSON.stringify(manifest, null, 2));
  return { dir: copy, cleanup: () => fs.rm(copy, { recursive: true, force: true }) };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Rejects after `ms` with a message; for calls that can hang (browser protocol calls). */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The shared waitForMessage loop: every 100 ms; sendMessage errors count as "not yet". */
export async function pollMessage<T>(
  send: (message: unknown) => Promise<T>,
  message: unknown,
  predicate: (answer: T) => boolean,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await send(message);
      if (predicate(last)) return last;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) break;
    await sleep(100);
  }
  if (last === undefined) throw new Error(`waitForMessage: the extension never answered: ${String(lastError)}`);
  return last;
}

/** Waits until the background says its listeners are registered (the first webRequest event is not lost). */
export async function waitUntilReady(send: (message: unknown) => Promise<unknown>, timeoutMs: number): Promise<void> {
  const answer = await pollMessage(send, { type: 'get-status' }, (a) => (a as { ready?: unknown } | undefined)?.ready === true, timeoutMs).catch(
    (error: unknown) => ({ error: String(error) }),
  );
  if ((answer as { ready?: unknown }).ready !== true) {
    throw new Error(`the extension did not report {ready: true} within ${timeoutMs} ms; last answer: ${JSON.stringify(answer)}`);
  }
}
