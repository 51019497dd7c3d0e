import type { Server } from 'node:http';
import express, { type RequestHandler } from 'express';
import helmet from 'helmet';
import swaggerUi from 'swagger-ui-express';
import { loadConfig } from '../../app/config';
import { createPool } from '../../app/db/pool';
import { Database } from '../../app/db/database';
import { createLogger } from '../../app/telemetry/logger';
import type { Metrics } from '../../app/telemetry/metrics';
import { HealthChecks } from '../../app/health/checks';
import { AccountRepository } from '../../app/accounts/repository';
import { AccountService } from '../../app/accounts/service';
import { TransactionRepository } from '../../app/transfers/repository';
import { TransferService } from '../../app/transfers/service';
import { accountRoutes } from '../../app/accounts/routes';
import { transferRoutes } from '../../app/transfers/routes';
import { healthRoutes } from '../../app/health/routes';
import { cors } from '../../app/http/cors';
import { jsonBody } from '../../app/http/body';
import { errorHandler, notFound } from '../../app/http/error-handler';
import { projectRoot, readPackageVersion } from '../../app/paths';
import { buildOpenApi } from '../../app/openapi';
import { FAULT_OPERATIONS } from '../../app/faults/openapi';

/**
 * The app without its instrumentation: the same route modules, services, repositories and
 * database path and middleware as app/app.ts, with no tracing, no request metrics or request logs,
 * no request ids, no fault middleware or fault routes and no /metrics. It mirrors app/app.ts by hand because createApp
 * has no switch for this (see docs/performance.md); keep the two in step.
 */

/** Every metric call answers a no-op (startTimer returns a no-op end function): the query path records nothing. */
type Noop = () => Noop;
const noop: Noop = () => noop;
const noopMetric = new Proxy({}, { get: () => noop });
const noMetrics = new Proxy({}, { get: () => noopMetric }) as unknown as Metrics;

const config = loadConfig(process.env);
const logger = createLogger({ level: 'silent', service: config.SERVICE_NAME });
const pool = createPool(config, logger);
const db = new Database(pool, noMetrics);
const accountRepo = new AccountRepository(db);
const health = new HealthChecks(db, projectRoot());
const noGate: RequestHandler = (_req, _res, next) => next();

const app = express();
app.disable('x-powered-by');
app.set('trust proxy', 'loopback');
app.set('query parser', 'simple');
const openapi = buildOpenApi(readPackageVersion(), FAULT_OPERATIONS);
app.use('/docs', helmet({ contentSecurityPolicy: { directives: { 'style-src': ["'self'", "'unsafe-inline'"], 'img-src': ["'self'", 'data:'] } } }));
app.use(helmet());
app.use(cors(config.CORS_ORIGINS));
app.use(jsonBody(config.BODY_LIMIT_KB));
app.get('/openapi.json', (_req, res) => void res.json(openapi));
app.use('/docs', swaggerUi.serve, swaggerUi.setup(openapi));
app.use(healthRoutes(health, noGate));
app.use(accountRoutes(new AccountService(accountRepo), noGate));
app.use(transferRoutes(new TransferService(db, accountRepo, new TransactionRepository(db), noMetrics), noGate));
app.use(notFound());
app.use(errorHandler(logger, noMetrics));

const server: Server = app.listen(config.PORT, config.HOST);
server.keepAliveTimeout = 5_000;
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => {
    health.stop();
    void pool.end().finally(() => process.exit(0));
  });
});
