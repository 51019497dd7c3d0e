import { startLoad } from '../../../kit/load';
import type { Probe } from '../probes';
import type { Run } from '../run';
import type { Scenario } from '../scenario';
import { pollPhase } from './poll';

/** Resets, starts the load, and checks the hypothesis under baseline traffic; true when it holds. */
export async function steadyState(run: Run): Promise<boolean> {
  const { scenario, profile } = run;
  await run.faults.reset();
  if (scenario.halves) await run.api.setPolicies();
  run.load = startLoad({ url: run.options.apiUrl, ...scenario.load, seconds: loadSeconds(run) });
  run.say(
    'steady-state',
    run.messages.load(scenario.load.connections, scenario.load.overallRate, profile.baselineSeconds),
  );
  await run.sampleFor(profile.baselineSeconds);
  const steady = await pollPhase(
    run,
    'steady-state',
    [...scenario.steadyState, ...quietAlerts(scenario)],
    profile.steadyDeadlineSeconds,
  );
  if (!steady.ok) steady.note = 'the steady-state hypothesis does not hold: nothing was injected';
  return steady.ok;
}

/** The load outlasts every phase that needs it (the runner stops it at the end). */
function loadSeconds(run: Run): number {
  const p = run.profile;
  return Math.ceil(
    p.baselineSeconds +
      p.steadyDeadlineSeconds +
      p.detectDeadlineSeconds * Math.max(1, run.scenario.halves?.length ?? 0) +
      p.holdSeconds +
      p.recoveryDeadlineSeconds +
      10,
  );
}

/** Part of every hypothesis: the alerts the case expects are not firing before the fault. */
function quietAlerts(scenario: Scenario): Probe[] {
  const names = new Set(
    scenario.expectations.flatMap((p) =>
      p.kind === 'alert' ? [p.alert] : p.kind === 'alerts-together' ? p.alerts : [],
    ),
  );
  return [...names].map((alert) => ({ kind: 'alert', name: `${alert} not firing`, alert, firing: false }));
}
