/**
 * The catalog's schema and onion policy, checked on the shipped file at build time
 * (scripts/check-catalog.ts), by `npm run catalog:verify`, and on every signed update before the
 * extension uses it (catalog/signed-catalog.ts). One function for all three, so a file the build
 * accepts is exactly a file the extension accepts.
 *
 * Strict: an unknown field anywhere is an error (an update is data the extension shows; a field
 * nobody reads is a field nobody reviewed). Every error names the path of the field, e.g.
 * `providers[3].onions[0].sources: ...`.
 *
 * The onion policy: every onion a user may be shown (catalog.ts showableOnions) is a valid v3
 * address (checksum and key, engine/onion-address.ts) in lowercase, has at least one source, and
 * `provider_published` is true only with a source the provider itself published. Every link a page
 * may render is an http(s) URL without userinfo.
 */
import type { BlockingEvent, CatalogProvider } from './catalog';
import { parseV3Onion } from '../engine/onion-address';
import { normalizeHost } from '../engine/hosts';

/** Four times today's file (146 KB once formatted): room to grow, not room for a memory attack. */
export const MAX_CATALOG_BYTES = 1024 * 1024;
const MAX_STRING = 4000;
const MAX_URL = 2000;
const MAX_LIST = 500;

export interface ValidCatalog {
  version: number;
  expires_at: string;
  generated: string;
  updated?: string;
  policy: string;
  providers: CatalogProvider[];
  blocking_events: BlockingEvent[];
  [other: string]: unknown;
}

export type CatalogValidation = { ok: true; catalog: ValidCatalog } | { ok: false; path: string; reason: string };

class Invalid extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}

type Check = (value: unknown, path: string) => void;

const fail = (path: string, reason: string): never => {
  throw new Invalid(path, reason);
};

const str =
  (max = MAX_STRING): Check =>
  (v, p) => {
    if (typeof v !== 'string') fail(p, 'expected a string');
    if ((v as string).length > max) fail(p, `longer than ${max} characters`);
  };

const nonEmpty: Check = (v, p) => {
  str()(v, p);
  if ((v as string).trim() === '') fail(p, 'expected a non-empty string');
};

/** A link a page may render: http(s) only (no javascript:, data:, chrome:), no userinfo. */
const webUrl: Check = (v, p) => {
  str(MAX_URL)(v, p);
  let url: URL;
  try {
    url = new URL(v as string);
  } catch {
    return fail(p, 'expected an absolute http(s) URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') fail(p, `expected an http(s) URL, not ${url.protocol}`);
  if (url.username || url.password) fail(p, 'a URL with userinfo (user@host) is refused: it misleads about the host');
};

const int =
  (min: number, max: number): Check =>
  (v, p) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(p, `expected an integer from ${min} to ${max}`);
  };

const bool: Check = (v, p) => {
  if (typeof v !== 'boolean') fail(p, 'expected true or false');
};

const nullable =
  (check: Check): Check =>
  (v, p) => {
    if (v !== null) check(v, p);
  };

const list =
  (item: Check, max = MAX_LIST): Check =>
  (v, p) => {
    if (!Array.isArray(v)) fail(p, 'expected a list');
    const items = v as unknown[];
    if (items.length > max) fail(p, `more than ${max} entries`);
    items.forEach((x, i) => item(x, `${p}[${i}]`));
  };

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/** A date or an ISO 8601 time that Date understands the same way everywhere. */
const isoTime: Check = (v, p) => {
  str(40)(v, p);
  if (!ISO_TIME.test(v as string) || Number.isNaN(Date.parse(v as string))) fail(p, 'expected an ISO 8601 date or time, e.g. 2027-06-30T00:00:00Z');
};

/** A loose date as the catalog cites it (`2018-03`, `2021-06-01`). */
const DATE = /^\d{4}(?:-\d{2}(?:-\d{2})?)?$/;
const looseDate: Check = (v, p) => {
  str(40)(v, p);
  if (!DATE.test(v as string) && !ISO_TIME.test(v as string)) fail(p, 'expected a date such as 2018-03 or 2021-06-01');
};

const host: Check = (v, p) => {
  str(253)(v, p);
  if (normalizeHost(v as string) !== v) fail(p, 'expected a lowercase host name');
};

type Fields = Record<string, { check: Check; optional?: boolean }>;
const req = (check: Check) => ({ check });
const opt = (check: Check) => ({ check, optional: true });

const obj =
  (fields: Fields, extra?: (v: Record<string, unknown>, p: string) => void): Check =>
  (v, p) => {
    if (!v || typeof v !== 'object' || Array.isArray(v)) return fail(p, 'expected an object');
    const o = v as Record<string, unknown>;
    for (const key of Object.keys(o)) {
      if (!Object.prototype.hasOwnProperty.call(fields, key)) fail(`${p}.${key}`, 'unknown field');
    }
    for (const [key, { check, optional }] of Object.entries(fields)) {
      if (!Object.prototype.hasOwnProperty.call(o, key)) {
        if (!optional) fail(`${p}.${key}`, 'missing');
        continue;
      }
      check(o[key], `${p}.${key}`);
    }
    extra?.(o, p);
  };

const source = obj({
  type: req(nonEmpty),
  url: req(webUrl),
  repo: opt(str(200)),
  path: opt(str(500)),
  commit: opt(str(64)),
  publisher: opt(str(200)),
  publisher_kind: opt(str(40)),
  note: opt(str()),
  date: opt(looseDate),
});
const sources = list(source, 50);

/** The host of an onion entry's `url`: an http(s) URL, or a bare host for a non-web service (mail). */
function onionHost(value: string, p: string): string {
  if (!value.includes('://')) return value;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(p, 'expected an http(s) URL or a bare onion host');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') fail(p, `expected an http(s) URL, not ${url.protocol}`);
  if (url.username || url.password || url.port) fail(p, 'an onion URL with userinfo or a port is refused');
  return url.hostname;
}

const onion = obj(
  {
    url: req(str(MAX_URL)),
    service: req(str(200)),
    sources: req(sources),
    confirmed_by: req(int(0, 100)),
    provider_published: req(bool),
    single_source: req(bool),
    as_published: req(str(MAX_URL)),
    notes: opt(str()),
  },
  (o, p) => {
    const hostOf = onionHost(o.url as string, `${p}.url`);
    const parsed = parseV3Onion(hostOf);
    if ('error' in parsed) fail(`${p}.url`, `not a valid v3 onion address (${parsed.error})`);
    // The URL parser lowercases (and percent-decodes) a host: the stored text must already be that form.
    if (hostOf !== hostOf.toLowerCase() || !(o.url as string).includes(hostOf)) fail(`${p}.url`, 'an onion address is stored in lowercase, as written');
    const list = o.sources as Array<{ publisher_kind?: string }>;
    if (list.length === 0) fail(`${p}.sources`, 'an onion needs at least one source');
    if (o.provider_published === true && !list.some((s) => s.publisher_kind === 'provider')) {
      fail(`${p}.provider_published`, 'true, but no source has publisher_kind "provider"');
    }
  },
);

const mailServer = nullable(obj({ host: req(host), port: req(int(1, 65535)), socket: req(str(20)) }));

const advice = obj({ kind: req(nonEmpty), url: req(webUrl), summary_en: req(nonEmpty), sources: req(sources) });

const retiredOnion = obj({ url: req(str(MAX_URL)), reason: req(str()), sources: req(sources), provider: opt(str(100)), service: opt(str(200)) });

const ID = /^[a-z0-9_]{1,64}$/;
const providerId: Check = (v, p) => {
  str(64)(v, p);
  if (!ID.test(v as string)) fail(p, 'expected an id of lowercase letters, digits and _');
};

const provider = obj({
  id: req(providerId),
  name: req(nonEmpty),
  domains: req(list(host, 100)),
  domain_sources: req(sources),
  webmail: req(nullable(webUrl)),
  onions: req(list(onion, 50)),
  ct_evidence: opt(source),
  mirrors: req(list(obj({ url: req(webUrl), sources: req(sources) }), 50)),
  status_page: req(nullable(webUrl)),
  status_page_source: opt(source),
  status_page_sources: req(sources),
  imap: req(mailServer),
  smtp: req(mailServer),
  imap_smtp_note: opt(str()),
  imap_smtp_source: opt(source),
  onion_location: req(str()),
  onion_location_source: opt(source),
  obsolete_onions: opt(list(retiredOnion, 50)),
  notes: req(str()),
  advice: req(list(advice, 50)),
  mirrors_share_addresses: req(nullable(bool)),
  mirrors_share_addresses_sources: req(sources),
  test_lists: req(sources),
});

// `provider` may name a provider the catalog does not carry (a history of blocks, e.g. ScryptMail).
const blockingEvent = obj({
  provider: req(providerId),
  country: req(str(2)),
  start: req(looseDate),
  end: opt(looseDate),
  status: req(nonEmpty),
  method: opt(str()),
  sources: req(sources),
  notes: opt(str()),
});

const unverifiedOnion = obj({ provider: req(providerId), url: req(str(MAX_URL)), service: req(str(200)), sources: req(sources), reason: req(str()) });

function catalogShape(requireSigningFields: boolean): Check {
  return obj(
    {
      version: requireSigningFields ? req(int(1, Number.MAX_SAFE_INTEGER)) : opt(int(1, Number.MAX_SAFE_INTEGER)),
      expires_at: requireSigningFields ? req(isoTime) : opt(isoTime),
      generated: req(looseDate),
      updated: opt(looseDate),
      policy: req(str()),
      providers: req(list(provider)),
      unverified_onions: opt(list(unverifiedOnion)),
      obsolete_onions_other: opt(list(retiredOnion)),
      blocking_events: req(list(blockingEvent, 2000)),
      not_found: opt(obj({ providers_without_any_stored_evidence: opt(list(str(200))), countries_without_sourced_email_blocking_events: opt(list(str(200))), v2_note: opt(str()) })),
      verification_log: opt(list(str(), 2000)),
    },
    (o, p) => {
      const ids = new Set<string>();
      (o.providers as Array<{ id: string }>).forEach((prov, i) => {
        if (ids.has(prov.id)) fail(`${p}.providers[${i}].id`, `duplicate provider id "${prov.id}"`);
        ids.add(prov.id);
      });
    },
  );
}

const SHAPES = { signed: catalogShape(true), shipped: catalogShape(false) };

/**
 * Validates parsed JSON. `requireSigningFields` (default true): a signed update must carry `version`
 * (a positive integer) and `expires_at`.
 */
export function validateCatalog(value: unknown, options: { requireSigningFields?: boolean } = {}): CatalogValidation {
  try {
    SHAPES[options.requireSigningFields === false ? 'shipped' : 'signed'](value, '$');
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, path: e.path, reason: e.reason };
    throw e;
  }
  return { ok: true, catalog: value as ValidCatalog };
}

/** The bytes of a catalog file: size cap, strict UTF-8, JSON, then validateCatalog. */
export function parseCatalogBytes(bytes: Uint8Array, options: { requireSigningFields?: boolean } = {}): CatalogValidation {
  if (bytes.length > MAX_CATALOG_BYTES) return { ok: false, path: '$', reason: `larger than ${MAX_CATALOG_BYTES} bytes` };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return { ok: false, path: '$', reason: 'not UTF-8' };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, path: '$', reason: `not JSON (${e instanceof Error ? e.message.slice(0, 100) : 'parse error'})` };
  }
  return validateCatalog(value, options);
}

export function describeInvalid(result: Extract<CatalogValidation, { ok: false }>): string {
  return `${result.path}: ${result.reason}`;
}
