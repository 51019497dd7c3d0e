/**
 * The metric catalogue: every metric name, type, label set and meaning, declared once.
 * The app registers metrics from here; scenarios, tests and the docs build PromQL from the
 * same names, so a rename breaks the build instead of the workshop. docs/monitoring.md mirrors it.
 */

/** Histogram buckets (seconds) for request and query latency: a few ms up to 10 s; 1.05 and 2.1 close the 5% precision band above the 1 s and 2 s delays the cases inject. */
export const LATENCY_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.05, 1.5, 2, 2.1, 2.5, 3, 5, 10,
] as const;

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricSpec {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  readonly labels: readonly string[];
}

function spec<const L extends readonly string[]>(
  name: string,
  type: MetricType,
  help: string,
  labels: L,
): { readonly name: string; readonly type: MetricType; readonly help: string; readonly labels: L } {
  return { name, type, help, labels };
}

/** Application metrics. Node/process defaults (prom-client collectDefaultMetrics) are listed in NODE_METRICS. */
export const METRICS = {
  requestsTotal: spec(
    'fintech_requests_total',
    'counter',
    'HTTP requests answered, by method, route template and status code. Scrapes of /metrics are not counted.',
    ['method', 'endpoint', 'status'],
  ),
  requestLatency: spec(
    'fintech_request_latency_seconds',
    'histogram',
    'HTTP request duration in seconds, failed and injected-failure requests included.',
    ['method', 'endpoint'],
  ),
  requestsInProgress: spec(
    'fintech_requests_in_progress',
    'gauge',
    'HTTP requests currently being handled (scrapes of /metrics excluded).',
    [],
  ),
  errorsTotal: spec(
    'fintech_errors_total',
    'counter',
    'Error responses by catalogue code (FAULT_INJECTED marks injected failures) and status.',
    ['code', 'status'],
  ),
  activeTransactions: spec(
    'fintech_active_transactions',
    'gauge',
    'Database transactions in flight (BEGIN issued, COMMIT/ROLLBACK not yet done).',
    [],
  ),
  transfersTotal: spec(
    'fintech_transfers_total',
    'counter',
    'Transfer attempts by outcome: completed, replayed, insufficient_funds, rejected, failed.',
    ['outcome'],
  ),
  moneyMovedCents: spec(
    'fintech_money_moved_cents_total',
    'counter',
    'Money moved by completed transfers, in minor units (cents), by currency.',
    ['currency'],
  ),
  dbQueryDuration: spec(
    'fintech_db_query_duration_seconds',
    'histogram',
    'Database query duration in seconds by logical operation, including time spent waiting in PostgreSQL.',
    ['operation'],
  ),
  dbQueryErrors: spec(
    'fintech_db_query_errors_total',
    'counter',
    'Database queries that failed, by logical operation.',
    ['operation'],
  ),
  dbPoolConnections: spec(
    'fintech_db_pool_connections',
    'gauge',
    'Connection pool: total open connections, idle ones, and clients waiting for a connection.',
    ['state'],
  ),
  appInfo: spec('app_info', 'gauge', 'Always 1; labels carry the service name, version and Node version.', [
    'service',
    'version',
    'node_version',
  ]),
  faultActive: spec(
    'fintech_fault_active',
    'gauge',
    '1 while the named fault is active, 0 otherwise (one series per known fault).',
    ['fault'],
  ),
  faultSetting: spec(
    'fintech_fault_setting',
    'gauge',
    'Current numeric value of each fault setting (booleans as 0/1; 0 when reset).',
    ['setting'],
  ),
  faultAffectedRequests: spec(
    'fintech_fault_affected_requests_total',
    'counter',
    'Requests (or, for database faults, queries) that a fault acted on, by fault.',
    ['fault'],
  ),
  faultLeakedBytes: spec(
    'fintech_fault_leaked_bytes',
    'gauge',
    'Bytes currently retained by the memory-leak fault (released on reset).',
    [],
  ),
  faultChangesTotal: spec(
    'fintech_fault_changes_total',
    'counter',
    'Changes to the fault configuration, by action: update, reset, expire.',
    ['action'],
  ),
  faultStateVersion: spec(
    'fintech_fault_state_version',
    'gauge',
    'Version of the fault state this replica applies; it only grows, and every replica reaches the same one.',
    [],
  ),
  faultStateStaleness: spec(
    'fintech_fault_state_staleness_seconds',
    'gauge',
    'Seconds since this replica last confirmed its fault state against the shared store (0 for the in-memory store).',
    [],
  ),
  dependencyCallDuration: spec(
    'fintech_dependency_call_duration_seconds',
    'histogram',
    'Calls to a dependency (the risk service), retries and waits included, by outcome: approved, declined, fallback_approved, unavailable, timeout, bad_response, breaker_open, bulkhead_full, conflict.',
    ['dependency', 'outcome'],
  ),
  dependencyAttempts: spec(
    'fintech_dependency_attempts_total',
    'counter',
    'HTTP requests sent to a dependency, by kind: first (one per call) or retry.',
    ['dependency', 'kind'],
  ),
  dependencyBreakerState: spec(
    'fintech_dependency_breaker_state',
    'gauge',
    "1 for the circuit breaker's current state (closed, open, half_open), 0 for the others; all 0 while the breaker is off.",
    ['dependency', 'state'],
  ),
  dependencyBreakerTransitions: spec(
    'fintech_dependency_breaker_transitions_total',
    'counter',
    'Circuit breaker state changes, by the state entered.',
    ['dependency', 'state'],
  ),
  dependencyBulkheadRejections: spec(
    'fintech_dependency_bulkhead_rejections_total',
    'counter',
    'Calls refused at once because the bulkhead and its queue were full.',
    ['dependency'],
  ),
  dependencyFallbacks: spec(
    'fintech_dependency_fallbacks_total',
    'counter',
    'Failed dependency calls answered by the fallback, by decision: approved (below the limit) or refused (fail closed).',
    ['dependency', 'decision'],
  ),
} as const;

/** The risk service's own metrics (risk/); its fault engine adds the fintech_fault_* series. */
export const RISK_METRICS = {
  requestsTotal: spec(
    'risk_requests_total',
    'counter',
    'HTTP requests the risk service answered, by method, route template and status code (scrapes excluded).',
    ['method', 'endpoint', 'status'],
  ),
  requestLatency: spec(
    'risk_request_latency_seconds',
    'histogram',
    'HTTP request duration in the risk service, seconds, injected latency included.',
    ['method', 'endpoint'],
  ),
  requestsInProgress: spec(
    'risk_requests_in_progress',
    'gauge',
    'HTTP requests the risk service is handling now (scrapes excluded).',
    [],
  ),
  errorsTotal: spec('risk_errors_total', 'counter', 'Risk service error responses by catalogue code and status.', [
    'code',
    'status',
  ]),
  decisionsTotal: spec(
    'risk_decisions_total',
    'counter',
    'Scoring answers by decision (approve, decline) and whether the key already had one (replayed true/false).',
    ['decision', 'replayed'],
  ),
  dbQueryDuration: spec(
    'risk_db_query_duration_seconds',
    'histogram',
    'Risk service database query duration in seconds, by logical operation.',
    ['operation'],
  ),
  dbQueryErrors: spec('risk_db_query_errors_total', 'counter', 'Risk service database queries that failed.', [
    'operation',
  ]),
  activeTransactions: spec('risk_active_transactions', 'gauge', 'Risk service database transactions in flight.', []),
} as const;

/** prom-client default metrics that the rules, dashboards and scenarios rely on. */
export const NODE_METRICS = {
  residentMemory: 'process_resident_memory_bytes',
  cpuSeconds: 'process_cpu_seconds_total',
  heapUsed: 'nodejs_heap_size_used_bytes',
  heapTotal: 'nodejs_heap_size_total_bytes',
  externalMemory: 'nodejs_external_memory_bytes',
  eventLoopLag: 'nodejs_eventloop_lag_seconds',
  eventLoopLagP99: 'nodejs_eventloop_lag_p99_seconds',
  gcDuration: 'nodejs_gc_duration_seconds',
  startTime: 'process_start_time_seconds',
} as const;

/** Values of the `endpoint` label that are not route templates. */
export const ENDPOINT_UNMATCHED = 'unmatched';
