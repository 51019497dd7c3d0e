import path from 'node:path';
import type { Pool } from 'pg';
import { Registry } from 'prom-client';
import type { Express } from 'express';
import type { Config } from './config';
import { createApp } from './app';
import { Database } from './db/database';
import { createPool } from './db/pool';
import { createLogger, type Logger } from './telemetry/logger';
import { createMetrics, createNoopMetrics, type Metrics } from './telemetry/metrics';
import { FaultRegistry, initialFaultState } from './faults/engine';
import { catalogue, type ApiFaultRegistry, type FaultName, type FaultSettings } from './faults/catalogue';
import { PostgresFaultStore } from './faults/postgres-store';
import { ROUTES } from './routes';
import { HealthChecks } from './health/checks';
import { AccountRepository } from './accounts/repository';
import { AccountService } from './accounts/service';
import { TransactionRepository } from './transfers/repository';
import { TransferService } from './transfers/service';
import { projectRoot, readPackageVersion } from './paths';
import { RiskClient } from './risk/client';

/** The wired application: built once per process (or per test), closed once. */
export interface Services {
  app: Express;
  pool: Pool;
  logger: Logger;
  metrics: Metrics;
  promRegistry: Registry;
  faults: ApiFaultRegistry;
  health: HealthChecks;
  /** The risk service's client, when RISK_URL is set. */
  risk?: RiskClient;
  /** Stops timers, releases fault resources and ends the pool. */
  close(): Promise<void>;
}

/** The one setting that chooses where the fault state lives (memory: the registry's own, in this process). */
function createFaultStore(config: Config, logger: Logger) {
  if (config.FAULT_STORE === 'memory') return undefined;
  return new PostgresFaultStore<FaultName, FaultSettings>({
    databaseUrl: config.DATABASE_URL,
    instanceId: config.INSTANCE_ID,
    refreshMs: config.FAULT_STORE_REFRESH_MS,
    replicaTtlS: Math.max(10, (config.FAULT_STORE_REFRESH_MS * 5) / 1000),
    logger,
    initial: initialFaultState(catalogue),
  });
}

/** Wires config into the app. The prom-client Registry and the fault registry are created here and passed in. */
export function createServices(
  config: Config,
  options: { logger?: Logger; isShuttingDown?: () => boolean; instrumentation?: boolean } = {},
): Services {
  const version = readPackageVersion();
  const logger =
    options.logger ??
    createLogger({ level: config.LOG_LEVEL, service: config.SERVICE_NAME, instanceId: config.INSTANCE_ID });
  const pool = createPool(config, logger);
  const store = createFaultStore(config, logger);
  const promRegistry = new Registry();
  const instrumented = options.instrumentation !== false;
  const traced = Boolean(config.OTEL_EXPORTER_OTLP_ENDPOINT);
  const metrics = instrumented
    ? createMetrics(
        promRegistry,
        {
          service: config.SERVICE_NAME,
          version,
          exemplars: traced,
          instanceId: config.INSTANCE_ID,
          staleness: () => store?.staleSeconds() ?? 0,
        },
        () => ({
          total: pool.totalCount,
          idle: pool.idleCount,
          waiting: pool.waitingCount,
        }),
      )
    : createNoopMetrics();
  const faults = new FaultRegistry(
    catalogue,
    {
      metrics,
      logger,
      enabled: config.CHAOS_ENABLED,
      instanceId: config.INSTANCE_ID,
      context: {
        memoryCapBytes: config.MEMORY_LEAK_CAP_MB * 1024 * 1024,
        dbSlowDefaultMs: config.DB_SLOW_DEFAULT_MS,
        // While hidden (game day) the gauge stays where it was: the leak shows only in RSS.
        onLeakChange: (bytes) => {
          if (bytes === 0 || !faults.hidden) metrics.faultLeakedBytes.set(bytes);
        },
      },
      // Scrapes and liveness probes are never targeted (a running cpu_burn still stalls them: it blocks the event loop).
      exempt: [ROUTES.metrics.path, ROUTES.livez.path],
    },
    store,
  );
  const db = new Database(pool, metrics, instrumented ? faults.databaseHooks() : undefined);
  const health = new HealthChecks(db, path.resolve(projectRoot()));
  const accountRepo = new AccountRepository(db);
  const risk = config.RISK_URL ? new RiskClient(new URL(config.RISK_URL), { metrics, logger }) : undefined;
  const app = createApp({
    config,
    version,
    logger,
    metrics,
    promRegistry,
    faults,
    health,
    accounts: new AccountService(accountRepo),
    transfers: new TransferService(new TransactionRepository(db), metrics, risk),
    risk,
    isShuttingDown: options.isShuttingDown,
    instrumentation: instrumented,
    traced,
  });
  return {
    app,
    pool,
    logger,
    metrics,
    promRegistry,
    faults,
    health,
    risk,
    async close() {
      await faults.close();
      risk?.close();
      health.stop();
      await pool.end();
    },
  };
}
