import { q } from '../lib/queries';
import type { ScenarioFactory } from '../lib/scenario';
import { READS_AND_TRANSFERS, healthyApi, injectedErrorShare, memoryGuard, recovered } from './common';

/** docs/cases/02-error-rate.md: 30% injected errors read as 30% (not 100%) and fire the error alert. */
export const errorRate: ScenarioFactory = (profile) => ({
  id: 2,
  slug: 'error-rate',
  title: 'Error rate',
  doc: 'docs/cases/02-error-rate.md',
  hypothesis:
    'With error_rate 30, the share of 500 answers over the whole fault window (counter increases, the real n) is 30% within three standard deviations, the error alert fires, and the error ratio falls back under 1% after the reset.',
  faults: { error_rate: 30 },
  load: {
    connections: 10,
    overallRate: 100,
    requests: READS_AND_TRANSFERS,
  },
  mainSignal: { name: 'error ratio', expr: q.errorRatio(profile.window), unit: 'ratio' },
  steadyState: healthyApi(profile),
  expectations: [
    injectedErrorShare(30, 200),
    { kind: 'alert', name: 'FintechHighErrorRatio fires', alert: 'FintechHighErrorRatio', firing: true },
  ],
  recovery: recovered(profile),
  guards: [memoryGuard],
});
