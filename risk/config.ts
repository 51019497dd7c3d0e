import { z } from 'zod';
import { configSchema, parseEnvironment } from '../app/config';

const api = configSchema.shape;

/** The risk service's settings: the only reader of its environment. Shared keys mean what they mean for the API. */
export const riskConfigSchema = z
  .object({
    PORT: z.coerce.number().int().min(1).max(65535).default(5001).describe('HTTP port of the risk service.'),
    HOST: api.HOST,
    DATABASE_URL: api.DATABASE_URL,
    DB_POOL_MAX: api.DB_POOL_MAX.default(10),
    DB_CONNECT_TIMEOUT_MS: api.DB_CONNECT_TIMEOUT_MS,
    DB_STATEMENT_TIMEOUT_MS: api.DB_STATEMENT_TIMEOUT_MS,
    LOG_LEVEL: api.LOG_LEVEL,
    SERVICE_NAME: z.string().min(1).default('risk-service').describe('Service name in logs and traces.'),
    OTEL_EXPORTER_OTLP_ENDPOINT: api.OTEL_EXPORTER_OTLP_ENDPOINT,
    CHAOS_ENABLED: api.CHAOS_ENABLED,
    CHAOS_TOKEN: api.CHAOS_TOKEN,
    DB_SLOW_DEFAULT_MS: api.DB_SLOW_DEFAULT_MS,
    CORS_ORIGINS: api.CORS_ORIGINS,
    SHUTDOWN_TIMEOUT_MS: api.SHUTDOWN_TIMEOUT_MS,
    RISK_DECLINE_ABOVE_CENTS: z.coerce
      .number()
      .int()
      .min(1)
      .default(500_000)
      .describe('Transfers above this amount (cents) are declined with reason amount_above_limit.'),
  })
  .strict();

export type RiskConfig = Readonly<z.infer<typeof riskConfigSchema>>;

export function loadRiskConfig(env: NodeJS.ProcessEnv = process.env): RiskConfig {
  return parseEnvironment(riskConfigSchema, env);
}
