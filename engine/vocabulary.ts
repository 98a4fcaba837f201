/**
 * The verdict's words as records, for code that must check untrusted strings against them (stored
 * verdicts, queued reports, the service's report validation). Records rather than lists: the compiler
 * then insists that every member of the type is listed, and nothing else. Checked by the predicates
 * at the end, with an own-key lookup, so `__proto__` or `constructor` are never members.
 */
import type { CensorshipMethod, LocalCause, VerdictKind } from './types';

export const VERDICT_KINDS = { censorship: true, outage: true, local: true, ok: true, unknown: true } as const satisfies Record<VerdictKind, true>;

export const CENSORSHIP_METHODS = {
  dns: true,
  tcp_ip: true,
  tls: true,
  'http-failure': true,
  'http-diff': true,
  blockpage: true,
  'http-451': true,
  interception: true,
  throttling: true,
} as const satisfies Record<CensorshipMethod, true>;

export const LOCAL_CAUSES = {
  offline: true,
  'captive-portal': true,
  proxy: true,
  ipv6: true,
  network: true,
  browser: true,
} as const satisfies Record<LocalCause, true>;

const has = (record: object, value: unknown) => typeof value === 'string' && Object.prototype.hasOwnProperty.call(record, value);

export const isVerdictKind = (value: unknown): value is VerdictKind => has(VERDICT_KINDS, value);
export const isCensorshipMethod = (value: unknown): value is CensorshipMethod => has(CENSORSHIP_METHODS, value);
export const isLocalCause = (value: unknown): value is LocalCause => has(LOCAL_CAUSES, value);
