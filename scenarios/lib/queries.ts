import { METRICS, NODE_METRICS, RISK_METRICS } from '../../app/telemetry/catalogue';
import { NOT_CONTROL_PLANE } from '../../app/faults/engine';
import { PROBE_PATHS } from '../../app/http/request-telemetry';
import { HAPROXY_BACKEND } from '../../stack/haproxy';

/**
 * PromQL built from the metric catalogue, so a renamed metric breaks the build, not the workshop.
 * Windows are short because the scenarios run on the fast (1 s scrape) profile; the recording
 * rules and dashboards use 30 s windows for the same expressions.
 */
const CONTROL_PLANE = NOT_CONTROL_PLANE;
const API_JOB = 'job="fintech-api"';
/** From monitoring/postgres-exporter/queries.yml: PostgreSQL's own count of active sessions in pg_sleep. */
const PG_SLEEPING_SESSIONS = 'pg_waiting_sessions_pg_sleep';
/** HAProxy's built-in exporter (2.6): responses per backend server, by status class. */
const HAPROXY_SERVER_RESPONSES = 'haproxy_server_http_responses_total';
/** Leaves out the health probes (see requestsAnswered). */
const NOT_PROBES = `endpoint!~"${PROBE_PATHS.join('|')}"`;
/** Extra label matchers after the control-plane one, e.g. `instance_id="api-2"` for one replica. */
const also = (matchers: string) => (matchers === '' ? '' : `,${matchers}`);

export const q = {
  apiUp: () => `up{${API_JOB}}`,
  /** API processes Prometheus scrapes successfully: 1, or each replica behind HAProxy. */
  apiReplicasUp: () => `count(up{${API_JOB}} == 1)`,
  riskUp: () => 'up{job="risk"}',
  requestRate: (w = '10s') => `sum(rate(${METRICS.requestsTotal.name}{${CONTROL_PLANE}}[${w}]))`,
  /**
   * User requests answered so far (a counter: window probes take its increase), optionally of one status.
   * Probes are left out: HAProxy's health check alone adds a 200 a second to each replica's count.
   */
  requestsAnswered: (status?: number, matchers = '') =>
    `sum(${METRICS.requestsTotal.name}{${status === undefined ? '' : `status="${status}",`}${CONTROL_PLANE},${NOT_PROBES}${also(matchers)}})`,
  /** 5xx share of user requests: sum over sum, never per series; `matchers` narrows it (one replica, the others). */
  errorRatio: (w = '10s', matchers = '') =>
    `(sum(rate(${METRICS.requestsTotal.name}{status=~"5..",${CONTROL_PLANE}${also(matchers)}}[${w}])) or vector(0)) / sum(rate(${METRICS.requestsTotal.name}{${CONTROL_PLANE}${also(matchers)}}[${w}]))`,
  latencyQuantile: (quantile: number, w = '10s', matchers = '') =>
    `histogram_quantile(${quantile}, sum by (le) (rate(${METRICS.requestLatency.name}_bucket{${CONTROL_PLANE}${also(matchers)}}[${w}])))`,
  /** 5xx answers per second HAProxy got from one backend server (a replica, by its INSTANCE_ID). */
  haproxyServerErrors: (server: string, w = '10s') =>
    `sum(rate(${HAPROXY_SERVER_RESPONSES}{proxy="${HAPROXY_BACKEND}",server="${server}",code="5xx"}[${w}]))`,
  dbQueryQuantile: (quantile: number, w = '10s', operation?: string) =>
    `histogram_quantile(${quantile}, sum by (le) (rate(${METRICS.dbQueryDuration.name}_bucket${operation ? `{operation="${operation}"}` : ''}[${w}])))`,
  activeTransactions: () => `max(${METRICS.activeTransactions.name}{${API_JOB}})`,
  maxActiveTransactions: (w = '30s') => `max(max_over_time(${METRICS.activeTransactions.name}{${API_JOB}}[${w}]))`,
  rss: () => `max(${NODE_METRICS.residentMemory}{${API_JOB}})`,
  maxRss: (w = '2m') => `max(max_over_time(${NODE_METRICS.residentMemory}{${API_JOB}}[${w}]))`,
  rssGrowth: (w = '10s') => `max(deriv(${NODE_METRICS.residentMemory}{${API_JOB}}[${w}]))`,
  leakedBytes: () => `max(${METRICS.faultLeakedBytes.name}{${API_JOB}})`,
  /** Bytes per second the leak fault retains: affected requests per second times the configured size. */
  leakRate: (w = '10s') =>
    `sum(rate(${METRICS.faultAffectedRequests.name}{fault="memory_leak"}[${w}])) * max(${METRICS.faultSetting.name}{setting="memory_leak_mb"}) * 1048576`,
  /** Sessions PostgreSQL shows in wait event PgSleep (pg_stat_activity, via postgres_exporter), averaged over the window. */
  pgSleepingSessions: (w: string) => `max(avg_over_time(${PG_SLEEPING_SESSIONS}{job="postgres"}[${w}]))`,
  /** Latency quantile of one route (e.g. the balance reads while transfers wait on the risk service). */
  endpointLatencyQuantile: (quantile: number, endpoint: string, w = '10s') =>
    `histogram_quantile(${quantile}, sum by (le) (rate(${METRICS.requestLatency.name}_bucket{endpoint="${endpoint}"}[${w}])))`,
  requestsInFlight: () => `max(${METRICS.requestsInProgress.name}{${API_JOB}})`,
  /** Calls to the risk service per second (one per scored transfer, whatever the retries). */
  dependencyCallRate: (w = '10s') => `sum(rate(${METRICS.dependencyCallDuration.name}_count[${w}]))`,
  /** Latency quantile of the API's calls to the risk service, retries and waits included. */
  dependencyCallQuantile: (quantile: number, w = '10s') =>
    `histogram_quantile(${quantile}, sum by (le) (rate(${METRICS.dependencyCallDuration.name}_bucket[${w}])))`,
  /** Retries per second the API sends to the risk service. */
  dependencyRetryRate: (w = '10s') => `sum(rate(${METRICS.dependencyAttempts.name}{kind="retry"}[${w}])) or vector(0)`,
  /** Requests the risk service received per call the API made: the retry amplification, counted at the source. */
  dependencyAmplification: (range: string) =>
    `sum(increase(${RISK_METRICS.requestsTotal.name}{endpoint="/api/decisions"}[${range}])) / sum(increase(${METRICS.dependencyCallDuration.name}_count[${range}]))`,
  breakerOpenedWithin: (w = '10s') => `max(max_over_time(${METRICS.dependencyBreakerState.name}{state="open"}[${w}]))`,
  fallbackApprovals: (w = '10s') =>
    `sum(rate(${METRICS.dependencyFallbacks.name}{decision="approved"}[${w}])) or vector(0)`,
  faultActive: (fault: string) => `max(${METRICS.faultActive.name}{fault="${fault}"})`,
  anyFaultActive: () => `max(${METRICS.faultActive.name})`,
} as const;
