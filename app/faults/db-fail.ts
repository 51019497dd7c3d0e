import { z } from 'zod';
import { AppError } from '../errors';
import { defineFault } from './engine';

/**
 * Database operations fail as if PostgreSQL were unreachable, before a pool connection is taken: nothing
 * reaches PostgreSQL (no BEGIN/ROLLBACK), a full pool does not delay the failure, and db_slow never runs.
 */
export const dbFail = defineFault({
  name: 'db_fail',
  settings: {
    db_fail: z
      .boolean()
      .default(false)
      .describe('Every database operation fails at once with 503 DATABASE_UNAVAILABLE, before it takes a connection.'),
  },
  create: () => ({
    isActive: (s) => s.db_fail,
    beforeConnect() {
      throw new AppError('DATABASE_UNAVAILABLE', {
        message: 'The database is unavailable (injected by chaos fault db_fail).',
        details: { fault: 'db_fail', injected: true },
      });
    },
  }),
});
