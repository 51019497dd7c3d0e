import { randomUUID } from 'node:crypto';
import type { LoadRequest } from '../../kit/load';
import type {
  ClientLatencyProbe,
  LevelProbe,
  MetricProbe,
  Probe,
  ShareProbe,
  Unit,
  WindowMetricProbe,
} from '../lib/probes';
import type { Profile } from '../lib/profiles';
import { q } from '../lib/queries';

/** The latency SLO the workshop uses: p99 under 500 ms. */
export const LATENCY_SLO_SECONDS = 0.5;

/** A level probe: the query's single value within the range, on consecutive polls. */
export function level(name: string, expr: string, unit: Unit, range: { min?: number; max?: number }): MetricProbe {
  return { kind: 'metric', name, expr, unit, tolerance: { kind: 'range', ...range } };
}

/** Probes every case starts from: the API is scraped, fast, and not failing. */
export function healthyApi(profile: Profile): Probe[] {
  return [
    level('API target up', q.apiUp(), 'count', { min: 1, max: 1 }),
    level('traffic flowing', q.requestRate(profile.window), 'count', { min: 1 }),
    errorRatioBelow1(profile),
    level('p99 latency under the SLO', q.latencyQuantile(0.99, profile.window), 's', { max: LATENCY_SLO_SECONDS }),
  ];
}

/** The 5xx share of user requests under 1%. */
export function errorRatioBelow1(profile: Profile): MetricProbe {
  return level('error ratio below 1%', q.errorRatio(profile.window), 'ratio', { max: 0.01 });
}

/** The API's probes, and the risk service scraped: the cases that break the dependency start from here. */
export function healthyApiAndRisk(profile: Profile): Probe[] {
  return [...healthyApi(profile), level('risk service target up', q.riskUp(), 'count', { min: 1, max: 1 })];
}

/** After rollback: latency and errors back to normal (windows must flush the faulty traffic). */
export function recovered(profile: Profile): Probe[] {
  return [
    level('p99 latency back under the SLO', q.latencyQuantile(0.99, profile.window), 's', { max: LATENCY_SLO_SECONDS }),
    level('error ratio back below 1%', q.errorRatio(profile.window), 'ratio', { max: 0.01 }),
    level('no fault active', q.anyFaultActive(), 'count', { max: 0 }),
  ];
}

/** Judged once over the fault window: the share of user requests answered 500 (what error_rate injects), 3σ around the setting. */
export function injectedErrorShare(percent: number, minCount: number): ShareProbe {
  return {
    kind: 'share',
    name: `share of HTTP 500 answers at the injected ${percent}%`,
    proves: 'error_rate',
    part: q.requestsAnswered(500),
    whole: q.requestsAnswered(),
    p: percent / 100,
    sigmas: 3,
    minCount,
  };
}

/** Judged once over the fault window: the median latency the load generator saw, within 5% or 10 ms of the injected delay. */
export function clientLatency(
  name: string,
  targetMs: number,
  options: { status?: number; minCount: number },
): ClientLatencyProbe {
  return { kind: 'client-latency', name, proves: 'latency_ms', targetMs, ...options };
}

/**
 * Judged once over the fault window: PostgreSQL's own view (pg_stat_activity, wait event PgSleep) shows
 * sessions sleeping inside it, on average at least one; a delay added in Node would show none.
 */
export const sleepingInPostgres: WindowMetricProbe = {
  kind: 'window-metric',
  name: 'PostgreSQL shows sessions sleeping in PgSleep (average over the fault window)',
  proves: 'db_slow',
  expr: (range) => q.pgSleepingSessions(range),
  unit: 'count',
  tolerance: { kind: 'range', min: 1 },
};

/** Stops the run if the API's memory runs away (whatever the case). */
export const memoryGuard: LevelProbe = {
  kind: 'metric',
  name: 'API RSS below 2 GiB',
  expr: `${q.rss()} or vector(0)`,
  unit: 'bytes',
  tolerance: { kind: 'range', max: 2 * 1024 ** 3 },
} satisfies Probe;

/** Seconds after injection before a windowed probe sees only faulty traffic. */
export function windowSeconds(profile: Profile): number {
  return Number.parseInt(profile.window, 10) + 2;
}

/** Reads and writes alternating: the balance of ACC-001 and small transfers between USD accounts. */
export const READS_AND_TRANSFERS: LoadRequest[] = [
  { method: 'GET', path: '/api/balance' },
  { method: 'POST', path: '/api/transfers', body: randomTransfer },
];

const USD_ACCOUNTS = ['ACC-002', 'ACC-003', 'ACC-004', 'ACC-005', 'ACC-006', 'ACC-007', 'ACC-008', 'ACC-010'];

/** A small transfer between two different random USD demo accounts. */
export function randomTransfer(): Record<string, unknown> {
  const from = USD_ACCOUNTS[Math.floor(Math.random() * USD_ACCOUNTS.length)] as string;
  let to = from;
  while (to === from) to = USD_ACCOUNTS[Math.floor(Math.random() * USD_ACCOUNTS.length)] as string;
  return { from_account: from, to_account: to, amount: (1 + Math.floor(Math.random() * 99)) / 100 };
}

/** Small transfers, each with a fresh Idempotency-Key: the API retries only calls that carry one. */
export const KEYED_TRANSFERS: LoadRequest[] = [
  {
    method: 'POST',
    path: '/api/transfers',
    body: randomTransfer,
    headers: () => ({ 'idempotency-key': randomUUID() }),
  },
];
