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
 *
 * Types only, apart from the key names: every module that reads or writes storage depends on this
 * file, and it depends on nothing of lib's but leaf types.
 */
import type { CertificateProblem, FailureClass } from '../engine/failure';
import type { Observations, Verdict } from '../engine/types';
import type { FailureLog } from './failure-log';
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
}
