/**
 * Events that happen before Detour's listeners exist are lost: right after install, and in the instant
 * a browser starts and restores its tabs. What such a failure leaves behind is a tab showing an error
 * page for a watched host; webNavigation.getFrame says so (errorOccurred). Detour looks once, at install
 * and at browser start, and records what it finds. The browser's error string is gone by then, so the
 * class is `unknown`; the probes find the cause.
 */
import { browser } from 'wxt/browser';
import type { DetourState } from './detour-state';
import type { FailureEntry, FailureEvent } from './failure-log';
import { hostOf, redactUrl } from '../engine/hosts';

const ALREADY_SEEN_MS = 2 * 60_000;

export async function recoverMissedFailures(
  state: DetourState,
  onRecovered: (event: FailureEvent, entry: FailureEntry) => void,
): Promise<number> {
  await state.ready;
  // Without the "tabs" permission, url is visible only for hosts Detour may access: exactly the watched ones.
  const tabs = await browser.tabs.query({});
  let recovered = 0;
  for (const tab of tabs) {
    const host = hostOf(tab.url);
    if (tab.id === undefined || !tab.url || !host || !state.watch.isWatched(host)) continue;
    const url = redactUrl(tab.url);
    // Caught by a listener after all (the usual case at browser start): nothing was missed.
    const seen = state.log.hosts[host]?.entries.some((e) => e.url === url && Date.now() - e.lastAt < ALREADY_SEEN_MS);
    if (seen) continue;
    const frame = await browser.webNavigation.getFrame({ tabId: tab.id, frameId: 0 }).catch(() => null);
    if (!frame?.errorOccurred) continue;
    const event: FailureEvent = {
      host,
      url,
      class: 'unknown',
      error: 'error page found at start-up',
      source: 'recovered',
      tabId: tab.id,
      at: Date.now(),
    };
    const entry = state.recordFailure(event);
    if (entry) {
      recovered += 1;
      onRecovered(event, entry);
    }
  }
  return recovered;
}
