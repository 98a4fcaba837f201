/**
 * The fingerprint set shipped with the engine (engine/fingerprints.data.json, built by
 * scripts/build-fingerprints.ts). Kept apart from fingerprints.ts so a bundle that brings its own
 * set (or none) does not carry the data.
 */
import { compileFingerprints, type FingerprintSet, type FingerprintsData } from './fingerprints';
import data from './fingerprints.data.json';

let bundled: FingerprintSet | undefined;

export const BUNDLED_FINGERPRINTS_DATA = data as unknown as FingerprintsData;

/** Compiled on first use, then shared. */
export function bundledFingerprints(): FingerprintSet {
  bundled ??= compileFingerprints(BUNDLED_FINGERPRINTS_DATA);
  return bundled;
}
