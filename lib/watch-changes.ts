/**
 * Tells Detour's pages (popup, options) that the background's stored state changed, so they ask again
 * only then instead of polling. Everything a page shows is derived from storage.local keys the
 * background writes, so storage.onChanged is the one signal that never misses a change: a failure
 * logged, a probe run starting (written before it runs) or ending (its verdict replaces it), a domain
 * added, settings saved. It works the same in Chromium and Firefox, MV2 and MV3, and needs no open
 * port, which would keep the service worker awake or be cut when it is stopped.
 */
import { browser } from 'wxt/browser';
import { STORAGE_KEYS } from './storage';

/** Every key Detour keeps in storage.local: each is something a page shows, or derives from. */
export const STATE_KEYS: readonly string[] = Object.values(STORAGE_KEYS);

/**
 * A webmail page failing 50 requests writes the log many times a second (the background's writer
 * coalesces to one write per 250 ms, but verdicts and runs are written apart from it); one refresh
 * per burst is enough. Short enough that a change still looks immediate.
 */
export const SETTLE_MS = 150;

export interface WatchOptions {
  /** Only these keys (default: all of STATE_KEYS); the options page does not care about the log. */
  keys?: readonly string[];
  settleMs?: number;
}

/**
 * Calls `listener` after Detour's state changed in storage.local: at most once per `settleMs`, and
 * always after the last change of a burst (a change during the wait is covered by the call that ends
 * it, so nothing is missed, and a never-ending stream of failures still refreshes every `settleMs`
 * rather than never). Returns the function that stops it, pending call included.
 */
export function onStateChanged(listener: () => void, options: WatchOptions = {}): () => void {
  const keys = new Set(options.keys ?? STATE_KEYS);
  const settleMs = options.settleMs ?? SETTLE_MS;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const fire = () => {
    timer = undefined;
    if (!stopped) listener();
  };
  const changed = (changes: Record<string, unknown>, area: string) => {
    if (stopped || area !== 'local' || !Object.keys(changes).some((key) => keys.has(key))) return;
    timer ??= setTimeout(fire, settleMs);
  };

  browser.storage.onChanged.addListener(changed);
  return () => {
    stopped = true;
    clearTimeout(timer);
    timer = undefined;
    browser.storage.onChanged.removeListener(changed);
  };
}
