/**
 * A failure report as the extension sends it and the service counts it (issue 11): one shape for
 * both sides, like the control protocol (control-protocol.ts). Exactly these fields, snake_case like
 * OONI's formats. Nothing in it identifies a person or an install: no address, no URL, no id, no
 * time finer than the hour, no evidence. Types and constants only.
 */
import type { FailureClass } from './failure';
import type { CensorshipMethod, LocalCause, VerdictKind } from './types';

/** Browser families the extension ships for; `other` for the rest (a fork not named here). */
export const BROWSER_FAMILIES = ['chrome', 'chromium', 'edge', 'opera', 'yandex', 'brave', 'vivaldi', 'firefox', 'safari', 'other'] as const;
export type BrowserFamily = (typeof BROWSER_FAMILIES)[number];

export const isBrowserFamily = (value: unknown): value is BrowserFamily => typeof value === 'string' && (BROWSER_FAMILIES as readonly string[]).includes(value);

export interface Report {
  /** The watched host that failed (never a path or a query); one of `provider`'s domains or below one. */
  domain: string;
  /** A catalog provider id (catalog/providers.json). */
  provider: string;
  kind: VerdictKind;
  /** Set exactly when `kind` is `censorship`. */
  method: CensorshipMethod | null;
  /** Set exactly when `kind` is `local`. */
  local_cause: LocalCause | null;
  failure: FailureClass;
  /** ISO 3166-1 alpha-2, only when the user chose one; never guessed. */
  country: string | null;
  /** The hour the failure was met, rounded down: `2026-11-23T14:00:00Z`. */
  hour: string;
  /** The extension's version. */
  version: string;
  browser: BrowserFamily;
}

/** The fields in the order the service lists them (and the options page shows them). */
export const REPORT_FIELDS = ['domain', 'provider', 'kind', 'method', 'local_cause', 'failure', 'country', 'hour', 'version', 'browser'] as const satisfies ReadonlyArray<keyof Report>;
