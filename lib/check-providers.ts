/**
 * The popup's status check: "does each mail provider I watch work from here, now?" Every target gets
 * one light request (lib/probes/light-check.ts); only one that fails gets the full probe run, through
 * the same scheduler as a failure the user met, so its verdict is the one the rest of Detour shows.
 * At most CONCURRENCY targets at a time: a check of the whole catalog must not look like a flood to
 * the network, nor starve the probe runs of their budget.
 *
 * Results are written to storage as each arrives, so an open popup fills them in as they come (pushed
 * by storage.onChanged, lib/watch-changes.ts) and a popup opened later still shows them.
 */
import { indexedProviders } from '../catalog/provider-index';
import type { FailureClass } from '../engine/failure';
import type { LightCheckResult } from './probes/light-check';
import { STORAGE_KEYS, type KeyValueStorage, type ProbeTrigger, type ProviderCheck, type ProviderChecks } from './storage';
import { parseProviderChecks } from './stored-probe-state';

/** Something the status check loads: a catalog provider, or a domain the user added. */
export interface CheckTarget {
  /** The provider id, or `user:<domain>`. */
  key: string;
  /** The page loaded (no query, no fragment). */
  url: string;
  origin: 'catalog' | 'user';
  /** The watched domains that belong to it: their failures and verdicts are its own. */
  domains: readonly string[];
}

export const CONCURRENCY = 6;

/** Every provider Detour watches, catalog first in catalog order, then the user's domains. */
export function checkTargets(userDomains: readonly string[]): CheckTarget[] {
  return [
    ...indexedProviders.flatMap((p): CheckTarget[] =>
      p.checkUrl ? [{ key: p.id, url: p.checkUrl, origin: 'catalog', domains: p.domains }] : [],
    ),
    ...userDomains.map((d): CheckTarget => ({ key: `user:${d}`, url: `https://${d}/`, origin: 'user', domains: [d] })),
  ];
}

export interface CheckerDeps {
  storage: KeyValueStorage;
  lightCheck(url: string): Promise<LightCheckResult>;
  /** A full probe run for a target whose page failed (ProbeScheduler.trigger). */
  probe(trigger: ProbeTrigger): Promise<unknown>;
  now(): number;
  /** Told when checks start and when all are done (to listen for the probes' own requests). */
  activity?(running: boolean): void;
}

export class ProviderChecker {
  private stored: ProviderChecks = { results: {} };
  /** Targets queued or being checked now. */
  private readonly active = new Set<string>();
  private generation = 0;
  readonly ready: Promise<void>;

  constructor(private readonly deps: CheckerDeps) {
    this.ready = this.load();
  }

  private async load(): Promise<void> {
    const raw = await this.deps.storage.get([STORAGE_KEYS.providerChecks]).catch(() => ({}) as Record<string, unknown>);
    this.stored = parseProviderChecks(raw[STORAGE_KEYS.providerChecks]);
  }

  result(key: string): ProviderCheck | undefined {
    return Object.prototype.hasOwnProperty.call(this.stored.results, key) ? this.stored.results[key] : undefined;
  }

  isChecking(key: string): boolean {
    return this.active.has(key);
  }

  /** The latest check of several targets ("check all"): how far it got. */
  get run(): ProviderChecks['run'] {
    return this.stored.run;
  }

  /**
   * Checks the targets, CONCURRENCY at a time; answers once they are queued, not when they are done.
   * A target already being checked is not checked twice. `all` marks a "check all" run, whose
   * progress the popup shows.
   */
  async check(targets: readonly CheckTarget[], options: { all?: boolean } = {}): Promise<{ queued: number }> {
    await this.ready;
    const fresh = targets.filter((t) => !this.active.has(t.key));
    if (fresh.length === 0) return { queued: 0 };
    for (const t of fresh) this.active.add(t.key);
    if (options.all) this.stored.run = { startedAt: this.deps.now(), total: fresh.length, done: 0 };
    await this.save();
    void this.work(fresh, options.all ?? false, this.generation);
    return { queued: fresh.length };
  }

  private async work(targets: readonly CheckTarget[], all: boolean, generation: number): Promise<void> {
    const queue = [...targets];
    this.deps.activity?.(true);
    const worker = async () => {
      for (let target = queue.shift(); target; target = queue.shift()) {
        await this.checkOne(target, generation).catch((error: unknown) => console.error('Detour: status check failed', error));
        this.active.delete(target.key);
        if (generation !== this.generation) continue;
        if (all && this.stored.run) {
          this.stored.run.done += 1;
          if (this.stored.run.done >= this.stored.run.total) this.stored.run.finishedAt = this.deps.now();
        }
        await this.save();
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker));
    } finally {
      this.deps.activity?.(false);
    }
  }

  private async checkOne(target: CheckTarget, generation: number): Promise<void> {
    const startedAt = this.deps.now();
    const light = await this.deps.lightCheck(target.url);
    const host = new URL(target.url).hostname;
    const check: ProviderCheck = { host, url: target.url, at: this.deps.now(), ok: light.ok, elapsedMs: light.elapsedMs };
    if (light.status !== undefined) check.status = light.status;
    if (light.failure) check.failure = light.failure;
    if (generation !== this.generation) return;
    this.stored.results[target.key] = check;
    if (light.ok) return;
    // Saved before the run starts, so the popup shows "fails" while the probes work out why.
    await this.save();
    const failure: { class: FailureClass; error?: string; ip?: string } = { class: light.failure ?? 'unknown' };
    if (light.error) failure.error = light.error;
    if (light.ip) failure.ip = light.ip;
    await this.deps.probe({ host, url: target.url, failure, startedAt, reason: 'user' });
  }

  /** "Clear all data": results and progress go; checks still running finish without writing. */
  async clear(): Promise<void> {
    this.generation += 1;
    this.active.clear();
    this.stored = { results: {} };
    await this.save();
  }

  private save(): Promise<void> {
    return this.deps.storage
      .set({ [STORAGE_KEYS.providerChecks]: this.stored })
      .catch((error: unknown) => console.error('Detour: could not save status checks', error));
  }
}
