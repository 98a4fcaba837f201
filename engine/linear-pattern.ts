/**
 * The fingerprints' regular expressions, matched in time linear in the text.
 *
 * Every `regexp` fingerprint OONI publishes is literals joined by `.*` (with the odd single `.`), and
 * the text it runs over is a page body sent by whoever is on the path. A backtracking engine runs
 * `A.*B.*C` in cubic time on a body full of A's and B's: 51 s at 16 KiB in V8, inside the background,
 * on every probe run. So these patterns never reach RegExp. They are parsed into segments (literal
 * characters and single-character wildcards) separated by gaps, and searched the way RE2 would answer
 * them: each segment at its earliest place after the previous one, on one line, each segment's search
 * resuming where it last stopped, so no character is looked at more than once per segment.
 *
 * Supported: literal characters, `\` + punctuation, `.`, `.*`, `.+`, literal `{`/`}`, and the inline
 * flags `(?i)`, `(?s)` and `(?m)` (the build script keeps Python's flags that way). Anything else
 * (classes, groups, alternation, anchors, other quantifiers) is refused at compile time with a reason:
 * the row is skipped, never run by a backtracking engine.
 */

/** One segment: the characters it must match, with `null` where any one character will do. */
interface Segment {
  units: Array<number | null>;
  /** The longest run of literal characters, searched with indexOf, and where it sits in the segment. */
  anchor: string;
  anchorAt: number;
}

export interface LinearPattern {
  readonly source: string;
  /** `(?i)`: the text is compared in lower case. */
  readonly ignoreCase: boolean;
  /** True when the pattern occurs in `text`. `lowered` is `text.toLowerCase()`, if the caller has it. */
  test(text: string, lowered?: string): boolean;
}

export class UnsupportedPattern extends Error {
  override name = 'UnsupportedPattern';
}

const isBreak = (c: number) => c === 10 || c === 13 || c === 0x2028 || c === 0x2029;
const isWordChar = (c: string) => /^[A-Za-z0-9_]$/.test(c);

/** `{` starts a quantifier only as `{n}`, `{n,}` or `{n,m}`; anywhere else JavaScript reads it literally. */
function quantifierAt(pattern: string, at: number): boolean {
  let i = at + 1;
  let digits = 0;
  while (i < pattern.length && pattern.charCodeAt(i) >= 48 && pattern.charCodeAt(i) <= 57) (i++, digits++);
  if (digits === 0) return false;
  if (pattern[i] === ',') {
    i++;
    while (i < pattern.length && pattern.charCodeAt(i) >= 48 && pattern.charCodeAt(i) <= 57) i++;
  }
  return pattern[i] === '}';
}

function segment(units: Array<number | null>): Segment {
  let best = { start: 0, length: 0 };
  let runStart = 0;
  for (let i = 0; i <= units.length; i++) {
    if (i === units.length || units[i] === null) {
      if (i - runStart > best.length) best = { start: runStart, length: i - runStart };
      runStart = i + 1;
    }
  }
  const anchor = String.fromCharCode(...(units.slice(best.start, best.start + best.length) as number[]));
  return { units, anchor, anchorAt: best.start };
}

/** Parses a fingerprint regexp; throws UnsupportedPattern for anything outside the linear subset. */
export function parseLinearPattern(source: string): { segments: Segment[]; ignoreCase: boolean; dotAll: boolean } {
  let pattern = source;
  let ignoreCase = false;
  let dotAll = false;
  const flags = /^\(\?([ims]+)\)/.exec(pattern.slice(0, 10));
  if (flags) {
    ignoreCase = flags[1]!.includes('i');
    dotAll = flags[1]!.includes('s');
    // `m` changes only ^ and $, which are not supported anyway.
    pattern = pattern.slice(flags[0].length);
  }
  const segments: Segment[] = [];
  let units: Array<number | null> = [];
  const endSegment = () => {
    if (units.length > 0) segments.push(segment(units));
    units = [];
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const next = pattern[i + 1];
      if (next === undefined || isWordChar(next)) throw new UnsupportedPattern(`escape \\${next ?? ''} is not supported`);
      units.push(next.charCodeAt(0));
      i++;
    } else if (c === '.') {
      const next = pattern[i + 1];
      if (next === '*' || next === '+') {
        if (next === '+') units.push(null);
        endSegment();
        i++;
      } else {
        units.push(null);
      }
    } else if (c === '{' && quantifierAt(pattern, i)) {
      throw new UnsupportedPattern(`quantifier at ${i} is not supported`);
    } else if ('[]()|?*+^$'.includes(c)) {
      throw new UnsupportedPattern(`"${c}" at ${i} is not supported (only literals, ".", ".*" and ".+")`);
    } else {
      units.push(c.charCodeAt(0));
    }
  }
  endSegment();
  if (ignoreCase) {
    for (const s of segments) {
      s.units = s.units.map((u) => (u === null ? null : String.fromCharCode(u).toLowerCase().charCodeAt(0)));
      Object.assign(s, segment(s.units));
    }
  }
  return { segments, ignoreCase, dotAll };
}

/** The earliest start >= from where `seg` matches `text`, or -1. */
function findSegment(text: string, seg: Segment, from: number, dotAll: boolean): number {
  const { units, anchor, anchorAt } = seg;
  const length = units.length;
  let start = from;
  for (;;) {
    if (anchor.length > 0) {
      const at = text.indexOf(anchor, start + anchorAt);
      if (at < 0) return -1;
      start = at - anchorAt;
    }
    if (start + length > text.length) return -1;
    let ok = true;
    for (let k = 0; k < length; k++) {
      const unit = units[k];
      const c = text.charCodeAt(start + k);
      if (unit === null ? !dotAll && isBreak(c) : c !== unit) {
        ok = false;
        break;
      }
    }
    if (ok) return start;
    start++;
  }
}

/** Compiles a fingerprint regexp into a linear-time matcher; throws UnsupportedPattern. */
export function compileLinearPattern(source: string): LinearPattern {
  const { segments, ignoreCase, dotAll } = parseLinearPattern(source);
  const test = (raw: string, lowered?: string): boolean => {
    const text = ignoreCase ? (lowered ?? raw.toLowerCase()) : raw;
    if (segments.length === 0) return true;
    // Per segment, the last search: from where, and what it found. Every segment's searches start at
    // non-decreasing positions, so a search that found nothing before `found` need not be run again.
    const cache = segments.map(() => ({ from: -1, found: -1 }));
    const next = (i: number, from: number): number => {
      const c = cache[i]!;
      if (c.from >= 0 && from >= c.from && (c.found < 0 || from <= c.found)) return c.found;
      c.from = from;
      c.found = findSegment(text, segments[i]!, from, dotAll);
      return c.found;
    };
    let lineEnd = { from: -1, at: text.length };
    const endOfLine = (from: number): number => {
      if (dotAll) return text.length;
      if (lineEnd.from >= 0 && from >= lineEnd.from && from <= lineEnd.at) return lineEnd.at;
      let at = from;
      while (at < text.length && !isBreak(text.charCodeAt(at))) at++;
      lineEnd = { from, at };
      return at;
    };
    let i = 0;
    let pos = 0;
    let end = text.length;
    for (;;) {
      const at = next(i, pos);
      if (at < 0) return false;
      if (i === 0) {
        end = endOfLine(at);
      } else if (at >= end) {
        // The rest of the pattern is not on this line; a gap never crosses a line break.
        i = 0;
        pos = end + 1;
        continue;
      }
      pos = at + segments[i]!.units.length;
      i++;
      if (i === segments.length) return true;
    }
  };
  return { source, ignoreCase, test };
}
