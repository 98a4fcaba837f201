/**
 * Other people's reports as supporting evidence: capped, never a verdict alone, never an outage (or
 * anything else) turned into censorship. Properties over any verdict and any count.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_CONFIDENCE_WITH_REPORTS, MAX_REPORT_SUPPORT, supportedByReports, type ReportSupport } from '../../engine/report-support';
import type { CensorshipMethod, Verdict } from '../../engine/types';

const METHODS: CensorshipMethod[] = ['dns', 'tcp_ip', 'tls', 'http-failure', 'http-diff', 'blockpage', 'http-451', 'interception'];

const verdictArb: fc.Arbitrary<Verdict> = fc
  .record({
    kind: fc.constantFrom('censorship', 'outage', 'local', 'ok', 'unknown' as const),
    method: fc.constantFrom(...METHODS),
    confidence: fc.double({ min: 0, max: 1, noNaN: true }),
    confirmed: fc.boolean(),
  })
  .map(({ kind, method, confidence, confirmed }) => ({
    kind,
    ...(kind === 'censorship' ? { method } : {}),
    ...(kind === 'local' ? { localCause: 'network' as const } : {}),
    confidence,
    confirmed,
    evidence: [],
  }));

const supportArb: fc.Arbitrary<ReportSupport> = fc.record({
  count: fc.oneof(fc.integer({ min: -5, max: 10_000_000 }), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY)),
  method: fc.constantFrom(...METHODS),
  country: fc.constantFrom('RU', 'IR', null),
});

describe('reports as supporting evidence', () => {
  it('never change the kind or the method, never add more than the cap, never make a verdict certain', () => {
    fc.assert(
      fc.property(verdictArb, supportArb, (verdict, support) => {
        const out = supportedByReports(verdict, support);
        expect(out.kind).toBe(verdict.kind);
        expect(out.method).toBe(verdict.method);
        expect(out.localCause).toBe(verdict.localCause);
        expect(out.confirmed).toBe(verdict.confirmed);
        expect(out.confidence).toBeGreaterThanOrEqual(verdict.confidence);
        expect(out.confidence).toBeLessThanOrEqual(verdict.confidence + MAX_REPORT_SUPPORT + 1e-9);
        expect(out.confidence).toBeLessThanOrEqual(Math.max(verdict.confidence, MAX_CONFIDENCE_WITH_REPORTS));
      }),
      { numRuns: 2000 },
    );
  });

  it('leave every verdict but censorship by the same method exactly as it was: an outage stays an outage', () => {
    fc.assert(
      fc.property(verdictArb, supportArb, (verdict, support) => {
        if (verdict.kind === 'censorship' && verdict.method === support.method) return;
        expect(supportedByReports(verdict, support)).toBe(verdict);
      }),
      { numRuns: 2000 },
    );
    const outage: Verdict = { kind: 'outage', confidence: 0.7, confirmed: false, evidence: [] };
    expect(supportedByReports(outage, { count: 1_000_000, method: 'dns', country: 'RU' })).toEqual(outage);
  });

  it('add one evidence item to a matching censorship verdict, more for more reports, within the cap', () => {
    const v: Verdict = { kind: 'censorship', method: 'dns', confidence: 0.6, confirmed: false, evidence: [] };
    const few = supportedByReports(v, { count: 2, method: 'dns', country: 'RU' });
    const many = supportedByReports(v, { count: 5000, method: 'dns', country: 'RU' });
    expect(few.evidence).toEqual([{ code: 'reports_seen', params: { count: 2 } }]);
    expect(few.confidence).toBeGreaterThan(0.6);
    expect(many.confidence).toBeGreaterThan(few.confidence);
    expect(many.confidence).toBeLessThanOrEqual(0.7);
    expect(supportedByReports(v, undefined)).toBe(v);
    expect(supportedByReports(v, { count: 0, method: 'dns', country: null })).toBe(v);
  });
});
