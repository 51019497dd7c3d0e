import { waitUntil, WaitError } from '../../../kit/wait';
import type { Phase, PhaseRecord } from '../journal';
import { formatValue, type Probe } from '../probes';
import { Aborted, type Run } from '../run';
import { PhaseVerdicts, type FaultWindow } from '../verdicts';

/**
 * Polls a phase's probes until every one holds (level probes on consecutive polls, window probes
 * judged once over the window), a window probe fails, or the deadline passes; guards every round.
 */
export async function pollPhase(
  run: Run,
  phase: Phase,
  probes: Probe[],
  deadlineSeconds: number,
  window?: FaultWindow,
): Promise<PhaseRecord> {
  const record = run.open(phase);
  const { mainSignal } = run.scenario;
  const m = run.messages;
  const verdicts = new PhaseVerdicts(
    probes,
    run.profile.consecutivePolls,
    window ?? { fromMs: Date.now(), closesAtMs: Date.now() },
  );
  let lastLine = '';
  const round = async ({ final }: { final: boolean }) => {
    for (const r of await verdicts.poll(run.probes, run.elapsed() - record.startedAt, final, run.elapsed()))
      run.sayResult(phase, r);
    const signalValue = await run.sampleSignal();
    await run.checkGuards();
    const line = m.signalLine(
      m.text(mainSignal.name),
      formatValue(signalValue, mainSignal.unit),
      verdicts.heldCount,
      probes.length,
    );
    if (line !== lastLine) run.say(phase, line);
    lastLine = line;
    return verdicts.allHeld || verdicts.lost;
  };
  try {
    await waitUntil(`the ${phase} probes`, round, {
      timeoutMs: deadlineSeconds * 1000,
      intervalMs: run.profile.pollMs,
      signal: run.options.signal,
      errors: 'throw',
    });
  } catch (err) {
    if (!(err instanceof WaitError)) throw err;
    if (err.kind !== 'timeout') throw new Aborted('interrupted');
  }
  record.probes = verdicts.results();
  for (const r of record.probes.filter((x) => !verdicts.isSettled(x.name))) run.sayResult(phase, r);
  return run.close(record, verdicts.allHeld);
}
