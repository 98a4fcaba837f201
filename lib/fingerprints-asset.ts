/**
 * The block-page fingerprints (engine/fingerprints.data.json, ~220 KB) ship as a file beside the
 * background, not inside it: a service worker wakes for every watched failure and would parse them
 * each time. They are read when a probe run needs them, once per worker life.
 */
import { browser } from 'wxt/browser';
import { compileFingerprints, type FingerprintSet, type FingerprintsData } from '../engine/fingerprints';

/** Where the build puts the data (wxt.config.ts). */
export const FINGERPRINTS_ASSET = 'fingerprints.json';

let loading: Promise<FingerprintSet | null> | undefined;

/** The compiled set, or null when the file cannot be read (matching is then skipped, not fatal). */
export function loadFingerprints(): Promise<FingerprintSet | null> {
  loading ??= fetch(browser.runtime.getURL(`/${FINGERPRINTS_ASSET}` as '/popup.html'))
    .then((response) => response.json() as Promise<FingerprintsData>)
    .then(compileFingerprints)
    .catch((error: unknown) => {
      console.error('Detour: block-page fingerprints unavailable', error);
      loading = undefined;
      return null;
    });
  return loading;
}
