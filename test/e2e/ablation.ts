import { expect } from 'chai';
import { DEFAULT_SETTINGS, type SettingKey } from '../../app/faults/catalogue';
import { CASES } from '../../scenarios/cases';
import { PROFILES } from '../../scenarios/lib/profiles';
import { runScenario, type Journal } from '../../scenarios/lib/runner';
import type { Scenario } from '../../scenarios/lib/scenario';
import type { Stack } from '../../stack/stack';

/** A case run with some of its faults set back to their off values; the probes proving those must fail. */
export interface Ablation {
  scenario: Scenario;
  removed: string[];
}

/** The case with faults set back to their off value: the injection still succeeds, those faults alone are missing. */
export function withoutFaults(scenario: Scenario, keys: string[]): Ablation {
  const off = Object.fromEntries(keys.map((key) => [key, DEFAULT_SETTINGS[key as SettingKey]]));
  return {
    scenario: {
      ...scenario,
      title: `${scenario.title} without ${keys.join(' and ')}`,
      faults: { ...scenario.faults, ...off },
    },
    removed: keys,
  };
}

/** Every (case, fault) pair: for each of the cases, each key of its payload removed alone. */
export function ablations(memoryCapBytes: number, ids: readonly number[]): Ablation[] {
  return ids.flatMap((id) => {
    const scenario = CASES[id]!(PROFILES.fast, { memoryCapBytes });
    return Object.keys(scenario.faults).map((fault) => withoutFaults(scenario, [fault]));
  });
}

/**
 * Ablation: each case run with one of its faults removed must fail, and fail on the probes that stand
 * for that fault. Registers its tests on the stack the suite shares (test/e2e/workshop.test.ts, or the
 * replicas of test/e2e/bad-replica.test.ts).
 */
export function describeAblations(getStack: () => Stack, runs: Ablation[]): void {
  describe('each fault of a case is needed for its verdict (ablation, fast profile)', function () {
    this.timeout(15 * 60_000);
    const journals = new Map<string, Journal>();
    const key = (id: number, removed: string[]) => `${id}/${removed.join('+')}`;

    before(async () => {
      const stack = getStack();
      for (const { scenario, removed } of runs) {
        const journal = await runScenario(scenario, {
          apiUrl: stack.urls.api,
          riskUrl: stack.urls.risk,
          prometheusUrl: stack.urls.prometheus,
          alertmanagerUrl: stack.urls.alertmanager,
          profile: PROFILES.fast,
        });
        journals.set(key(scenario.id, removed), journal);
        // Detection failures are the point; any other phase's failure (a starved steady state) is shown whole.
        const failed = journal.phases.flatMap((p) =>
          p.probes
            .filter((r) => !r.ok)
            .map((r) => (p.phase === 'detect' ? r.name : `${p.phase}: ${r.name} = ${r.value}`)),
        );
        process.stdout.write(
          `      ablation: case ${scenario.id} without ${removed.join(' and ')} (${journal.seconds.toFixed(0)} s): ${journal.verdict}; failed: ${failed.join('; ')}\n`,
        );
      }
    });

    for (const { scenario, removed } of runs) {
      const own = scenario.expectations.filter((p) => removed.includes(p.proves ?? '')).map((p) => p.name);
      it(`case ${scenario.id} fails without ${removed.join(' and ')}: ${own.join('; ')}`, () => {
        const journal = journals.get(key(scenario.id, removed));
        expect(journal?.verdict).to.equal('fail');
        // The hypothesis held and the injection was accepted: the missing fault is what failed it.
        expect(journal?.phases.find((p) => p.phase === 'steady-state')?.ok, 'steady state').to.equal(true);
        expect(journal?.phases.find((p) => p.phase === 'inject')?.ok, 'injection accepted').to.equal(true);
        const detect = journal?.phases.find((p) => p.phase === 'detect');
        expect(own, `probes that prove ${removed.join(', ')}`).to.not.deep.equal([]);
        expect(
          detect?.probes.filter((p) => own.includes(p.name) && p.ok).map((p) => p.name),
          'own probes that passed anyway',
        ).to.deep.equal([]);
        expect(journal?.phases.find((p) => p.phase === 'rollback')?.ok, 'rolled back').to.equal(true);
      });
    }
  });
}
