import { q } from '../lib/queries';
import type { ScenarioFactory } from '../lib/scenario';
import { READS_AND_TRANSFERS, healthyApi, memoryGuard, recovered, windowSeconds } from './common';

/** docs/cases/01_latency.md: 2 s of injected latency shows in p95/p99 and fires the latency alerts. */
export const latency: ScenarioFactory = (profile) => ({
  id: 1,
  slug: 'latency',
  title: 'Latency',
  doc: 'docs/cases/01_latency.md',
  hypothesis: 'With 2000 ms injected before every handler, p95 and p99 rise to about 2 s, the latency alerts fire, and p99 returns under the 500 ms SLO after the reset.',
  faults: { latency_ms: 2000 },
  load: {
    connections: 20,
    overallRate: 50,
    requests: READS_AND_TRANSFERS,
  },
  mainSignal: { name: 'p99 latency', expr: q.latencyQuantile(0.99, profile.window), unit: 's' },
  steadyState: healthyApi(profile),
  expectations: [
    // Requests take 2.0x s: they land in the (2, 2.5] bucket, which histogram_quantile interpolates within.
    { kind: 'metric', name: 'p95 latency at the injected 2 s', expr: q.latencyQuantile(0.95, profile.window), unit: 's', tolerance: { kind: 'range', min: 1.9, max: 2.5 }, afterSeconds: windowSeconds(profile) },
    { kind: 'metric', name: 'p99 latency at the injected 2 s', expr: q.latencyQuantile(0.99, profile.window), unit: 's', tolerance: { kind: 'range', min: 1.9, max: 2.5 }, afterSeconds: windowSeconds(profile) },
    { kind: 'alert', name: 'FintechHighLatencyP99 fires', alert: 'FintechHighLatencyP99', firing: true },
    { kind: 'alert', name: 'FintechHighLatencyP95 fires', alert: 'FintechHighLatencyP95', firing: true },
  ],
  recovery: recovered(profile),
  guards: [memoryGuard],
});
