import { NodeSDK, tracing } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import type { Config } from '../config';

const UNTRACED_PATHS = new Set(['/metrics', '/livez']);

function httpInstrumentation(): HttpInstrumentation {
  return new HttpInstrumentation({
    ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.has((req.url ?? '').split('?')[0] ?? ''),
    // The API makes no outgoing HTTP calls worth a span.
    ignoreOutgoingRequestHook: () => true,
  });
}

/** What server.ts needs to flush spans on shutdown. */
export interface Tracing {
  shutdown(): Promise<void>;
}

/**
 * Starts OpenTelemetry when traces are exported (OTEL_EXPORTER_OTLP_ENDPOINT set): spans over
 * OTLP/HTTP from the http, express (route handlers) and pg (queries inside a request) instrumentations.
 * Must run before express and pg are first required, or their spans vanish. Without an exporter
 * nothing is loaded: no span would be kept, and the instrumentation and its async-hooks context
 * cost about 80 µs per request (docs/performance.md). Requests then get trace ids of their own
 * (trace-context.ts), so logs and error bodies still carry one.
 */
export function startTracing(config: Pick<Config, 'OTEL_EXPORTER_OTLP_ENDPOINT' | 'SERVICE_NAME'>): Tracing {
  const endpoint = config.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint) return { shutdown: async () => {} };
  const sdk = new NodeSDK({
    serviceName: config.SERVICE_NAME,
    spanProcessors: [
      new tracing.BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint.replace(/\/$/, '')}/v1/traces` })),
    ],
    sampler: new tracing.ParentBasedSampler({ root: new tracing.AlwaysOnSampler() }),
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      httpInstrumentation(),
      // One span per route handler, not per middleware layer; pg spans only inside a request, no connect spans.
      new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE, ExpressLayerType.ROUTER] }),
      new PgInstrumentation({ enhancedDatabaseReporting: false, requireParentSpan: true, ignoreConnectSpans: true }),
    ],
  });
  sdk.start();
  return sdk;
}
