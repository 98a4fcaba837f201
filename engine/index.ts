/**
 * The detection engine's public API. Pure TypeScript: no browser, no Node API, no clock, no network;
 * bundled into the extension's background and reused by the service and the CLI.
 */
export { classify, STALE_AFTER_MS, type ClassifyOptions } from './verdict';
export type * from './types';
export {
  EVIDENCE,
  EVIDENCE_CODES,
  ev,
  evidenceMessageName,
  evidenceSubstitutions,
  isEvidenceCode,
  verdictMessageNames,
  type EvidenceCode,
} from './evidence';
export {
  compileFingerprints,
  FALSE_POSITIVE_SCOPES,
  LiteralMatcher,
  type Fingerprint,
  type FingerprintMatch,
  type FingerprintRow,
  type FingerprintSet,
  type FingerprintsData,
  type ResponseLike,
} from './fingerprints';
export { bundledFingerprints, BUNDLED_FINGERPRINTS_DATA } from './fingerprints-bundled';
export { ooniToObservations, decodeOoniBody, OoniMeasurementError, type OoniMeta } from './ooni-measurement';
export { ooniFailureClass, ooniDnsFailure, OONI_FAILURES } from './ooni-failures';
