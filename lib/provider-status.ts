/**
 * One line of the popup's status view: what Detour last knew about a provider, from whichever came
 * last of a status check, a verdict, a page that loaded and a failure the user met. Pure: the inputs
 * are passed in.
 */
import { hostMatchesDomain } from '../engine/hosts';
import type { CensorshipMethod, LocalCause } from '../engine/types';
import type { CheckTarget } from './check-providers';
import { lastFailureAt, type HostRecord } from './failure-log';
import type { ProviderCheck, StoredVerdict } from './storage';

/**
 * `works`: it loaded; `fails`: it did not, and no verdict says why (yet); `blocked`, `down`, `local`:
 * a verdict said censorship, an outage, or the user's own network; `unchecked`: nothing known.
 */
export type ProviderStateKind = 'works' | 'fails' | 'blocked' | 'down' | 'local' | 'unchecked';

export interface ProviderStatus {
  /** The catalog provider's id, or `user:<domain>`. */
  key: string;
  origin: 'catalog' | 'user';
  /** The host the state is about (the one that failed, or the one checked). */
  host: string;
  state: ProviderStateKind;
  method?: CensorshipMethod;
  localCause?: LocalCause;
  /** When the state was learned (ms since epoch); absent while unchecked. */
  at?: number;
  /** A check or a probe run is going. */
  checking: boolean;
}

export interface StatusSources {
  check: ProviderCheck | undefined;
  /** The failure log's records and the verdicts of hosts, by host. */
  records: ReadonlyMap<string, HostRecord>;
  verdicts: ReadonlyMap<string, StoredVerdict>;
  checking: boolean;
  probing: (host: string) => boolean;
}

type Candidate = { at: number; host: string; state: ProviderStateKind; method?: CensorshipMethod; localCause?: LocalCause };

const belongs = (host: string, domains: readonly string[]) => domains.some((d) => hostMatchesDomain(host, d));

function fromVerdict(stored: StoredVerdict): Candidate {
  const { verdict } = stored;
  const base = { at: stored.finishedAt, host: stored.host };
  switch (verdict.kind) {
    case 'ok':
      return { ...base, state: 'works' };
    case 'censorship':
      return verdict.method ? { ...base, state: 'blocked', method: verdict.method } : { ...base, state: 'blocked' };
    case 'outage':
      return { ...base, state: 'down' };
    case 'local':
      return verdict.localCause ? { ...base, state: 'local', localCause: verdict.localCause } : { ...base, state: 'local' };
    default:
      return { ...base, state: 'fails' };
  }
}

export function providerStatus(target: CheckTarget, sources: StatusSources): ProviderStatus {
  const candidates: Candidate[] = [];
  const { check } = sources;
  if (check) candidates.push({ at: check.at, host: check.host, state: check.ok ? 'works' : 'fails' });
  for (const [host, stored] of sources.verdicts) {
    // A verdict ends after the check or failure that set it off, so it is newer than both.
    if (belongs(host, target.domains)) candidates.push(fromVerdict(stored));
  }
  for (const [host, record] of sources.records) {
    if (!belongs(host, target.domains)) continue;
    if (record.lastOkAt !== undefined) candidates.push({ at: record.lastOkAt, host, state: 'works' });
    const failedAt = lastFailureAt(record);
    if (failedAt > 0) candidates.push({ at: failedAt, host, state: 'fails' });
  }
  const latest = candidates.reduce<Candidate | undefined>((best, c) => (!best || c.at > best.at ? c : best), undefined);
  const checking = sources.checking || [...new Set(candidates.map((c) => c.host))].some(sources.probing);
  const status: ProviderStatus = {
    key: target.key,
    origin: target.origin,
    host: latest?.host ?? new URL(target.url).hostname,
    state: latest?.state ?? 'unchecked',
    checking,
  };
  if (latest) status.at = latest.at;
  if (latest?.method) status.method = latest.method;
  if (latest?.localCause) status.localCause = latest.localCause;
  return status;
}
