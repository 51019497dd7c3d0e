import { loadTotals, verdictOf, type Journal } from './journal';
import { detect, inject, recover, rollback } from './phases/fault';
import { preflight } from './phases/preflight';
import { steadyState } from './phases/steady-state';
import { Run, type RunnerOptions } from './run';
import type { Scenario } from './scenario';

export type { Journal } from './journal';
export type { RunnerOptions } from './run';
export { safetyExpirySeconds } from './phases/fault';

/**
 * Runs one scenario end to end: preflight -> steady state -> inject -> detect -> rollback (always,
 * once anything was injected or the run aborted) -> recovery. Never throws for an unmet expectation:
 * the journal says fail.
 */
export async function runScenario(scenario: Scenario, options: RunnerOptions): Promise<Journal> {
  const run = new Run(scenario, options);
  const { journal } = run;
  const onAbort = () => run.log(run.messages.interrupted);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if ((await preflight(run)) && (await steadyState(run))) await detect(run, await inject(run));
  } catch (err) {
    journal.aborted = (err as Error).message;
    run.log(run.messages.aborted(journal.aborted));
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    if (run.injected || journal.aborted) await rollback(run);
  }
  try {
    if (run.injected && !options.signal?.aborted) await recover(run);
  } catch (err) {
    journal.aborted ??= (err as Error).message;
  } finally {
    const load = await run.load?.stop().catch(() => undefined);
    if (load) journal.load = loadTotals(load);
  }
  journal.seconds = run.elapsed();
  journal.verdict = verdictOf(journal);
  return journal;
}
