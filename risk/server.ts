import type { Server } from 'node:http';
import { ConfigError } from '../app/config';
import { startTracing } from '../app/telemetry/tracing';
import { loadRiskConfig, type RiskConfig } from './config';
import { createRiskServices } from './services';
import { migrateRisk } from './migrate';
import { SERVER_KEEP_ALIVE_MS } from '../app/keep-alive';

function readConfig(): RiskConfig {
  try {
    return loadRiskConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
}

const config = readConfig();
const tracing = startTracing(config);

async function main(): Promise<void> {
  const services = createRiskServices(config);
  const { logger } = services;
  // Retried until it works: the service may start before PostgreSQL does; /livez answers meanwhile.
  const migrate = async (): Promise<void> => {
    try {
      await migrateRisk(services.pool);
      logger.info('risk schema ready');
    } catch (err) {
      logger.error('could not apply risk/schema.sql; retrying in 2 s', { err: (err as Error).message });
      setTimeout(() => void migrate(), 2000).unref();
    }
  };
  await migrate();

  const server: Server = services.app.listen(config.PORT, config.HOST);
  server.on('listening', () => logger.info('listening', { url: `http://${config.HOST}:${config.PORT}` }));
  server.on('error', (err) => {
    logger.error('cannot listen', { err: err.message });
    process.exit(1);
  });
  server.keepAliveTimeout = SERVER_KEEP_ALIVE_MS;

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    setTimeout(() => server.closeAllConnections(), config.SHUTDOWN_TIMEOUT_MS).unref();
    server.close(() => {
      void services
        .close()
        .then(() => tracing.shutdown())
        .catch(() => undefined)
        .finally(() => process.exit(0));
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

void main();
