/** The toolbar badge: a red "!" on a tab whose watched host failed recently. */
import type { FailureClass } from '../engine/failure';
import { setTabBadge } from './browser-adapter';
import { reasonText, t } from './i18n';

const FAILURE_RED = '#c5221f';

export function showFailureBadge(tabId: number, host: string, failureClass: FailureClass): Promise<void> {
  return setTabBadge(tabId, {
    text: '!',
    color: FAILURE_RED,
    title: t('badgeTitleFailed', [host, reasonText(failureClass)]),
  });
}

export function clearBadge(tabId: number): Promise<void> {
  return setTabBadge(tabId, { text: '', title: t('extName') });
}
