import os from 'node:os';
import { z } from 'zod';

/**
 * The only reader of process.env. Every variable is described here and in .env.example
 * (a test keeps the two in step). Invalid configuration is reported all at once.
 */
export const configSchema = z
  .object({
    PORT: z.coerce.number().int().min(1).max(65535).default(5000).describe('HTTP port of the API.'),
    HOST: z.string().min(1).default('127.0.0.1').describe('Address the API binds to; 0.0.0.0 inside a container.'),
    DATABASE_URL: z
      .url({ protocol: /^postgres(ql)?$/ })
      .default('postgres://postgres:postgres@127.0.0.1:5432/fintech')
      .describe('PostgreSQL connection string.'),
    DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(20).describe('Maximum pool connections.'),
    DB_CONNECT_TIMEOUT_MS: z.coerce
      .number()
      .int()
      .min(100)
      .max(60000)
      .default(2000)
      .describe('How long a query waits for a pool connection (or a new connection) before a 503.'),
    DB_STATEMENT_TIMEOUT_MS: z.coerce
      .number()
      .int()
      .min(100)
      .max(600000)
      .default(15000)
      .describe('Server-side statement timeout; also bounds the client-side query timeout.'),
    DB_AUTO_MIGRATE: z.stringbool().default(true).describe('Apply init.sql at start when the schema is missing.'),
    LOG_LEVEL: z
      .enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly', 'silent'])
      .default('info')
      .describe('winston log level; "silent" turns logging off.'),
    SERVICE_NAME: z.string().min(1).default('fintech-api').describe('Service name in logs, traces and app_info.'),
    OTEL_EXPORTER_OTLP_ENDPOINT: z
      .url()
      .optional()
      .describe('OTLP/HTTP endpoint (e.g. http://127.0.0.1:4318); traces are exported only when set.'),
    INSTANCE_ID: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,63}$/, 'letters, digits, ".", "_" or "-", at most 63')
      .optional()
      .describe(
        "This replica's id: in the X-Instance-Id header, every log line, the instance_id label of every metric and fault targeting (default: host-pid).",
      ),
    FAULT_STORE: z
      .enum(['memory', 'postgres'])
      .default('memory')
      .describe(
        'Where the fault state lives: memory (one process) or postgres (shared by every replica on DATABASE_URL).',
      ),
    FAULT_STORE_REFRESH_MS: z.coerce
      .number()
      .int()
      .min(100)
      .max(60000)
      .default(2000)
      .describe('With FAULT_STORE=postgres: how often a replica re-reads the state in case a notification was lost.'),
    CHAOS_ENABLED: z.stringbool().default(true).describe('false turns fault injection off entirely.'),
    CHAOS_TOKEN: z
      .string()
      .min(16, 'CHAOS_TOKEN must be at least 16 characters')
      .optional()
      .describe('When set, the fault endpoints require "Authorization: Bearer <token>".'),
    MEMORY_LEAK_CAP_MB: z.coerce
      .number()
      .int()
      .min(1)
      .max(8192)
      .default(512)
      .describe('Hard cap on memory the memory-leak fault may retain, in MB.'),
    DB_SLOW_DEFAULT_MS: z.coerce
      .number()
      .int()
      .min(1)
      .max(60000)
      .default(1000)
      .describe('Delay each query spends in PostgreSQL when db_slow is true without db_latency_ms.'),
    BODY_LIMIT_KB: z.coerce.number().int().min(1).max(10240).default(64).describe('Maximum JSON body size in KB.'),
    CORS_ORIGINS: z
      .string()
      .default('')
      .transform((list) =>
        list
          .split(',')
          .map((o) => o.trim())
          .filter(Boolean),
      )
      .describe('Comma-separated origins allowed by CORS; empty means CORS is closed.'),
    SHUTDOWN_TIMEOUT_MS: z.coerce
      .number()
      .int()
      .min(100)
      .max(120000)
      .default(10000)
      .describe('How long SIGTERM waits for in-flight requests before closing connections.'),
    RISK_URL: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe(
        'Base URL of the risk service (e.g. http://127.0.0.1:5001); when set, every transfer is scored there before it commits. Unset: no risk check.',
      ),
  })
  .strict();

/** INSTANCE_ID is always set once loaded: unset, it is this host and process. */
export type Config = Readonly<z.infer<typeof configSchema> & { INSTANCE_ID: string }>;

/** A readable id unique to this process: host-pid. */
export function defaultInstanceId(): string {
  return `${os.hostname()}-${process.pid}`.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 63);
}

/** Names of every variable the app reads. */
export const CONFIG_KEYS = Object.keys(configSchema.shape) as (keyof Config)[];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads the known keys from an environment, validates them all at once and freezes the result. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const config = parseEnvironment(configSchema, env);
  return Object.freeze({ ...config, INSTANCE_ID: config.INSTANCE_ID ?? defaultInstanceId() });
}

/** Any service's settings: the schema's keys read from the environment (empty means unset), every problem at once, frozen. */
export function parseEnvironment<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv): Readonly<z.output<S>> {
  const input: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  return Object.freeze(parsed.data);
}
