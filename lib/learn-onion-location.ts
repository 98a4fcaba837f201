/**
 * Listens for the Onion-Location header of watched sites' top-level pages while they still work,
 * and remembers what passes Tor Browser's and Brave's rules and Detour's own, short of the address's
 * checksum and key, which the popup checks before it shows one (lib/learned-onions.ts).
 *
 * The header is read only from a response the browser accepted over HTTPS. Chromium lets a user
 * click through a certificate warning, and webRequest cannot tell, so a host with a certificate
 * failure in Detour's log learns nothing: an interceptor could otherwise plant its own onion.
 */
import { browser } from 'wxt/browser';
import { readOnionLocation } from '../engine/onion-location';
import { onionKey, type LearnedOnionStore } from './learned-onions';

interface HeadersDetails {
  url: string;
  type: string;
  frameId?: number;
  responseHeaders?: Array<{ name: string; value?: string }>;
}

export interface OnionLocationDeps {
  store: LearnedOnionStore;
  isWatched(host: string): boolean;
  /** A certificate problem was logged for the host: its headers may be an interceptor's. */
  certificateDoubt(host: string): boolean;
  now(): number;
}

/** The part that decides, apart from the listener so that a unit test drives it. */
export async function learnFromResponse(details: HeadersDetails, deps: OnionLocationDeps): Promise<void> {
  let page: URL;
  try {
    page = new URL(details.url);
  } catch {
    return;
  }
  if (!deps.isWatched(page.hostname)) return;
  const headerValues = (details.responseHeaders ?? [])
    .filter((h) => h.name.toLowerCase() === 'onion-location' && typeof h.value === 'string')
    .map((h) => h.value!);
  if (headerValues.length === 0) return;
  const frame = details.type === 'main_frame' && (details.frameId ?? 0) === 0 ? 'main_frame' : details.type;
  const found = readOnionLocation({ headerValues, pageUrl: details.url, frame, certificateValid: !deps.certificateDoubt(page.hostname) });
  if (!('url' in found)) return;
  await deps.store.record(onionKey(page.hostname), { url: found.url, announcedAt: deps.now(), pageOrigin: page.origin });
}

export function listenForOnionLocation(patterns: string[], deps: OnionLocationDeps): void {
  // Only HTTPS pages can announce: the same hosts as the watch patterns, https only.
  const urls = patterns.filter((p) => p.startsWith('*://') || p.startsWith('https://')).map((p) => p.replace(/^\*:\/\//, 'https://'));
  if (urls.length === 0) return;
  // Called on the event itself: Chromium throws "without a valid receiver" for a detached addListener.
  browser.webRequest.onHeadersReceived.addListener(
    (details) => void learnFromResponse(details, deps).catch(() => {}),
    { urls, types: ['main_frame'] },
    ['responseHeaders'],
  );
}
