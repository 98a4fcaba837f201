/**
 * What Detour keeps in storage.local: every key, and the shape of what is stored under it. The one
 * place a newcomer looks to learn what persists. Storage is untrusted input when read back (an older
 * version's data, a crash mid-write, a hand edit); each key's parser holds it to the rules its writer
 * follows:
 *
 * | key | written by | read back by |
 * |---|---|---|
 * | `failureLog` | DetourState (lib/detour-state.ts) | `parseLog` (lib/failure-log.ts) |
 * | `userDomains` | DetourState | `WatchList.loadUserDomains` (lib/watch-list.ts) |
 * | `settings` | DetourState | `parseSettings` (lib/settings.ts) |
 * | `verdicts` | ProbeScheduler (lib/probe-scheduler.ts) | `parseStoredVerdict` (lib/stored-probe-state.ts) |
 * | `probeRuns` | ProbeScheduler, before a run starts | `parsePendingRun` (lib/stored-probe-state.ts) |
 * | `learnedOnions` | LearnedOnionStore (lib/learned-onions.ts) | `parseLearnedOnions` (lib/learned-onions.ts) |
 * | `catalogUpdate` | CatalogUpdater (lib/catalog-update.ts) | `parseStoredCatalogUpdate`, then the signature again (lib/catalog-update.ts) |
 * | `catalogUpdateCheck` | CatalogUpdater | `parseCatalogUpdateCheck` (lib/catalog-update.ts) |
 * | `providerChecks` | ProviderChecker (lib/check-providers.ts) | `parseProviderChecks` (lib/stored-probe-state.ts) |
 * | `reports` | ReportQueue (lib/reports/report-queue.ts), only while reports are on | `parseStoredReports` (lib/reports/report-queue.ts) |
 *
 * Types only, apart from the key names: every module that reads or writes storage depends on this
 * file, and it depends on nothing of lib's but leaf types.
 */
import type { CertificateProblem, FailureClass } from '../engine/failure';
import type { Observations, Verdict } from '../engine/types';
import type { FailureLog } from './failure-log';
import type { StoredReports } from './reports/report';
import type { Settings } from './settings';

/** The subset of storage.local Detour uses; the fake in unit tests implements the same. */
export interface KeyValueStorage {
  get(keys: string[]): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
}

export const STORAGE_KEYS = {
  failureLog: 'failureLog',
  userDomains: 'userDomains',
  settings: 'settings',
  verdicts: 'verdicts',
  probeRuns: 'probeRuns',
  learnedOnions: 'learnedOnions',
  catalogUpdate: 'catalogUpdate',
  catalogUpdateCheck: 'catalogUpdateCheck',
  providerChecks: 'providerChecks',
  reports: 'reports',
} as const satisfies { [K in keyof StoredState]: K };

export type StorageKey = keyof StoredState;

/** What sets a probe run off, as it is kept for a run that must be resumed. */
export interface ProbeTrigger {
  host: string;
  url: string;
  failure?: { class: FailureClass; certificate?: CertificateProblem; error?: string; ip?: string };
  /** Navigation start (or the failure's time): the probe budget counts from here. */
  startedAt: number;
  /** `user`: the popup's "check again". */
  reason: 'failure' | 'user' | 'resume';
}

/** A run written down before it starts, so a killed service worker's run is started again. */
export interface PendingRun {
  runId: string;
  trigger: ProbeTrigger;
  since: number;
}

export interface StoredVerdict {
  runId: string;
  host: string;
  url: string;
  verdict: Verdict;
  /** What set the run off: the failure class, or `user`. */
  trigger: FailureClass | 'user';
  startedAt: number;
  finishedAt: number;
  /**
   * What the probe's own retry of the URL saw, when it named the failure: the popup shows it for a
   * failure the browser could not name (lib/refine-failure.ts). Kept apart from the observations,
   * which are not read back from storage.
   */
  retry?: { class: FailureClass; certificate?: CertificateProblem };
  /** What the probes saw, without page bodies: the verdict's working, for details and bug reports. */
  observations?: Observations;
}

/** The schema: each key and what is stored under it. */
export interface StoredState {
  failureLog: FailureLog;
  /** Domains the user added, each backed by a host permission. */
  userDomains: string[];
  settings: Settings;
  /** The latest verdict per host. */
  verdicts: Record<string, StoredVerdict>;
  /** Unfinished runs per host. */
  probeRuns: Record<string, PendingRun>;
  /** Onion-Location announcements per provider id (or user domain), newest first. */
  learnedOnions: Record<string, LearnedOnion[]>;
  /** The last signed catalog update accepted; absent: the shipped catalog is in use. */
  catalogUpdate: StoredCatalogUpdate;
  /** When update URLs were last tried (at most once a day), and what came of it. */
  catalogUpdateCheck: CatalogUpdateCheck;
  /** The status check's latest result per provider id (or `user:<domain>`), and its last "check all". */
  providerChecks: ProviderChecks;
  /** Failure reports waiting to be sent (opt-in); emptied when the user turns reports off. */
  reports: StoredReports;
}

/** One status check of one provider: the light request's outcome (a failure then gets a verdict). */
export interface ProviderCheck {
  host: string;
  url: string;
  /** ms since epoch. */
  at: number;
  ok: boolean;
  status?: number;
  failure?: FailureClass;
  elapsedMs: number;
}

export interface ProviderChecks {
  results: Record<string, ProviderCheck>;
  /** The last "check all": the popup shows its progress. */
  run?: { startedAt: number; total: number; done: number; finishedAt?: number };
}

/**
 * A catalog update as it was accepted: the exact signed text and its minisign signature, so that
 * reading it back verifies the signature again rather than trusting storage.
 */
export interface StoredCatalogUpdate {
  /** The catalog file, UTF-8 decoded as received (a BOM kept), so it re-encodes to the signed bytes. */
  text: string;
  /** The `.minisig` file's text. */
  signature: string;
  version: number;
  /** ms since epoch. */
  acceptedAt: number;
  /** The update URL it came from. */
  from: string;
}

export interface CatalogUpdateCheck {
  /** ms since epoch of the last attempt, successful or not. */
  checkedAt: number;
  /** `accepted`, `no-update`, or the last refusal reason. */
  outcome: string;
}

/** An onion a site announced in its Onion-Location header, on a top-level HTTPS page that loaded. */
export interface LearnedOnion {
  url: string;
  /** When the site last announced it (ms since epoch). */
  announcedAt: number;
  /** The https origin of the page that announced it. */
  pageOrigin: string;
}
