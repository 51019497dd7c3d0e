import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { LATENCY_BUCKETS, METRICS, RISK_METRICS, type MetricSpec } from './catalogue';

export function counter<L extends string>(registry: Registry, s: MetricSpec & { labels: readonly L[] }): Counter<L> {
  return new Counter({ name: s.name, help: s.help, labelNames: s.labels, registers: [registry] });
}

export function gauge<L extends string>(
  registry: Registry,
  s: MetricSpec & { labels: readonly L[] },
  collect?: (this: Gauge<L>) => void,
): Gauge<L> {
  return new Gauge({
    name: s.name,
    help: s.help,
    labelNames: s.labels,
    registers: [registry],
    ...(collect && { collect }),
  });
}

/** Connection pool counts, read at scrape time. */
export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

export function histogram<L extends string>(
  registry: Registry,
  s: MetricSpec & { labels: readonly L[] },
  exemplars = false,
): Histogram<L> {
  return new Histogram({
    name: s.name,
    help: s.help,
    labelNames: s.labels,
    buckets: [...LATENCY_BUCKETS],
    enableExemplars: exemplars,
    registers: [registry],
  });
}

const GAUGES_NAMED_TOTAL = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/** The metrics of the fault engine, on the given registry: any service that mounts the engine has them. */
export function createFaultMetrics(registry: Registry) {
  return {
    faultActive: gauge(registry, METRICS.faultActive),
    faultSetting: gauge(registry, METRICS.faultSetting),
    faultAffectedRequests: counter(registry, METRICS.faultAffectedRequests),
    faultChangesTotal: counter(registry, METRICS.faultChangesTotal),
    faultStateVersion: gauge(registry, METRICS.faultStateVersion),
  };
}

export type FaultMetrics = ReturnType<typeof createFaultMetrics>;

/**
 * Creates every application metric on the given registry (never the global one) plus the Node defaults.
 * `exemplars`: request latency buckets carry a trace id; only worth it when traces are exported
 * (an id no trace backend knows leads nowhere, and keeping it costs per request).
 */
export function createMetrics(
  registry: Registry,
  info: { service: string; version: string; exemplars: boolean; instanceId?: string; staleness?: () => number },
  poolStats?: () => PoolStats,
) {
  // Every series names its replica, so Prometheus tells replicas apart whichever way it discovered them.
  if (info.instanceId) registry.setDefaultLabels({ instance_id: info.instanceId });
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  // Gauges named like counters: promtool flags them, and nothing in the kit reads them.
  for (const name of GAUGES_NAMED_TOTAL) registry.removeSingleMetric(name);
  // prom-client creates exemplar histograms only on an OpenMetrics registry; the renderer picks the format per scrape.
  const anyFormat = registry as Registry<
    typeof Registry.OPENMETRICS_CONTENT_TYPE | typeof Registry.PROMETHEUS_CONTENT_TYPE
  >;
  anyFormat.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  const m = {
    requestsTotal: counter(registry, METRICS.requestsTotal),
    requestLatency: histogram(registry, METRICS.requestLatency, info.exemplars),
    requestsInProgress: gauge(registry, METRICS.requestsInProgress),
    errorsTotal: counter(registry, METRICS.errorsTotal),
    activeTransactions: gauge(registry, METRICS.activeTransactions),
    transfersTotal: counter(registry, METRICS.transfersTotal),
    moneyMovedCents: counter(registry, METRICS.moneyMovedCents),
    dbQueryDuration: histogram(registry, METRICS.dbQueryDuration),
    dbQueryErrors: counter(registry, METRICS.dbQueryErrors),
    dbPoolConnections: gauge(registry, METRICS.dbPoolConnections, function collect() {
      const stats = poolStats?.() ?? { total: 0, idle: 0, waiting: 0 };
      for (const state of ['total', 'idle', 'waiting'] as const) this.set({ state }, stats[state]);
    }),
    appInfo: gauge(registry, METRICS.appInfo),
    ...createFaultMetrics(registry),
    faultLeakedBytes: gauge(registry, METRICS.faultLeakedBytes),
    faultStateStaleness: gauge(registry, METRICS.faultStateStaleness, function collect() {
      this.set(info.staleness?.() ?? 0);
    }),
    dependencyCallDuration: histogram(registry, METRICS.dependencyCallDuration),
    dependencyAttempts: counter(registry, METRICS.dependencyAttempts),
    dependencyBreakerState: gauge(registry, METRICS.dependencyBreakerState),
    dependencyBreakerTransitions: counter(registry, METRICS.dependencyBreakerTransitions),
    dependencyBulkheadRejections: counter(registry, METRICS.dependencyBulkheadRejections),
    dependencyFallbacks: counter(registry, METRICS.dependencyFallbacks),
  };
  anyFormat.setContentType(Registry.PROMETHEUS_CONTENT_TYPE);
  m.appInfo.set({ service: info.service, version: info.version, node_version: process.version }, 1);
  m.activeTransactions.set(0);
  m.requestsInProgress.set(0);
  m.faultLeakedBytes.set(0);
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * The risk service's metrics (plus the Node defaults) on its own registry. Their names differ from the API's,
 * so the API's SLIs (which sum fintech_requests_total over every target) never count the risk service.
 */
export function createRiskMetrics(registry: Registry) {
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  for (const name of GAUGES_NAMED_TOTAL) registry.removeSingleMetric(name);
  const m = {
    requestsTotal: counter(registry, RISK_METRICS.requestsTotal),
    requestLatency: histogram(registry, RISK_METRICS.requestLatency),
    requestsInProgress: gauge(registry, RISK_METRICS.requestsInProgress),
    errorsTotal: counter(registry, RISK_METRICS.errorsTotal),
    decisionsTotal: counter(registry, RISK_METRICS.decisionsTotal),
    dbQueryDuration: histogram(registry, RISK_METRICS.dbQueryDuration),
    dbQueryErrors: counter(registry, RISK_METRICS.dbQueryErrors),
    activeTransactions: gauge(registry, RISK_METRICS.activeTransactions),
  };
  m.requestsInProgress.set(0);
  m.activeTransactions.set(0);
  return m;
}

export type RiskMetrics = ReturnType<typeof createRiskMetrics>;

/** What the request telemetry and the error handler record: the API's and the risk service's metrics both have it. */
export type HttpMetrics = Pick<Metrics, 'requestsTotal' | 'requestLatency' | 'requestsInProgress' | 'errorsTotal'>;
/** What the database layer records. */
export type DatabaseMetrics = Pick<Metrics, 'dbQueryDuration' | 'dbQueryErrors' | 'activeTransactions'>;

/** Metrics whose every call does nothing: for measuring the app without its instrumentation. */
export function createNoopMetrics(): Metrics {
  // A metric, a label child or a timer: every member is a function returning another such object.
  const metric: object = new Proxy(() => undefined, { get: () => noop });
  const noop = () => metric;
  return new Proxy({}, { get: () => metric }) as unknown as Metrics;
}

/**
 * Renders the registry in the format the scraper asked for. prom-client keeps the format on the
 * registry and renames counters in place while rendering OpenMetrics, so renders are serialised
 * and the names restored afterwards; OpenMetrics is the only format that carries exemplars.
 */
export function createMetricsRenderer(promRegistry: Registry) {
  // The registry's declared content type is fixed at creation; this renderer switches it per scrape.
  const registry = promRegistry as Registry<
    typeof Registry.OPENMETRICS_CONTENT_TYPE | typeof Registry.PROMETHEUS_CONTENT_TYPE
  >;
  let queue: Promise<unknown> = Promise.resolve();
  async function render(openMetrics: boolean): Promise<{ contentType: string; body: string }> {
    if (!openMetrics) return { contentType: registry.contentType, body: await registry.metrics() };
    const counters = registry
      .getMetricsAsArray()
      .filter((metric) => (metric as unknown as { type: string }).type === 'counter');
    const names = counters.map((metric) => metric.name);
    registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    try {
      return { contentType: Registry.OPENMETRICS_CONTENT_TYPE, body: await registry.metrics() };
    } finally {
      registry.setContentType(Registry.PROMETHEUS_CONTENT_TYPE);
      counters.forEach((metric, i) => ((metric as { name: string }).name = names[i] as string));
    }
  }
  return (openMetrics: boolean) => {
    const result = queue.then(() => render(openMetrics));
    queue = result.catch(() => undefined);
    return result;
  };
}
