import { z } from 'zod';
import { FAMILIES } from './incidents';

/** Points of each part of a diagnosis; a wrong family scores nothing and costs PENALTY. */
export const POINTS = { family: 50, scope: 30, start: 20 } as const;
export const PENALTY = 10;
/** A start within this many seconds of the injection counts as right. */
export const START_TOLERANCE_S = 10;

/**
 * What a team submits: a fault family, a scope (a route prefix, "all", "risk-service" or an API replica's id:
 * the game checks it against its own scopes) and when it thinks the incident started.
 */
export const diagnosisSchema = z.strictObject({
  team: z.string().min(1).max(40),
  family: z.enum(FAMILIES),
  scope: z.string().min(1).max(100),
  started_at: z.iso.datetime({ offset: true }),
});
export type Diagnosis = z.output<typeof diagnosisSchema>;

/** The ground truth a diagnosis is compared with. */
export interface Truth {
  family: string;
  scope: string;
  injectedAt: number;
}

/** How a diagnosis scored: which parts were right, and the points (negative for a wrong family). */
export interface Verdict {
  family: boolean;
  scope: boolean;
  start: boolean;
  points: number;
}

/**
 * Scores one diagnosis, sent `answeredAt` (epoch ms), in a round of `roundSeconds`. The right parts' points
 * shrink linearly with the time from injection to the answer, to half at the end of the round.
 */
export function score(d: Diagnosis, truth: Truth, answeredAt: number, roundSeconds: number): Verdict {
  const family = d.family === truth.family;
  const scope = d.scope === truth.scope;
  const start = Math.abs(Date.parse(d.started_at) - truth.injectedAt) <= START_TOLERANCE_S * 1000;
  if (!family) return { family, scope, start, points: -PENALTY };
  const elapsed = Math.max(0, answeredAt - truth.injectedAt) / 1000;
  const speed = Math.max(0.5, 1 - elapsed / (2 * roundSeconds));
  const parts = POINTS.family + (scope ? POINTS.scope : 0) + (start ? POINTS.start : 0);
  return { family, scope, start, points: Math.round(parts * speed) };
}
