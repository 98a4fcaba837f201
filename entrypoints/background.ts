/**
 * Detour's background: wiring only. Everything that listens is registered synchronously, here at the
 * top level, so a service worker (Chromium, Firefox MV3) or event page (Firefox MV2) woken by an event
 * finds its listener already in place. State loads in parallel; handlers wait for it.
 */
import { browser } from 'wxt/browser';
import { defineBackground } from 'wxt/utils/define-background';
import { catalogHostPatterns, siblingDomains } from '../catalog/provider-index';
import { classifyWith } from '../engine/verdict-core';
import { ProviderChecker } from '../lib/check-providers';
import { clearBadge, showFailureBadge, showFailureBadgeSettled } from '../lib/badge';
import { browserFamily, captivePortalState, onWatchedTabLoaded, reportsPermitted, systemResolver } from '../lib/browser-adapter';
import { DetourState } from '../lib/detour-state';
import { loadFingerprints } from '../lib/fingerprints-asset';
import { createMessageTable, handleMessage } from '../lib/handle-messages';
import { listenForOnionLocation } from '../lib/learn-onion-location';
import { LearnedOnionStore } from '../lib/learned-onions';
import { hostOf } from '../engine/hosts';
import { observeFailures, type FailureSink } from '../lib/observe-failures';
import { probeTriggerFor, ProbeScheduler } from '../lib/probe-scheduler';
import { lightCheck } from '../lib/probes/light-check';
import { listenWhileProbing } from '../lib/probes/listen-while-probing';
import { OwnRequests } from '../lib/probes/own-requests';
import { runProbes, type ProbeEnvironment } from '../lib/probes/run-probes';
import { entriesAsNamed } from '../lib/refine-failure';
import { recoverMissedFailures } from '../lib/recover-missed-failures';
import { openWelcomeIfNothingWatched } from '../lib/welcome';
import { ReportQueue } from '../lib/reports/report-queue';
import { Reporter } from '../lib/reports/reporter';
import { ReportSender } from '../lib/reports/send-reports';
import { providerForHost } from '../catalog/provider-index';

/** The one alarm: the next batch of failure reports is due (lib/reports/send-reports.ts). */
const REPORTS_ALARM = 'detour-reports';

export default defineBackground({
  // Firefox MV2: an event page, woken by the listeners below like Chromium's service worker.
  persistent: false,
  main() {
    const state = new DetourState(browser.storage.local, Date.now, async () => (await browser.permissions.getAll()).origins ?? []);
    const own = new OwnRequests();

    const probeEnvironment = (host: string): ProbeEnvironment => ({
      fetch: (input, init) => fetch(input, init),
      settings: state.settings,
      own,
      siblings: siblingDomains(host),
      systemResolve: systemResolver(),
      captivePortal: captivePortalState(),
      canaryAccess: (url) => browser.permissions.contains({ origins: [`*://${new URL(url).hostname}/*`] }),
      online: () => navigator.onLine,
      now: Date.now,
    });

    // Failure reports, opt-in (lib/reports/). The alarm wakes a stopped background when a batch is
    // due; the timer covers delays shorter than an alarm may be (30 s in Chromium).
    const reportQueue = new ReportQueue(browser.storage.local);
    let reportTimer: ReturnType<typeof setTimeout> | undefined;
    const sender: ReportSender = new ReportSender({
      queue: reportQueue,
      settings: () => state.settings,
      fetch: (input, init) => fetch(input, init),
      now: Date.now,
      random: Math.random,
      newId: () => crypto.randomUUID(),
      schedule: (at) => {
        void browser.alarms.create(REPORTS_ALARM, { when: at });
        clearTimeout(reportTimer);
        reportTimer = setTimeout(() => void sender.flush(), Math.max(0, at - Date.now()));
      },
      permitted: () => reportsPermitted(),
      countryPermitted: () => reportsPermitted(true),
    });
    const reporter = new Reporter({
      queue: reportQueue,
      sender,
      settings: () => state.settings,
      version: browser.runtime.getManifest().version,
      browser: browserFamily(),
      providerOf: (host) => providerForHost(host)?.id,
      permitted: () => reportsPermitted(),
    });
    browser.alarms.onAlarm.addListener((alarm) => {
      if (alarm.name === REPORTS_ALARM) void state.ready.then(() => sender.flush());
    });

    const probingActivity = listenWhileProbing(own);
    const scheduler = new ProbeScheduler({
      storage: browser.storage.local,
      now: Date.now,
      measure: (trigger) => runProbes(trigger, probeEnvironment(trigger.host)),
      loggedFailure: (trigger) => state.loggedFailure(trigger.host, trigger.url),
      // The fingerprints are read from the package the first time a verdict needs them.
      classify: async (observations) => classifyWith(observations, await loadFingerprints()),
      activity: probingActivity,
      verdictStored: (stored) => void state.ready.then(() => reporter.verdict(stored)),
    });

    const checker = new ProviderChecker({
      storage: browser.storage.local,
      now: Date.now,
      // Half the budget: a page that does not answer by then gets the probe run, which counts its
      // budget from the check's start, so a blocked provider is named within one budget.
      lightCheck: (url) => lightCheck({ fetch: (input, init) => fetch(input, init), own }, url, state.settings.probeBudgetMs / 2),
      probe: (trigger) => scheduler.trigger(trigger, { force: true }),
      activity: probingActivity,
    });

    const sink: FailureSink = {
      failure(event) {
        if (event.tabId !== undefined) showFailureBadgeSettled(event.tabId, event.host, event.class, () => state.failedRecently(event.host));
        void scheduler.trigger(probeTriggerFor(event));
      },
      success(host, tabId) {
        if (tabId >= 0 && !state.failedRecently(host)) void clearBadge(tabId);
      },
    };

    const observer = observeFailures(state, own, sink);

    onWatchedTabLoaded((tabId, url) => {
      const host = hostOf(url);
      if (!host || !state.failedRecently(host)) return;
      const [latest] = entriesAsNamed(state.record(host)?.entries ?? [], scheduler.verdictFor(host));
      if (latest) void showFailureBadge(tabId, host, latest.class);
    });

    const learnedOnions = new LearnedOnionStore(browser.storage.local);
    listenForOnionLocation(catalogHostPatterns(), {
      store: learnedOnions,
      isWatched: (host) => state.watch.isWatched(host),
      certificateDoubt: (host) => (state.record(host)?.entries ?? []).some((e) => e.class === 'certificate'),
      now: Date.now,
    });

    const messages = createMessageTable(state, scheduler, {
      listenersSince: Date.now(),
      userDomainsChanged: observer.userDomainsChanged,
      learnedOnions,
      checker,
      reporter,
    });
    // Answered through sendResponse, the form both browsers take (a returned promise is Firefox's).
    browser.runtime.onMessage.addListener((message: unknown, sender, sendResponse) => {
      void handleMessage(messages, state, message, sender).then(sendResponse);
      return true;
    });

    // Access given or taken back (a page's prompt, the browser's own settings): watch exactly that.
    const grantsChanged = () => void state.refreshGrants().then(observer.userDomainsChanged);
    browser.permissions.onAdded.addListener(grantsChanged);
    browser.permissions.onRemoved.addListener(grantsChanged);

    const recover = () => void recoverMissedFailures(state, sink.failure);
    browser.runtime.onInstalled.addListener((details) => {
      recover();
      // First run: "which mail do you use?" Detour watches nothing until the user says.
      if (details.reason === 'install') void state.ready.then(() => openWelcomeIfNothingWatched(state));
    });
    browser.runtime.onStartup.addListener(recover);

    // A service worker killed mid-probe: start its unfinished runs again.
    void state.ready.then(() => scheduler.resume((host) => state.watch.isWatched(host)));
    // Reports still queued from an earlier life: their send is due again (an alarm may have been lost).
    void state.ready.then(() => sender.resume());
  },
});
