import { q } from '../lib/queries';
import type { ScenarioFactory } from '../lib/scenario';
import { READS_AND_TRANSFERS, healthyApi, memoryGuard, recovered, windowSeconds } from './common';

/** docs/cases/02_error_rate.md: 30% injected errors read as 30% (not 100%) and fire the error alert. */
export const errorRate: ScenarioFactory = (profile) => ({
  id: 2,
  slug: 'error-rate',
  title: 'Error rate',
  doc: 'docs/cases/02_error_rate.md',
  hypothesis: 'With error_rate 30, the error ratio (sum of 5xx over sum of all requests) reads 30% within three standard deviations, the error alert fires, and the ratio falls back under 1% after the reset.',
  faults: { error_rate: 30 },
  load: {
    connections: 10,
    overallRate: 100,
    requests: READS_AND_TRANSFERS,
  },
  mainSignal: { name: 'error ratio', expr: q.errorRatio(profile.window), unit: 'ratio' },
  steadyState: healthyApi(profile),
  expectations: [
    {
      kind: 'metric',
      name: 'error ratio at the injected 30%',
      expr: q.errorRatio(profile.window),
      unit: 'ratio',
      tolerance: { kind: 'binomial', p: 0.3, sigmas: 3, countExpr: q.requestCount(profile.window), minCount: 200 },
      afterSeconds: windowSeconds(profile),
    },
    { kind: 'alert', name: 'FintechHighErrorRatio fires', alert: 'FintechHighErrorRatio', firing: true },
  ],
  recovery: recovered(profile),
  guards: [memoryGuard],
});
