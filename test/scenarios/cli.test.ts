import { execFileSync } from 'node:child_process';
import { expect } from 'chai';
import { projectRoot } from '../../app/paths';
import { CASES } from '../../scenarios/cases';
import { PROFILES } from '../../scenarios/lib/profiles';
import { caseIds, parseCliEnv, selectCases, usage } from '../../scenarios/lib/cli-input';
import type { ScenarioFactory } from '../../scenarios/lib/scenario';

const make = (...args: string[]) =>
  execFileSync('make', ['--no-print-directory', ...args], { cwd: projectRoot(), encoding: 'utf8' });

describe('the scenario CLI (scenarios/cli.ts)', () => {
  describe('its environment', () => {
    it('lists every invalid variable at once', () => {
      const parsed = parseCliEnv({ API_URL: 'nope', SCENARIO_PROFILE: 'slow', WORKSHOP_LANG: 'de' });
      expect(parsed).to.have.property('error');
      const lines = 'error' in parsed ? parsed.error.split('\n').slice(1) : [];
      expect(lines.map((l) => l.split(':')[0]?.trim())).to.deep.equal([
        '- API_URL',
        '- SCENARIO_PROFILE',
        '- WORKSHOP_LANG',
      ]);
    });

    it('takes empty values as unset and fills the defaults', () => {
      const parsed = parseCliEnv({ API_URL: '', CHAOS_TOKEN: '', SCENARIO_PROFILE: 'fast' });
      const env = 'env' in parsed ? parsed.env : {};
      expect(env).to.deep.include({
        API_URL: 'http://127.0.0.1:5000',
        PROMETHEUS_URL: 'http://127.0.0.1:9090',
        SCENARIO_PROFILE: 'fast',
      });
      expect(env).not.to.have.property('CHAOS_TOKEN');
    });
  });

  describe('its case list, taken from scenarios/cases', () => {
    const extra: ScenarioFactory = (profile, context) => ({
      ...(CASES[1] as ScenarioFactory)(profile, context),
      id: 6,
      title: 'A sixth case',
    });
    const withSixth = { ...CASES, 6: extra };

    it('offers a case added to scenarios/cases by its number, in `all` and in the usage', () => {
      expect(selectCases('6', withSixth)).to.deep.equal([6]);
      expect(selectCases('all', withSixth)).to.deep.equal([...caseIds(CASES), 6].sort((a, b) => a - b));
      expect(usage(withSixth)).to.include('<1|2|3|4|5|6|7|8|all|list>').and.include('A sixth case');
      expect(selectCases('6', CASES)).to.equal(undefined);
    });

    it('refuses what names no case', () => {
      for (const arg of ['0', '1.0', 'x', '']) expect(selectCases(arg, CASES), arg).to.equal(undefined);
    });

    it('is what `make help` lists, and `make scenario-N` runs case N for any N', () => {
      const help = make('help');
      for (const id of caseIds(CASES)) {
        const title = (CASES[id] as ScenarioFactory)(PROFILES.fast, {}).title;
        expect(help).to.match(new RegExp(`make scenario-${id}\\s+${title}`));
        expect(make('-n', `scenario-${id}`)).to.include(`scenarios/cli.ts ${id}`);
      }
      expect(make('-n', 'scenario-42')).to.include('scenarios/cli.ts 42');
    });
  });
});
