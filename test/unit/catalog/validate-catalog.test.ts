import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAX_CATALOG_BYTES, parseCatalogBytes, validateCatalog } from '../../../catalog/validate-catalog';
import { providers, showableOnions, type CatalogProvider } from '../../../catalog/catalog';
import { shippedCatalogProblem } from '../../../scripts/check-catalog';

const SHIPPED_BYTES = readFileSync(new URL('../../../catalog/providers.json', import.meta.url));
const shipped = () => JSON.parse(SHIPPED_BYTES.toString('utf8'));
const riseupIndex = shipped().providers.findIndex((p: { id: string }) => p.id === 'riseup');
const GOOD_ONION = 'vww6ybal4bd7szmgncyruucpgfkqahzddi37ktceo3ah7ngmcopnpyyd.onion';
// GOOD_ONION with its 11th character changed: the checksum fails.
const BAD_ONION = `${GOOD_ONION.slice(0, 10)}${GOOD_ONION[10] === 'a' ? 'b' : 'a'}${GOOD_ONION.slice(11)}`;

/** The shipped catalog with Riseup's first onion changed; the result and the path it must name. */
function withOnion(change: (onion: Record<string, unknown>) => void) {
  const catalog = shipped();
  change(catalog.providers[riseupIndex].onions[0]);
  return validateCatalog(catalog);
}
const onionPath = (field: string) => `$.providers[${riseupIndex}].onions[0].${field}`;

describe('the shipped catalog', () => {
  it('passes the schema and the onion policy, as the build requires', () => {
    expect(parseCatalogBytes(SHIPPED_BYTES)).toMatchObject({ ok: true, catalog: { version: expect.any(Number) } });
    expect(shippedCatalogProblem()).toBeUndefined();
  });

  it('shows every onion it publishes with a valid checksum, and the build gate names a bad one', () => {
    const shown = providers.flatMap((p) => showableOnions(p));
    expect(shown.length).toBeGreaterThan(5);
    const bad = JSON.stringify(shipped()).replace(GOOD_ONION, BAD_ONION);
    expect(shippedCatalogProblem(new TextEncoder().encode(bad))).toBe(`${onionPath('url')}: not a valid v3 onion address (checksum)`);
  });

  it('showableOnions() hides an onion with a bad checksum or without a provider source at run time', () => {
    const riseup = providers[riseupIndex] as CatalogProvider;
    const first = riseup.onions[0]!;
    const forged = { ...riseup, onions: [{ ...first, url: `http://${BAD_ONION}/` }] };
    expect(showableOnions({ ...riseup, onions: [first] })).toHaveLength(1);
    expect(showableOnions(forged)).toHaveLength(0);
    const thirdParty = { ...riseup, onions: [{ ...first, sources: first.sources.filter((s) => s.publisher_kind !== 'provider') }] };
    expect(showableOnions(thirdParty)).toHaveLength(0);
  });
});

describe('the onion policy', () => {
  it.each([
    ['a bad checksum', (o: Record<string, unknown>) => (o.url = `http://${BAD_ONION}/`), onionPath('url'), /checksum/],
    ['a v2 address', (o: Record<string, unknown>) => (o.url = 'http://expyuzz4wqqyqhjn.onion/'), onionPath('url'), /v2/],
    ['uppercase', (o: Record<string, unknown>) => (o.url = `http://${GOOD_ONION.toUpperCase()}/`), onionPath('url'), /lowercase/],
    ['not an onion', (o: Record<string, unknown>) => (o.url = 'https://riseup.net/'), onionPath('url'), /not-onion/],
    ['a javascript: URL', (o: Record<string, unknown>) => (o.url = `javascript://${GOOD_ONION}/`), onionPath('url'), /http\(s\)/],
    ['userinfo', (o: Record<string, unknown>) => (o.url = `http://riseup.net@${GOOD_ONION}/`), onionPath('url'), /userinfo/],
    ['a port', (o: Record<string, unknown>) => (o.url = `http://${GOOD_ONION}:8080/`), onionPath('url'), /port/],
    ['no source', (o: Record<string, unknown>) => (o.sources = []), onionPath('sources'), /at least one source/],
    [
      'provider_published without a provider source',
      (o: Record<string, unknown>) => (o.sources = (o.sources as Array<{ publisher_kind?: string }>).filter((s) => s.publisher_kind !== 'provider')),
      onionPath('provider_published'),
      /publisher_kind "provider"/,
    ],
  ])('refuses %s', (_what, change, path, reason) => {
    const result = withOnion(change);
    expect(result).toMatchObject({ ok: false, path });
    expect(result.ok === false && reason.test(result.reason)).toBe(true);
  });

  it('accepts a bare onion host (a mail server, never shown as a link) and a sub-domain', () => {
    expect(withOnion((o) => (o.url = GOOD_ONION))).toMatchObject({ ok: true });
    expect(withOnion((o) => (o.url = `https://mail.${GOOD_ONION}/`))).toMatchObject({ ok: true });
  });
});

describe('the schema', () => {
  const change = (edit: (c: Record<string, any>) => void) => {
    const c = shipped();
    edit(c);
    return validateCatalog(c);
  };

  it.each([
    ['an unknown top-level field', (c: Record<string, any>) => (c.code = 'alert(1)'), '$.code', 'unknown field'],
    ['an unknown provider field', (c: Record<string, any>) => (c.providers[0].onclick = 'x'), '$.providers[0].onclick', 'unknown field'],
    ['an own __proto__ field', (c: Record<string, any>) => Object.defineProperty(c.providers[0], '__proto__', { value: {}, enumerable: true }), '$.providers[0].__proto__', 'unknown field'],
    ['a missing field', (c: Record<string, any>) => delete c.providers[1].domains, '$.providers[1].domains', 'missing'],
    ['a javascript: webmail', (c: Record<string, any>) => (c.providers[0].webmail = 'javascript:alert(1)'), '$.providers[0].webmail', 'expected an http(s) URL, not javascript:'],
    ['a chrome: advice link', (c: Record<string, any>) => (c.providers[0].advice[0].url = 'chrome://restart'), '$.providers[0].advice[0].url', 'expected an http(s) URL, not chrome:'],
    ['a source URL with userinfo', (c: Record<string, any>) => (c.providers[0].domain_sources[0].url = 'https://proton.me@evil.example/'), '$.providers[0].domain_sources[0].url', 'a URL with userinfo (user@host) is refused: it misleads about the host'],
    ['a relative URL', (c: Record<string, any>) => (c.providers[0].status_page = '/status'), '$.providers[0].status_page', 'expected an absolute http(s) URL'],
    ['an uppercase domain', (c: Record<string, any>) => (c.providers[0].domains[0] = 'Proton.me'), '$.providers[0].domains[0]', 'expected a lowercase host name'],
    ['a wrong type', (c: Record<string, any>) => (c.providers[0].onions[0].confirmed_by = '3'), '$.providers[0].onions[0].confirmed_by', 'expected an integer from 0 to 100'],
    ['a port out of range', (c: Record<string, any>) => (c.providers[riseupIndex].imap.port = 70000), `$.providers[${riseupIndex}].imap.port`, 'expected an integer from 1 to 65535'],
    ['a duplicate provider id', (c: Record<string, any>) => (c.providers[1].id = c.providers[0].id), '$.providers[1].id', 'duplicate provider id "proton"'],
    ['a huge string', (c: Record<string, any>) => (c.providers[0].notes = 'x'.repeat(5000)), '$.providers[0].notes', 'longer than 4000 characters'],
    ['too many providers', (c: Record<string, any>) => (c.providers = new Array(501).fill(c.providers[0])), '$.providers', 'more than 500 entries'],
    ['providers not a list', (c: Record<string, any>) => (c.providers = {}), '$.providers', 'expected a list'],
    ['version zero', (c: Record<string, any>) => (c.version = 0), '$.version', `expected an integer from 1 to ${Number.MAX_SAFE_INTEGER}`],
    ['a fractional version', (c: Record<string, any>) => (c.version = 2.5), '$.version', `expected an integer from 1 to ${Number.MAX_SAFE_INTEGER}`],
    ['no expires_at', (c: Record<string, any>) => delete c.expires_at, '$.expires_at', 'missing'],
    ['an expires_at that is not ISO 8601', (c: Record<string, any>) => (c.expires_at = 'June 30, 2027'), '$.expires_at', 'expected an ISO 8601 date or time, e.g. 2027-06-30T00:00:00Z'],
    ['an impossible date', (c: Record<string, any>) => (c.expires_at = '2027-13-45T00:00:00Z'), '$.expires_at', 'expected an ISO 8601 date or time, e.g. 2027-06-30T00:00:00Z'],
  ])('refuses %s, naming the field', (_what, edit, path, reason) => {
    expect(change(edit)).toEqual({ ok: false, path, reason });
  });

  it('lets the shipped form omit version and expiry only when asked to', () => {
    const c = shipped();
    delete c.version;
    delete c.expires_at;
    expect(validateCatalog(c)).toMatchObject({ ok: false, path: '$.version' });
    expect(validateCatalog(c, { requireSigningFields: false })).toMatchObject({ ok: true });
  });

  it('refuses bytes that are too many, not UTF-8, or not JSON, before any schema check', () => {
    expect(parseCatalogBytes(new Uint8Array(MAX_CATALOG_BYTES + 1))).toMatchObject({ ok: false, reason: expect.stringContaining('larger than') });
    expect(parseCatalogBytes(Uint8Array.from([0x7b, 0xc3, 0x28, 0x7d]))).toEqual({ ok: false, path: '$', reason: 'not UTF-8' });
    expect(parseCatalogBytes(new TextEncoder().encode('{"version":'))).toMatchObject({ ok: false, path: '$', reason: expect.stringMatching(/^not JSON/) });
    for (const v of ['null', '[]', '"catalog"', '42']) expect(parseCatalogBytes(new TextEncoder().encode(v))).toEqual({ ok: false, path: '$', reason: 'expected an object' });
  });

  it('validates a catalog at the size cap in bounded time', () => {
    const c = shipped();
    c.verification_log = new Array(2000).fill('y'.repeat(400));
    const bytes = new TextEncoder().encode(JSON.stringify(c));
    expect(bytes.length).toBeLessThan(MAX_CATALOG_BYTES);
    const started = performance.now();
    expect(parseCatalogBytes(bytes)).toMatchObject({ ok: true });
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
