/**
 * Strict validation of a report batch, after strict-json.ts parsed it. Every string is either a word
 * from a fixed vocabulary or matches a short anchored pattern after a length check, so SQL, HTML or
 * anything else a person could write never gets in. The first problem found is the reason given; it
 * names the field, never its value.
 */
import { hostMatchesDomain, normalizeHost } from '../../../engine/hosts';
import type { JsonValue } from './strict-json';
import {
  CLOCK_SKEW_MS,
  MAX_REPORT_AGE_MS,
  MAX_REPORTS_PER_BATCH,
  REPORT_FIELDS,
  type Report,
  type ReportBatch,
} from './report';
import { isBrowserFamily, isCensorshipMethod, isCountry, isFailureClass, isLocalCause, isVerdictKind, PROVIDER_DOMAINS } from './vocabulary';

export class ReportValidationError extends Error {
  override name = 'ReportValidationError';
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// On the hour exactly; milliseconds allowed as zero so toISOString() output passes.
const HOUR = /^\d{4}-\d{2}-\d{2}T\d{2}:00:00(?:\.000)?Z$/;
// major.minor[.patch[.build]], each up to 5 digits: what manifest.json allows for `version`.
const VERSION = /^\d{1,5}(?:\.\d{1,5}){1,3}$/;
const MAX_VERSION_CHARS = 23;
const MAX_DOMAIN_CHARS = 253;

function isRecord(x: JsonValue | undefined): x is { [key: string]: JsonValue } {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function refuse(message: string): never {
  throw new ReportValidationError(message);
}

function string(obj: { [key: string]: JsonValue }, key: string, where: string): string {
  const v = obj[key];
  if (typeof v !== 'string') refuse(`${where}.${key}: expected a string`);
  return v;
}

function nullableString(obj: { [key: string]: JsonValue }, key: string, where: string): string | null {
  const v = obj[key];
  if (v === null) return null;
  if (typeof v !== 'string') refuse(`${where}.${key}: expected a string or null`);
  return v;
}

/** Exactly these keys: none missing, none extra (the parser already refused duplicates). */
function exactKeys(obj: { [key: string]: JsonValue }, keys: readonly string[], where: string): void {
  const present = Object.keys(obj);
  for (const key of present) if (!keys.includes(key)) refuse(`${where}: unknown field`);
  for (const key of keys) if (!(key in obj)) refuse(`${where}.${key}: missing`);
}

/** The start of the hour `now` falls in (ms). */
export function hourStart(now: number): number {
  return now - (now % 3600_000);
}

export function validateReport(value: JsonValue, where: string, now: number): Report {
  if (!isRecord(value)) refuse(`${where}: expected an object`);
  exactKeys(value, REPORT_FIELDS, where);

  const domain = string(value, 'domain', where);
  if (domain.length > MAX_DOMAIN_CHARS || normalizeHost(domain) !== domain) {
    refuse(`${where}.domain: expected a lower-case host name without scheme, port or path`);
  }
  const provider = string(value, 'provider', where);
  const domains = PROVIDER_DOMAINS.get(provider);
  if (!domains) refuse(`${where}.provider: not a catalog provider id`);
  if (!domains.some((d) => hostMatchesDomain(domain, d))) refuse(`${where}.domain: not one of the provider's domains`);

  const kind = string(value, 'kind', where);
  if (!isVerdictKind(kind)) refuse(`${where}.kind: not a verdict kind`);
  const method = nullableString(value, 'method', where);
  if (method !== null && !isCensorshipMethod(method)) refuse(`${where}.method: not a censorship method`);
  if ((kind === 'censorship') !== (method !== null)) refuse(`${where}.method: set exactly when kind is censorship`);
  const localCause = nullableString(value, 'local_cause', where);
  if (localCause !== null && !isLocalCause(localCause)) refuse(`${where}.local_cause: not a local cause`);
  if ((kind === 'local') !== (localCause !== null)) refuse(`${where}.local_cause: set exactly when kind is local`);

  const failure = string(value, 'failure', where);
  if (!isFailureClass(failure)) refuse(`${where}.failure: not a failure class`);
  const country = nullableString(value, 'country', where);
  if (country !== null && !isCountry(country)) refuse(`${where}.country: not an ISO 3166-1 alpha-2 code`);

  const hour = string(value, 'hour', where);
  const t = hour.length <= 24 && HOUR.test(hour) ? Date.parse(hour) : NaN;
  // The round trip refuses dates that parse but do not exist as written (2026-02-30, hour 24).
  if (!Number.isFinite(t) || new Date(t).toISOString().slice(0, 13) !== hour.slice(0, 13)) {
    refuse(`${where}.hour: expected an ISO time on the hour, like 2026-11-23T14:00:00Z`);
  }
  if (t > now + CLOCK_SKEW_MS) refuse(`${where}.hour: in the future`);
  if (t < hourStart(now) - MAX_REPORT_AGE_MS) refuse(`${where}.hour: older than a week`);

  const version = string(value, 'version', where);
  if (version.length > MAX_VERSION_CHARS || !VERSION.test(version)) refuse(`${where}.version: expected a version like 1.2.3`);
  const browser = string(value, 'browser', where);
  if (!isBrowserFamily(browser)) refuse(`${where}.browser: not a browser family`);

  return {
    domain,
    provider,
    kind,
    method: method as Report['method'],
    local_cause: localCause as Report['local_cause'],
    failure,
    country,
    hour: new Date(t).toISOString().replace('.000Z', 'Z'),
    version,
    browser,
  };
}

export function validateBatch(value: JsonValue, now: number = Date.now()): ReportBatch {
  if (!isRecord(value)) refuse('body: expected an object');
  exactKeys(value, ['batch_id', 'reports'], 'body');
  const batchId = string(value, 'batch_id', 'body');
  if (batchId.length !== 36 || !UUID.test(batchId.toLowerCase())) refuse('body.batch_id: expected a UUID');
  const reports = value.reports;
  if (!Array.isArray(reports)) refuse('body.reports: expected an array');
  if (reports.length === 0) refuse('body.reports: empty');
  if (reports.length > MAX_REPORTS_PER_BATCH) refuse(`body.reports: more than ${MAX_REPORTS_PER_BATCH}`);
  return { batch_id: batchId.toLowerCase(), reports: reports.map((r, n) => validateReport(r, `reports[${n}]`, now)) };
}
