import { q } from '../lib/queries';
import type { ScenarioFactory } from '../lib/scenario';
import {
  READS_AND_TRANSFERS,
  clientLatency,
  healthyApi,
  injectedErrorShare,
  memoryGuard,
  sleepingInPostgres,
  recovered,
} from './common';

const ALERTS = [
  'FintechHighLatencyP95',
  'FintechHighLatencyP99',
  'FintechHighErrorRatio',
  'FintechSlowDatabaseQueries',
  'FintechChaosFaultActive',
];

/** docs/cases/05-chaos-mix.md: latency, errors and a slow database at once; every matching alert fires together. */
export const chaosMix: ScenarioFactory = (profile) => ({
  id: 5,
  slug: 'chaos-mix',
  title: 'Combined chaos',
  doc: 'docs/cases/05-chaos-mix.md',
  hypothesis:
    'With 800 ms latency, 10% errors and a slow database together, each fault shows on its own: the injected 500s (which never reach the database) take 800 ms, 10% of answers are 500s, PostgreSQL shows sessions sleeping in pg_sleep; the latency, error, database and chaos alerts all fire at the same time, and everything recovers after one reset.',
  faults: { latency_ms: 800, error_rate: 10, db_slow: true },
  load: {
    connections: 30,
    overallRate: 60,
    requests: READS_AND_TRANSFERS,
  },
  mainSignal: { name: 'p99 latency', expr: q.latencyQuantile(0.99, profile.window), unit: 's' },
  steadyState: healthyApi(profile),
  expectations: [
    // The slow database alone also trips the latency alerts and can answer DATABASE_BUSY 503s:
    // these three probes tell each fault apart from the others.
    clientLatency('injected 500s (no database) take the injected 800 ms', 800, { status: 500, minCount: 5 }),
    injectedErrorShare(10, 150),
    sleepingInPostgres,
    ...ALERTS.map((alert) => ({ kind: 'alert' as const, name: `${alert} fires`, alert, firing: true })),
    { kind: 'alerts-together', name: 'all of them firing at once', alerts: ALERTS },
  ],
  recovery: recovered(profile),
  guards: [memoryGuard],
});
