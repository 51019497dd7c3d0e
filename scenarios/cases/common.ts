import { randomUUID } from 'node:crypto';
import { randomTransfer, type LoadRequest } from '../lib/load';
import type { ClientLatencyProbe, LevelProbe, Probe, ShareProbe, WindowMetricProbe } from '../lib/probes';
import type { Profile } from '../lib/profiles';
import { q } from '../lib/queries';

/** The latency SLO the workshop uses: p99 under 500 ms. */
export const LATENCY_SLO_SECONDS = 0.5;

/** Probes every case starts from: the API is scraped, fast, and not failing. */
export function healthyApi(profile: Profile): Probe[] {
  return [
    {
      kind: 'metric',
      name: 'API target up',
      expr: q.apiUp(),
      unit: 'count',
      tolerance: { kind: 'range', min: 1, max: 1 },
    },
    {
      kind: 'metric',
      name: 'traffic flowing',
      expr: q.requestRate(profile.window),
      unit: 'count',
      tolerance: { kind: 'range', min: 1 },
    },
    errorRatioBelow1(profile),
    {
      kind: 'metric',
      name: 'p99 latency under the SLO',
      expr: q.latencyQuantile(0.99, profile.window),
      unit: 's',
      tolerance: { kind: 'range', max: LATENCY_SLO_SECONDS },
    },
  ];
}

/** The 5xx share of user requests under 1%. */
export function errorRatioBelow1(profile: Profile, afterSeconds?: number): LevelProbe {
  return {
    kind: 'metric',
    name: 'error ratio below 1%',
    expr: q.errorRatio(profile.window),
    unit: 'ratio',
    tolerance: { kind: 'range', max: 0.01 },
    ...(afterSeconds !== undefined && { afterSeconds }),
  };
}

/** After rollback: latency and errors back to normal (windows must flush the faulty traffic). */
export function recovered(profile: Profile): Probe[] {
  return [
    {
      kind: 'metric',
      name: 'p99 latency back under the SLO',
      expr: q.latencyQuantile(0.99, profile.window),
      unit: 's',
      tolerance: { kind: 'range', max: LATENCY_SLO_SECONDS },
    },
    {
      kind: 'metric',
      name: 'error ratio back below 1%',
      expr: q.errorRatio(profile.window),
      unit: 'ratio',
      tolerance: { kind: 'range', max: 0.01 },
    },
    {
      kind: 'metric',
      name: 'no fault active',
      expr: q.anyFaultActive(),
      unit: 'count',
      tolerance: { kind: 'range', max: 0 },
    },
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

/** The API's probes, and the risk service scraped: the cases that break the dependency start from here. */
export function healthyApiAndRisk(profile: Profile): Probe[] {
  return [
    ...healthyApi(profile),
    {
      kind: 'metric',
      name: 'risk service target up',
      expr: q.riskUp(),
      unit: 'count',
      tolerance: { kind: 'range', min: 1, max: 1 },
    },
  ];
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
