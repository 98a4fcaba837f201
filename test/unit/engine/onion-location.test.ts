import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidV3OnionHost } from '../../../engine/onion-address';
import { MAX_ONION_LOCATION_CHARS, parseOnionLocation, readOnionLocation, type OnionLocationInput } from '../../../engine/onion-location';

// rend-spec v3 test vectors (valid checksums).
const A = 'pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion';
const B = 'sp3k262uwy4r2k3ycr5awluarykdpag6a7y33jxop4cs2lu5uz5sseqd.onion';
// A with its 11th character changed: the checksum no longer holds.
const A_BAD = `${A.slice(0, 10)}${A[10] === 'a' ? 'b' : 'a'}${A.slice(11)}`;

const PAGE: OnionLocationInput = { headerValues: [], pageUrl: 'https://mail.example.org/inbox', frame: 'main_frame', certificateValid: true };
const header = (value: string | string[], page: Partial<OnionLocationInput> = {}): OnionLocationInput => ({
  ...PAGE,
  ...page,
  headerValues: [value].flat(),
});

type Row = [what: string, input: OnionLocationInput, expected: string];

// expected: the URL kept, or `refused:<reason>`.
const TABLE: Row[] = [
  ['a plain https onion', header(`https://${A}/`), `https://${A}/`],
  ['http onion (onion services are end-to-end encrypted already)', header(`http://${A}/`), `http://${A}/`],
  ['the path kept, query and fragment dropped', header(`https://${A}/login?token=secret#top`), `https://${A}/login`],
  ['no path', header(`https://${A}`), `https://${A}/`],
  ['uppercase host and scheme, lowercased', header(`HTTPS://${A.toUpperCase()}/Inbox`), `https://${A}/Inbox`],
  ['a sub-domain of a valid onion', header(`https://mail.${A}/`), `https://mail.${A}/`],
  ['the default port written out', header(`https://${A}:443/`), `https://${A}/`],
  ['surrounding spaces and tabs (HTTP optional whitespace)', header(` \t https://${A}/ \t`), `https://${A}/`],
  ['a path with script, kept as percent-encoded text', header(`https://${A}/<script>alert(1)</script>`), `https://${A}/%3Cscript%3Ealert(1)%3C/script%3E`],
  // The page the header came from.
  ['a plain-http page', header(`https://${A}/`, { pageUrl: 'http://mail.example.org/' }), 'refused:page-not-https'],
  ['an .onion page', header(`https://${B}/`, { pageUrl: `https://${A}/` }), 'refused:page-is-onion'],
  ['an .onion page with a trailing dot', header(`https://${B}/`, { pageUrl: `https://${A}./` }), 'refused:page-is-onion'],
  ['an iframe', header(`https://${A}/`, { frame: 'sub_frame' }), 'refused:not-top-level'],
  ['a script or XHR response', header(`https://${A}/`, { frame: 'xmlhttprequest' }), 'refused:not-top-level'],
  ['a page whose certificate is in doubt', header(`https://${A}/`, { certificateValid: false }), 'refused:certificate'],
  ['a page URL that does not parse', header(`https://${A}/`, { pageUrl: 'not a url' }), 'refused:page-not-https'],
  ['no header at all', { ...PAGE, headerValues: [] }, 'refused:no-header'],
  // Two headers: the first only, good or bad.
  ['two headers, the first bad', header(['chrome://restart', `https://${A}/`]), 'refused:scheme'],
  ['two headers, the first good', header([`https://${A}/`, `https://${B}/`]), `https://${A}/`],
  ['two values folded into one with a comma', header(`https://${A}/, https://${B}/`), 'refused:bad-characters'],
  ['two values folded into one with a newline', header(`https://${A}/\nhttps://${B}/`), 'refused:bad-characters'],
  // Other schemes.
  ['chrome://restart (brave-browser 13828)', header('chrome://restart'), 'refused:scheme'],
  ['javascript:', header(`javascript:alert(document.domain)//${A}`), 'refused:scheme'],
  ['javascript: with a leading space', header(` javascript:alert(1)`), 'refused:scheme'],
  ['data:', header(`data:text/html,<a href="https://${A}/">x</a>`), 'refused:bad-characters'],
  ['file:', header(`file:///${A}/`), 'refused:scheme'],
  ['ftp onion', header(`ftp://${A}/`), 'refused:scheme'],
  ['ws onion', header(`ws://${A}/`), 'refused:scheme'],
  ['scheme-relative', header(`//${A}/`), 'refused:scheme'],
  ['a bare host without scheme', header(A), 'refused:scheme'],
  ['https with a single slash', header(`https:/${A}/`), 'refused:scheme'],
  ['https with a backslash', header(`https:\\\\${A}/`), 'refused:bad-characters'],
  ['https with three slashes', header(`https:///${A}/`), 'refused:authority'],
  // Hosts.
  ['a non-onion host', header('https://evil.example/'), 'refused:not-onion'],
  ['an IP address', header('https://127.0.0.1/'), 'refused:not-onion'],
  ['an IPv6 address', header('https://[::1]/'), 'refused:not-onion'],
  ['onion as a path, not a host', header(`https://evil.example/${A}`), 'refused:not-onion'],
  ['onion followed by another domain', header(`https://${A}.evil.example/`), 'refused:not-onion'],
  ['a bad checksum', header(`https://${A_BAD}/`), 'refused:invalid-onion'],
  ['a v2 onion', header('http://expyuzz4wqqyqhjn.onion/'), 'refused:invalid-onion'],
  ['a 55-character onion', header(`https://${A.slice(1)}/`), 'refused:invalid-onion'],
  ['a trailing dot', header(`https://${A}./`), 'refused:trailing-dot'],
  ['a bare .onion', header('https://.onion/'), 'refused:invalid-onion'],
  ['a percent-encoded host', header(`https://%${A.charCodeAt(0).toString(16)}${A.slice(1)}/`), 'refused:authority'],
  ['a Cyrillic look-alike letter', header(`https://${A.replace('a', '\u0430')}/`), 'refused:bad-characters'],
  ['an IDN sub-domain in Unicode', header(`https://почта.${A}/`), 'refused:bad-characters'],
  ['a fullwidth dot', header(`https://${A.replace('.onion', '\uff0eonion')}/`), 'refused:bad-characters'],
  // Userinfo and ports.
  ['userinfo naming the real site', header(`https://mail.example.org@${A}/`), 'refused:authority'],
  ['user and password', header(`https://user:pass@${A}/`), 'refused:authority'],
  ['an empty userinfo', header(`https://@${A}/`), 'refused:authority'],
  ['an onion in userinfo, another host', header(`https://${A}@evil.example/`), 'refused:authority'],
  ['a non-default port', header(`https://${A}:8443/`), 'refused:port'],
  ['port 80 on https', header(`https://${A}:80/`), 'refused:port'],
  ['an empty port', header(`https://${A}:/`), 'refused:authority'],
  ['a port out of range', header(`https://${A}:99999/`), 'refused:not-a-url'],
  // Sizes and characters.
  ['absurdly long', header(`https://${A}/${'a'.repeat(MAX_ONION_LOCATION_CHARS)}`), 'refused:too-long'],
  ['a megabyte', header(`https://${A}/${'%'.repeat(1_000_000)}`), 'refused:too-long'],
  ['exactly at the cap', header(`https://${A}/${'a'.repeat(MAX_ONION_LOCATION_CHARS - A.length - 9)}`), `https://${A}/${'a'.repeat(MAX_ONION_LOCATION_CHARS - A.length - 9)}`],
  ['a NUL', header(`https://${A}/\u0000`), 'refused:bad-characters'],
  ['a carriage return', header(`https://${A}/\r`), 'refused:bad-characters'],
  ['a DEL', header(`https://${A}/\u007f`), 'refused:bad-characters'],
  ['a right-to-left override', header(`https://${A}/\u202egnp.exe`), 'refused:bad-characters'],
  ['a space inside', header(`https://${A}/a b`), 'refused:bad-characters'],
  ['empty', header(''), 'refused:scheme'],
  ['only whitespace', header('   '), 'refused:scheme'],
];

describe('Onion-Location, by the rules of Tor Browser and Brave', () => {
  it('has a table of at least 25 hostile or odd values', () => {
    expect(TABLE.length).toBeGreaterThanOrEqual(25);
    expect(TABLE.filter(([, , e]) => e.startsWith('refused:')).length).toBeGreaterThanOrEqual(25);
  });

  it.each(TABLE)('%s', (_what, input, expected) => {
    const result = parseOnionLocation(input);
    if (expected.startsWith('refused:')) {
      expect(result).toEqual({ refused: expected.slice('refused:'.length) });
    } else {
      expect(result).toMatchObject({ url: expected });
      // Whatever is kept re-parses to itself: the stored form passes the same check when read back.
      expect(parseOnionLocation(header((result as { url: string }).url))).toMatchObject({ url: expected });
    }
  });

  it('readOnionLocation, the background\'s part, applies every rule but the checksum and key', () => {
    for (const [, input, expected] of TABLE) {
      const full = parseOnionLocation(input);
      const read = readOnionLocation(input);
      if ('url' in full) expect(read).toEqual(full);
      else if (expected !== 'refused:invalid-onion') expect(read).toEqual(full);
    }
    expect(readOnionLocation(header(`https://${A_BAD}/`))).toMatchObject({ url: `https://${A_BAD}/` });
    expect(parseOnionLocation(header(`https://${A_BAD}/`))).toEqual({ refused: 'invalid-onion' });
  });

  it('names the address and the host of what it keeps', () => {
    expect(parseOnionLocation(header(`https://mail.${A}/x`))).toEqual({ url: `https://mail.${A}/x`, host: `mail.${A}`, address: A });
  });

  it('never throws, and whatever it keeps is a plain http(s) URL on a valid onion (property)', () => {
    const around = (inner: fc.Arbitrary<string>) => fc.tuple(fc.string(), inner, fc.string()).map(([a, b, c]) => a + b + c);
    const candidates = fc.oneof(
      fc.string({ unit: 'binary' }),
      around(fc.constant(`https://${A}/`)),
      fc.tuple(fc.nat(70), fc.string({ minLength: 1, maxLength: 3 })).map(([at, s]) => {
        const url = `https://${A}/`;
        return url.slice(0, at) + s + url.slice(at);
      }),
    );
    fc.assert(
      fc.property(candidates, (value) => {
        const result = parseOnionLocation(header(value));
        if ('refused' in result) return;
        expect(result.url).toMatch(/^https?:\/\/[a-z0-9.-]+\.onion\/[\x21-\x7e]*$/);
        expect(isValidV3OnionHost(result.host)).toBe(true);
        expect(new URL(result.url).hostname).toBe(result.host);
        expect(result.url).not.toMatch(/[?#]/);
      }),
      { numRuns: 3000 },
    );
  });

  it('reads hostile values in linear time', () => {
    const values = [' '.repeat(1_000_000) + 'x', `https://${'a.'.repeat(1000)}`, `https://${'@'.repeat(2000)}`, `https://${A}/${'/'.repeat(2000)}`];
    const started = performance.now();
    for (let i = 0; i < 20; i++) for (const v of values) parseOnionLocation(header(v));
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
