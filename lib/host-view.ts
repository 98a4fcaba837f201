/**
 * The view of one host that pages ask for (HostState, lib/messages.ts), built here and nowhere else,
 * from what the background holds: the failure log, the watch list, the latest verdict and whether a
 * run is going. Pure: the inputs are passed in, nothing is written back.
 */
import { providerForHost } from '../catalog/provider-index';
import { failedRecently, lastFailureAt, LIMITS, type HostRecord } from './failure-log';
import type { HostState } from './messages';
import { entriesAsNamed } from './refine-failure';
import type { LearnedOnion, StoredVerdict } from './storage';
import { summarize } from './watch-list';

export interface HostSources {
  record: HostRecord | undefined;
  watched: boolean;
  verdict: StoredVerdict | undefined;
  probing: boolean;
  now: number;
  announcedOnions?: LearnedOnion[];
}

export function hostView(host: string, { record, watched, verdict, probing, now, announcedOnions }: HostSources): HostState {
  const state: HostState = {
    host,
    watched,
    failures: record ? entriesAsNamed(record.entries, verdict) : [],
    failedRecently: failedRecently(record, now),
    probing,
  };
  const provider = summarize(providerForHost(host));
  if (provider) state.provider = provider;
  if (record?.lastOkAt !== undefined) state.lastOkAt = record.lastOkAt;
  if (state.failedRecently && record) state.recentUntil = lastFailureAt(record) + LIMITS.recentMs;
  if (verdict) state.verdict = verdict;
  if (announcedOnions?.length) state.announcedOnions = announcedOnions;
  return state;
}
