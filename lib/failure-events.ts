/**
 * Turns the browser's event details into Detour's FailureEvent. Pure: the listeners in
 * observe-failures.ts pass details in, the state decides what to keep.
 */
import { classifyBrowserError } from './browser-errors';
import type { FailureEvent } from './failure-log';
import { hostOf, redactUrl } from '../engine/hosts';
import { httpStatusError } from '../engine/failure';

/** The fields Detour reads from webNavigation.onErrorOccurred (same in both browsers). */
export interface NavigationErrorDetails {
  tabId: number;
  frameId: number;
  url: string;
  error: string;
  timeStamp: number;
}

/** The fields Detour reads from webRequest events. */
export interface RequestDetails {
  url: string;
  tabId: number;
  type: string;
  timeStamp: number;
  ip?: string | null;
  error?: string;
  statusCode?: number;
  redirectUrl?: string;
  /** Chromium: who started the request (an extension's own requests carry its origin). */
  initiator?: string;
  /** Firefox: the same, as a URL. */
  originUrl?: string;
  documentUrl?: string;
}

function base(url: string, at: number, tabId: number): Pick<FailureEvent, 'host' | 'url' | 'at' | 'tabId'> | undefined {
  const host = hostOf(url);
  if (!host) return undefined;
  const event: Pick<FailureEvent, 'host' | 'url' | 'at' | 'tabId'> = { host, url: redactUrl(url), at };
  if (tabId >= 0) event.tabId = tabId;
  return event;
}

/** A failed top-level navigation; sub-frames are the page's business, not the user's. */
export function fromNavigationError(details: NavigationErrorDetails): FailureEvent | undefined {
  if (details.frameId !== 0) return undefined;
  const common = base(details.url, details.timeStamp, details.tabId);
  if (!common) return undefined;
  const classified = classifyBrowserError(details.error);
  if (classified.class === 'ignored') return undefined;
  return { ...common, ...classified, error: details.error, source: 'navigation' };
}

export function fromRequestError(details: RequestDetails): FailureEvent | undefined {
  const common = base(details.url, details.timeStamp, details.tabId);
  if (!common || !details.error) return undefined;
  const classified = classifyBrowserError(details.error);
  if (classified.class === 'ignored') return undefined;
  const event: FailureEvent = { ...common, ...classified, error: details.error, source: 'request', resourceType: details.type };
  if (details.ip) event.ip = details.ip;
  return event;
}

/**
 * Two answers that loaded are still failures: HTTP 451 Unavailable For Legal Reasons, the one status
 * code that names censorship (any top-level document), and a 5xx on the page itself (main frame), the
 * provider's own server saying it is broken, which the user should hear about as an outage without
 * pressing "check again". A 5xx on a frame or an API call is the page's business.
 */
export function fromCompleted(details: RequestDetails): FailureEvent | undefined {
  const status = details.statusCode;
  if (status !== 451 && !(details.type === 'main_frame' && status !== undefined && status >= 500 && status <= 599)) return undefined;
  const common = base(details.url, details.timeStamp, details.tabId);
  if (!common) return undefined;
  const event: FailureEvent = {
    ...common,
    class: 'http-status',
    status,
    error: httpStatusError(status),
    source: 'response',
    resourceType: details.type,
  };
  if (details.ip) event.ip = details.ip;
  return event;
}

/**
 * A redirect that leaves the provider: ISPs send blocked users to their own warning pages this way.
 * `sameSite` says whether the target still belongs to the provider (login on another official
 * domain is not a block).
 */
export function fromRedirect(
  details: RequestDetails,
  sameSite: (from: string, to: string) => boolean,
): FailureEvent | undefined {
  const common = base(details.url, details.timeStamp, details.tabId);
  const target = hostOf(details.redirectUrl);
  if (!common || !target || sameSite(common.host, target)) return undefined;
  const event: FailureEvent = {
    ...common,
    class: 'redirect',
    redirectHost: target,
    error: `redirect to ${target}`,
    source: 'response',
    resourceType: details.type,
  };
  if (details.statusCode !== undefined) event.status = details.statusCode;
  if (details.ip) event.ip = details.ip;
  return event;
}
