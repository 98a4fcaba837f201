/**
 * The engine's entry point: observations in, verdict out (see verdict-core.ts for the rules and
 * engine/README.md for the decision table), with the bundled block-page fingerprints by default.
 * The CLI, the service and the tests use this; the extension's background calls classifyWith() and
 * loads the fingerprints as a file when a probe needs them, so they are not parsed at every wake-up.
 */
import { bundledFingerprints } from './fingerprints-bundled';
import type { Observations, Verdict } from './types';
import { classifyWith, type ClassifyOptions } from './verdict-core';

export { classifyWith, STALE_AFTER_MS, type ClassifyOptions } from './verdict-core';

export function classify(observations: Observations, options: ClassifyOptions = {}): Verdict {
  return classifyWith(observations, options.fingerprints === undefined ? bundledFingerprints() : options.fingerprints, options);
}
