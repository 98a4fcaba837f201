/**
 * The runtime-message contract between the background and its pages (popup, options) and the
 * end-to-end tests. Every answer is plain JSON. Documented in the README under "Contracts".
 */
import type { FailureEntry, HostRecord } from './failure-log';
import type { LearnedOnion, StoredVerdict } from './storage';
import type { ProviderStatus } from './provider-status';
import type { Settings, SettingsProblem } from './settings';

/** A catalog provider, by id: the pages have its name (catalog/catalog.ts providerName). */
export interface ProviderSummary {
  id: string;
}

/** Everything Detour knows about one host. */
export interface HostState {
  host: string;
  watched: boolean;
  /** The catalog provider the host belongs to; absent for user-added domains. */
  provider?: ProviderSummary;
  /** Newest first. */
  failures: FailureEntry[];
  /** Last time a page or request on this host succeeded. */
  lastOkAt?: number;
  /** A failure in the last RECENT_MS with no success after it: what the badge shows. */
  failedRecently: boolean;
  /** While failedRecently: when it stops being true unless something new happens (ms since epoch). */
  recentUntil?: number;
  /** The latest verdict of the probes for this host: why it failed. */
  verdict?: StoredVerdict;
  /** Probes are running for this host right now. */
  probing: boolean;
  /** Onions the provider's own pages announced (Onion-Location), apart from the catalog's. */
  announcedOnions?: LearnedOnion[];
}

export interface WatchedDomain {
  domain: string;
  origin: 'catalog' | 'user';
  provider?: ProviderSummary;
}

export type Request =
  /** State of one host. */
  | { type: 'get-state'; host: string }
  /** State of the host shown in a tab (the popup's "current tab"); null when the tab shows no watched host. */
  | { type: 'get-tab-state'; tabId: number }
  /** Watched hosts with recent failures, most recent first. */
  | { type: 'get-overview' }
  /** Answers once the background has registered its listeners and loaded its state. */
  | { type: 'get-status' }
  | { type: 'get-watch-list' }
  /** Reads the browser's host permissions again (a page just asked for a provider's), then answers the list. */
  | { type: 'watch-refresh' }
  /** Adds a domain the page already holds the host permission for. */
  | { type: 'watch-add'; domain: string }
  /** Removes a user domain; the page gives the permission back. */
  | { type: 'watch-remove'; domain: string }
  | { type: 'get-settings' }
  | { type: 'set-settings'; settings: Partial<Settings> }
  | { type: 'clear-failures' }
  /** Probes a host now (the popup's "check again"); answers with the new state. */
  | { type: 'probe-host'; host: string }
  /** The status view: every watched provider's last known state, and the last "check all". */
  | { type: 'get-provider-status' }
  /**
   * Checks providers now (one request each; a failure then gets a probe run). Without `keys`, all of
   * them. Answers once queued; results arrive as storage changes.
   */
  | { type: 'check-providers'; keys?: string[] };

export interface StatusResponse {
  ready: true;
  version: string;
  /** When the background registered its listeners (ms since epoch). */
  listenersSince: number;
  /** Problems met while loading stored state (corrupt entries dropped, invalid settings). */
  storageProblems: string[];
}

export interface ResponseMap {
  'get-state': HostState;
  'get-tab-state': HostState | null;
  'get-overview': { hosts: HostState[]; watchedCount: number };
  'get-status': StatusResponse;
  'get-watch-list': { domains: WatchedDomain[] };
  'watch-refresh': { domains: WatchedDomain[] };
  'watch-add': { ok: true; domain: string } | ErrorResponse;
  'watch-remove': { ok: true; domain: string } | ErrorResponse;
  'get-settings': { settings: Settings; problems: SettingsProblem[] };
  'set-settings': { settings: Settings; problems: SettingsProblem[] };
  'clear-failures': { ok: true };
  'probe-host': HostState | ErrorResponse;
  'get-provider-status': ProviderStatusResponse;
  'check-providers': { queued: number } | ErrorResponse;
}

export interface ProviderStatusResponse {
  providers: ProviderStatus[];
  /** The last "check all": absent before the first. `running` is false once it ended (or was cut off). */
  run?: { startedAt: number; total: number; done: number; finishedAt?: number; running: boolean };
}

export interface ErrorResponse {
  error: string;
}

export type RequestType = Request['type'];
export type RequestOf<T extends RequestType> = Extract<Request, { type: T }>;
export type ResponseOf<T extends RequestType> = ResponseMap[T];

export type { FailureEntry, HostRecord, ProviderStatus, StoredVerdict };
