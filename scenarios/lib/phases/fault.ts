import type { PhaseRecord } from '../journal';
import type { Profile } from '../profiles';
import type { Run } from '../run';
import { pollPhase } from './poll';

/** Longer than the fault phase (detection of each half, and hold) can last, so only a dead runner ever relies on it. */
export function safetyExpirySeconds(profile: Profile, halves = 0): number {
  return Math.ceil(
    profile.detectDeadlineSeconds * Math.max(1, halves) + profile.holdSeconds + profile.expiryMarginSeconds,
  );
}

/**
 * Injects the case's faults with the safety expiry (if this process dies without its rollback, they
 * switch themselves off). A refused injection is recorded and the run goes on: the detection phase
 * then shows what did not happen. Returns when the injection answered.
 */
export async function inject(run: Run): Promise<number> {
  const record = run.open('inject');
  const expiry = safetyExpirySeconds(run.profile, run.scenario.halves?.length);
  const injectedAt = Date.now();
  run.injected = true;
  const answer = await run.faults.inject(run.scenario.faults, expiry);
  run.mark('i');
  record.probes = [{ name: 'POST /api/failures', ok: answer.ok, value: `HTTP ${answer.status}`, expected: 'HTTP 200' }];
  run.close(record, answer.ok);
  run.say('inject', run.messages.injected(JSON.stringify(run.scenario.faults), answer.status, expiry));
  return injectedAt;
}

/**
 * Polls the expectations over the fault window opened after injection (a case in halves: each half's,
 * under its policies, in a window opened when they were set); then holds the fault for watchers.
 */
export async function detect(run: Run, injectedAt: number): Promise<void> {
  const { profile } = run;
  const windowAfter = (from: number) => {
    const fromMs = from + profile.settleSeconds * 1000;
    return { fromMs, closesAtMs: fromMs + profile.faultWindowSeconds * 1000 };
  };
  let record: PhaseRecord | undefined;
  if (!run.scenario.halves)
    record = await pollPhase(
      run,
      'detect',
      run.scenario.expectations,
      profile.detectDeadlineSeconds,
      windowAfter(injectedAt),
    );
  for (const half of run.scenario.halves ?? []) {
    const answer = await run.api.setPolicies(half.policies);
    const setAt = Date.now();
    run.mark('p');
    run.say('detect', run.messages.half(run.messages.text(half.name), JSON.stringify(half.policies), answer.status));
    record = await pollPhase(run, 'detect', half.expectations, profile.detectDeadlineSeconds, windowAfter(setAt));
    record.note = answer.ok ? half.name : `${half.name}: POST /api/policies -> HTTP ${answer.status}`;
    if (!answer.ok) record.ok = false;
    // the verdict is lost already: the next half would only spend its deadline
    if (!record.ok) break;
  }
  if (record?.ok && profile.holdSeconds > 0) {
    run.say('detect', run.messages.holding(profile.holdSeconds));
    await run.sampleFor(profile.holdSeconds);
  }
}

/** Resets every fault: runs whenever something was (or may have been) injected, whatever happened before. */
export async function rollback(run: Run): Promise<void> {
  const record = run.open('rollback');
  const res = await run.faults.reset().catch((e: Error) => ({ ok: false, status: 0, error: e.message }));
  run.mark('r');
  record.probes = [{ name: 'POST /api/reset', ok: res.ok, value: `HTTP ${res.status}`, expected: 'HTTP 200' }];
  if (run.scenario.halves) {
    const policies = await run.api.setPolicies().catch(() => ({ ok: false, status: 0 }));
    record.probes.push({
      name: 'POST /api/policies/reset',
      ok: policies.ok,
      value: `HTTP ${policies.status}`,
      expected: 'HTTP 200',
    });
  }
  run.close(
    record,
    record.probes.every((p) => p.ok),
  );
  run.say('rollback', `POST /api/reset -> HTTP ${res.status}`);
}

/** Still under load (the signals need traffic to move back): the recovery probes must hold again. */
export async function recover(run: Run): Promise<void> {
  await pollPhase(run, 'recovery', run.scenario.recovery, run.profile.recoveryDeadlineSeconds);
}
