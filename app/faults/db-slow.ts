import { z } from 'zod';
import type { FaultContext } from './context';
import { defineFault } from './engine';

/**
 * The database itself becomes slow: before each query, pg_sleep runs on the same connection
 * (inside the same transaction), so connections are held, the pool queue grows and
 * PostgreSQL's own statistics (pg_stat_activity) show the waits.
 */
export const dbSlow = defineFault({
  name: 'db_slow',
  settings: {
    db_slow: z
      .boolean()
      .default(false)
      .describe('Each query first spends the delay inside PostgreSQL on its own connection.'),
    db_latency_ms: z
      .number()
      .int()
      .min(0)
      .max(60_000)
      .default(0)
      .describe('Delay per query, ms; 0 means the default (DB_SLOW_DEFAULT_MS).'),
  },
  create: ({ dbSlowDefaultMs }: FaultContext) => ({
    isActive: (s) => s.db_slow,
    // Setting a database delay means "make the database slow".
    complete: (change) =>
      change.db_latency_ms !== undefined && change.db_latency_ms > 0 && change.db_slow === undefined
        ? { db_slow: true }
        : {},
    async beforeQuery(s, query) {
      const ms = s.db_latency_ms > 0 ? s.db_latency_ms : dbSlowDefaultMs;
      await query.client.query('SELECT pg_sleep($1::float8 / 1000)', [ms]);
      return true;
    },
  }),
});
