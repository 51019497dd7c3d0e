import type { RequestHandler } from 'express';
import type { Metrics } from '../telemetry/metrics';
import type { Logger } from '../telemetry/logger';
import { currentSpanIds } from '../telemetry/trace-context';
import { methodLabel, routeLabel } from './route-label';

/** Paths whose requests are neither counted nor logged: scrapes would drown the signal. */
const UNOBSERVED = new Set(['/metrics']);

/**
 * Times, counts and logs every request once it is answered (or the client went away),
 * failed and injected-failure requests included; the trace id becomes an exemplar.
 */
export function requestTelemetry(metrics: Metrics, logger: Logger): RequestHandler {
  return (req, res, next) => {
    if (UNOBSERVED.has(req.path)) return next();
    const started = process.hrtime.bigint();
    const ids = currentSpanIds();
    metrics.requestsInProgress.inc();
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      metrics.requestsInProgress.dec();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const method = methodLabel(req);
      const endpoint = routeLabel(req);
      const status = res.writableFinished ? res.statusCode : 499;
      metrics.requestsTotal.inc({ method, endpoint, status: String(status) });
      metrics.requestLatency.observe({
        labels: { method, endpoint },
        value: seconds,
        // prom-client types exemplar labels as the metric's own labels; any label set is valid here.
        ...(ids && { exemplarLabels: { trace_id: ids.trace_id } as Record<string, string> }),
      });
      const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
      logger.log(level, 'request', {
        method: req.method,
        route: endpoint,
        path: req.path,
        status,
        duration_ms: Math.round(seconds * 1e6) / 1e3,
        request_id: res.locals.requestId,
        ...ids,
        ...(res.locals.faults?.length > 0 && { faults: res.locals.faults }),
      });
    };
    res.on('finish', finish);
    res.on('close', finish);
    next();
  };
}
