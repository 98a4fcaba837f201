/**
 * The background's state: watch list, failure log and settings, loaded from storage.local once per
 * service-worker life and written back through a coalescing writer. Storage is untrusted input: what
 * is corrupt is dropped, counted and reported (get-status), never allowed to stop Detour.
 */
import {
  emptyLog,
  failedRecently,
  hostsByRecency,
  parseLog,
  recordFailure,
  recordSuccess,
  type FailureEntry,
  type FailureEvent,
  type FailureLog,
  type HostRecord,
} from './failure-log';
import { createCoalescingWriter, type CoalescingWriter } from './coalescing-writer';
import { DEFAULT_SETTINGS, parseSettings, type Settings, type SettingsProblem } from './settings';
import { namedByEcho } from './refine-failure';
import { STORAGE_KEYS, type KeyValueStorage, type ProbeTrigger } from './storage';
import { WatchList } from './watch-list';

/**
 * A top-level navigation failure reaches Detour twice: as webRequest's main_frame error and as
 * webNavigation's error. Within this window the second is the same failure, not a repeat.
 */
const SAME_NAVIGATION_MS = 5_000;

export class DetourState {
  readonly watch = new WatchList();
  log: FailureLog = emptyLog();
  settings: Settings = structuredClone(DEFAULT_SETTINGS) as Settings;
  settingsProblems: SettingsProblem[] = [];
  /** What was wrong with stored state at load time, in words for get-status. */
  readonly storageProblems: string[] = [];
  readonly ready: Promise<void>;
  private readonly logWriter: CoalescingWriter;
  private readonly navigationEcho = new Map<string, { source: string; at: number; entry: FailureEntry }>();

  constructor(
    private readonly storage: KeyValueStorage,
    private readonly now: () => number = Date.now,
    /** The host permissions the browser granted (permissions.getAll().origins): which catalog providers are watched. */
    private readonly grantedOrigins: () => Promise<string[]> = async () => [],
  ) {
    this.logWriter = createCoalescingWriter(() => this.storage.set({ [STORAGE_KEYS.failureLog]: this.log }), {
      onError: (error) => console.error('Detour: could not save the failure log', error),
    });
    this.ready = this.load();
  }

  private async load(): Promise<void> {
    await this.refreshGrants();
    let stored: Record<string, unknown> = {};
    try {
      stored = await this.storage.get([STORAGE_KEYS.failureLog, STORAGE_KEYS.userDomains, STORAGE_KEYS.settings]);
    } catch (error) {
      this.storageProblems.push(`storage could not be read: ${String(error)}`);
    }
    const { log, dropped } = parseLog(stored[STORAGE_KEYS.failureLog]);
    this.log = log;
    if (dropped) this.storageProblems.push(`failure log: ${dropped} corrupt item(s) dropped`);
    const badDomains = this.watch.loadUserDomains(stored[STORAGE_KEYS.userDomains]);
    if (badDomains) this.storageProblems.push(`watch list: ${badDomains} invalid domain(s) dropped`);
    const { settings, problems } = parseSettings(stored[STORAGE_KEYS.settings]);
    this.settings = settings;
    this.settingsProblems = problems;
    for (const p of problems) this.storageProblems.push(p.key === 'settings' ? 'settings: not an object, every default used' : `settings.${p.key}: invalid, its default used`);
  }

  /** Reads the browser's grants again (they change in the browser's settings, or on a page's prompt). */
  async refreshGrants(): Promise<void> {
    try {
      this.watch.setGrantedOrigins(await this.grantedOrigins());
    } catch (error) {
      this.storageProblems.push(`permissions could not be read: ${String(error)}`);
    }
  }

  /**
   * Records a failure of a watched host. Returns the entry it counted in, or undefined when the host
   * is not watched or the event only repeats a navigation failure already recorded.
   */
  recordFailure(event: FailureEvent): FailureEntry | undefined {
    if (!this.watch.isWatched(event.host) || event.class === 'ignored') return undefined;
    const echoOf = this.echoOf(event);
    if (echoOf) return this.refine(echoOf, event);
    const entry = recordFailure(this.log, event);
    this.remember(event, entry);
    this.logWriter.schedule();
    return entry;
  }

  private navigationKey(event: FailureEvent): string | undefined {
    const topLevel = event.source === 'navigation' || (event.source === 'request' && event.resourceType === 'main_frame');
    return topLevel && event.tabId !== undefined ? `${event.tabId} ${event.url}` : undefined;
  }

  /** The entry this event repeats, when it is the other listener's report of the same navigation. */
  private echoOf(event: FailureEvent): FailureEntry | undefined {
    for (const [key, seen] of this.navigationEcho) {
      if (event.at - seen.at > SAME_NAVIGATION_MS) this.navigationEcho.delete(key);
    }
    const key = this.navigationKey(event);
    const seen = key ? this.navigationEcho.get(key) : undefined;
    if (!key || !seen || seen.source === event.source) return undefined;
    this.navigationEcho.delete(key);
    return seen.entry;
  }

  private remember(event: FailureEvent, entry: FailureEntry): void {
    const key = this.navigationKey(event);
    if (key) this.navigationEcho.set(key, { source: event.source, at: event.at, entry });
  }

  /** The echo names an entry the first report could not (lib/refine-failure.ts, rule 2). */
  private refine(entry: FailureEntry, event: FailureEvent): FailureEntry | undefined {
    const named = namedByEcho(entry, event);
    if (!named) return undefined;
    Object.assign(entry, named);
    this.logWriter.schedule();
    return entry;
  }

  /** The newest logged failure of a URL: what a probe run assembles its observations with. */
  loggedFailure(host: string, url: string): NonNullable<ProbeTrigger['failure']> | undefined {
    const entry = this.record(host)?.entries.find((e) => e.url === url);
    if (!entry) return undefined;
    const failure: NonNullable<ProbeTrigger['failure']> = { class: entry.class, error: entry.error };
    if (entry.certificate) failure.certificate = entry.certificate;
    if (entry.ip) failure.ip = entry.ip;
    return failure;
  }

  /** Records a success; returns true when the host's "failed recently" state changed. */
  recordSuccess(host: string, at: number): boolean {
    if (!this.log.hosts[host]) return false;
    const changed = recordSuccess(this.log, host, at);
    // A success only matters to storage when it changes what the user sees.
    if (changed) this.logWriter.schedule();
    return changed;
  }

  failedRecently(host: string): boolean {
    return failedRecently(this.log.hosts[host], this.now());
  }

  /** A host's failures; the view of it is built in lib/host-view.ts. */
  record(host: string): HostRecord | undefined {
    return Object.prototype.hasOwnProperty.call(this.log.hosts, host) ? this.log.hosts[host] : undefined;
  }

  /** Hosts with failures, most recent first. */
  recentHosts(): string[] {
    return hostsByRecency(this.log).map((r) => r.host);
  }

  async clearFailures(): Promise<void> {
    this.log = emptyLog();
    this.logWriter.schedule();
    await this.logWriter.flush();
  }

  async saveUserDomains(): Promise<void> {
    await this.storage.set({ [STORAGE_KEYS.userDomains]: [...this.watch.userDomains] });
  }

  async updateSettings(patch: Partial<Settings>): Promise<{ settings: Settings; problems: SettingsProblem[] }> {
    const merged = { ...this.settings, ...patch };
    const { settings, problems } = parseSettings(merged);
    if (problems.length === 0) {
      this.settings = settings;
      this.settingsProblems = [];
      await this.storage.set({ [STORAGE_KEYS.settings]: settings });
    }
    return { settings: this.settings, problems };
  }
}
