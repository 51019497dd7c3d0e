import type { LoadResult } from '../../kit/load';
import type { Point } from './chart';
import type { ProbeResult } from './probes';
import type { Profile } from './profiles';
import type { Scenario } from './scenario';

export type Phase = 'preflight' | 'steady-state' | 'inject' | 'detect' | 'rollback' | 'recovery';

/** A run passes only when each of these phases held. */
export const REQUIRED_PHASES: readonly Phase[] = [
  'preflight',
  'steady-state',
  'inject',
  'detect',
  'rollback',
  'recovery',
];

export interface PhaseRecord {
  phase: Phase;
  ok: boolean;
  startedAt: number;
  seconds: number;
  probes: (ProbeResult & { heldAt?: number })[];
  note?: string;
}

/** What the load generator totalled over the run. */
export interface LoadTotals {
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  p99Ms: number;
}

/** Everything a run did and saw: written as JSON and Markdown under reports/. */
export interface Journal {
  scenario: { id: number; slug: string; title: string; hypothesis: string; faults: Record<string, unknown> };
  profile: string;
  startedAt: string;
  seconds: number;
  verdict: 'pass' | 'fail';
  aborted?: string;
  phases: PhaseRecord[];
  load?: LoadTotals;
  signal: { name: string; unit: string; points: Point[]; marks: { t: number; label: string }[] };
}

export function newJournal(scenario: Scenario, profile: Profile, startedMs: number): Journal {
  return {
    scenario: {
      id: scenario.id,
      slug: scenario.slug,
      title: scenario.title,
      hypothesis: scenario.hypothesis,
      faults: scenario.faults,
    },
    profile: profile.name,
    startedAt: new Date(startedMs).toISOString(),
    seconds: 0,
    verdict: 'fail',
    phases: [],
    signal: { name: scenario.mainSignal.name, unit: scenario.mainSignal.unit, points: [], marks: [] },
  };
}

/** The verdict rule: pass when nothing aborted the run and every required phase held; anything else fails. */
export function verdictOf(journal: Journal): 'pass' | 'fail' {
  // every record of the phase: a case in halves has one detect record per half
  const held = (p: Phase) => {
    const records = journal.phases.filter((r) => r.phase === p);
    return records.length > 0 && records.every((r) => r.ok);
  };
  return !journal.aborted && REQUIRED_PHASES.every(held) ? 'pass' : 'fail';
}

export function loadTotals(r: LoadResult): LoadTotals {
  return {
    requests: r.responses,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    p99Ms: Math.round(r.p99Ms),
  };
}
