import type { Server } from 'node:http';
import { loadConfig } from '../../app/config';
import { createServices } from '../../app/services';
import { createLogger } from '../../app/telemetry/logger';

/**
 * The app without its instrumentation: the same route modules, services, repositories, database
 * path and middleware, built by createServices with instrumentation off (no tracing, request
 * metrics, request logs, request ids, fault machinery or /metrics).
 */
const config = loadConfig(process.env);
const services = createServices(config, {
  instrumentation: false,
  logger: createLogger({ level: 'silent', service: config.SERVICE_NAME }),
});
const server: Server = services.app.listen(config.PORT, config.HOST);
server.keepAliveTimeout = 5_000;
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => void services.close().finally(() => process.exit(0)));
});
