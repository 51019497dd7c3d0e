import { q } from '../lib/queries';
import type { ScenarioFactory } from '../lib/scenario';
import { READS_AND_TRANSFERS, clientLatency, healthyApi, memoryGuard, recovered, windowSeconds } from './common';

const LATENCY_MS = 2000;

/** docs/cases/01-latency.md: 2 s of injected latency shows in p95/p99 and fires the latency alerts. */
export const latency: ScenarioFactory = (profile) => ({
  id: 1,
  slug: 'latency',
  title: 'Latency',
  doc: 'docs/cases/01-latency.md',
  hypothesis: `With ${LATENCY_MS} ms injected before every handler, clients wait ${LATENCY_MS} ms (within 5%), the median lands in the (2, 2.1] s bucket, the latency alerts fire, and p99 returns under the 500 ms SLO after the reset.`,
  faults: { latency_ms: LATENCY_MS },
  load: {
    connections: 20,
    overallRate: 50,
    requests: READS_AND_TRANSFERS,
  },
  mainSignal: { name: 'p99 latency', expr: q.latencyQuantile(0.99, profile.window), unit: 's' },
  steadyState: healthyApi(profile),
  expectations: [
    clientLatency('clients wait the injected 2000 ms', LATENCY_MS, { minCount: 50 }),
    // Requests take 2.00x s: the (2, 2.1] bucket holds them, so a median within 5% of 2 s reads 2.0-2.1.
    // (The median, not p95: a loaded machine pushes a few percent of requests past 2.1 s.)
    {
      kind: 'metric',
      name: 'median latency in the (2, 2.1] s bucket',
      proves: 'latency_ms',
      expr: q.latencyQuantile(0.5, profile.window),
      unit: 's',
      tolerance: { kind: 'range', min: 2, max: 2.1 },
      afterSeconds: windowSeconds(profile),
    },
    {
      kind: 'metric',
      name: 'p99 latency at 2 s or more',
      expr: q.latencyQuantile(0.99, profile.window),
      unit: 's',
      tolerance: { kind: 'range', min: 2, max: 2.5 },
      afterSeconds: windowSeconds(profile),
    },
    { kind: 'alert', name: 'FintechHighLatencyP99 fires', alert: 'FintechHighLatencyP99', firing: true },
    { kind: 'alert', name: 'FintechHighLatencyP95 fires', alert: 'FintechHighLatencyP95', firing: true },
  ],
  recovery: recovered(profile),
  guards: [memoryGuard],
});
