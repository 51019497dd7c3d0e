import { q } from '../lib/queries';
import type { ScenarioFactory } from '../lib/scenario';
import {
  READS_AND_TRANSFERS,
  healthyApi,
  memoryGuard,
  sleepingInPostgres,
  recovered,
  windowSeconds,
  level,
} from './common';

/** docs/cases/03-slow-database.md: a slow PostgreSQL holds connections; transactions pile up; /livez stays fast. */
export const slowDatabase: ScenarioFactory = (profile) => ({
  id: 3,
  slug: 'slow-database',
  title: 'Slow database',
  doc: 'docs/cases/03-slow-database.md',
  hypothesis:
    "With db_slow (1000 ms inside PostgreSQL per query), PostgreSQL itself shows sessions sleeping in it (pg_stat_activity, wait event PgSleep), a balance read takes the injected 1 s (within 5%) in the database, transfers pile up as open transactions (more than 10 in flight, waiting on the sleeping queries and on each other's row locks), the database alerts fire, and /livez stays fast; all recovers after the reset.",
  faults: { db_slow: true },
  load: {
    // autocannon never runs more connections than overallRate: both must exceed the alert's 10.
    connections: 30,
    overallRate: 30,
    requests: READS_AND_TRANSFERS,
  },
  mainSignal: { name: 'active transactions', expr: q.activeTransactions(), unit: 'count' },
  steadyState: healthyApi(profile),
  expectations: [
    sleepingInPostgres,
    // A single-query read shows the injected delay itself; transfer queries add row-lock waits on top.
    // 1.00x s lands in the (1, 1.05] bucket: a median within 5% of 1 s reads 1.0-1.05.
    {
      kind: 'metric',
      name: 'balance read median in the (1, 1.05] s bucket',
      proves: 'db_slow',
      expr: q.dbQueryQuantile(0.5, profile.window, 'account_get'),
      unit: 's',
      tolerance: { kind: 'range', min: 1, max: 1.05 },
      afterSeconds: windowSeconds(profile),
    },
    {
      kind: 'metric',
      name: 'more than 10 transactions in flight',
      expr: q.maxActiveTransactions(profile.window),
      unit: 'count',
      tolerance: { kind: 'range', min: 11 },
      afterSeconds: windowSeconds(profile),
    },
    {
      kind: 'alert',
      name: 'FintechSlowDatabaseTransactions fires',
      alert: 'FintechSlowDatabaseTransactions',
      firing: true,
    },
    { kind: 'alert', name: 'FintechSlowDatabaseQueries fires', alert: 'FintechSlowDatabaseQueries', firing: true },
    { kind: 'http', name: '/livez stays fast', path: '/livez', status: 200, maxMs: 250 },
  ],
  recovery: [
    ...recovered(profile),
    level('database query p95 back under 100 ms', q.dbQueryQuantile(0.95, profile.window), 's', { max: 0.1 }),
    level('transactions no longer piling up', q.activeTransactions(), 'count', { max: 5 }),
  ],
  guards: [memoryGuard],
});
