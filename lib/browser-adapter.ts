/**
 * The few places where Chromium and Firefox (desktop and Android) differ in API, behind one small
 * surface. Error strings live next door in browser-errors.ts. Nothing else in Detour checks which
 * browser it runs in.
 */
import { browser } from 'wxt/browser';
import type { DnsObservation, Observations } from '../engine/types';
import type { BrowserFamily } from '../engine/report-format';

type ActionApi = Pick<typeof browser.action, 'setBadgeText' | 'setBadgeBackgroundColor' | 'setTitle'>;

/** MV3 has `action`; Firefox MV2 has `browserAction`. */
function actionApi(): Partial<ActionApi> | undefined {
  const b = browser as unknown as { action?: ActionApi; browserAction?: ActionApi };
  return b.action ?? b.browserAction;
}

/**
 * Sets the toolbar badge of one tab. Firefox for Android has no toolbar badge (the API is absent), so
 * there it does nothing; the popup still shows the failure.
 */
export async function setTabBadge(tabId: number, badge: { text: string; title: string; color?: string }): Promise<void> {
  const action = actionApi();
  if (!action?.setBadgeText) return;
  try {
    await action.setBadgeText({ tabId, text: badge.text });
    if (badge.color && action.setBadgeBackgroundColor) {
      await action.setBadgeBackgroundColor({ tabId, color: badge.color });
    }
    await action.setTitle?.({ tabId, title: badge.title });
  } catch {
    // The tab closed between the event and the badge: nothing to show.
  }
}

/**
 * Calls back when a tab on a watched host finishes loading, error pages included. Firefox clears a
 * tab's badge whenever the tab loads a page, its own error page too, which it shows just after
 * reporting the failure; Detour sets the badge again then. Chromium keeps the badge, and its
 * tabs.onUpdated takes no URL filter (it would wake Detour for every tab of every site), so there this
 * does nothing.
 */
export function onWatchedTabLoaded(listener: (tabId: number, url: string) => void): void {
  if (!isFirefox()) return;
  const onUpdated = browser.tabs.onUpdated.addListener as unknown as (
    callback: (tabId: number, change: { status?: string }, tab: { url?: string }) => void,
    filter: { properties: string[]; urls: string[] },
  ) => void;
  onUpdated(
    (tabId, change, tab) => {
      if (change.status === 'complete' && tab.url) listener(tabId, tab.url);
    },
    // Firefox delivers only tabs whose URL Detour may see: the watched hosts.
    { properties: ['status'], urls: ['<all_urls>'] },
  );
}

export function isFirefox(): boolean {
  return typeof (browser.runtime as { getBrowserInfo?: unknown }).getBrowserInfo === 'function';
}

interface FirefoxDnsApi {
  resolve(host: string, flags?: string[]): Promise<{ addresses: string[]; isTRR?: boolean }>;
}
interface FirefoxCaptivePortalApi {
  getState(): Promise<'unknown' | 'not_captive' | 'unlocked_portal' | 'locked_portal'>;
}

/**
 * The system resolver's answer for a host. Only Firefox lets an extension ask (`dns` permission);
 * Chromium's answer is read from the IP its requests report instead. `disable_trr` keeps Firefox's
 * own DNS-over-HTTPS out of it: Detour wants what the user's network says.
 */
export function systemResolver(): ((host: string) => Promise<DnsObservation>) | undefined {
  const dns = (browser as unknown as { dns?: FirefoxDnsApi }).dns;
  if (!dns?.resolve) return undefined;
  return async (host) => {
    try {
      const answer = await dns.resolve(host, ['bypass_cache', 'disable_trr']);
      return { kind: 'system', resolver: 'system', addrs: answer.addresses };
    } catch (error) {
      const unknownHost = /UNKNOWN_HOST/.test(String((error as { message?: string })?.message ?? error));
      return { kind: 'system', resolver: 'system', addrs: [], failure: unknownHost ? 'nxdomain' : 'error' };
    }
  };
}

/** Firefox's own captive-portal detection (`captivePortal` permission); absent in Chromium. */
export function captivePortalState(): (() => Promise<Observations['captivePortal']>) | undefined {
  const api = (browser as unknown as { captivePortal?: FirefoxCaptivePortalApi }).captivePortal;
  if (!api?.getState) return undefined;
  return () => api.getState();
}

/**
 * Requests Detour made itself (probes, the control service): never the user's failures. Chromium names
 * the initiator, Firefox the origin URL; both are the extension's own origin.
 */
let ownOrigin: string | undefined;

export function isOwnRequest(details: { initiator?: string; originUrl?: string; documentUrl?: string }): boolean {
  ownOrigin ??= new URL(browser.runtime.getURL('/')).origin;
  const own = ownOrigin;
  return [details.initiator, details.originUrl, details.documentUrl].some((u) => typeof u === 'string' && u.startsWith(own));
}

/**
 * Firefox's data-collection categories a failure report falls under
 * (`browser_specific_settings.gecko.data_collection_permissions.optional` in wxt.config.ts): the
 * watched domain that failed is browsing activity, the version, browser family and failure class are
 * technical data; the country, when the user chose one, is location information.
 */
export const REPORT_DATA_COLLECTION = ['browsingActivity', 'technicalAndInteraction'] as const;
export const COUNTRY_DATA_COLLECTION = 'locationInfo';

type DataCollectionPermissions = { data_collection: string[] };
const permissionsApi = () =>
  browser.permissions as unknown as {
    contains(p: DataCollectionPermissions): Promise<boolean>;
    request(p: DataCollectionPermissions): Promise<boolean>;
    remove(p: DataCollectionPermissions): Promise<boolean>;
  };

/** Whether Firefox lets Detour send reports (and, with `country`, the chosen country); Chromium has no such permission. */
export async function reportsPermitted(country = false): Promise<boolean> {
  if (!isFirefox()) return true;
  const data_collection = country ? [COUNTRY_DATA_COLLECTION] : [...REPORT_DATA_COLLECTION];
  return permissionsApi()
    .contains({ data_collection })
    .catch(() => false);
}

/**
 * Asks Firefox for the optional data-collection permission, from the click that turns reports on (or
 * chooses a country): Firefox shows its own consent prompt. True at once in Chromium.
 */
export async function requestReportsPermission(country: boolean): Promise<boolean> {
  if (!isFirefox()) return true;
  const data_collection = [...REPORT_DATA_COLLECTION, ...(country ? [COUNTRY_DATA_COLLECTION] : [])];
  return permissionsApi()
    .request({ data_collection })
    .catch(() => false);
}

/** Gives the permission back when reports are turned off (or the country cleared). */
export async function releaseReportsPermission(onlyCountry: boolean): Promise<void> {
  if (!isFirefox()) return;
  const data_collection = onlyCountry ? [COUNTRY_DATA_COLLECTION] : [...REPORT_DATA_COLLECTION, COUNTRY_DATA_COLLECTION];
  await permissionsApi()
    .remove({ data_collection })
    .catch(() => false);
}

/**
 * The browser family a report names: Firefox from the build's API, Chromium's forks from their
 * User-Agent Client Hints brands (a brand it does not name: `chromium`). Nothing finer: no version,
 * no platform.
 */
export function browserFamily(): BrowserFamily {
  if (isFirefox()) return 'firefox';
  const brands = ((globalThis.navigator as { userAgentData?: { brands?: Array<{ brand: string }> } } | undefined)?.userAgentData?.brands ?? []).map((b) => b.brand);
  const named: Array<[string, BrowserFamily]> = [
    ['Google Chrome', 'chrome'],
    ['Microsoft Edge', 'edge'],
    ['Opera', 'opera'],
    ['YaBrowser', 'yandex'],
    ['Yandex', 'yandex'],
    ['Brave', 'brave'],
    ['Vivaldi', 'vivaldi'],
  ];
  for (const [brand, family] of named) if (brands.includes(brand)) return family;
  return 'chromium';
}
