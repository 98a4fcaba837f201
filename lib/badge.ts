/** The toolbar badge: a red "!" on a tab whose watched host failed recently. */
import { browser } from 'wxt/browser';
import type { FailureClass } from '../engine/failure';
import { setTabBadge } from './browser-adapter';
import { hostOf } from '../engine/hosts';
import { reasonText, t } from './i18n';

const FAILURE_RED = '#c5221f';

/**
 * Both browsers forget a tab's badge when the tab shows a new page, and the browser's own error page
 * arrives just after the failure is reported (measured: Firefox always, Chromium now and then). So the
 * badge is set at once and again when the error page has had time to show, if the tab still shows
 * the host.
 */
const SETTLE_MS = 1000;

export function showFailureBadge(tabId: number, host: string, failureClass: FailureClass): Promise<void> {
  return setTabBadge(tabId, {
    text: '!',
    color: FAILURE_RED,
    title: t('badgeTitleFailed', [host, reasonText(failureClass)]),
  });
}

export function showFailureBadgeSettled(tabId: number, host: string, failureClass: FailureClass, stillFailing: () => boolean): void {
  void showFailureBadge(tabId, host, failureClass);
  setTimeout(() => {
    void browser.tabs
      .get(tabId)
      .then((tab) => {
        if (hostOf(tab.url) === host && stillFailing()) return showFailureBadge(tabId, host, failureClass);
      })
      .catch(() => undefined);
  }, SETTLE_MS);
}

export function clearBadge(tabId: number): Promise<void> {
  return setTabBadge(tabId, { text: '', title: t('extName') });
}
