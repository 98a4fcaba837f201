/**
 * Fuzzy outcome weights, after ooni/data's analysis: every step says how much its observation points
 * to "blocked", "down" (the site is broken for everyone) and "ok". Each weight is 0..1 and together
 * they sum to at most 1: what they leave is plain uncertainty (missing evidence). The verdict takes
 * the deciding step's weights, adjusts them for context (siblings, proxy, missing canaries) and
 * reads the kind and the confidence off them (see decide()).
 */
import type { CensorshipMethod, Evidence } from '../types';

export interface Scores {
  blocked: number;
  down: number;
  ok: number;
}

export const scores = (blocked: number, down: number, ok: number): Scores => ({ blocked, down, ok });

const NO_OPINION: Scores = scores(0, 0, 0);

/** The analysis steps, deepest last as OONI walks them: HTTP > TLS > TCP > DNS. */
export type Step = 'dns' | 'tcp' | 'tls' | 'http';

/** What one step concluded. */
export interface StepResult {
  step: Step;
  /**
   * `none`: nothing observed at this step (or nothing it can judge); `ok`: it worked; `failed`: it
   * failed (blocked or down, the scores say which); `tampered`: an answer came but not the real one.
   */
  status: 'none' | 'ok' | 'failed' | 'tampered';
  scores: Scores;
  /** The censorship method if this step's failure is read as blocking. */
  method?: CensorshipMethod;
  evidence: Evidence[];
  /** The weights rest on an independent control (the test helper), not on DoH or heuristics. */
  controlled: boolean;
}

export const none = (step: Step, evidence: Evidence[] = []): StepResult => ({
  step,
  status: 'none',
  scores: NO_OPINION,
  evidence,
  controlled: false,
});

const clamp = (x: number) => Math.min(1, Math.max(0, x));

/** Scales every weight: missing or noisy evidence makes every outcome less certain. */
export function scale(s: Scores, factor: number): Scores {
  return scores(clamp(s.blocked * factor), clamp(s.down * factor), clamp(s.ok * factor));
}

/** Moves weight between blocked and down (positive: towards blocked), never below 0. */
export function shift(s: Scores, towardsBlocked: number): Scores {
  const moved = towardsBlocked > 0 ? Math.min(towardsBlocked, s.down) : -Math.min(-towardsBlocked, s.blocked);
  return scores(clamp(s.blocked + moved), clamp(s.down - moved), s.ok);
}

export type Outcome = 'blocked' | 'down' | 'ok' | 'undecided';

/**
 * The winning outcome needs at least 0.5 and a 0.1 lead over the runner-up: an even split between
 * "blocked" and "down" is exactly the case where accusing a network would be a guess.
 */
const MIN_WEIGHT = 0.5;
const MIN_LEAD = 0.1;

export function decide(s: Scores): { outcome: Outcome; weight: number } {
  const ranked = (
    [
      ['blocked', s.blocked],
      ['down', s.down],
      ['ok', s.ok],
    ] as const
  )
    .slice()
    .sort((a, b) => b[1] - a[1]);
  const [first, second] = ranked;
  if (first![1] < MIN_WEIGHT - 1e-9 || first![1] - second![1] < MIN_LEAD - 1e-9) {
    return { outcome: 'undecided', weight: first![1] };
  }
  return { outcome: first![0], weight: first![1] };
}

export const round2 = (x: number) => Math.round(clamp(x) * 100) / 100;

/** One vantage's measurement is never proof beyond doubt: confidence stops short of 1. */
const MAX_CONFIDENCE = 0.98;
export const confidenceOf = (x: number) => round2(Math.min(x, MAX_CONFIDENCE));
