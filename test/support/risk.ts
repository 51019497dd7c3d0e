import type { Server } from 'node:http';
import type supertest from 'supertest';
import { loadRiskConfig, type RiskConfig } from '../../risk/config';
import { migrateRisk } from '../../risk/migrate';
import { createRiskServices, type RiskServices } from '../../risk/services';
import { withClient } from '../../kit/postgres';
import type { Logger } from '../../app/telemetry/logger';
import { serveOnFreePort } from './app';

/** A real risk service (risk/) in this process, on the given database (its own schema), on a free port. */
export interface TestRisk extends RiskServices {
  config: RiskConfig;
  server: Server;
  baseUrl: string;
  request: ReturnType<typeof supertest>;
  stop(): Promise<void>;
}

export async function startRisk(
  databaseUrl: string,
  env: Record<string, string> = {},
  options: { logger?: Logger } = {},
): Promise<TestRisk> {
  const config = loadRiskConfig({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent', ...env });
  const services = createRiskServices(config, options);
  await migrateRisk(services.pool);
  return { ...services, config, ...(await serveOnFreePort(services)) };
}

/** The stored decisions, read straight from PostgreSQL. */
export interface DecisionRow {
  idempotency_key: string | null;
  decision: string;
  calls: number;
  amount_cents: string;
}

export async function readDecisions(databaseUrl: string): Promise<DecisionRow[]> {
  const { rows } = await withClient(databaseUrl, (c) =>
    c.query<DecisionRow>(
      'SELECT idempotency_key, decision, calls, amount_cents FROM risk.decisions ORDER BY created_at',
    ),
  );
  return rows;
}
