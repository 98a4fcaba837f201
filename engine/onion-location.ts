/**
 * The `Onion-Location` header (Tor proposal 100), read with the rules of Tor Browser and Brave, and
 * stricter where the value would be handed to a person to copy into Tor Browser:
 *
 * Tor Browser's and Brave's rules: the top-level document only (main frame); the page itself is not
 * .onion; it was served over HTTPS with a certificate the browser accepted; the first header value
 * only; the value an http(s) URL whose host is a .onion. Here the host must also be a valid v3 onion
 * (checksum and key, engine/onion-address.ts); `readOnionLocation` stops short of those two.
 *
 * Detour's own, stricter, choices (each a refusal with its reason):
 * - At most 2048 characters; only printable ASCII (no control characters, spaces, non-ASCII, commas:
 *   a comma would make it a list, and a list is not "the first value"), no backslash.
 * - The value must begin `http://` or `https://` (any case), and what stands between `//` and the
 *   next `/`, `?` or `#` must be the onion host itself: no userinfo (`https://proton.me@x.onion/`
 *   reads as Proton), no percent-encoded or otherwise rewritten host, no empty authority.
 * - Only the scheme's default port: Detour shows the address for a person to retype; a port is one
 *   more thing to get wrong, and no provider publishes one.
 * - Uppercase is accepted and lowercased (host names are case-insensitive); a trailing dot is refused.
 * - The result keeps the path (normalised by the URL parser, so `<script>` stays percent-encoded
 *   text) and drops the query and fragment: page tokens must not travel into Tor Browser.
 *
 * Leading and trailing spaces and tabs are trimmed first: HTTP allows them around a field value.
 * Pure: no Node or browser API beyond the URL parser.
 */
import { parseV3Onion } from './onion-address';
import { v3OnionShape } from './onion-shape';

export const MAX_ONION_LOCATION_CHARS = 2048;

export type OnionLocationRefusal =
  | 'no-header'
  | 'not-top-level'
  | 'page-not-https'
  | 'page-is-onion'
  | 'certificate'
  | 'too-long'
  | 'bad-characters'
  | 'scheme'
  | 'not-a-url'
  | 'authority'
  | 'port'
  | 'not-onion'
  | 'trailing-dot'
  | 'invalid-onion';

export interface OnionLocationInput {
  /** Every value of the header, in the order received; only the first counts. */
  headerValues: readonly string[];
  /** The URL of the page that sent it. */
  pageUrl: string;
  /** The webRequest resource type of the response: only `main_frame` counts. */
  frame: string;
  /** The browser accepted the page's certificate and nothing casts doubt on it. */
  certificateValid: boolean;
}

export type OnionLocation =
  | {
      /** What to show and copy: scheme, onion host and path. */
      url: string;
      /** The whole onion host, sub-domain labels included. */
      host: string;
      /** The 56-character address and `.onion`. */
      address: string;
    }
  | { refused: OnionLocationRefusal };

const PRINTABLE_ASCII_NO_COMMA_OR_BACKSLASH = /^[\x21-\x2b\x2d-\x5b\x5d-\x7e]*$/;
const SCHEME = /^(https?):\/\//i;

/** HTTP's optional whitespace around a field value, trimmed by index (no regular expression). */
function trimOws(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && (value[start] === ' ' || value[start] === '\t')) start += 1;
  while (end > start && (value[end - 1] === ' ' || value[end - 1] === '\t')) end -= 1;
  return value.slice(start, end);
}

function pageRefusal(input: OnionLocationInput): OnionLocationRefusal | undefined {
  if (input.frame !== 'main_frame') return 'not-top-level';
  let page: URL;
  try {
    page = new URL(input.pageUrl);
  } catch {
    return 'page-not-https';
  }
  if (page.protocol !== 'https:') return 'page-not-https';
  const pageHost = page.hostname.replace(/\.$/, '');
  if (pageHost === 'onion' || pageHost.endsWith('.onion')) return 'page-is-onion';
  if (input.certificateValid !== true) return 'certificate';
  return undefined;
}

/**
 * Every rule but the address's checksum and key: what the background checks before it remembers an
 * announcement (the cryptography would take a third of its size budget). Whatever shows or copies
 * the result must first pass it through `parseOnionLocation` or engine/onion-address.ts.
 */
export function readOnionLocation(input: OnionLocationInput): OnionLocation {
  const first = input.headerValues[0];
  if (typeof first !== 'string') return { refused: 'no-header' };
  const pageProblem = pageRefusal(input);
  if (pageProblem) return { refused: pageProblem };
  // Checked before any regular expression or parser sees the value.
  if (first.length > MAX_ONION_LOCATION_CHARS) return { refused: 'too-long' };
  const value = trimOws(first);
  if (!PRINTABLE_ASCII_NO_COMMA_OR_BACKSLASH.test(value)) return { refused: 'bad-characters' };
  const scheme = SCHEME.exec(value);
  if (!scheme) return { refused: 'scheme' };
  const rest = value.slice(scheme[0].length);
  let end = rest.length;
  for (const stop of ['/', '?', '#']) {
    const at = rest.indexOf(stop);
    if (at !== -1 && at < end) end = at;
  }
  const authority = rest.slice(0, end).toLowerCase();
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { refused: 'not-a-url' };
  }
  if (url.username || url.password || authority.includes('@')) return { refused: 'authority' };
  // The URL parser drops a default port; any other port, even a well-formed one, is refused.
  if (url.port !== '') return { refused: 'port' };
  const defaultPort = url.protocol === 'https:' ? ':443' : ':80';
  if (authority !== url.hostname && authority !== url.hostname + defaultPort) {
    return { refused: url.hostname.endsWith('.onion') ? 'authority' : 'not-onion' };
  }
  if (url.hostname.endsWith('.onion.')) return { refused: 'trailing-dot' };
  if (!url.hostname.endsWith('.onion')) return { refused: 'not-onion' };
  const onion = v3OnionShape(url.hostname);
  if ('error' in onion) return { refused: 'invalid-onion' };
  return { url: `${url.protocol}//${onion.host}${url.pathname}`, host: onion.host, address: onion.address };
}

/** All of Tor Browser's and Detour's rules, the address's checksum and key included. */
export function parseOnionLocation(input: OnionLocationInput): OnionLocation {
  const found = readOnionLocation(input);
  if ('refused' in found || 'error' in parseV3Onion(found.host)) return 'refused' in found ? found : { refused: 'invalid-onion' };
  return found;
}
