import type { RequestHandler } from 'express';
import type { Counter, Histogram } from 'prom-client';
import type { HttpMetrics } from '../telemetry/metrics';
import { writeLine, type Logger } from '../telemetry/logger';
import { activeSpanIds, requestTraceIds, type TraceIds } from '../telemetry/trace-context';
import { requestOf } from './request-context';
import { answeredStatus, methodLabel, routeLabel } from './route-label';

/** Paths whose requests are neither counted nor logged: scrapes would drown the signal. */
const UNOBSERVED = new Set(['/metrics']);
/**
 * Probes are counted and timed but not logged: an orchestrator's probe every second is not user traffic.
 * The scenarios' share verdicts leave them out too (a load balancer's health check is a 200 a second).
 */
export const PROBE_PATHS: readonly string[] = ['/livez', '/health', '/healthz'];
const UNLOGGED = new Set(PROBE_PATHS);

/**
 * Times, counts and logs every request once it is answered (or the client went away), failed and
 * injected-failure requests included. With `exemplars` (traces exported) the trace id of the
 * request's span becomes an exemplar of its latency bucket; with `traced` (spans exported, no exemplars) the log
 * line still carries the span's ids.
 */
export function requestTelemetry(
  metrics: HttpMetrics,
  logger: Logger,
  options: { exemplars: boolean; traced?: boolean },
): RequestHandler {
  const record = recorder(metrics, options.exemplars);
  return (req, res, next) => {
    // Read once: Express parses the URL on every read of req.path.
    const path = req.path;
    if (UNOBSERVED.has(path)) return next();
    // performance.now() is a double; hrtime.bigint() allocates a BigInt per read.
    const started = performance.now();
    // Taken now: the 'close' event does not run in the request's context.
    const spanIds = options.exemplars || options.traced ? activeSpanIds() : undefined;
    const request = requestOf(res);
    metrics.requestsInProgress.inc();
    // 'close' comes once per response: a plain listener spares once()'s wrapper and its removal.
    res.on('close', () => {
      metrics.requestsInProgress.dec();
      const seconds = (performance.now() - started) / 1e3;
      const endpoint = routeLabel(req);
      const status = answeredStatus(res);
      record(methodLabel(req), endpoint, status, seconds, spanIds);
      const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
      if (UNLOGGED.has(path) || !logger.isLevelEnabled(level)) return;
      const ids = spanIds ?? (request && requestTraceIds(request));
      const faults = res.locals.faults as readonly string[] | undefined;
      writeLine(logger, level, 'request', {
        method: req.method,
        route: endpoint,
        path,
        status,
        duration_ms: Math.round(seconds * 1e6) / 1e3,
        request_id: res.locals.requestId as string | undefined,
        trace_id: ids?.trace_id,
        span_id: ids?.span_id,
        ...(faults && faults.length > 0 && { faults }),
      });
    });
    next();
  };
}

/** Counts and times a request through label children made once per label set (method and route are bounded). */
function recorder(metrics: HttpMetrics, exemplars: boolean) {
  const counts = new Map<string, Counter.Internal>();
  const latencies = new Map<string, Histogram.Internal<string>>();
  return (method: string, endpoint: string, status: number, seconds: number, ids: TraceIds | undefined) => {
    const route = `${method} ${endpoint}`;
    const countKey = `${route} ${status}`;
    let count = counts.get(countKey);
    if (!count)
      counts.set(countKey, (count = metrics.requestsTotal.labels({ method, endpoint, status: String(status) })));
    count.inc();
    if (exemplars && ids) {
      // prom-client types exemplar labels as the metric's own labels; any label set is valid here.
      metrics.requestLatency.observe({
        labels: { method, endpoint },
        value: seconds,
        exemplarLabels: { trace_id: ids.trace_id } as Record<string, string>,
      });
      return;
    }
    let latency = latencies.get(route);
    if (!latency) latencies.set(route, (latency = metrics.requestLatency.labels({ method, endpoint })));
    latency.observe(seconds);
  };
}
