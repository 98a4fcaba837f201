/**
 * Runs probes for failing hosts: one run per host at a time (a flood of failures joins the running
 * one), no new run for a host whose verdict is fresh, and nothing lost when the service worker is
 * killed mid-run. A run is written down before it starts; on the next start-up an unfinished run is
 * started again from the beginning (probes measure the network now, so a half-finished run has
 * nothing worth keeping). The verdict replaces the pending run in one storage write, so the user
 * never sees two verdicts for one failure.
 */
import type { Observations, Verdict } from '../engine/types';
import type { FailureEvent } from './failure-log';
import { redactUrl } from '../engine/hosts';
import { assembleObservations, type ProbeMeasurements } from './probes/assemble-observations';
import { failureAtAssembly, namedByRetry } from './refine-failure';
import { STORAGE_KEYS, type KeyValueStorage, type PendingRun, type ProbeTrigger, type StoredVerdict } from './storage';
import { parsePendingRun, parseStoredVerdict } from './stored-probe-state';

/** The probe run a recorded failure sets off. */
export function probeTriggerFor(event: FailureEvent): ProbeTrigger {
  const failure: NonNullable<ProbeTrigger['failure']> = { class: event.class, error: event.error };
  if (event.certificate) failure.certificate = event.certificate;
  if (event.ip) failure.ip = event.ip;
  return { host: event.host, url: event.url, failure, startedAt: event.startedAt ?? event.at, reason: 'failure' };
}

const LIMITS = {
  /** A verdict this fresh answers a new failure of the same kind without probing again. */
  freshMs: 60_000,
  /** An unfinished run older than this is not resumed: the user has moved on. */
  resumeWithinMs: 2 * 60_000,
  hosts: 100,
};

/**
 * One run, in order: measure the network (lib/probes/run-probes.ts), assemble the measurements with
 * the failure as the log knows it by then (lib/probes/assemble-observations.ts), let the engine
 * decide, store. Nothing here writes back into the failure log.
 */
export interface SchedulerDeps {
  storage: KeyValueStorage;
  measure(trigger: ProbeTrigger): Promise<ProbeMeasurements>;
  /** The logged failure of the trigger's URL now (it may have been named better since the run began). */
  loggedFailure?(trigger: ProbeTrigger): NonNullable<ProbeTrigger['failure']> | undefined;
  /** The engine; asynchronous because the block-page fingerprints load on first use. */
  classify(observations: Observations): Promise<Verdict> | Verdict;
  now(): number;
  /** Told when a run starts and when all runs are done (to listen for the probes' own requests). */
  activity?(running: boolean): void;
  /** Told of each verdict once it is stored (failure reports, lib/reports/reporter.ts). */
  verdictStored?(stored: StoredVerdict): void;
}

/** A redirect target as Detour keeps URLs: no query, no fragment (they carry session tokens). */
function redactLocation(location: string, base: string): string {
  try {
    return redactUrl(new URL(location, base).toString());
  } catch {
    return '';
  }
}

/** A block page is evidence worth keeping, and small: its first bytes are what the fingerprint matched. */
const KEPT_BLOCKPAGE_BODY_CHARS = 8192;

/**
 * What of the observations is kept: page bodies are for fingerprints, read once, except a matched
 * block page's (capped), so the stored observations still show what confirmed the verdict;
 * redirect targets lose their query strings like every other URL Detour stores.
 */
function forStorage(observations: Observations, verdict: Verdict): Observations {
  if (!observations.http) return observations;
  const http = observations.http.map(({ body, ...rest }) => {
    if (rest.location) rest.location = redactLocation(rest.location, rest.url);
    if (rest.headers?.location) rest.headers = { ...rest.headers, location: redactLocation(rest.headers.location, rest.url) };
    return verdict.confirmed && body ? { ...rest, body: body.slice(0, KEPT_BLOCKPAGE_BODY_CHARS) } : rest;
  });
  return { ...observations, http };
}

/**
 * Storage is untrusted (lib/stored-probe-state.ts says why): each record goes through the same rules
 * as what start() writes, and no more records than the scheduler keeps are read back.
 */
function parseStored<T>(raw: unknown, parse: (host: string, value: unknown) => T | undefined, newness: (record: T) => number): Record<string, T> {
  const out: Record<string, T> = {};
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return out;
  const valid: Array<[string, T]> = [];
  for (const [host, value] of Object.entries(raw as Record<string, unknown>)) {
    const parsed = parse(host, value);
    if (parsed) valid.push([host, parsed]);
  }
  valid.sort(([, a], [, b]) => newness(b) - newness(a));
  for (const [host, record] of valid.slice(0, LIMITS.hosts)) out[host] = record;
  return out;
}

/** The stored verdicts, each checked (also read by the options page's report preview). */
export function parseVerdicts(raw: unknown): Record<string, StoredVerdict> {
  return parseStored(raw, parseStoredVerdict, (v) => v.finishedAt);
}

function parsePending(raw: unknown): Record<string, PendingRun> {
  return parseStored(raw, parsePendingRun, (p) => p.since);
}

export class ProbeScheduler {
  private verdicts: Record<string, StoredVerdict> = {};
  private pending: Record<string, PendingRun> = {};
  private readonly running = new Map<string, { trigger: ProbeTrigger; result: Promise<StoredVerdict> }>();
  private counter = 0;
  /** Bumped by clear(): a run started before the user said "forget" must not bring its verdict back. */
  private generation = 0;
  readonly ready: Promise<void>;

  constructor(private readonly deps: SchedulerDeps) {
    this.ready = this.load();
  }

  private async load(): Promise<void> {
    const keys = [STORAGE_KEYS.verdicts, STORAGE_KEYS.probeRuns];
    const stored = await this.deps.storage.get(keys).catch(() => ({}) as Record<string, unknown>);
    this.verdicts = parseVerdicts(stored[STORAGE_KEYS.verdicts]);
    this.pending = parsePending(stored[STORAGE_KEYS.probeRuns]);
  }

  verdictFor(host: string): StoredVerdict | undefined {
    return this.verdicts[host];
  }

  /** Every host's latest verdict (the status view reads them by provider). */
  allVerdicts(): ReadonlyMap<string, StoredVerdict> {
    return new Map(Object.entries(this.verdicts));
  }

  isRunning(host: string): boolean {
    return this.running.has(host);
  }

  /**
   * Runs unfinished runs of a killed service worker again; old ones, and those of hosts no longer
   * watched (removed meanwhile, or never: storage is untrusted), are dropped.
   */
  async resume(isWatched: (host: string) => boolean = () => true): Promise<void> {
    await this.ready;
    const now = this.deps.now();
    for (const [host, run] of Object.entries(this.pending)) {
      if (now - run.since > LIMITS.resumeWithinMs || !isWatched(host)) {
        delete this.pending[host];
        continue;
      }
      void this.trigger({ ...run.trigger, startedAt: now, reason: 'resume' }, { force: true });
    }
    await this.save();
  }

  /**
   * Probes a host, or joins the run already going for it, or answers with a fresh verdict for the
   * same kind of failure.
   */
  async trigger(trigger: ProbeTrigger, options: { force?: boolean } = {}): Promise<StoredVerdict> {
    await this.ready;
    const running = this.running.get(trigger.host);
    // A later report of the same failure joins the run; it is in the log, where the run will read it.
    if (running) return running.result;
    const previous = this.verdicts[trigger.host];
    const sameKind = (trigger.failure?.class ?? 'user') === previous?.trigger;
    if (!options.force && previous && sameKind && this.deps.now() - previous.finishedAt < LIMITS.freshMs) return previous;

    const run = this.start(trigger);
    const entry = { trigger, result: run };
    this.running.set(trigger.host, entry);
    // Per run (the listener counts its users): a run cut loose by clear() still ends its own.
    this.deps.activity?.(true);
    try {
      return await run;
    } finally {
      if (this.running.get(trigger.host) === entry) this.running.delete(trigger.host);
      this.deps.activity?.(false);
    }
  }

  private async start(trigger: ProbeTrigger): Promise<StoredVerdict> {
    const generation = this.generation;
    this.counter += 1;
    const runId = `${this.deps.now().toString(36)}-${this.counter}`;
    this.pending[trigger.host] = { runId, trigger, since: this.deps.now() };
    await this.save();
    const startedAt = this.deps.now();
    let observations: Observations;
    try {
      const measured = await this.deps.measure(trigger);
      observations = assembleObservations(measured, failureAtAssembly(trigger.failure, this.deps.loggedFailure?.(trigger)));
      // A page still arriving (slow), or not answering at all (stalled), when the stall detector set
      // this run off: that long, at least ("has not answered for 4 s", not "for 0 s").
      const waited = observations.failure?.class === 'slow' || observations.failure?.class === 'stalled';
      if (observations.failure && waited && observations.failure.elapsedMs === undefined && startedAt > trigger.startedAt) {
        observations.failure.elapsedMs = Math.round(startedAt - trigger.startedAt);
      }
    } catch (error) {
      // A bug in a probe must not leave the user with a spinner; the engine says it could not tell.
      observations = { url: trigger.url, host: trigger.host, probeError: String(error).slice(0, 200) };
    }
    const verdict = await this.deps.classify(observations);
    const stored: StoredVerdict = {
      runId,
      host: trigger.host,
      url: trigger.url,
      verdict,
      trigger: trigger.reason === 'user' ? 'user' : (trigger.failure?.class ?? 'unknown'),
      startedAt,
      finishedAt: this.deps.now(),
    };
    const retry = namedByRetry(observations);
    if (retry) stored.retry = retry;
    stored.observations = forStorage(observations, verdict);
    delete this.pending[trigger.host];
    if (generation !== this.generation) {
      await this.save();
      return stored;
    }
    this.verdicts[trigger.host] = stored;
    this.evict();
    await this.save();
    this.deps.verdictStored?.(stored);
    return stored;
  }

  private evict(): void {
    const hosts = Object.values(this.verdicts).sort((a, b) => b.finishedAt - a.finishedAt);
    for (const old of hosts.slice(LIMITS.hosts)) delete this.verdicts[old.host];
  }

  /**
   * "Clear all data". Runs going on finish without storing their verdict, and a failure that comes
   * now must not join one of them (it would never get a verdict): they leave the running set.
   */
  async clear(): Promise<void> {
    this.generation += 1;
    this.verdicts = {};
    this.running.clear();
    await this.save();
  }

  private save(): Promise<void> {
    return this.deps.storage
      .set({ [STORAGE_KEYS.verdicts]: this.verdicts, [STORAGE_KEYS.probeRuns]: this.pending })
      .catch((error: unknown) => console.error('Detour: could not save probe state', error));
  }
}
