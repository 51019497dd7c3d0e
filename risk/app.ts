import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Registry } from 'prom-client';
import { transferHeaders } from '../app/transfers/schemas';
import { requestContext } from '../app/http/request-context';
import { requestTelemetry } from '../app/http/request-telemetry';
import { serverSpans } from '../app/http/server-span';
import { jsonBody } from '../app/http/body';
import { errorHandler, notFound } from '../app/http/error-handler';
import { parseRequest } from '../app/http/validate';
import { buildOpenApi, type Operation } from '../app/openapi';
import type { Logger } from '../app/telemetry/logger';
import { createMetricsRenderer, type RiskMetrics } from '../app/telemetry/metrics';
import type { RiskConfig } from './config';
import { scoreBody, type DecisionService } from './decisions';
import { FAULT_OPERATIONS, faultRouter, type FaultRegistry } from './faults';

const OPERATIONS: Operation[] = [
  {
    method: 'post',
    path: '/api/decisions',
    summary: 'Score a transfer: approve or decline with a reason; one decision per Idempotency-Key',
    tag: 'risk',
    body: scoreBody,
    headers: transferHeaders,
  },
  { method: 'get', path: '/livez', summary: 'Liveness (no database)', tag: 'health' },
  { method: 'get', path: '/metrics', summary: 'Prometheus metrics', tag: 'health' },
];

/** Everything the risk service's HTTP layer needs, built once by risk/services.ts. */
export interface RiskAppDeps {
  config: Pick<RiskConfig, 'SERVICE_NAME' | 'CHAOS_TOKEN' | 'CORS_ORIGINS' | 'OTEL_EXPORTER_OTLP_ENDPOINT'>;
  version: string;
  logger: Logger;
  metrics: RiskMetrics;
  promRegistry: Registry;
  faults: FaultRegistry;
  decisions: DecisionService;
}

/** The risk service's Express app: never listens, reads no environment. */
export function createRiskApp(deps: RiskAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  const traced = Boolean(deps.config.OTEL_EXPORTER_OTLP_ENDPOINT);
  // First, as in the API: the span covers every middleware and they all run in its context.
  if (traced) app.use(serverSpans());
  app.use(helmet());
  app.use(requestContext({ propagate: () => deps.faults.readsRequestContext() }));
  app.use(
    requestTelemetry(deps.metrics, deps.logger, {
      exemplars: false,
      traced,
    }),
  );
  app.use(jsonBody(16));

  const openapi = buildOpenApi(deps.version, [...OPERATIONS, ...FAULT_OPERATIONS], {
    title: 'Risk service',
    description: 'Scores each transfer of the Fintech Chaos Workshop API before it commits; faults break it on demand.',
  });
  const render = createMetricsRenderer(deps.promRegistry);
  app.get('/metrics', async (_req, res) => {
    const { contentType, body } = await render(false);
    res.type(contentType).send(body);
  });
  app.get('/livez', (_req, res) => void res.json({ status: 'alive', uptime_s: Math.round(process.uptime()) }));
  app.get('/', (_req, res) => {
    const endpoints = [...OPERATIONS, ...FAULT_OPERATIONS].map((o) => `${o.method.toUpperCase()} ${o.path}`);
    res.json({
      service: deps.config.SERVICE_NAME,
      version: deps.version,
      endpoints: ['GET /openapi.json', ...endpoints],
    });
  });
  app.get('/openapi.json', (_req, res) => void res.json(openapi));
  app.use(faultRouter(deps.faults, { token: deps.config.CHAOS_TOKEN, corsOrigins: deps.config.CORS_ORIGINS }));

  app.post('/api/decisions', deps.faults.gate(), async (req, res) => {
    const { body, headers } = parseRequest({ body: [scoreBody, req.body], headers: [transferHeaders, req.headers] });
    const decision = await deps.decisions.decide(body, headers['idempotency-key']);
    res.status(decision.replayed ? 200 : 201).json(decision);
  });

  app.use(notFound());
  app.use(errorHandler(deps.logger, deps.metrics));
  return app;
}
