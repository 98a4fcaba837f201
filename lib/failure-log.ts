/**
 * The failure log: what failed, per host, bounded. Pure data and functions; persistence is the
 * caller's (lib/detour-state.ts). A webmail app that fails hundreds of requests a minute must not grow
 * memory or storage: repeats collapse into one entry with a count, and every list has a cap.
 */
import { isFailureClass, type CertificateProblem, type FailureClass } from '../engine/failure';
import { isIp } from '../engine/ip';
import { hostOf, normalizeHost, redactUrl } from '../engine/hosts';
import { replacesStall } from './refine-failure';

/** Where Detour saw the failure. */
export type FailureSource =
  /** webNavigation.onErrorOccurred for a top-level navigation. */
  | 'navigation'
  /** webRequest.onErrorOccurred (the page's own requests, and the main-frame request itself). */
  | 'request'
  /** An answer that means blocking: HTTP 451, a redirect off the provider. */
  | 'response'
  /** Detour's stall detector: no answer after `stallAfterMs`. */
  | 'stall'
  /** Found on start-up: a tab already showing an error page for a watched host. */
  | 'recovered';

/** What one failure was: what an event reports and an entry keeps. */
export interface FailureDetails {
  /** Scheme, host and path only (see redactUrl). */
  url: string;
  class: FailureClass;
  certificate?: CertificateProblem;
  /** The browser's own string, kept verbatim for the popup's details and for bug reports. */
  error: string;
  source: FailureSource;
  /** webRequest resource type (main_frame, xmlhttprequest, ...), when known. */
  resourceType?: string;
  status?: number;
  /** For redirects off the provider: where to. */
  redirectHost?: string;
  /** The IP the browser connected to, when it reported one. */
  ip?: string;
}

/** One failure as a listener reports it. */
export interface FailureEvent extends FailureDetails {
  host: string;
  tabId?: number;
  /** When the navigation that failed started, if known: probes budget from there. Not stored. */
  startedAt?: number;
  at: number;
}

/** One or more failures of the same kind, as the log keeps them. */
export interface FailureEntry extends FailureDetails {
  firstAt: number;
  lastAt: number;
  /** How many failures this entry stands for. */
  count: number;
}

export interface HostRecord {
  host: string;
  /** Newest first. */
  entries: FailureEntry[];
  lastOkAt?: number;
}

export interface FailureLog {
  version: 1;
  hosts: Record<string, HostRecord>;
}

export const LIMITS = {
  /** Repeats of the same failure within this window are one entry. */
  collapseWindowMs: 60_000,
  entriesPerHost: 20,
  hosts: 100,
  /** A failure this recent, not followed by a success, lights the badge. */
  recentMs: 15 * 60_000,
} as const;

export function emptyLog(): FailureLog {
  return { version: 1, hosts: {} };
}

function sameFailure(entry: FailureEntry, event: FailureEvent): boolean {
  return (
    entry.class === event.class &&
    entry.error === event.error &&
    entry.status === event.status &&
    entry.redirectHost === event.redirectHost &&
    event.at - entry.lastAt <= LIMITS.collapseWindowMs
  );
}

/**
 * Adds a failure. Returns the entry it was counted in. Mutates `log` (the store owns the only copy).
 */
export function recordFailure(log: FailureLog, event: FailureEvent): FailureEntry {
  const record = (log.hosts[event.host] ??= { host: event.host, entries: [] });
  const stalled = record.entries.find((e) => replacesStall(e, event));
  const existing = stalled ?? record.entries.find((e) => sameFailure(e, event));
  let entry: FailureEntry;
  if (existing) {
    if (existing === stalled) {
      Object.assign(existing, entryFields(event));
    } else {
      existing.count += 1;
    }
    existing.lastAt = Math.max(existing.lastAt, event.at);
    entry = existing;
    record.entries.sort((a, b) => b.lastAt - a.lastAt);
  } else {
    entry = { ...entryFields(event), firstAt: event.at, lastAt: event.at, count: 1 };
    record.entries.unshift(entry);
    record.entries.length = Math.min(record.entries.length, LIMITS.entriesPerHost);
  }
  evictHosts(log);
  return entry;
}

function entryFields(event: FailureEvent): FailureDetails {
  const fields: FailureDetails = {
    url: event.url,
    class: event.class,
    error: event.error,
    source: event.source,
  };
  if (event.certificate) fields.certificate = event.certificate;
  if (event.resourceType) fields.resourceType = event.resourceType;
  if (event.status !== undefined) fields.status = event.status;
  if (event.redirectHost) fields.redirectHost = event.redirectHost;
  if (event.ip) fields.ip = event.ip;
  return fields;
}

/** Records a success. Returns true when this changes what the badge shows. */
export function recordSuccess(log: FailureLog, host: string, at: number): boolean {
  const record = log.hosts[host];
  if (!record) return false;
  const before = failedRecently(record, at);
  record.lastOkAt = Math.max(record.lastOkAt ?? 0, at);
  return before !== failedRecently(record, at);
}

export function lastFailureAt(record: HostRecord): number {
  return record.entries.reduce((max, e) => Math.max(max, e.lastAt), 0);
}

export function failedRecently(record: HostRecord | undefined, now: number): boolean {
  if (!record || record.entries.length === 0) return false;
  const last = lastFailureAt(record);
  return now - last <= LIMITS.recentMs && last > (record.lastOkAt ?? 0);
}

/** Keeps the hosts that failed most recently. */
function evictHosts(log: FailureLog): void {
  const hosts = Object.values(log.hosts);
  if (hosts.length <= LIMITS.hosts) return;
  hosts.sort((a, b) => lastFailureAt(b) - lastFailureAt(a));
  for (const stale of hosts.slice(LIMITS.hosts)) delete log.hosts[stale.host];
}

/** Hosts with failures, most recent first. */
export function hostsByRecency(log: FailureLog): HostRecord[] {
  return Object.values(log.hosts)
    .filter((r) => r.entries.length > 0)
    .sort((a, b) => lastFailureAt(b) - lastFailureAt(a));
}

const SOURCES: readonly FailureSource[] = ['navigation', 'request', 'response', 'stall', 'recovered'];

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/**
 * The URL as the listeners write it (failure-events.ts): http(s), of the record's own host, redacted.
 * A stored query string (an older version's, a hand edit) is cut here rather than shown.
 */
function storedUrl(value: unknown, host: string): string | undefined {
  if (typeof value !== 'string' || value.length > 2000 || hostOf(value) !== host) return undefined;
  return redactUrl(value) || undefined;
}

/** A host name or IP literal as hostOf() gives it, nothing else (no path, no credentials). */
function isHostName(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 253 && hostOf(`http://${value}/`) === value;
}

function parseEntry(raw: unknown, host: string): FailureEntry | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const e = raw as Record<string, unknown>;
  const url = storedUrl(e.url, host);
  if (!url || !isFailureClass(e.class) || typeof e.error !== 'string') return undefined;
  if (!SOURCES.includes(e.source as FailureSource)) return undefined;
  if (!isFiniteNumber(e.firstAt) || !isFiniteNumber(e.lastAt) || !isFiniteNumber(e.count) || e.count < 1) return undefined;
  const entry: FailureEntry = {
    url,
    class: e.class,
    error: e.error.slice(0, 500),
    source: e.source as FailureSource,
    firstAt: e.firstAt,
    lastAt: e.lastAt,
    count: Math.floor(e.count),
  };
  if (e.certificate === 'name' || e.certificate === 'issuer' || e.certificate === 'date' || e.certificate === 'other') {
    entry.certificate = e.certificate;
  }
  if (typeof e.resourceType === 'string' && /^[a-z_]{1,40}$/.test(e.resourceType)) entry.resourceType = e.resourceType;
  if (isFiniteNumber(e.status) && Number.isInteger(e.status) && e.status >= 0 && e.status <= 999) entry.status = e.status;
  if (isHostName(e.redirectHost)) entry.redirectHost = e.redirectHost;
  if (typeof e.ip === 'string' && e.ip.length <= 45 && isIp(e.ip)) entry.ip = e.ip;
  return entry;
}

/**
 * Reads a stored log. Storage can be corrupt (an older version, a crash mid-write, a hand edit):
 * every valid host and entry is kept, the rest is dropped and counted, and the caller reports it.
 */
export function parseLog(raw: unknown): { log: FailureLog; dropped: number } {
  const log = emptyLog();
  let dropped = 0;
  if (raw === undefined || raw === null) return { log, dropped };
  const hosts = (raw as { hosts?: unknown }).hosts;
  if (typeof raw !== 'object' || !hosts || typeof hosts !== 'object') return { log, dropped: 1 };
  for (const [host, value] of Object.entries(hosts as Record<string, unknown>)) {
    const rawEntries = (value as { entries?: unknown } | null)?.entries;
    if (!Array.isArray(rawEntries) || normalizeHost(host) !== host) {
      dropped += 1;
      continue;
    }
    const entries: FailureEntry[] = [];
    for (const rawEntry of rawEntries.slice(0, LIMITS.entriesPerHost)) {
      const entry = parseEntry(rawEntry, host);
      if (entry) entries.push(entry);
      else dropped += 1;
    }
    dropped += Math.max(0, rawEntries.length - LIMITS.entriesPerHost);
    const record: HostRecord = { host, entries: entries.sort((a, b) => b.lastAt - a.lastAt) };
    const lastOkAt = (value as { lastOkAt?: unknown }).lastOkAt;
    if (isFiniteNumber(lastOkAt)) record.lastOkAt = lastOkAt;
    log.hosts[host] = record;
  }
  evictHosts(log);
  return { log, dropped };
}
