import type { WindowMetricProbe } from '../lib/probes';
import { q } from '../lib/queries';
import { inHalves, type ScenarioFactory } from '../lib/scenario';
import { KEYED_TRANSFERS, healthyApiAndRisk, memoryGuard, recovered } from './common';

const ERROR_PERCENT = 50;
/** Half A: immediate retries, up to this many attempts per call. */
const AGGRESSIVE_ATTEMPTS = 5;
/**
 * Requests the risk service receives per call when each attempt fails with probability p and up to n
 * attempts are made: 1 + p + ... + p^(n-1). At p = 0.5: 1.94 for n = 5, 1.75 for n = 3 (the default).
 */
export function expectedAmplification(p: number, attempts: number): number {
  return (1 - p ** attempts) / (1 - p);
}

/** Judged once over the half's fault window: requests the risk service received per call the API made. */
function amplification(name: string, bounds: { min?: number; max?: number }): WindowMetricProbe {
  return {
    kind: 'window-metric',
    name,
    expr: (range) => q.dependencyAmplification(range),
    unit: 'count',
    tolerance: { kind: 'range', ...bounds },
  };
}

/** docs/cases/08-retry-storm.md: a risk service failing half its calls, first under aggressive retries, then under backoff, jitter and a breaker. */
export const retryStorm: ScenarioFactory = (profile) => ({
  id: 8,
  slug: 'retry-storm',
  title: 'Retry storm',
  doc: 'docs/cases/08-retry-storm.md',
  hypothesis: `With the risk service failing ${ERROR_PERCENT}% of its calls, ${AGGRESSIVE_ATTEMPTS} immediate attempts per call multiply the requests it receives per transfer by about 1.94 (at least 1.75); with exponential backoff, jitter and a circuit breaker the factor stays at 1.5 or below.`,
  faults: { error_rate: ERROR_PERCENT },
  target: 'risk',
  load: { connections: 20, overallRate: 40, requests: KEYED_TRANSFERS },
  mainSignal: { name: 'risk requests per transfer', expr: q.dependencyAmplification(profile.window), unit: 'count' },
  steadyState: healthyApiAndRisk(profile),
  ...inHalves([
    {
      name: 'aggressive retries, no backoff, no breaker',
      policies: { retry_max_attempts: AGGRESSIVE_ATTEMPTS, retry_backoff: 'none', breaker_enabled: false },
      expectations: [
        { ...amplification('risk requests per transfer at least 1.75', { min: 1.75 }), proves: 'error_rate' },
        {
          kind: 'alert',
          name: 'FintechDependencyRetryRatio fires',
          alert: 'FintechDependencyRetryRatio',
          firing: true,
        },
      ],
    },
    {
      name: 'backoff, jitter and the breaker',
      // The default breaker opens above 50% failed attempts: exactly the injected share, a coin toss. 30% opens it.
      policies: { retry_backoff: 'exponential', retry_jitter: true, breaker_enabled: true, breaker_failure_ratio: 0.3 },
      expectations: [
        amplification('risk requests per transfer at most 1.5', { max: 1.5 }),
        {
          kind: 'metric',
          name: 'the breaker opened',
          proves: 'error_rate',
          expr: q.breakerOpenedWithin(profile.window),
          unit: 'count',
          tolerance: { kind: 'range', min: 1 },
        },
      ],
    },
  ]),
  recovery: recovered(profile),
  guards: [memoryGuard],
});
