import { expect } from 'chai';
import { CASES } from '../../scenarios/cases';
import { expectedAmplification } from '../../scenarios/cases/08-retry-storm';
import { PROFILES } from '../../scenarios/lib/profiles';

describe('the workshop cases (scenarios/cases)', () => {
  for (const profile of Object.values(PROFILES)) {
    for (const [id, factory] of Object.entries(CASES)) {
      it(`case ${id} (${profile.name} profile) has a probe of its own for each fault it injects`, () => {
        const scenario = factory(profile, {});
        const proven = new Set(scenario.expectations.flatMap((p) => (p.proves ? [p.proves] : [])));
        expect([...proven].sort()).to.deep.equal(Object.keys(scenario.faults).sort());
      });
    }
  }
});

describe('case 8 (retry storm): thresholds the retry math supports', () => {
  const scenario = CASES[8]!(PROFILES.fast, {});
  const [aggressive, bounded] = scenario.halves ?? [];
  const bound = (half: typeof aggressive, side: 'min' | 'max') =>
    half?.expectations.flatMap((p) => (p.kind === 'window-metric' ? [p.tolerance[side]] : []))[0];

  it('expects of the aggressive half no more than 1 + p + ... + p^(n-1) at p = 0.5, and more than 1', () => {
    const attempts = aggressive?.policies['retry_max_attempts'] as number;
    const min = bound(aggressive, 'min') as number;
    expect(min).to.be.greaterThan(1).and.below(expectedAmplification(0.5, attempts));
  });

  it('bounds the other half below what its 3 attempts would give without the breaker, so only the breaker can meet it', () => {
    expect(bounded?.policies).to.include({ breaker_enabled: true });
    expect(bound(bounded, 'max')).to.be.below(expectedAmplification(0.5, 3));
  });
});
