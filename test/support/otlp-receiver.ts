import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** OTLP's numbers for the span kinds and the error status the tests look for. */
export const OTLP = { server: 2, client: 3, error: 2 } as const;

/** A span as exported over OTLP/HTTP JSON (the fields the tests read). */
export interface ExportedSpan {
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  name: string;
  /** OTLP's SpanKind: 2 server, 3 client. */
  kind: number;
  /** OTLP's status code: 0 unset, 1 ok, 2 error. */
  statusCode: number;
  scope: string;
  attributes: Record<string, unknown>;
  events: string[];
}

/**
 * Stands in for Jaeger's OTLP/HTTP endpoint, which cannot run here: it accepts
 * POST /v1/traces in OTLP JSON (what exporter-trace-otlp-http sends) and keeps the spans.
 */
export async function startOtlpReceiver(): Promise<{ url: string; spans: ExportedSpan[]; close(): Promise<void> }> {
  const spans: ExportedSpan[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces' && (req.headers['content-type'] ?? '').includes('json')) {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as {
          resourceSpans: {
            scopeSpans: {
              scope: { name: string };
              spans: {
                traceId: string;
                spanId: string;
                parentSpanId?: string;
                name: string;
                kind: number;
                status?: { code?: number };
                attributes?: { key: string; value: Record<string, unknown> }[];
                events?: { name: string }[];
              }[];
            }[];
          }[];
        };
        for (const rs of body.resourceSpans) {
          for (const ss of rs.scopeSpans) {
            for (const s of ss.spans) {
              spans.push({
                traceId: s.traceId,
                spanId: s.spanId,
                parentSpanId: s.parentSpanId ?? '',
                name: s.name,
                kind: s.kind,
                statusCode: s.status?.code ?? 0,
                scope: ss.scope.name,
                attributes: Object.fromEntries((s.attributes ?? []).map((a) => [a.key, Object.values(a.value)[0]])),
                events: (s.events ?? []).map((e) => e.name),
              });
            }
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
