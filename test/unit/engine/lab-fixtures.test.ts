/**
 * Golden fixtures recorded from the censorship lab in real Chromium and Firefox
 * (scripts/record-lab-fixtures.ts): the observations the extension stored, and the verdict it reached.
 * The engine must reach that verdict again from those observations alone, and it must be the one
 * the scenario expects, so a change to the engine that alters what a real browser's user is told
 * fails here before it reaches the lab.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classify } from '../../../engine/verdict';
import type { LabFixture } from '../../fixtures/lab/lab-fixture';

const dir = path.resolve(__dirname, '../../fixtures/lab');
const fixtures: LabFixture[] = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as LabFixture);

describe('golden fixtures recorded in the lab', () => {
  it('cover every browser build', () => {
    expect(new Set(fixtures.map((f) => f.target))).toEqual(new Set(['chromium', 'firefox-mv2', 'firefox-mv3']));
    expect(fixtures.length).toBeGreaterThanOrEqual(30);
  });

  it.each(fixtures.map((f) => [`${f.target} ${f.scenario}`, f] as const))('%s: recorded observations give the recorded verdict', (_name, fixture) => {
    // No `now`: the verdict must not depend on when the test runs.
    const verdict = classify(fixture.observations);
    const expected = fixture.expected;
    expect({ kind: verdict.kind, method: verdict.method, localCause: verdict.localCause }).toEqual({
      kind: fixture.verdict.kind,
      method: fixture.verdict.method,
      localCause: fixture.verdict.localCause,
    });
    // A fingerprint ruled a false positive leaves evidence but no kept body: Detour stores page bodies
    // only of confirmed block pages (lib/probe-scheduler.ts), never of what may be the real site.
    const bodiless = !(fixture.observations.http ?? []).some((h) => h.body !== undefined);
    const comparable = (codes: string[]) => (bodiless ? codes.filter((c) => c !== 'blockpage_false_positive') : codes);
    expect(comparable(verdict.evidence.map((e) => e.code))).toEqual(comparable(fixture.verdict.evidence));
    // What the browser's user is told is what the scenario says is right.
    expect(verdict.kind).toBe(expected.kind);
    if (expected.method) expect(verdict.method).toBe(expected.method);
    if (expected.localCause) expect(verdict.localCause).toBe(expected.localCause);
  });
});
