/**
 * Detour's background: wiring only. Everything that listens is registered synchronously, here at the
 * top level, so a service worker (Chromium, Firefox MV3) or event page (Firefox MV2) woken by an event
 * finds its listener already in place. State loads in parallel; handlers wait for it.
 */
import { browser } from 'wxt/browser';
import { defineBackground } from 'wxt/utils/define-background';
import { clearBadge, showFailureBadge } from '../lib/badge';
import { DetourState } from '../lib/detour-state';
import { createMessageHandlers, handleMessage } from '../lib/handle-messages';
import { observeFailures, type FailureSink } from '../lib/observe-failures';
import { recoverMissedFailures } from '../lib/recover-missed-failures';

export default defineBackground({
  // Firefox MV2: an event page, woken by the listeners below like Chromium's service worker.
  persistent: false,
  main() {
    const state = new DetourState(browser.storage.local);

    const sink: FailureSink = {
      failure(event) {
        if (event.tabId !== undefined) void showFailureBadge(event.tabId, event.host, event.class);
      },
      success(host, tabId) {
        if (tabId >= 0 && !state.failedRecently(host)) void clearBadge(tabId);
      },
    };

    const observer = observeFailures(state, sink);

    const handlers = createMessageHandlers(state, {
      listenersSince: Date.now(),
      userDomainsChanged: observer.userDomainsChanged,
    });
    browser.runtime.onMessage.addListener((message: unknown) => handleMessage(handlers, state, message));

    const recover = () => void recoverMissedFailures(state, sink.failure);
    browser.runtime.onInstalled.addListener(recover);
    browser.runtime.onStartup.addListener(recover);
  },
});
