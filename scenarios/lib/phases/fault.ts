import type { Profile } from '../profiles';
import type { Run } from '../run';
import { pollPhase } from './poll';

/** Longer than the fault phase (detection and hold) can last, so only a dead runner ever relies on it. */
export function safetyExpirySeconds(profile: Profile): number {
  return Math.ceil(profile.detectDeadlineSeconds + profile.holdSeconds + profile.expiryMarginSeconds);
}

/**
 * Injects the case's faults with the safety expiry (if this process dies without its rollback, they
 * switch themselves off). A refused injection is recorded and the run goes on: the detection phase
 * then shows what did not happen. Returns when the injection answered.
 */
export async function inject(run: Run): Promise<number> {
  const record = run.open('inject');
  const expiry = safetyExpirySeconds(run.profile);
  const injectedAt = Date.now();
  run.injected = true;
  const answer = await run.faults.inject(run.scenario.faults, expiry);
  run.mark('i');
  record.probes = [{ name: 'POST /api/failures', ok: answer.ok, value: `HTTP ${answer.status}`, expected: 'HTTP 200' }];
  run.close(record, answer.ok);
  run.say('inject', run.messages.injected(JSON.stringify(run.scenario.faults), answer.status, expiry));
  return injectedAt;
}

/** Polls the expectations over the fault window opened after injection; then holds the fault for watchers. */
export async function detect(run: Run, injectedAt: number): Promise<void> {
  const { profile } = run;
  const fromMs = injectedAt + profile.settleSeconds * 1000;
  const record = await pollPhase(run, 'detect', run.scenario.expectations, profile.detectDeadlineSeconds, {
    fromMs,
    closesAtMs: fromMs + profile.faultWindowSeconds * 1000,
  });
  if (record.ok && profile.holdSeconds > 0) {
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
  run.close(record, res.ok);
  run.say('rollback', `POST /api/reset -> HTTP ${res.status}`);
}

/** Still under load (the signals need traffic to move back): the recovery probes must hold again. */
export async function recover(run: Run): Promise<void> {
  await pollPhase(run, 'recovery', run.scenario.recovery, run.profile.recoveryDeadlineSeconds);
}
