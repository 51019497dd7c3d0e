import { z } from 'zod';
import { AppError } from '../errors';
import type { Fault } from './fault';

export const dbFailSettings = {
  db_fail: z.boolean().default(false).describe('Every database operation fails fast with 503 DATABASE_UNAVAILABLE.'),
};

/** Database operations fail as if PostgreSQL were unreachable, before a query is sent. */
export function dbFailFault(): Fault {
  return {
    name: 'db_fail',
    keys: ['db_fail'],
    isActive: (s) => s.db_fail,
    beforeQuery() {
      throw new AppError('DATABASE_UNAVAILABLE', {
        message: 'The database is unavailable (injected by chaos fault db_fail).',
        details: { fault: 'db_fail', injected: true },
      });
    },
  };
}
