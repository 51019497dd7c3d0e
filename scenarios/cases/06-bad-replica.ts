import { q } from '../lib/queries';
import type { ScenarioFactory } from '../lib/scenario';
import {
  LATENCY_SLO_SECONDS,
  READS_AND_TRANSFERS,
  healthyTraffic,
  level,
  memoryGuard,
  recovered,
  windowSeconds,
} from './common';

const REPLICAS = 3;
/** The bad replica: its INSTANCE_ID, which is also its server name in HAProxy. */
export const BAD_REPLICA = 'api-2';
const LATENCY_MS = 800;
const ERROR_PERCENT = 30;
const BAD = `instance_id="${BAD_REPLICA}"`;
const OTHERS = `instance_id!="${BAD_REPLICA}"`;

/** docs/cases/06-bad-replica.md: one replica of three gets latency and errors; HAProxy keeps sending it a third of the traffic. */
export const badReplica: ScenarioFactory = (profile) => ({
  id: 6,
  slug: 'bad-replica',
  title: 'Bad replica',
  doc: 'docs/cases/06-bad-replica.md',
  hypothesis: `With ${LATENCY_MS} ms of latency and ${ERROR_PERCENT}% errors on ${BAD_REPLICA} only (one of ${REPLICAS} replicas behind HAProxy's round robin), ${BAD_REPLICA} answers 500 at ${ERROR_PERCENT}% and slowly, the other two stay fast with no errors, HAProxy counts the 5xx of ${BAD_REPLICA}, and the overall share of 500 answers is a third of ${ERROR_PERCENT}% (each within three standard deviations over the fault window).`,
  faults: { latency_ms: LATENCY_MS, error_rate: ERROR_PERCENT, instances: [BAD_REPLICA] },
  replicas: REPLICAS,
  load: { connections: 20, overallRate: 60, requests: READS_AND_TRANSFERS },
  mainSignal: { name: 'error ratio', expr: q.errorRatio(profile.window), unit: 'ratio' },
  steadyState: [
    level(`${REPLICAS} API replicas up`, q.apiReplicasUp(), 'count', { min: REPLICAS }),
    ...healthyTraffic(profile),
  ],
  expectations: [
    {
      kind: 'share',
      name: `share of HTTP 500 answers on ${BAD_REPLICA} at the injected ${ERROR_PERCENT}%`,
      proves: 'error_rate',
      part: q.requestsAnswered(500, BAD),
      whole: q.requestsAnswered(undefined, BAD),
      p: ERROR_PERCENT / 100,
      sigmas: 3,
      minCount: 100,
    },
    {
      kind: 'metric',
      name: `median latency on ${BAD_REPLICA} at 0.75 s or more`,
      proves: 'latency_ms',
      expr: q.latencyQuantile(0.5, profile.window, BAD),
      unit: 's',
      tolerance: { kind: 'range', min: 0.75 },
      afterSeconds: windowSeconds(profile),
    },
    {
      kind: 'metric',
      name: 'the other replicas: error ratio below 1%',
      proves: 'instances',
      expr: q.errorRatio(profile.window, OTHERS),
      unit: 'ratio',
      tolerance: { kind: 'range', max: 0.01 },
      afterSeconds: windowSeconds(profile),
    },
    {
      kind: 'metric',
      name: 'the other replicas: p99 latency under the SLO',
      proves: 'instances',
      expr: q.latencyQuantile(0.99, profile.window, OTHERS),
      unit: 's',
      tolerance: { kind: 'range', max: LATENCY_SLO_SECONDS },
      afterSeconds: windowSeconds(profile),
    },
    {
      kind: 'share',
      name: `overall share of HTTP 500 answers at a third of ${ERROR_PERCENT}%`,
      proves: 'instances',
      part: q.requestsAnswered(500),
      whole: q.requestsAnswered(),
      p: ERROR_PERCENT / 100 / REPLICAS,
      sigmas: 3,
      minCount: 300,
    },
    level(
      `HAProxy counts 5xx answers from ${BAD_REPLICA}`,
      q.haproxyServerErrors(BAD_REPLICA, profile.window),
      'count',
      {
        min: 0.5,
      },
    ),
  ],
  recovery: recovered(profile),
  guards: [memoryGuard],
});
