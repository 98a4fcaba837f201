/**
 * The few places where Chromium and Firefox (desktop and Android) differ in API, behind one small
 * surface. Error strings live next door in browser-errors.ts. Nothing else in Detour checks which
 * browser it runs in.
 */
import { browser } from 'wxt/browser';
import type { DnsObservation, Observations } from '../engine/types';

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
