import { expect } from 'chai';
import { DEFAULT_SETTINGS, type SettingKey } from '../../app/faults/catalogue';
import { CASES } from '../../scenarios/cases';
import { PROFILES } from '../../scenarios/lib/profiles';
import { runScenario, type Journal } from '../../scenarios/lib/runner';
import type { Scenario } from '../../scenarios/lib/scenario';
import type { Stack } from '../../stack/stack';

/** The case with one fault set back to its off value: the injection still succeeds, that fault alone is missing. */
export function withoutFault(scenario: Scenario, key: string): Scenario {
  return {
    ...scenario,
    title: `${scenario.title} without ${key}`,
    faults: { ...scenario.faults, [key]: DEFAULT_SETTINGS[key as SettingKey] },
  };
}

/** Every (case, fault) pair: for each case, each key of its payload. */
export function ablations(memoryCapBytes: number): { scenario: Scenario; fault: string }[] {
  return Object.values(CASES).flatMap((factory) => {
    const scenario = factory(PROFILES.fast, { memoryCapBytes });
    return Object.keys(scenario.faults).map((fault) => ({ scenario: withoutFault(scenario, fault), fault }));
  });
}

/**
 * Ablation: each case run with one of its faults removed must fail, and fail on the probes that stand
 * for that fault. Registers its tests on the shared stack of test/e2e/workshop.test.ts.
 */
export function describeAblations(getStack: () => Stack, memoryCapBytes: number): void {
  describe('each fault of a case is needed for its verdict (ablation, fast profile)', function () {
    this.timeout(15 * 60_000);
    const runs = ablations(memoryCapBytes);
    const journals = new Map<string, Journal>();
    const key = (id: number, fault: string) => `${id}/${fault}`;

    before(async () => {
      const stack = getStack();
      for (const { scenario, fault } of runs) {
        const journal = await runScenario(scenario, {
          apiUrl: stack.urls.api,
          riskUrl: stack.urls.risk,
          prometheusUrl: stack.urls.prometheus,
          alertmanagerUrl: stack.urls.alertmanager,
          profile: PROFILES.fast,
        });
        journals.set(key(scenario.id, fault), journal);
        const failed =
          journal.phases
            .find((p) => p.phase === 'detect')
            ?.probes.filter((p) => !p.ok)
            .map((p) => p.name) ?? [];
        process.stdout.write(
          `      ablation: case ${scenario.id} without ${fault} (${journal.seconds.toFixed(0)} s): ${journal.verdict}; failed: ${failed.join('; ')}\n`,
        );
      }
    });

    for (const { scenario, fault } of runs) {
      const own = scenario.expectations.filter((p) => p.proves === fault).map((p) => p.name);
      it(`case ${scenario.id} fails without ${fault}: ${own.join('; ')}`, () => {
        const journal = journals.get(key(scenario.id, fault));
        expect(journal?.verdict).to.equal('fail');
        // The hypothesis held and the injection was accepted: the missing fault is what failed it.
        expect(journal?.phases.find((p) => p.phase === 'steady-state')?.ok, 'steady state').to.equal(true);
        expect(journal?.phases.find((p) => p.phase === 'inject')?.ok, 'injection accepted').to.equal(true);
        const detect = journal?.phases.find((p) => p.phase === 'detect');
        expect(own, `probes that prove ${fault}`).to.not.deep.equal([]);
        expect(
          detect?.probes.filter((p) => own.includes(p.name) && p.ok).map((p) => p.name),
          'own probes that passed anyway',
        ).to.deep.equal([]);
        expect(journal?.phases.find((p) => p.phase === 'rollback')?.ok, 'rolled back').to.equal(true);
      });
    }
  });
}
