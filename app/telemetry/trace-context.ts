import { trace, type Attributes } from '@opentelemetry/api';

/** The active span's trace and span ids, or undefined outside a traced request. */
export function currentSpanIds(): { trace_id: string; span_id: string } | undefined {
  const ctx = trace.getActiveSpan()?.spanContext();
  return ctx && !/^0+$/.test(ctx.traceId) ? { trace_id: ctx.traceId, span_id: ctx.spanId } : undefined;
}

/** The active trace id, or undefined outside a traced request. */
export function currentTraceId(): string | undefined {
  return currentSpanIds()?.trace_id;
}

/** Adds an event to the active span, if any (used to mark faults on traces). */
export function addSpanEvent(name: string, attributes: Attributes): void {
  trace.getActiveSpan()?.addEvent(name, attributes);
}
