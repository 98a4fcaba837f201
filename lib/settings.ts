/**
 * Every endpoint Detour may contact, and every knob of its probes, in one place. Stored under the
 * `settings` key of storage.local; anything missing or invalid there falls back to the default here.
 * Tests point every endpoint at loopback through this same object.
 *
 * Nothing here is contacted until a watched site fails (probes) or the user opts in (reports).
 */
import { isCountryCode } from '../engine/countries';

export interface Settings {
  /**
   * DNS-over-HTTPS resolvers (RFC 8484, GET with `?dns=`), asked for the failing host's addresses
   * to compare with what the browser's own resolver gave. Two or more, run by unrelated operators.
   * https only (plain http on loopback alone); at least one.
   */
  dohResolvers: string[];
  /**
   * Unrelated plain-HTTP URLs that answer with a known small body. If they fail too, the problem is
   * the user's network, not the mail provider. `expect` is the body they must return ('' = any
   * answer). Reading the body needs CORS headers or host access to the canary: Detour asks for the
   * latter together with the first provider the user picks (lib/provider-access.ts), since the
   * public canaries send no CORS headers.
   */
  canaries: Array<{ url: string; expect: string }>;
  /**
   * Detour control service (OONI test-helper protocol). Empty: probes run without a control.
   * https only (plain http on loopback alone), like the DoH resolvers.
   */
  controlUrl: string;
  /**
   * Where signed catalog updates are published (lib/catalog-update.ts), tried in turn, each with its
   * `.minisig` beside it; asked at most once a day, and only when the popup shows a way around. At
   * most 5, https only (plain http on loopback alone). Empty: never asked.
   */
  catalogUpdateUrls: string[];
  /**
   * Anonymous failure reports (lib/reports/): off until the user turns them on, on the options page,
   * where every field of the next report is shown first. Turning them off deletes the queue.
   */
  reportsEnabled: boolean;
  /**
   * Report services (server/, `POST api/v1/reports` and `GET api/v1/aggregates` below each), tried in
   * turn, since one may itself be blocked. At most 5, https only (plain http on loopback alone).
   * Empty: nothing is ever sent, whatever reportsEnabled says.
   */
  reportUrls: string[];
  /**
   * The country the user chose to put in reports, ISO 3166-1 alpha-2 (`RU`), or '' for none. Never
   * guessed: no geolocation, no address lookup.
   */
  country: string;
  /**
   * A batch of reports leaves after a random delay of up to this long, so that the time it arrives
   * says nothing about when the failure happened or who else failed then.
   */
  reportMaxDelayMs: number;
  /** Wall-clock budget for one whole probe run. */
  probeBudgetMs: number;
  /** A watched navigation with no answer after this long is treated as stalled and probed. */
  stallAfterMs: number;
}

/** Build-time default for the control service, e.g. `WXT_DETOUR_CONTROL_URL=https://control.example npm run build`. */
const BUILD_CONTROL_URL: string = import.meta.env?.WXT_DETOUR_CONTROL_URL ?? '';
/** Build-time catalog update URLs, separated by spaces or commas: `WXT_DETOUR_CATALOG_URLS=https://a/catalog.json`. */
export function buildCatalogUrls(value: string | undefined): string[] {
  return (value ?? '').split(/[\s,]+/).filter((url) => url !== '');
}
const BUILD_CATALOG_URLS: string[] = buildCatalogUrls(import.meta.env?.WXT_DETOUR_CATALOG_URLS);
export const MAX_CATALOG_UPDATE_URLS = 5;
/** Build-time report services, the same way: `WXT_DETOUR_REPORT_URLS="https://a/ https://b/"`. */
const BUILD_REPORT_URLS: string[] = buildCatalogUrls(import.meta.env?.WXT_DETOUR_REPORT_URLS);
export const MAX_REPORT_URLS = 5;

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  dohResolvers: ['https://cloudflare-dns.com/dns-query', 'https://dns.google/dns-query', 'https://dns.quad9.net/dns-query'],
  canaries: [
    // Firefox's own portal check: its body is known, so a portal's login page or a rewriting proxy shows.
    { url: 'http://detectportal.firefox.com/success.txt', expect: 'success' },
    { url: 'http://connectivitycheck.gstatic.com/generate_204', expect: '' },
  ],
  controlUrl: BUILD_CONTROL_URL,
  catalogUpdateUrls: BUILD_CATALOG_URLS,
  reportsEnabled: false,
  reportUrls: BUILD_REPORT_URLS,
  country: '',
  reportMaxDelayMs: 30 * 60_000,
  probeBudgetMs: 6000,
  stallAfterMs: 4000,
});

/**
 * A setting refused (its default kept), by name: `settings` when what is stored is not settings at
 * all. The pages say what each one's rule is, in the user's language (components/SettingsEditor.tsx).
 */
export type SettingsProblem = { key: keyof Settings | 'settings' };

const MAX_URL_CHARS = 2000;

function parsedUrl(value: unknown): URL | undefined {
  if (typeof value !== 'string' || value.length > MAX_URL_CHARS) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  // fetch() refuses a URL with credentials, and the options page would show the password to anyone.
  if (url.username || url.password) return undefined;
  return url;
}

/**
 * Loopback needs no TLS: nothing on the user's network sits between the browser and 127.0.0.1. The
 * censorship lab serves its DoH and control there over plain http (test/lab/scenarios.ts). Only the
 * literal forms: whether another name (app.localhost) stays on this machine is up to the browser.
 */
function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** Canaries stay plain http on purpose: a captive portal can only rewrite what is not encrypted. */
function isHttpUrl(value: unknown): value is string {
  const url = parsedUrl(value);
  return url !== undefined && (url.protocol === 'http:' || url.protocol === 'https:');
}

/**
 * The DoH resolvers and the control decide the verdict. Over plain http, the very network Detour
 * distrusts could forge their answers ("the site resolves fine", "the site is down for everyone").
 */
export function isTrustedEndpoint(value: unknown): value is string {
  const url = parsedUrl(value);
  return url !== undefined && (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname)));
}

function boundedInteger(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/**
 * Merges stored (untrusted) settings over the defaults. Invalid fields keep their default and are
 * reported, so a corrupt or hand-edited store never disables probing silently.
 */
export function parseSettings(stored: unknown): { settings: Settings; problems: SettingsProblem[] } {
  const settings: Settings = structuredClone(DEFAULT_SETTINGS) as Settings;
  const problems: SettingsProblem[] = [];
  if (stored === undefined || stored === null) return { settings, problems };
  if (typeof stored !== 'object' || Array.isArray(stored)) {
    return { settings, problems: [{ key: 'settings' }] };
  }
  const input = stored as Record<string, unknown>;

  // Own keys only: a stored `__proto__` or an inherited name is not a setting.
  const has = (key: keyof Settings) => Object.prototype.hasOwnProperty.call(input, key);

  if (has('dohResolvers')) {
    const v = input.dohResolvers;
    // An empty list would silently turn encrypted DNS off: the one check a DNS block cannot fake.
    if (Array.isArray(v) && v.length >= 1 && v.length <= 10 && v.every(isTrustedEndpoint)) settings.dohResolvers = [...v];
    else problems.push({ key: 'dohResolvers' });
  }
  if (has('canaries')) {
    const v = input.canaries;
    const valid =
      Array.isArray(v) &&
      v.length <= 10 &&
      v.every((c) => c && typeof c === 'object' && isHttpUrl(c.url) && typeof c.expect === 'string' && c.expect.length < 1000);
    if (valid) settings.canaries = v.map((c) => ({ url: c.url, expect: c.expect }));
    else problems.push({ key: 'canaries' });
  }
  if (has('controlUrl')) {
    const v = input.controlUrl;
    if (v === '' || isTrustedEndpoint(v)) settings.controlUrl = v;
    else problems.push({ key: 'controlUrl' });
  }
  if (has('catalogUpdateUrls')) {
    const v = input.catalogUpdateUrls;
    if (Array.isArray(v) && v.length <= MAX_CATALOG_UPDATE_URLS && v.every(isTrustedEndpoint)) settings.catalogUpdateUrls = [...v];
    else problems.push({ key: 'catalogUpdateUrls' });
  }
  if (has('reportsEnabled')) {
    if (typeof input.reportsEnabled === 'boolean') settings.reportsEnabled = input.reportsEnabled;
    else problems.push({ key: 'reportsEnabled' });
  }
  if (has('reportUrls')) {
    const v = input.reportUrls;
    // Reports name the blocked provider and maybe the country: never over a network that can read them.
    if (Array.isArray(v) && v.length <= MAX_REPORT_URLS && v.every(isTrustedEndpoint)) settings.reportUrls = [...v];
    else problems.push({ key: 'reportUrls' });
  }
  if (has('country')) {
    const v = input.country;
    if (v === '' || isCountryCode(v)) settings.country = v;
    else problems.push({ key: 'country' });
  }
  if (has('reportMaxDelayMs')) {
    // Up to a day; as little as a second for the lab's end-to-end tests.
    if (boundedInteger(input.reportMaxDelayMs, 1000, 24 * 3600_000)) settings.reportMaxDelayMs = input.reportMaxDelayMs;
    else problems.push({ key: 'reportMaxDelayMs' });
  }
  if (has('probeBudgetMs')) {
    if (boundedInteger(input.probeBudgetMs, 500, 60_000)) settings.probeBudgetMs = input.probeBudgetMs;
    else problems.push({ key: 'probeBudgetMs' });
  }
  if (has('stallAfterMs')) {
    if (boundedInteger(input.stallAfterMs, 500, 120_000)) settings.stallAfterMs = input.stallAfterMs;
    else problems.push({ key: 'stallAfterMs' });
  }
  return { settings, problems };
}
