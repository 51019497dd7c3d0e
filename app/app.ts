import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import swaggerUi from 'swagger-ui-express';
import type { Registry } from 'prom-client';
import type { Config } from './config';
import { AppError } from './errors';
import type { Logger } from './telemetry/logger';
import { createMetricsRenderer, type Metrics } from './telemetry/metrics';
import type { ApiFaultRegistry } from './faults/catalogue';
import type { HealthChecks } from './health/checks';
import type { AccountService } from './accounts/service';
import type { TransferService } from './transfers/service';
import { requestContext } from './http/request-context';
import { requestTelemetry } from './http/request-telemetry';
import { serverSpans } from './http/server-span';
import { jsonBody } from './http/body';
import { cors } from './http/cors';
import { errorHandler, notFound } from './http/error-handler';
import { accountHandlers } from './accounts/routes';
import { transferHandlers } from './transfers/routes';
import { healthHandlers } from './health/routes';
import { faultRouter } from './faults/engine';
import { buildOpenApi } from './openapi';
import { apiRouter, endpointList, routeTable } from './routes';
import type { RiskClient } from './risk/client';
import { policyRoutes } from './risk/routes';

/** Everything the HTTP layer needs, built once by app/services.ts. */
export interface AppDeps {
  config: Pick<Config, 'BODY_LIMIT_KB' | 'CHAOS_TOKEN' | 'CORS_ORIGINS' | 'SERVICE_NAME' | 'INSTANCE_ID'>;
  version: string;
  logger: Logger;
  metrics: Metrics;
  promRegistry: Registry;
  faults: ApiFaultRegistry;
  health: HealthChecks;
  accounts: AccountService;
  transfers: TransferService;
  /** The risk service's client (RISK_URL set): its policies are served on /api/policies. */
  risk?: RiskClient;
  /** Set while the server drains on shutdown: new requests get 503 SHUTTING_DOWN. */
  isShuttingDown?: () => boolean;
  /**
   * false builds the same API without request ids, request metrics and logs, /metrics and the fault
   * machinery (make bench measures what they cost). Default true.
   */
  instrumentation?: boolean;
  /** Traces are exported: each request gets a server span, and its latency exemplar carries the trace id. */
  traced?: boolean;
}

/** Builds the Express app; it never listens and reads no environment (tests drive it directly). */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.set('query parser', 'simple');
  // First, so the span covers every middleware and they all run in its context.
  if (deps.traced) app.use(serverSpans());
  // Which replica answered: behind a load balancer, the first thing to know about a bad response.
  app.use((_req, res, next) => {
    res.setHeader('X-Instance-Id', deps.config.INSTANCE_ID);
    next();
  });

  const routes = routeTable({ risk: deps.risk !== undefined });
  const openapi = buildOpenApi(
    deps.version,
    routes.filter((r) => !r.undocumented),
  );
  const endpoints = endpointList(routes);
  // The kit is served over plain HTTP on workshop laptops: no upgrade to https for /docs assets.
  // Swagger UI also needs inline styles and data: images; the API gets helmet's strict policy otherwise.
  const plainHttp = { 'upgrade-insecure-requests': null };
  const docsHeaders = helmet({
    contentSecurityPolicy: {
      directives: { ...plainHttp, 'style-src': ["'self'", "'unsafe-inline'"], 'img-src': ["'self'", 'data:'] },
    },
  });
  const apiHeaders = helmet({ contentSecurityPolicy: { directives: plainHttp } });
  app.use((req, res, next) => (req.path.startsWith('/docs') ? docsHeaders : apiHeaders)(req, res, next));
  app.use(cors(deps.config.CORS_ORIGINS));
  const instrumented = deps.instrumentation !== false;
  if (instrumented) {
    app.use(requestContext({ propagate: () => deps.faults.readsRequestContext() }));
    app.use(requestTelemetry(deps.metrics, deps.logger, { exemplars: deps.traced === true }));
  }
  if (deps.isShuttingDown) app.use(refuseWhile(deps.isShuttingDown));
  app.use(jsonBody(deps.config.BODY_LIMIT_KB));

  const render = createMetricsRenderer(deps.promRegistry);
  if (instrumented)
    app.use(faultRouter(deps.faults, { token: deps.config.CHAOS_TOKEN, corsOrigins: deps.config.CORS_ORIGINS }));
  if (deps.risk)
    app.use(policyRoutes(deps.risk, { token: deps.config.CHAOS_TOKEN, corsOrigins: deps.config.CORS_ORIGINS }));
  const gate: RequestHandler = instrumented ? deps.faults.gate() : (_req, _res, next) => next();
  app.use(
    apiRouter(
      {
        index: (_req, res) => {
          res.json({ service: deps.config.SERVICE_NAME, version: deps.version, docs: '/docs', endpoints });
        },
        openapi: (_req, res) => void res.json(openapi),
        docs: [...swaggerUi.serve, swaggerUi.setup(openapi, { customSiteTitle: 'Fintech Chaos Workshop API' })],
        metrics: instrumented
          ? async (req, res) => {
              const accept = req.get('accept') ?? '';
              const { contentType, body } = await render(accept.includes('application/openmetrics-text'));
              res.type(contentType).send(body);
            }
          : undefined,
        ...healthHandlers(deps.health),
        ...accountHandlers(deps.accounts),
        ...transferHandlers(deps.transfers),
      },
      gate,
    ),
  );

  app.use(notFound());
  app.use(errorHandler(deps.logger, deps.metrics));
  return app;
}

function refuseWhile(isShuttingDown: () => boolean): RequestHandler {
  return (req, res, next) => {
    if (!isShuttingDown() || req.path === '/livez') return next();
    res.setHeader('Connection', 'close');
    next(new AppError('SHUTTING_DOWN'));
  };
}
