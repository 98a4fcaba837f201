/**
 * Every endpoint Detour may contact, and every knob of its probes, in one place. Stored under the
 * `settings` key of storage.local; anything missing or invalid there falls back to the default here.
 * Tests point every endpoint at loopback through this same object.
 *
 * Nothing here is contacted until a watched site fails (probes) or the user opts in (reports).
 */

export interface Settings {
  /**
   * DNS-over-HTTPS resolvers (RFC 8484, GET with `?dns=`), asked for the failing host's addresses
   * to compare with what the browser's own resolver gave. Two or more, run by unrelated operators.
   */
  dohResolvers: string[];
  /**
   * Unrelated plain-HTTP URLs that answer with a known small body. If they fail too, the problem is
   * the user's network, not the mail provider. `expect` is the body they must return ('' = any 2xx).
   */
  canaries: Array<{ url: string; expect: string }>;
  /** Detour control service (OONI test-helper protocol). Empty: probes run without a control. */
  controlUrl: string;
  /** Wall-clock budget for one whole probe run. */
  probeBudgetMs: number;
  /** A watched navigation with no answer after this long is treated as stalled and probed. */
  stallAfterMs: number;
}

/** Build-time default for the control service, e.g. `WXT_DETOUR_CONTROL_URL=https://control.example npm run build`. */
const BUILD_CONTROL_URL: string = import.meta.env?.WXT_DETOUR_CONTROL_URL ?? '';

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  dohResolvers: ['https://cloudflare-dns.com/dns-query', 'https://dns.google/dns-query', 'https://dns.quad9.net/dns-query'],
  canaries: [
    { url: 'http://detectportal.firefox.com/canonical.html', expect: '' },
    { url: 'http://connectivitycheck.gstatic.com/generate_204', expect: '' },
  ],
  controlUrl: BUILD_CONTROL_URL,
  probeBudgetMs: 6000,
  stallAfterMs: 4000,
});

export type SettingsProblem = { key: keyof Settings; reason: string };

function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 2000) return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
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
    return { settings, problems: [{ key: 'dohResolvers', reason: 'settings are not an object; defaults used' }] };
  }
  const input = stored as Record<string, unknown>;

  if ('dohResolvers' in input) {
    const v = input.dohResolvers;
    if (Array.isArray(v) && v.length <= 10 && v.every(isHttpUrl)) settings.dohResolvers = [...v];
    else problems.push({ key: 'dohResolvers', reason: 'expected up to 10 http(s) URLs' });
  }
  if ('canaries' in input) {
    const v = input.canaries;
    const valid =
      Array.isArray(v) &&
      v.length <= 10 &&
      v.every((c) => c && typeof c === 'object' && isHttpUrl(c.url) && typeof c.expect === 'string' && c.expect.length < 1000);
    if (valid) settings.canaries = v.map((c) => ({ url: c.url, expect: c.expect }));
    else problems.push({ key: 'canaries', reason: 'expected up to 10 {url, expect} objects' });
  }
  if ('controlUrl' in input) {
    const v = input.controlUrl;
    if (v === '' || isHttpUrl(v)) settings.controlUrl = v;
    else problems.push({ key: 'controlUrl', reason: 'expected an http(s) URL or an empty string' });
  }
  if ('probeBudgetMs' in input) {
    if (boundedInteger(input.probeBudgetMs, 500, 60_000)) settings.probeBudgetMs = input.probeBudgetMs;
    else problems.push({ key: 'probeBudgetMs', reason: 'expected an integer from 500 to 60000' });
  }
  if ('stallAfterMs' in input) {
    if (boundedInteger(input.stallAfterMs, 500, 120_000)) settings.stallAfterMs = input.stallAfterMs;
    else problems.push({ key: 'stallAfterMs', reason: 'expected an integer from 500 to 120000' });
  }
  return { settings, problems };
}
