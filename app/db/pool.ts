import { Pool } from 'pg';
import type { Config } from '../config';
import type { Logger } from '../telemetry/logger';

/** Creates the pool with bounded timeouts, so a dead database gives fast errors instead of hung requests. */
export function createPool(
  config: Pick<Config, 'DATABASE_URL' | 'DB_POOL_MAX' | 'DB_CONNECT_TIMEOUT_MS' | 'DB_STATEMENT_TIMEOUT_MS'>,
  logger: Logger,
): Pool {
  const pool = new Pool({
    connectionString: config.DATABASE_URL,
    max: config.DB_POOL_MAX,
    connectionTimeoutMillis: config.DB_CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
    statement_timeout: config.DB_STATEMENT_TIMEOUT_MS,
    idle_in_transaction_session_timeout: config.DB_STATEMENT_TIMEOUT_MS * 2,
    // Client-side bound for when the server stops answering altogether (no RST, no reply).
    query_timeout: config.DB_STATEMENT_TIMEOUT_MS + 2_000,
    keepAlive: true,
    application_name: 'fintech-api',
  });
  // An idle client whose server went away emits here; without a listener the process would crash.
  pool.on('error', (err) => logger.warn('database connection lost', { err: err.message }));
  // A client held by a request between two of its queries emits the loss on itself, not on the pool, and would
  // crash the process the same way. Nothing to do here: the request's next query fails with a 503 and the
  // client is discarded when released.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}
