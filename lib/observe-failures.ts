/**
 * Registers every listener through which failures reach Detour. Called synchronously at the top of
 * the background, so a service worker woken by one of these events finds its listener in place.
 *
 * Filtering, so the browser does not even wake Detour for other traffic:
 * - webNavigation is not gated by host permissions, so its listeners carry URL filters: the catalog's
 *   domains (known synchronously) and, registered again whenever the list changes, the user's domains.
 * - webRequest only ever reports URLs Detour holds a host permission for, and Detour holds them only for
 *   watched domains: the permission is the filter, and it follows the user's list with no
 *   re-registration, from the very first event after a wake-up.
 * Every handler checks the watch list again anyway (activeTab grants a temporary permission).
 */
import { browser } from 'wxt/browser';
import type { DetourState } from './detour-state';
import type { FailureEntry, FailureEvent } from './failure-log';
import {
  fromCompleted,
  fromNavigationError,
  fromRedirect,
  fromRequestError,
  type NavigationErrorDetails,
  type RequestDetails,
} from './failure-events';
import { isOwnRequest } from './browser-adapter';
import { hostOf, redactUrl } from '../engine/hosts';
import type { OwnRequests } from './probes/own-requests';
import { StallDetector } from './stall-detector';
import { navigationFilters } from './watch-list';

export interface FailureSink {
  /** A failure was counted in the log. */
  failure(event: FailureEvent, entry: FailureEntry): void;
  /** A page or frame of a watched host loaded. */
  success(host: string, tabId: number): void;
}

const TOP_LEVEL_TYPES = ['main_frame', 'sub_frame'] as Array<'main_frame' | 'sub_frame'>;

export function observeFailures(state: DetourState, own: OwnRequests, sink: FailureSink): { userDomainsChanged(): void } {
  const withStart = (event: FailureEvent | undefined, startedAt: number | undefined) =>
    event && startedAt !== undefined ? { ...event, startedAt } : event;

  const record = async (make: () => FailureEvent | undefined) => {
    const event = make();
    if (!event) return;
    await state.ready;
    const entry = state.recordFailure(event);
    if (entry) sink.failure(event, entry);
  };

  const stalls = new StallDetector(
    (stall) =>
      void record(() => {
        const host = hostOf(stall.url);
        if (!host) return undefined;
        return {
          host,
          url: redactUrl(stall.url),
          // The answer had started: the connection works and the bytes crawl (throttling), not a stall.
          class: stall.receiving ? 'slow' : 'stalled',
          error: stall.receiving ? 'slow' : 'stalled',
          source: 'stall',
          tabId: stall.tabId,
          startedAt: stall.startedAt,
          at: Date.now(),
        };
      }),
    () => state.settings.stallAfterMs,
  );

  // webNavigation: one set of handlers, registered under the catalog's filter now and under the
  // user's domains once they are loaded.
  const onNavigationError = (details: NavigationErrorDetails) => {
    const stall = details.frameId === 0 ? stalls.settle(details.tabId) : undefined;
    void record(() => withStart(fromNavigationError(details), stall?.startedAt));
  };
  const onBeforeNavigate = (details: { tabId: number; frameId: number; url: string; timeStamp: number }) => {
    if (details.frameId === 0) stalls.start(details.tabId, details.url, details.timeStamp);
  };
  // Committed: the answer started, so the connection works; the stall timer keeps running until the
  // document is all in (a page that crawls is reported as slow, not stalled).
  const onCommitted = (details: { tabId: number; frameId: number }) => {
    if (details.frameId === 0) stalls.receiving(details.tabId);
  };
  // The document is parsed (or the page fully loaded: a page restored from the back/forward cache
  // has no DOMContentLoaded and no request): all of it arrived. Covers pages webRequest does not
  // see, such as a service worker's.
  const onDocumentArrived = (details: { tabId: number; frameId: number }) => {
    if (details.frameId === 0) stalls.settle(details.tabId);
  };

  // Every catalog domain, granted or not: this runs before the grants are read, and must not wait
  // (a worker woken by the event registers its listeners now or misses it). Which of them are
  // watched is decided when the event is recorded (DetourState.recordFailure).
  const catalogFilter = { url: navigationFilters(state.watch.allCatalog) };
  browser.webNavigation.onErrorOccurred.addListener(onNavigationError, catalogFilter);
  browser.webNavigation.onBeforeNavigate.addListener(onBeforeNavigate, catalogFilter);
  browser.webNavigation.onCommitted.addListener(onCommitted, catalogFilter);
  browser.webNavigation.onDOMContentLoaded.addListener(onDocumentArrived, catalogFilter);
  browser.webNavigation.onCompleted.addListener(onDocumentArrived, catalogFilter);

  // The same functions cannot be registered twice with different filters, so user domains get
  // their own wrappers, replaced whenever the list changes.
  let userListeners: Array<() => void> = [];
  const registerUserDomains = () => {
    for (const remove of userListeners) remove();
    userListeners = [];
    if (state.watch.userDomains.length === 0) return;
    const filter = { url: navigationFilters(state.watch.userDomains) };
    const onError = (d: NavigationErrorDetails) => onNavigationError(d);
    const onBefore = (d: Parameters<typeof onBeforeNavigate>[0]) => onBeforeNavigate(d);
    const onCommit = (d: Parameters<typeof onCommitted>[0]) => onCommitted(d);
    const onLoaded = (d: Parameters<typeof onDocumentArrived>[0]) => onDocumentArrived(d);
    browser.webNavigation.onErrorOccurred.addListener(onError, filter);
    browser.webNavigation.onBeforeNavigate.addListener(onBefore, filter);
    browser.webNavigation.onCommitted.addListener(onCommit, filter);
    browser.webNavigation.onDOMContentLoaded.addListener(onLoaded, filter);
    const onDone = (d: Parameters<typeof onDocumentArrived>[0]) => onDocumentArrived(d);
    browser.webNavigation.onCompleted.addListener(onDone, filter);
    userListeners = [
      () => browser.webNavigation.onErrorOccurred.removeListener(onError),
      () => browser.webNavigation.onBeforeNavigate.removeListener(onBefore),
      () => browser.webNavigation.onCommitted.removeListener(onCommit),
      () => browser.webNavigation.onDOMContentLoaded.removeListener(onLoaded),
      () => browser.webNavigation.onCompleted.removeListener(onDone),
    ];
  };
  void state.ready.then(registerUserDomains);

  const allUrls = { urls: ['<all_urls>'] };
  // A top-level answer or error ends a stall, even when the page that commits is off the watch list
  // (a redirect to an ISP's warning page), where onCommitted's filter cannot see it.
  const answered = (details: RequestDetails) =>
    details.type === 'main_frame' && details.tabId >= 0 ? stalls.settle(details.tabId) : undefined;

  // Detour's own probes reach watched hosts too; their reports go to the probe, never to the log.
  const ours = (details: RequestDetails) => own.observe(details) || isOwnRequest(details);

  browser.webRequest.onErrorOccurred.addListener((details: RequestDetails) => {
    if (ours(details)) return;
    const stall = answered(details);
    void record(() => withStart(fromRequestError(details), stall?.startedAt));
  }, allUrls);

  // The headers are in: the connection works. The commit follows (20-130 ms later in the lab), but a
  // stall timer running out in between must not call a page that is answering a connect timeout.
  browser.webRequest.onResponseStarted.addListener(
    (details: RequestDetails) => {
      if (ours(details) || details.type !== 'main_frame' || details.tabId < 0) return;
      stalls.receiving(details.tabId);
    },
    { ...allUrls, types: ['main_frame'] },
  );

  browser.webRequest.onBeforeRedirect.addListener(
    (details: RequestDetails) => {
      if (ours(details)) return;
      answered(details);
      void record(() => fromRedirect(details, (a, b) => state.watch.sameSite(a, b)));
    },
    { ...allUrls, types: TOP_LEVEL_TYPES },
  );

  browser.webRequest.onCompleted.addListener(
    (details: RequestDetails) => {
      if (ours(details)) return;
      answered(details);
      const blocked = fromCompleted(details);
      if (blocked) {
        void record(() => blocked);
        return;
      }
      const host = hostOf(details.url);
      if (!host || details.statusCode === undefined || details.statusCode >= 400) return;
      void state.ready.then(() => {
        if (!state.watch.isWatched(host)) return;
        state.recordSuccess(host, details.timeStamp);
        sink.success(host, details.tabId);
      });
    },
    { ...allUrls, types: TOP_LEVEL_TYPES },
  );

  return { userDomainsChanged: registerUserDomains };
}
