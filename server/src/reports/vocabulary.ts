/**
 * What a report's fields may hold. The verdict and failure vocabularies, and their checks, are the
 * engine's own (engine/vocabulary.ts, engine/failure.ts, engine/report-format.ts), the same the
 * extension reads its stored reports with: the service never accepts a word the engine cannot say,
 * nor refuses one it can. Provider ids are the catalog's.
 */
import { providers } from '../../../catalog/catalog';
import { isCountryCode } from '../../../engine/countries';
import type { CensorshipMethod, VerdictKind } from '../../../engine/types';
import { CENSORSHIP_METHODS, VERDICT_KINDS } from '../../../engine/vocabulary';

export { isFailureClass } from '../../../engine/failure';
export { isBrowserFamily } from '../../../engine/report-format';
export { isCensorshipMethod, isLocalCause, isVerdictKind } from '../../../engine/vocabulary';
/** ISO 3166-1 alpha-2, officially assigned (engine/countries.ts, shared with the extension's settings). */
export const isCountry = (v: string): boolean => isCountryCode(v);

/** Catalog provider id to its official domains (a report's domain must be one of them or below one). */
export const PROVIDER_DOMAINS: ReadonlyMap<string, readonly string[]> = new Map(
  providers.filter((p) => p.domains.length > 0).map((p) => [p.id, p.domains]),
);
export const METHOD_NAMES = Object.keys(CENSORSHIP_METHODS) as CensorshipMethod[];
export const KIND_NAMES = Object.keys(VERDICT_KINDS) as VerdictKind[];
