import type { Express } from 'express';
import type { Pool } from 'pg';
import { Registry } from 'prom-client';
import { Database } from '../app/db/database';
import { createPool } from '../app/db/pool';
import { readPackageVersion } from '../app/paths';
import { createLogger, type Logger } from '../app/telemetry/logger';
import { createRiskMetrics, type RiskMetrics } from '../app/telemetry/metrics';
import { createRiskApp } from './app';
import type { RiskConfig } from './config';
import { DecisionService } from './decisions';
import { createRiskFaults, type FaultRegistry } from './faults';

/** The wired risk service: built once per process (or per test), closed once. */
export interface RiskServices {
  app: Express;
  pool: Pool;
  logger: Logger;
  metrics: RiskMetrics;
  faults: FaultRegistry;
  close(): Promise<void>;
}

export function createRiskServices(config: RiskConfig, options: { logger?: Logger } = {}): RiskServices {
  const version = readPackageVersion();
  const logger = options.logger ?? createLogger({ level: config.LOG_LEVEL, service: config.SERVICE_NAME });
  const pool = createPool(config, logger);
  const promRegistry = new Registry();
  const metrics = createRiskMetrics(promRegistry);
  const faults = createRiskFaults(promRegistry, logger, {
    enabled: config.CHAOS_ENABLED,
    dbSlowDefaultMs: config.DB_SLOW_DEFAULT_MS,
    exempt: ['/metrics', '/livez'],
  });
  const db = new Database(pool, metrics, faults.databaseHooks());
  const decisions = new DecisionService(db, metrics, config.RISK_DECLINE_ABOVE_CENTS);
  const app = createRiskApp({ config, version, logger, metrics, promRegistry, faults, decisions });
  return {
    app,
    pool,
    logger,
    metrics,
    faults,
    async close() {
      await faults.close();
      await pool.end();
    },
  };
}
