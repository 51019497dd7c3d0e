import { NodeSDK, tracing } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import type { Config } from '../config';

const UNTRACED_PATHS = new Set(['/metrics', '/livez']);

/**
 * Starts OpenTelemetry. Must run before express and pg are first required, or their spans vanish.
 * Spans are always created (so logs and error bodies carry trace ids); they are exported over
 * OTLP/HTTP only when OTEL_EXPORTER_OTLP_ENDPOINT is set.
 */
export function startTracing(config: Pick<Config, 'OTEL_EXPORTER_OTLP_ENDPOINT' | 'SERVICE_NAME'>): NodeSDK {
  const endpoint = config.OTEL_EXPORTER_OTLP_ENDPOINT;
  const processor = endpoint
    ? new tracing.BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint.replace(/\/$/, '')}/v1/traces` }))
    : new tracing.NoopSpanProcessor();
  const sdk = new NodeSDK({
    serviceName: config.SERVICE_NAME,
    spanProcessors: [processor],
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.has((req.url ?? '').split('?')[0] ?? ''),
      }),
      new ExpressInstrumentation(),
      new PgInstrumentation({ enhancedDatabaseReporting: false }),
    ],
  });
  sdk.start();
  return sdk;
}
