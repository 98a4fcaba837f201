/**
 * Page bodies a censor would write to slow Detour down: built from the fingerprints' own pieces, so
 * every pattern finds its beginnings everywhere and its end nowhere. For `A.*B.*C` that is "ABABAB..."
 * on one line, the body that makes a backtracking engine cubic; for a literal, the literal without its
 * last character, over and over. Used by the unit tests and `npm run bench:hostile`.
 */
import { parseLinearPattern } from '../engine/linear-pattern';

/** The literal pieces of a fingerprint pattern: its segments for a regexp (wildcards as 'x'), else itself. */
export function patternPieces(pattern: string, type = 'regexp'): string[] {
  if (type !== 'regexp') return [pattern];
  try {
    return parseLinearPattern(pattern).segments.map((s) => String.fromCharCode(...s.units.map((u) => u ?? 0x78)));
  } catch {
    return [pattern];
  }
}

function fill(unit: string, size: number): string {
  if (!unit) return '';
  return unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
}

/** Bodies of `size` characters that nearly match each of `patterns` (regexps unless `type` says otherwise). */
export function adversarialBodies(patterns: readonly string[], size: number, type = 'regexp'): string[] {
  const bodies: string[] = [];
  for (const pattern of patterns) {
    const pieces = patternPieces(pattern, type);
    const allButLast = pieces.slice(0, -1).join('');
    const last = pieces[pieces.length - 1] ?? '';
    // Every piece but the last, again and again: each start finds every middle piece and no end.
    if (allButLast) bodies.push(fill(allButLast, size));
    // The whole pattern less its final character.
    bodies.push(fill(allButLast + last.slice(0, -1), size));
    // Its first piece alone: a start at every position.
    bodies.push(fill(pieces[0] ?? pattern, size));
  }
  return bodies.filter(Boolean);
}

/** One body that mixes every pattern's near-miss, for matching all fingerprints at once. */
export function mixedBody(patterns: ReadonlyArray<{ pattern: string; type: string }>, size: number): string {
  const parts = patterns.map(({ pattern, type }) => {
    const pieces = patternPieces(pattern, type);
    return pieces.join('').slice(0, -1);
  });
  return fill(parts.join(''), size);
}
