import type { FaultChange } from '../../kit/faults';
import type { LoadOptions } from '../../kit/load';
import type { LevelProbe, Probe, Unit } from './probes';
import type { Profile } from './profiles';

/** A workshop case as data: the runner does the rest (hypothesis -> inject -> detect -> rollback -> recover). */
/** The load of a case: bounded by the runner's own deadline. */
export type LoadSpec = Pick<LoadOptions, 'requests' | 'connections' | 'overallRate'>;

export interface Scenario {
  id: number;
  slug: string;
  title: string;
  /** docs/cases file the case follows. */
  doc: string;
  hypothesis: string;
  /** Body of POST /api/failures (the runner adds the safety expiry). */
  faults: FaultChange;
  /** Whose fault API takes `faults`: the API's (default) or the risk service's. */
  target?: 'api' | 'risk';
  load: LoadSpec;
  /** The signal charted at the end. */
  mainSignal: { name: string; expr: string; unit: Unit };
  /** Must hold before anything is injected. */
  steadyState: Probe[];
  /** Must each hold during the fault: level probes on consecutive polls, window probes judged once over the fault window. */
  expectations: Probe[];
  /**
   * Cases that compare the API's resilience policies: the fault stays on while each half sets its
   * policies (POST /api/policies) and must meet its own expectations; `expectations` lists them all.
   */
  halves?: Half[];
  /** Must hold after the rollback. */
  recovery: Probe[];
  /** Stop conditions: if one fails during the run, the runner aborts and rolls back. */
  guards: LevelProbe[];
}

/** Scenarios are built per profile, because probe windows follow the scrape interval. */
export type ScenarioFactory = (profile: Profile, context: { memoryCapBytes?: number }) => Scenario;

/** One half of a case that compares policies under the same fault. */
export interface Half {
  /** e.g. "without policies". */
  name: string;
  /** Body of POST /api/policies for this half (merged over the defaults after a reset). */
  policies: Record<string, unknown>;
  expectations: Probe[];
}

/** A case's halves, and its expectations as the union of theirs (one source for both). */
export function inHalves(halves: Half[]): { halves: Half[]; expectations: Probe[] } {
  return { halves, expectations: halves.flatMap((h) => h.expectations) };
}
