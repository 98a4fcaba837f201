/** Host names as Detour compares them: lower case, ASCII (punycode), no trailing dot. */

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * Turns what a user typed ("Mail.Example.org", "https://mail.example.org/inbox", "пример.рф") into a
 * host name, or undefined when it is not one. IP literals and single labels are refused: a watch
 * entry is a domain.
 */
export function normalizeHost(input: string): string | undefined {
  const trimmed = input.trim().toLowerCase();
  if (!trimmed || trimmed.length > 300) return undefined;
  let host: string;
  try {
    host = new URL(trimmed.includes('://') ? trimmed : `https://${trimmed}`).hostname;
  } catch {
    return undefined;
  }
  host = host.replace(/\.$/, '');
  if (host.length > 253 || host.startsWith('[')) return undefined;
  const labels = host.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) return undefined;
  if (/^\d+$/.test(labels[labels.length - 1]!)) return undefined; // IPv4 literal
  return host;
}

/** True when `host` is `domain` or one of its subdomains. */
export function hostMatchesDomain(host: string, domain: string): boolean {
  return host === domain || host.endsWith(`.${domain}`);
}

/** The host of a URL, or undefined for anything that is not http(s). */
export function hostOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
    return parsed.hostname.replace(/\.$/, '').toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * The part of a URL Detour keeps: scheme, host, port and path. Query strings and fragments of
 * webmail URLs carry session tokens and message ids; they never enter storage.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '';
  }
}
