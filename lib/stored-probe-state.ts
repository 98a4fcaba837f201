/**
 * The probe scheduler's state as read back from storage.local: verdicts and unfinished runs. Storage
 * is untrusted input (an older version's data, a crash mid-write, a hand edit, another tool), and what
 * is read goes straight to the popup (verdicts) or sets off probes (unfinished runs). So it must meet
 * the same rules as what Detour writes: known codes and enums only, numbers that are numbers, URLs
 * of the record's own host without query or fragment, bounded strings and lists. What fails is
 * dropped; nothing corrupt reaches a page or a fetch.
 */
import { EVIDENCE, isEvidenceCode } from '../engine/evidence';
import { isFailureClass, type CertificateProblem, type FailureClass } from '../engine/failure';
import { isIp } from '../engine/ip';
import type { BlockingScope, BlockpageMatch, CensorshipMethod, Evidence, LocalCause, Verdict, VerdictKind } from '../engine/types';
import { hostOf, normalizeHost, redactUrl } from '../engine/hosts';
import { isCensorshipMethod, isLocalCause, isVerdictKind } from '../engine/vocabulary';
import type { ProbeTrigger, ProviderCheck, ProviderChecks, StoredVerdict } from './storage';

/** More than the engine ever gives for one run; the rest of a longer list is dropped. */
export const MAX_EVIDENCE = 64;
/** Evidence parameters are addresses, hosts, titles, error strings: never longer than this when honest. */
export const MAX_PARAM_CHARS = 300;
const MAX_ID_CHARS = 100;
const MAX_ERROR_CHARS = 500;
const MAX_URL_CHARS = 2000;

// Records rather than lists: the compiler then insists that every member of the type is listed.
const SCOPES = { national: true, isp: true, institutional: true } satisfies Record<BlockingScope, true>;
const CERTIFICATE_PROBLEMS = { name: true, issuer: true, date: true, other: true } satisfies Record<CertificateProblem, true>;

/** Own keys only: `__proto__`, `constructor` and friends are never a member. */
function oneOf<K extends string>(members: Record<K, true>, value: unknown): value is K {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(members, value);
}

function isObject(x: unknown): x is Record<string, unknown> {
  return !!x && typeof x === 'object' && !Array.isArray(x);
}

const isTime = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0;
const isShortString = (x: unknown, max: number): x is string => typeof x === 'string' && x.length <= max;

/** The URL as the scheduler writes it: http(s), of `host` itself, redacted (no query, no fragment). */
function storedUrl(value: unknown, host: string): string | undefined {
  if (!isShortString(value, MAX_URL_CHARS) || hostOf(value) !== host) return undefined;
  return redactUrl(value) || undefined;
}

/**
 * An evidence item as the popup renders it: a known code, and only the parameters that code's message
 * substitutes, each a bounded string or a finite number. Anything else is not an item.
 */
function parseEvidence(raw: unknown): Evidence | undefined {
  if (!isObject(raw) || typeof raw.code !== 'string' || !isEvidenceCode(raw.code)) return undefined;
  if (raw.params === undefined) return { code: raw.code };
  if (!isObject(raw.params)) return undefined;
  const params: Record<string, string | number> = {};
  for (const name of EVIDENCE[raw.code].params) {
    if (!Object.prototype.hasOwnProperty.call(raw.params, name)) continue;
    const value = raw.params[name];
    if (typeof value === 'string') params[name] = value.slice(0, MAX_PARAM_CHARS);
    else if (typeof value === 'number' && Number.isFinite(value)) params[name] = value;
    else return undefined;
  }
  return { code: raw.code, params };
}

function parseBlockpage(raw: unknown): BlockpageMatch | undefined {
  if (!isObject(raw)) return undefined;
  const { name, scope, countries, location } = raw;
  if (!isShortString(name, MAX_PARAM_CHARS) || !isShortString(scope, 20) || !isShortString(location, MAX_PARAM_CHARS)) return undefined;
  if (!Array.isArray(countries) || countries.length > 300 || !countries.every((c) => isShortString(c, 10))) return undefined;
  return { name, scope, countries: [...countries], location };
}

const isWeight = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0 && x <= 1;

/**
 * A verdict as the engine makes it. A wrong kind, method, cause, confidence or decoration drops the
 * verdict (its meaning is in doubt); a bad evidence item drops only that item (one reason less).
 */
export function parseVerdict(raw: unknown): Verdict | undefined {
  if (!isObject(raw) || !isVerdictKind(raw.kind) || !isWeight(raw.confidence) || typeof raw.confirmed !== 'boolean') return undefined;
  if (!Array.isArray(raw.evidence)) return undefined;
  const verdict: Verdict = { kind: raw.kind, confidence: raw.confidence, confirmed: raw.confirmed, evidence: [] };
  if (raw.method !== undefined) {
    if (!isCensorshipMethod(raw.method)) return undefined;
    verdict.method = raw.method;
  }
  if (raw.localCause !== undefined) {
    if (!isLocalCause(raw.localCause)) return undefined;
    verdict.localCause = raw.localCause;
  }
  if (raw.scope !== undefined) {
    if (!oneOf(SCOPES, raw.scope)) return undefined;
    verdict.scope = raw.scope;
  }
  if (raw.blockpage !== undefined) {
    const blockpage = parseBlockpage(raw.blockpage);
    if (!blockpage) return undefined;
    verdict.blockpage = blockpage;
  }
  if (raw.scores !== undefined) {
    const s = raw.scores;
    if (!isObject(s) || !isWeight(s.blocked) || !isWeight(s.down) || !isWeight(s.ok)) return undefined;
    verdict.scores = { blocked: s.blocked, down: s.down, ok: s.ok };
  }
  for (const item of raw.evidence.slice(0, MAX_EVIDENCE)) {
    const evidence = parseEvidence(item);
    if (evidence) verdict.evidence.push(evidence);
  }
  return verdict;
}

/** The key a record is stored under is its host; it must be one, in the form normalizeHost() gives. */
export function isStoredHost(key: string): boolean {
  return normalizeHost(key) === key;
}

/**
 * A stored verdict for `host`. Observations are not read back: nothing that reads a stored verdict
 * needs them (DetourState.refineFromProbe gets the fresh one), and they are the largest and most
 * varied part, with addresses and headers from the network, which the popup would otherwise receive.
 */
export function parseStoredVerdict(host: string, raw: unknown): StoredVerdict | undefined {
  if (!isStoredHost(host) || !isObject(raw)) return undefined;
  const url = storedUrl(raw.url, host);
  const verdict = parseVerdict(raw.verdict);
  const trigger = raw.trigger === 'user' || isFailureClass(raw.trigger) ? raw.trigger : undefined;
  if (!url || !verdict || !trigger || !isShortString(raw.runId, MAX_ID_CHARS)) return undefined;
  if (!isTime(raw.startedAt) || !isTime(raw.finishedAt)) return undefined;
  return { runId: raw.runId, host, url, verdict, trigger, startedAt: raw.startedAt, finishedAt: raw.finishedAt };
}

function parseTriggerFailure(raw: unknown): ProbeTrigger['failure'] | undefined | null {
  if (raw === undefined) return undefined;
  if (!isObject(raw) || !isFailureClass(raw.class)) return null;
  const failure: { class: FailureClass; certificate?: CertificateProblem; error?: string; ip?: string } = { class: raw.class };
  if (raw.certificate !== undefined) {
    if (!oneOf(CERTIFICATE_PROBLEMS, raw.certificate)) return null;
    failure.certificate = raw.certificate;
  }
  if (raw.error !== undefined) {
    if (typeof raw.error !== 'string') return null;
    failure.error = raw.error.slice(0, MAX_ERROR_CHARS);
  }
  if (raw.ip !== undefined) {
    // The address goes to the control as an endpoint to test: an address, nothing else.
    if (!isShortString(raw.ip, 45) || !isIp(raw.ip)) return null;
    failure.ip = raw.ip;
  }
  return failure;
}

const REASONS = { failure: true, user: true, resume: true } satisfies Record<ProbeTrigger['reason'], true>;

/**
 * An unfinished run for `host`. Resuming one sends requests (to the URL, its host, the control), so it
 * is held to what a failure of a watched host produces: the URL of the host itself, redacted.
 */
export function parsePendingRun(host: string, raw: unknown): { runId: string; trigger: ProbeTrigger; since: number } | undefined {
  if (!isStoredHost(host) || !isObject(raw) || !isObject(raw.trigger)) return undefined;
  const t = raw.trigger;
  const url = storedUrl(t.url, host);
  const failure = parseTriggerFailure(t.failure);
  if (!url || failure === null || !isShortString(raw.runId, MAX_ID_CHARS) || !isTime(raw.since)) return undefined;
  if (t.host !== host || !isTime(t.startedAt) || !oneOf(REASONS, t.reason)) return undefined;
  const trigger: ProbeTrigger = { host, url, startedAt: t.startedAt, reason: t.reason };
  if (failure) trigger.failure = failure;
  return { runId: raw.runId, trigger, since: raw.since };
}

/** More than the catalog and the user's domains together (lib/watch-list.ts MAX_USER_DOMAINS). */
export const MAX_PROVIDER_CHECKS = 300;
const MAX_CHECK_KEY_CHARS = 300;

/** A catalog provider id, or `user:` and a domain: never `__proto__` or another object member. */
function isCheckKey(key: string): boolean {
  if (key.length > MAX_CHECK_KEY_CHARS) return false;
  if (key.startsWith('user:')) return normalizeHost(key.slice(5)) === key.slice(5);
  return /^[a-z0-9_]+$/.test(key) && key !== '__proto__';
}

function parseProviderCheck(raw: unknown): ProviderCheck | undefined {
  if (!isObject(raw) || typeof raw.host !== 'string') return undefined;
  const host = normalizeHost(raw.host);
  const url = host ? storedUrl(raw.url, host) : undefined;
  if (!host || !url || !isTime(raw.at) || typeof raw.ok !== 'boolean' || !isTime(raw.elapsedMs)) return undefined;
  const check: ProviderCheck = { host, url, at: raw.at, ok: raw.ok, elapsedMs: raw.elapsedMs };
  if (raw.status !== undefined) {
    if (!Number.isInteger(raw.status) || (raw.status as number) < 100 || (raw.status as number) > 599) return undefined;
    check.status = raw.status as number;
  }
  if (raw.failure !== undefined) {
    if (!isFailureClass(raw.failure)) return undefined;
    check.failure = raw.failure;
  }
  return check;
}

/** The status check's stored results: each one whole or dropped, at most MAX_PROVIDER_CHECKS. */
export function parseProviderChecks(raw: unknown): ProviderChecks {
  const out: ProviderChecks = { results: {} };
  if (!isObject(raw)) return out;
  if (isObject(raw.results)) {
    let kept = 0;
    for (const [key, value] of Object.entries(raw.results)) {
      if (kept >= MAX_PROVIDER_CHECKS) break;
      const check = isCheckKey(key) ? parseProviderCheck(value) : undefined;
      if (!check) continue;
      out.results[key] = check;
      kept += 1;
    }
  }
  const run = raw.run;
  if (isObject(run) && isTime(run.startedAt) && Number.isInteger(run.total) && Number.isInteger(run.done)) {
    const total = run.total as number;
    const done = run.done as number;
    if (total > 0 && total <= MAX_PROVIDER_CHECKS && done >= 0 && done <= total) {
      out.run = { startedAt: run.startedAt, total, done };
      if (isTime(run.finishedAt)) out.run.finishedAt = run.finishedAt;
    }
  }
  return out;
}
