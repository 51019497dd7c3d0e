import { randomUUID } from 'node:crypto';
import { isSpanContextValid, trace, type Attributes } from '@opentelemetry/api';
import type { Response } from 'express';
import { currentRequest, requestOf, type RequestContext } from '../http/request-context';

/** The ids a log line, an error body and an exemplar carry. */
export interface TraceIds {
  trace_id: string;
  span_id: string;
}

/** The active span's ids, when traces are exported and a span is active. */
export function activeSpanIds(): TraceIds | undefined {
  const ctx = trace.getActiveSpan()?.spanContext();
  return ctx && isSpanContextValid(ctx) ? { trace_id: ctx.traceId, span_id: ctx.spanId } : undefined;
}

/**
 * The active span's trace and span ids when traces are exported. Otherwise no span exists (see
 * tracing.ts): the request gets ids of its own, made on first use, so logs and error bodies still
 * carry one trace id per request. Undefined outside a request, or where its context is not propagated.
 */
export function currentSpanIds(): TraceIds | undefined {
  const request = currentRequest();
  return activeSpanIds() ?? (request && requestTraceIds(request));
}

/** The same ids, found from the response where the request's context is not propagated. */
export function responseSpanIds(res: Response): TraceIds | undefined {
  const request = requestOf(res);
  return activeSpanIds() ?? (request && requestTraceIds(request));
}

/**
 * The ids of a request that has no exported span, made on first use and then kept. A request id the
 * app made is a random UUID already: its 32 hex digits become the trace id, without a second draw
 * (a client's X-Request-Id can be anything, so that request gets a UUID of its own).
 */
export function requestTraceIds(request: RequestContext): TraceIds {
  if (!request.traceIds) {
    // randomUUID draws from a cached entropy pool; randomBytes would make a system call per request.
    const uuid = request.ownId ? request.requestId : randomUUID();
    // xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx without its dashes.
    const hex = uuid.slice(0, 8) + uuid.slice(9, 13) + uuid.slice(14, 18) + uuid.slice(19, 23) + uuid.slice(24);
    request.traceIds = { trace_id: hex, span_id: hex.slice(16) };
  }
  return request.traceIds;
}

/** Adds an event to the active span, if any (used to mark faults on traces). */
export function addSpanEvent(name: string, attributes: Attributes): void {
  trace.getActiveSpan()?.addEvent(name, attributes);
}
