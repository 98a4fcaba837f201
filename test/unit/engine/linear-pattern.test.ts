/**
 * The fingerprints' regexps without RegExp: the same answers as V8's backtracking engine on every
 * pattern of the supported subset, in linear time on the bodies that make the backtracking engine
 * take minutes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileLinearPattern, UnsupportedPattern } from '../../../engine/linear-pattern';
import { BUNDLED_FINGERPRINTS_DATA } from '../../../engine/fingerprints-bundled';
import { adversarialBodies } from '../../../scripts/hostile-bodies';

const bundledRegexps = BUNDLED_FINGERPRINTS_DATA.http.filter((row) => row[3] === 'regexp').map((row) => row[4]);

describe('the linear subset', () => {
  it('compiles every bundled fingerprint regexp', () => {
    expect(bundledRegexps.length).toBeGreaterThan(10);
    for (const pattern of bundledRegexps) expect(() => compileLinearPattern(pattern), pattern).not.toThrow();
  });

  it('refuses what it cannot run in linear time, with a reason', () => {
    for (const pattern of ['(a+)+$', 'a|b', '[abc]', 'a*', 'a?', '^start', 'end$', 'a{2,3}', '\\d+', '\\bword', '(?x)a', '\\']) {
      expect(() => compileLinearPattern(pattern), pattern).toThrow(UnsupportedPattern);
    }
  });

  it('reads `{`, `}` and escaped punctuation literally, as JavaScript does', () => {
    expect(compileLinearPattern('{"msg":.*"id":').test('{"msg": "x", "id": 1}')).toBe(true);
    expect(compileLinearPattern('a\\.b').test('a.b')).toBe(true);
    expect(compileLinearPattern('a\\.b').test('axb')).toBe(false);
    expect(compileLinearPattern('\\(æ¡æ').test('<span>(æ¡æ')).toBe(true);
  });

  it('answers exactly as RegExp on generated patterns and texts', () => {
    const piece = fc.constantFrom('a', 'b', 'ab', 'A', '.', '.*', '.+', '\\.', 'é', '{', '}');
    const pattern = fc.array(piece, { minLength: 1, maxLength: 6 }).map((p) => p.join(''));
    const flags = fc.constantFrom('', '(?i)', '(?s)', '(?is)');
    const text = fc.array(fc.constantFrom('a', 'b', 'A', 'B', '.', '\n', '\r', '\u2028', 'x', 'é', '{', '}'), { maxLength: 24 }).map((t) => t.join(''));
    fc.assert(
      fc.property(flags, pattern, text, (flag, source, body) => {
        const re = new RegExp(source, flag.replace(/[()?]/g, ''));
        expect(compileLinearPattern(flag + source).test(body), `${flag}${source} on ${JSON.stringify(body)}`).toBe(re.test(body));
      }),
      { numRuns: 5000 },
    );
  });

  it('matches each bundled fingerprint on a page that carries it, and not on one that lacks a piece', () => {
    const samples: Record<string, [string, string]> = {
      'If you believe the requested page should not be blocked please.*http://www\\.internet\\.gov\\.sa': [
        'If you believe the requested page should not be blocked please click http://www.internet.gov.sa/x',
        'If you believe the requested page should not be blocked please\nhttp://www.internet.gov.sa/x',
      ],
      '<p>Sorry, but the URL you.* requesting is prohibited!</p>': [
        '<p>Sorry, but the URL you are requesting is prohibited!</p>',
        '<p>Sorry, but the URL you are requesting is allowed!</p>',
      ],
      "You don.t have permission to access.*on this server\\.<P>": [
        "You don't have permission to access /x on this server.<P>",
        "You dont have permission to access /x on this server.<P>",
      ],
    };
    for (const [pattern, [yes, no]] of Object.entries(samples)) {
      expect(bundledRegexps).toContain(pattern);
      const compiled = compileLinearPattern(pattern);
      expect(compiled.test(yes), yes).toBe(true);
      expect(compiled.test(no), no).toBe(false);
      expect(new RegExp(pattern).test(yes)).toBe(true);
    }
  });

  it('takes linear time on bodies built from the patterns\' own pieces (64 KiB each)', () => {
    let worst = 0;
    for (const pattern of bundledRegexps) {
      const compiled = compileLinearPattern(pattern);
      for (const body of adversarialBodies([pattern], 65536)) {
        const start = performance.now();
        compiled.test(body);
        worst = Math.max(worst, performance.now() - start);
      }
    }
    // RegExp needs minutes on the worst of these; the linear matcher about a millisecond.
    expect(worst).toBeLessThan(100);
  });
});
