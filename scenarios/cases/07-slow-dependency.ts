import { q } from '../lib/queries';
import { inHalves, type ScenarioFactory } from '../lib/scenario';
import {
  READS_AND_TRANSFERS,
  level,
  clientLatency,
  errorRatioBelow1,
  healthyApiAndRisk,
  memoryGuard,
  recovered,
  windowSeconds,
} from './common';

const LATENCY_MS = 3000;
/** Half B's timeout: far below the injected 3 s, far above a healthy call (a few ms). */
const TIMEOUT_MS = 500;

/** docs/cases/07-slow-dependency.md: a 3 s risk service, first with no policy, then with timeout + breaker + fallback. */
export const slowDependency: ScenarioFactory = (profile) => ({
  id: 7,
  slug: 'slow-dependency',
  title: 'Slow dependency',
  doc: 'docs/cases/07-slow-dependency.md',
  hypothesis: `With ${LATENCY_MS} ms of latency in the risk service and no timeout, every transfer waits ${LATENCY_MS} ms and requests pile up in the API while balance reads stay fast; with a ${TIMEOUT_MS} ms timeout, the breaker and the fallback, transfers answer within 1 s, the breaker opens and small transfers still go through.`,
  faults: { latency_ms: LATENCY_MS },
  target: 'risk',
  load: { connections: 20, overallRate: 50, requests: READS_AND_TRANSFERS },
  mainSignal: {
    name: 'transfer p99 latency',
    expr: q.endpointLatencyQuantile(0.99, '/api/transfers', profile.window),
    unit: 's',
  },
  steadyState: healthyApiAndRisk(profile),
  ...inHalves([
    {
      name: 'without policies',
      policies: { timeout_ms: 0, retry_max_attempts: 1, breaker_enabled: false },
      expectations: [
        clientLatency('transfers wait the injected 3000 ms', LATENCY_MS, { status: 201, minCount: 20 }),
        // Evidence, not proof: a starved machine showed 10 in flight for 3 polls without the fault (ablation run).
        level(
          'requests pile up in the API (15 or more of the 20 connections in flight)',
          q.requestsInFlight(),
          'count',
          {
            min: 15,
          },
        ),
        {
          kind: 'metric',
          name: 'balance reads stay under 0.5 s at p99',
          expr: q.endpointLatencyQuantile(0.99, '/api/balance', profile.window),
          unit: 's',
          tolerance: { kind: 'range', max: 0.5 },
          afterSeconds: windowSeconds(profile),
        },
        { kind: 'alert', name: 'FintechDependencySlow fires', alert: 'FintechDependencySlow', firing: true },
      ],
    },
    {
      name: 'with timeout, breaker and fallback',
      policies: {
        timeout_ms: TIMEOUT_MS,
        retry_max_attempts: 1,
        breaker_enabled: true,
        fallback: 'approve_below_limit',
        fallback_limit_cents: 10_000,
      },
      expectations: [
        {
          kind: 'metric',
          name: 'transfer p99 under 1 s',
          expr: q.endpointLatencyQuantile(0.99, '/api/transfers', profile.window),
          unit: 's',
          tolerance: { kind: 'range', max: 1 },
          afterSeconds: windowSeconds(profile),
        },
        {
          kind: 'metric',
          name: 'the breaker opened',
          proves: 'latency_ms',
          expr: q.breakerOpenedWithin(profile.window),
          unit: 'count',
          tolerance: { kind: 'range', min: 1 },
        },
        {
          kind: 'metric',
          name: 'the fallback approves small transfers',
          expr: q.fallbackApprovals(profile.window),
          unit: 'count',
          tolerance: { kind: 'range', min: 0.5 },
        },
        { ...errorRatioBelow1(profile), afterSeconds: windowSeconds(profile) },
      ],
    },
  ]),
  recovery: recovered(profile),
  guards: [memoryGuard],
});
