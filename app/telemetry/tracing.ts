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

/**
 * Starts OpenTelemetry. Must run before express and pg are first required, or their spans vanish.
 * Every request gets a trace id (logs and error bodies carry it). Spans are recorded and exported
 * over OTLP/HTTP only when OTEL_EXPORTER_OTLP_ENDPOINT is set; otherwise they are sampled out,
 * which keeps the ids but skips the cost of recording (measured in docs/performance.md).
 */
export function startTracing(config: Pick<Config, 'OTEL_EXPORTER_OTLP_ENDPOINT' | 'SERVICE_NAME'>): NodeSDK {
  const endpoint = config.OTEL_EXPORTER_OTLP_ENDPOINT;
  const processor = endpoint
    ? new tracing.BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint.replace(/\/$/, '')}/v1/traces` }))
    : new tracing.NoopSpanProcessor();
  const sdk = new NodeSDK({
    serviceName: config.SERVICE_NAME,
    spanProcessors: [processor],
    sampler: endpoint ? new tracing.ParentBasedSampler({ root: new tracing.AlwaysOnSampler() }) : new tracing.AlwaysOffSampler(),
    metricReaders: [],
    logRecordProcessors: [],
    // Without an exporter only the server span matters: it gives each request its trace id.
    instrumentations: endpoint
      ? [
          httpInstrumentation(),
          // One span per route handler, not per middleware layer; pg spans only inside a request, no connect spans.
          new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE, ExpressLayerType.ROUTER] }),
          new PgInstrumentation({ enhancedDatabaseReporting: false, requireParentSpan: true, ignoreConnectSpans: true }),
        ]
      : [httpInstrumentation()],
  });
  sdk.start();
  return sdk;
}
