import { expect } from 'chai';
import { CASES } from '../../scenarios/cases';
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
