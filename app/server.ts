import type { Server } from 'node:http';
import { ConfigError, loadConfig, type Config } from './config';
import { startTracing } from './telemetry/tracing';
import { migrateIfNeeded } from './db/migrate';
import { createServices } from './services';
import { SERVER_KEEP_ALIVE_MS } from './keep-alive';

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

const config = readConfig();
const tracing = startTracing(config);

async function main(): Promise<void> {
  let shuttingDown = false;
  const services = createServices(config, { isShuttingDown: () => shuttingDown });
  const { logger } = services;
  try {
    if (config.DB_AUTO_MIGRATE && (await migrateIfNeeded(services.pool)))
      logger.info('database schema created from init.sql');
  } catch (err) {
    // The API still starts: /livez answers and /health reports the database until it is reachable.
    logger.error('could not check or apply the database schema', { err: (err as Error).message });
  }

  const server: Server = services.app.listen(config.PORT, config.HOST);
  server.on('listening', () => logger.info('listening', { url: `http://${config.HOST}:${config.PORT}` }));
  server.on('error', (err) => {
    logger.error('cannot listen', { err: err.message });
    process.exit(1);
  });
  server.keepAliveTimeout = SERVER_KEEP_ALIVE_MS;
  server.requestTimeout = 120_000;

  const shutdown = (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info('shutting down', { signal });
    const force = setTimeout(() => {
      logger.warn('in-flight requests did not finish in time; closing connections');
      server.closeAllConnections();
    }, config.SHUTDOWN_TIMEOUT_MS);
    force.unref();
    const stop = async () => {
      clearTimeout(force);
      await services.close().catch((err: Error) => logger.error('error while closing', { err: err.message }));
      await tracing.shutdown().catch(() => undefined);
      logger.info('stopped');
      process.exit(0);
    };
    server.close(() => void stop());
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

void main();
