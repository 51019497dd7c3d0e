import { FAULT_NAMES, type FaultName, type FaultUpdate } from '../app/faults/catalogue';
import type { FaultChange } from '../kit/faults';
import { NODE_METRICS } from '../app/telemetry/catalogue';
import { q } from '../scenarios/lib/queries';

/** Where an incident acts: one route prefix of the API, every business route ("all"), or the whole risk service. */
export type Scope = 'all' | '/api/transfers' | '/api/balance' | '/api/accounts' | 'risk-service';
export const SCOPES: readonly Scope[] = ['all', '/api/transfers', '/api/balance', '/api/accounts', 'risk-service'];
/** A catalogue incident's scope: a fixed one, or "one-replica": one API replica, drawn per game from those running. */
export type IncidentScope = Scope | 'one-replica';
export { FAULT_NAMES as FAMILIES };

/** A signal that may reveal an incident: a PromQL value and the level above which it shows something wrong. */
export interface Signal {
  name: string;
  expr: string;
  above: number;
  unit: string;
}

/** The main signals of the kit, named as the dashboards name them; every incident lists those expected to show it. */
export const SIGNALS = {
  latencyP99: { name: 'latency p99', expr: q.latencyQuantile(0.99, '10s'), above: 0.25, unit: 's' },
  errorRatio: { name: '5xx ratio', expr: q.errorRatio('10s'), above: 0.02, unit: '' },
  dbQueryP95: { name: 'db query p95', expr: q.dbQueryQuantile(0.95, '10s'), above: 0.1, unit: 's' },
  rssGrowth: { name: 'RSS growth', expr: q.rssGrowth('10s'), above: 2 * 1024 * 1024, unit: 'B/s' },
  riskCallP99: {
    name: 'risk call p99',
    expr: q.dependencyCallQuantile(0.99, '10s'),
    above: 0.25,
    unit: 's',
  },
  riskRetries: { name: 'risk retries', expr: q.dependencyRetryRate('10s'), above: 0.5, unit: '/s' },
  eventLoopLag: {
    name: 'event-loop lag p99',
    expr: `max(${NODE_METRICS.eventLoopLagP99}{job="fintech-api"})`,
    above: 0.1,
    unit: 's',
  },
} as const satisfies Record<string, Signal>;
export type SignalKey = keyof typeof SIGNALS;

/** One change of the incident's faults, `after_s` seconds after it was injected (0: the injection). */
export interface Stage {
  after_s: number;
  faults: Omit<FaultUpdate, 'routes' | 'duration_s' | 'hidden'>;
}

/**
 * A hidden incident: a story, its ground truth (family and scope; the start, and for "one-replica" the
 * replica, are drawn per game) and its stages.
 */
export interface Incident {
  id: string;
  story: string;
  family: FaultName;
  scope: IncidentScope;
  stages: readonly Stage[];
  signals: readonly SignalKey[];
}

const once = (faults: Stage['faults']): Stage[] => [{ after_s: 0, faults }];

/** The game-day catalogue: each incident is one fault family with a scope, as an on-call engineer would meet it. */
export const INCIDENTS: readonly Incident[] = [
  {
    id: 'slow-transfers',
    story: 'Transfers are slow; balance reads are fine.',
    family: 'latency',
    scope: '/api/transfers',
    stages: once({ latency_ms: 700 }),
    signals: ['latencyP99'],
  },
  {
    id: 'balance-503s',
    story: 'About one balance read in five fails with 503.',
    family: 'error_rate',
    scope: '/api/balance',
    stages: once({ error_rate: 20, error_status: 503 }),
    signals: ['errorRatio'],
  },
  {
    id: 'slow-database',
    story: 'The database answers slowly; connections pile up in the pool.',
    family: 'db_slow',
    scope: 'all',
    stages: once({ db_latency_ms: 300 }),
    signals: ['dbQueryP95', 'latencyP99'],
  },
  {
    id: 'slow-leak',
    story: 'Memory creeps up with every request.',
    family: 'memory_leak',
    scope: 'all',
    stages: once({ memory_leak_mb: 1 }),
    signals: ['rssGrowth'],
  },
  {
    id: 'event-loop-stalls',
    story: 'Everything, even liveness, stutters now and then.',
    family: 'cpu_burn',
    scope: '/api/balance',
    stages: once({ cpu_burn_ms: 60 }),
    signals: ['eventLoopLag', 'latencyP99'],
  },
  {
    id: 'transfers-db-down',
    story: 'Transfers fail with "database unavailable"; reads still work.',
    family: 'db_fail',
    scope: '/api/transfers',
    stages: once({ db_fail: true }),
    signals: ['errorRatio'],
  },
  {
    id: 'errors-everywhere',
    story: 'A tenth of all requests fail with 500.',
    family: 'error_rate',
    scope: 'all',
    stages: once({ error_rate: 10 }),
    signals: ['errorRatio'],
  },
  {
    id: 'slow-account-pages',
    story: 'Account pages are slow; transfers are not.',
    family: 'latency',
    scope: '/api/accounts',
    stages: once({ latency_ms: 500, latency_jitter_ms: 200 }),
    signals: ['latencyP99'],
  },
  {
    id: 'slow-transfer-queries',
    story: 'Transfer queries crawl in PostgreSQL; reads are fast.',
    family: 'db_slow',
    scope: '/api/transfers',
    stages: once({ db_latency_ms: 400 }),
    signals: ['dbQueryP95', 'latencyP99'],
  },
  {
    id: 'worsening-latency',
    story: 'Starts mild, then gets much worse.',
    family: 'latency',
    scope: 'all',
    stages: [
      { after_s: 0, faults: { latency_ms: 150 } },
      { after_s: 10, faults: { latency_ms: 900 } },
    ],
    signals: ['latencyP99'],
  },
  {
    id: 'database-outage',
    story: 'Every request that needs the database fails at once.',
    family: 'db_fail',
    scope: 'all',
    stages: once({ db_fail: true }),
    signals: ['errorRatio'],
  },
  {
    id: 'slow-risk',
    story: 'Transfers crawl while every read is fast; the risk checks take their time.',
    family: 'latency',
    scope: 'risk-service',
    stages: once({ latency_ms: 600 }),
    signals: ['riskCallP99', 'latencyP99'],
  },
  {
    id: 'failing-risk',
    story: 'The risk service fails half of its checks; transfers retry, and some give up.',
    family: 'error_rate',
    scope: 'risk-service',
    stages: once({ error_rate: 50, error_status: 503 }),
    signals: ['riskRetries'],
  },
  {
    id: 'slow-replica',
    story: 'Some requests are slow, others fast, on every route alike.',
    family: 'latency',
    scope: 'one-replica',
    stages: once({ latency_ms: 600 }),
    signals: ['latencyP99'],
  },
  {
    id: 'failing-replica',
    story: 'A share of all requests fails with 502, whatever the route.',
    family: 'error_rate',
    scope: 'one-replica',
    stages: once({ error_rate: 60, error_status: 502 }),
    signals: ['errorRatio'],
  },
];

/** What the running stack offers the draw: the API replicas' ids (GET /api/failures store.replicas) and the risk service. */
export interface StackShape {
  replicas: readonly string[];
  risk: boolean;
}

/** Which service's fault API injects an incident. */
export const serviceOf = (incident: Incident): 'api' | 'risk' => (incident.scope === 'risk-service' ? 'risk' : 'api');

/** Why an incident cannot be played on this stack, or undefined when it can. */
export function unplayable(incident: Incident, stack: StackShape): string | undefined {
  if (incident.scope === 'one-replica' && stack.replicas.length < 2)
    return `needs several API replicas (${stack.replicas.length} runs; make up REPLICAS=3)`;
  if (incident.scope === 'risk-service' && !stack.risk)
    return 'needs the risk service (its fault API did not answer GET /api/failures at RISK_URL with the token)';
  return undefined;
}

/**
 * The fault change of one stage: its faults, the incident's scope (a route, or the drawn replica for
 * "one-replica"), and masking (the kit's client adds the expiry).
 */
export function injection(incident: Incident, stage: Stage, instance?: string): FaultChange {
  if (incident.scope === 'one-replica' && instance === undefined) throw new Error(`${incident.id} needs a replica`);
  return {
    ...stage.faults,
    ...(incident.scope.startsWith('/') && { routes: [incident.scope] }),
    ...(incident.scope === 'one-replica' && { instances: [instance as string] }),
    hidden: true,
  };
}
