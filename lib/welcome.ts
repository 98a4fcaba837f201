/**
 * The first-run page (entrypoints/welcome): at install Detour has no access to any mail provider, and
 * asks the user which they use. A build installed with access already granted (an administrator's
 * policy, the lab's test copies) has nothing to ask.
 */
import { browser } from 'wxt/browser';
import type { DetourState } from './detour-state';

export async function openWelcomeIfNothingWatched(state: DetourState): Promise<void> {
  if (state.watch.catalog.length > 0 || state.watch.userDomains.length > 0) return;
  await browser.tabs.create({ url: browser.runtime.getURL('/welcome.html') }).catch(() => undefined);
}
