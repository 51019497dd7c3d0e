import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import supertest from 'supertest';
import { loadRiskConfig, type RiskConfig } from '../../risk/config';
import { migrateRisk } from '../../risk/migrate';
import { createRiskServices, type RiskServices } from '../../risk/services';

/** A real risk service (risk/) in this process, on the given database (its own schema), on a free port. */
export interface TestRisk extends RiskServices {
  config: RiskConfig;
  baseUrl: string;
  request: ReturnType<typeof supertest>;
  stop(): Promise<void>;
}

export async function startRisk(databaseUrl: string, env: Record<string, string> = {}): Promise<TestRisk> {
  const config = loadRiskConfig({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent', ...env });
  const services = createRiskServices(config);
  await migrateRisk(services.pool);
  const server = await new Promise<Server>((resolve) => {
    const s = services.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    ...services,
    config,
    baseUrl,
    request: supertest(baseUrl),
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await services.close();
    },
  };
}

/** The stored decisions, read straight from PostgreSQL. */
export interface DecisionRow {
  idempotency_key: string | null;
  decision: string;
  calls: number;
  amount_cents: string;
}

export async function readDecisions(databaseUrl: string): Promise<DecisionRow[]> {
  const c = new Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    return (
      await c.query<DecisionRow>(
        'SELECT idempotency_key, decision, calls, amount_cents FROM risk.decisions ORDER BY created_at',
      )
    ).rows;
  } finally {
    await c.end();
  }
}
