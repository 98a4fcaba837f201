/**
 * The few places where Chromium and Firefox (desktop and Android) differ in API, behind one small
 * surface. Error strings live next door in browser-errors.ts. Nothing else in Detour checks which
 * browser it runs in.
 */
import { browser } from 'wxt/browser';

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

export function isFirefox(): boolean {
  return typeof (browser.runtime as { getBrowserInfo?: unknown }).getBrowserInfo === 'function';
}
