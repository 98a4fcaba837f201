/**
 * Host names and URLs as Detour compares and keeps them: lower case, ASCII (punycode), no trailing
 * dot; URLs without query or fragment. Pure, shared by the catalog, the engine, the extension and the
 * service: one rule each.
 */

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

/**
 * A host name in the one form Detour compares: what the URL parser makes of it (lower case,
 * internationalized labels in punycode: `Яндекс.рф` is `xn--d1acpjx3f.xn--p1ai`), without a trailing
 * dot; IPv6 without brackets. Undefined for what is not a host name.
 */
export function asciiHost(name: string): string | undefined {
  if (!name || name.length > 300 || /[/@?#\\\s]/.test(name)) return undefined;
  if (name.includes(':')) return name.replace(/^\[|\]$/g, '').toLowerCase();
  try {
    return new URL(`http://${name}`).hostname.replace(/\.$/, '');
  } catch {
    return undefined;
  }
}

export interface UrlParts {
  scheme: string;
  /** Lower case; IPv6 without its brackets. */
  host: string;
  port: number;
}

/** Scheme, host and port (the scheme's default when none is written), or undefined for no URL. */
export function urlParts(url: string): UrlParts | undefined {
  try {
    const u = new URL(url);
    const scheme = u.protocol.replace(/:$/, '');
    const host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    const port = u.port ? Number(u.port) : scheme === 'https' ? 443 : scheme === 'http' ? 80 : 0;
    return { scheme, host, port };
  } catch {
    return undefined;
  }
}

/** The host of a URL, or undefined for anything that is not http(s). */
export function hostOf(url: string | undefined): string | undefined {
  const parts = url ? urlParts(url) : undefined;
  if (!parts || (parts.scheme !== 'http' && parts.scheme !== 'https')) return undefined;
  return parts.host.replace(/\.$/, '');
}

/** The match pattern that grants a domain and its subdomains (host permissions, webRequest filters). */
export function hostPattern(domain: string): string {
  return `*://*.${domain}/*`;
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
