/**
 * What a report's fields may hold. The verdict and failure vocabularies are the engine's own: the
 * records below are checked by the compiler against engine/types.ts and engine/failure.ts (a member
 * added there and missing here fails the type check), so the service never accepts a word the engine
 * cannot say, nor refuses one it can. Provider ids are the catalog's.
 */
import { providers } from '../../../catalog/catalog';
import { isCountryCode } from '../../../engine/countries';
import { isFailureClass, type FailureClass } from '../../../engine/failure';
import type { CensorshipMethod, LocalCause, VerdictKind } from '../../../engine/types';
import { CENSORSHIP_METHODS, LOCAL_CAUSES, VERDICT_KINDS } from '../../../engine/vocabulary';

const KINDS = VERDICT_KINDS;
const METHODS = CENSORSHIP_METHODS;

/** Own keys only: `__proto__`, `constructor` and friends are never a member. */
function member(record: Record<string, true>, value: string): boolean {
  return Object.prototype.hasOwnProperty.call(record, value);
}

export const isVerdictKind = (v: string): v is VerdictKind => member(KINDS, v);
export const isCensorshipMethod = (v: string): v is CensorshipMethod => member(METHODS, v);
export const isLocalCause = (v: string): v is LocalCause => member(LOCAL_CAUSES, v);
export const isFailure = (v: string): v is FailureClass => isFailureClass(v);
export { isBrowserFamily } from '../../../engine/report-format';
/** ISO 3166-1 alpha-2, officially assigned (engine/countries.ts, shared with the extension's settings). */
export const isCountry = (v: string): boolean => isCountryCode(v);

/** Catalog provider id to its official domains (a report's domain must be one of them or below one). */
export const PROVIDER_DOMAINS: ReadonlyMap<string, readonly string[]> = new Map(
  providers.filter((p) => p.domains.length > 0).map((p) => [p.id, p.domains]),
);
export const METHOD_NAMES = Object.keys(METHODS) as CensorshipMethod[];
export const KIND_NAMES = Object.keys(KINDS) as VerdictKind[];
