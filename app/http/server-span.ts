import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import type { RequestHandler } from 'express';
import { answeredStatus, methodLabel, routeLabel } from './route-label';

/** Scrapes and liveness probes make no spans: one a second each would bury the requests in Jaeger. */
const UNTRACED = new Set(['/metrics', '/livez']);

/**
 * One SERVER span per request, used only when traces are exported (app/telemetry/tracing.ts). Its parent
 * is the incoming W3C traceparent, if any; the rest of the request runs in its context, so query spans,
 * fault events and the ids in log lines find it. Named `METHOD /route/pattern` (the route label the
 * metrics use) once the request closes; a 5xx marks it as an error, and a client that went away before the
 * answer gets 499, as in the metrics and logs. No span per middleware: the request's own timing is enough.
 */
export function serverSpans(): RequestHandler {
  const tracer = trace.getTracer('fintech-chaos-workshop/http');
  return (req, res, next) => {
    if (UNTRACED.has(req.path)) return next();
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const method = methodLabel(req);
    const span = tracer.startSpan(
      method,
      { kind: SpanKind.SERVER, attributes: { [ATTR_HTTP_REQUEST_METHOD]: method, [ATTR_URL_PATH]: req.path } },
      parent,
    );
    res.once('close', () => {
      const route = routeLabel(req);
      const status = answeredStatus(res);
      span.updateName(`${method} ${route}`);
      span.setAttribute(ATTR_HTTP_ROUTE, route);
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
      if (status >= 500) {
        span.setAttribute(ATTR_ERROR_TYPE, String(status));
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
    });
    context.with(trace.setSpan(parent, span), next);
  };
}
