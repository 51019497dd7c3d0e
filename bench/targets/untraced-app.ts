import type { Server } from 'node:http';
import { loadConfig } from '../../app/config';
import { createServices } from '../../app/services';

/**
 * The full app as app/server.ts builds it (metrics, JSON logs at LOG_LEVEL, fault middleware),
 * minus OpenTelemetry: startTracing is never called. Splits the overhead into tracing and the rest.
 */
const config = loadConfig(process.env);
const services = createServices(config);
const server: Server = services.app.listen(config.PORT, config.HOST);
server.keepAliveTimeout = 5_000;
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => void services.close().finally(() => process.exit(0)));
});
